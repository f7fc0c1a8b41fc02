//! The first hour of a new user, end to end: mistakes that used to end in a misleading error (an
//! empty secret taken as unset, a loopback authority without a scheme, a misspelt config table,
//! a file store locked in a new shell) and the CLI's rough edges (`help`, `logout` without `-p`,
//! `--warn-expiry 10m`).

use crate::certs;
use crate::emulator::{self, Emulator};
use crate::support::{TestEnv, code, pipe_stdin, stderr, stdout};

// ------------------------------------------------------------ empty secret-bearing variables

#[test]
fn an_empty_client_secret_variable_is_exit_1_not_a_sign_in() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("AZURE_CLIENT_SECRET", "");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert_eq!(emu.total_token_requests(), 0);
    let blank = TestEnv::for_emulator(&emu).var("AZURE_CLIENT_SECRET", "  ");
    let out = blank.run(&["get-token", "--non-interactive"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error: AZURE_CLIENT_SECRET is set but empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_empty_certificate_password_variable_is_named_when_the_pfx_needs_one() {
    const CERT_APP: &str = "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
    let emu = Emulator::start();
    emu.register_certificate_client(emulator::TENANT_ID, CERT_APP, certs::shared().cert_der());
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("AZURE_CLIENT_CERTIFICATE_PASSWORD", "");
    env.write_config(&format!(
        "[profiles.cert]\ntenant_id = \"{}\"\nclient_id = \"{CERT_APP}\"\nauthority_host = \"{}\"\ncertificate_path = \"{}\"\n",
        emulator::TENANT_ID,
        emu.authority(),
        certs::shared().modern_pfx().display(),
    ));
    let out = env.run(&["get-token", "-p", "cert"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: AZURE_CLIENT_CERTIFICATE_PASSWORD is set but empty, and the certificate"
        ),
        "{err}"
    );
    assert_eq!(emu.total_token_requests(), 0);
    // A PFX without a password still works with the variable set but empty.
    env.write_config(&format!(
        "[profiles.cert]\ntenant_id = \"{}\"\nclient_id = \"{CERT_APP}\"\nauthority_host = \"{}\"\ncertificate_path = \"{}\"\n",
        emulator::TENANT_ID,
        emu.authority(),
        certs::shared().modern_nopass_pfx().display(),
    ));
    let out = env.run(&["get-token", "-p", "cert"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn an_empty_cache_key_is_exit_1_not_the_memory_store() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("ENTRA_AUTH_STORE")
        .var("ENTRA_AUTH_CACHE_KEY", "");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert_eq!(emu.total_token_requests(), 0);
}

// ------------------------------------------------------------ authority host and tenant

#[test]
fn a_loopback_authority_without_a_scheme_suggests_http() {
    let emu = Emulator::start();
    let bare = emu.authority().trim_start_matches("http://").to_owned();
    let env = TestEnv::for_emulator(&emu).var("AZURE_AUTHORITY_HOST", &bare);
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&format!("`http://{bare}`")));
    assert_eq!(emu.total_token_requests(), 0, "no TLS attempt, no retries");
}

#[test]
fn a_tenant_that_is_no_tenant_is_refused_before_any_request() {
    let env = TestEnv::new()
        .var("AZURE_TENANT_ID", "contoso")
        .var("AZURE_CLIENT_ID", emulator::CLIENT_ID)
        .var("AZURE_CLIENT_SECRET", "x")
        .var("ENTRA_AUTH_STORE", "memory");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn emulator_tenants_by_id_and_domain_still_work() {
    let emu = Emulator::start();
    for tenant in [emulator::TENANT_ID, emulator::TENANT_DOMAIN] {
        let env = TestEnv::for_emulator(&emu).var("AZURE_TENANT_ID", tenant);
        let out = env.run(&["get-token", "--no-cache"]);
        assert_eq!(code(&out), 0, "{tenant}: {}", stderr(&out));
    }
}

// ------------------------------------------------------------ config.toml mistakes

#[test]
fn a_singular_profile_table_is_an_error_that_suggests_the_plural() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "# mine\n[profile.work]\ntenant_id = \"{}\"\nclient_id = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID
    ));
    let out = crate::snapshot_run!(env, &["get-token", "-p", "work"]);
    assert_eq!(code(&out), 1);
    let listed = env.run(&["config", "list"]);
    assert_eq!(
        code(&listed),
        1,
        "every command sees it: {}",
        stderr(&listed)
    );
}

#[test]
fn a_wrong_type_names_the_profile_and_the_field() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[profiles.work]\ntenant_id = 5\nclient_id = \"{}\"\n",
        emulator::CLIENT_ID
    ));
    let out = crate::snapshot_run!(env, &["get-token", "-p", "work"]);
    assert_eq!(code(&out), 1);
}

// ------------------------------------------------------------ a file store locked in a new shell

#[test]
fn a_secret_sealed_in_the_file_store_without_its_key_says_the_store_is_locked() {
    let emu = Emulator::start();
    let new_shell = TestEnv::for_emulator(&emu)
        .without("AZURE_CLIENT_SECRET")
        .without("ENTRA_AUTH_STORE")
        .without("ENTRA_AUTH_CACHE_KEY");
    let with_key = |args: &[&str]| {
        let mut cmd = new_shell.cmd(args);
        cmd.env("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY);
        cmd
    };
    // Yesterday: no keyring, the key exported, the secret stored (auto chose the file store).
    let stored = pipe_stdin(
        with_key(&["config", "set-secret"]),
        emulator::CLIENT_SECRET.as_bytes(),
    );
    assert_eq!(code(&stored), 0, "{}", stderr(&stored));
    assert!(
        stderr(&stored).contains("file store"),
        "{}",
        stderr(&stored)
    );
    // Today, a new shell without the key: auto falls back to memory.
    let out = crate::snapshot_run!(new_shell, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert_eq!(emu.total_token_requests(), 0);
    let status = new_shell.run(&["status", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(report["store"]["backend"], "memory");
    assert_eq!(report["store"]["locked_file_store"], true);
    // With the key back, the stored secret works.
    let out = with_key(&["get-token"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The same secret read with another `ENTRA_AUTH_CACHE_KEY` (a rotated or mistyped key): the
/// entry is reported as unreadable, with the file, and the app is not taken for a person who
/// must sign in.
#[test]
fn a_secret_sealed_with_another_key_is_reported_not_taken_for_a_sign_in() {
    let emu = Emulator::start();
    let shell = TestEnv::for_emulator(&emu).without("AZURE_CLIENT_SECRET");
    let stored = shell.run_with_stdin(&["config", "set-secret"], emulator::CLIENT_SECRET);
    assert_eq!(code(&stored), 0, "{}", stderr(&stored));
    let other_key = "ab".repeat(32);
    let mut cmd = shell.cmd(&["get-token", "--non-interactive"]);
    cmd.env("ENTRA_AUTH_CACHE_KEY", &other_key);
    let out = cmd.output().unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("cannot read the secret of profile `default`")
            && err.contains("does not decrypt with the current key"),
        "{err}"
    );
    assert!(!err.contains("sign in"), "not a person's sign-in: {err}");
    assert_eq!(emu.total_token_requests(), 0);
    // status, run to diagnose it, says the same instead of "none stored".
    let mut cmd = shell.cmd(&["status"]);
    cmd.env("ENTRA_AUTH_CACHE_KEY", &other_key);
    let status = stdout(&cmd.output().unwrap());
    assert!(
        status.contains("secrets:    secret (does not open with this ENTRA_AUTH_CACHE_KEY"),
        "{status}"
    );
    let mut cmd = shell.cmd(&["status", "-o", "json"]);
    cmd.env("ENTRA_AUTH_CACHE_KEY", &other_key);
    let json: serde_json::Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    assert_eq!(
        json["profiles"][0]["unreadable_secrets"],
        serde_json::json!(["secret"])
    );
    // With the key it was stored with, the secret is simply there.
    let status = stdout(&shell.run(&["status"]));
    assert!(status.contains("secrets:    secret\n"), "{status}");
}

// ------------------------------------------------------------ flags and commands

#[test]
fn warn_expiry_takes_a_duration_like_every_other_flag() {
    let emu = Emulator::start();
    emu.set_token_lifetime(600);
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "--warn-expiry", "1h", "--min-validity", "1m"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: the token expires in"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["get-token", "--warn-expiry", "2m", "--min-validity", "1m"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn help_is_a_command_too() {
    let env = TestEnv::new();
    let top = env.run(&["help"]);
    assert_eq!(code(&top), 0, "{}", stderr(&top));
    assert_eq!(stdout(&top), stdout(&env.run(&["--help"])));
    let sub = env.run(&["help", "get-token"]);
    assert_eq!(code(&sub), 0, "{}", stderr(&sub));
    assert_eq!(stdout(&sub), stdout(&env.run(&["get-token", "--help"])));
    let nested = env.run(&["config", "help", "create"]);
    assert_eq!(code(&nested), 0, "{}", stderr(&nested));
    assert!(stdout(&nested).contains("Usage: entra-auth-cli config create"));
}

#[test]
fn logout_defaults_to_the_default_profile_like_every_command() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let out = env.run(&["logout"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("removed 1 cached token(s) and 0 saved sign-in(s) of profile `default`"),
        "{}",
        stderr(&out)
    );
    let with_profile = |args: &[&str]| {
        let mut cmd = env.cmd(args);
        cmd.env("ENTRA_AUTH_PROFILE", "nope");
        cmd.output().unwrap()
    };
    assert_eq!(
        code(&with_profile(&["logout"])),
        2,
        "ENTRA_AUTH_PROFILE picks it"
    );
    let all = with_profile(&["logout", "--all"]);
    assert_eq!(code(&all), 0, "--all beats the variable: {}", stderr(&all));
    let both = env.run(&["logout", "-p", "default", "--all"]);
    assert_eq!(code(&both), 1, "{}", stderr(&both));
}

// ------------------------------------------------------------ the emulator from a terminal

/// `cargo run --example emulator` in a terminal serves until Ctrl-C: it does not read the
/// terminal (so Ctrl-D does not stop it, and a background job is not stopped for reading it).
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs the emulator example built (a plain `cargo test` or `cargo build --example emulator` builds it) and a terminal from util-linux `script`; run with: cargo test -- --ignored"]
fn the_emulator_example_serves_until_ctrl_c_from_a_terminal() {
    use std::io::{BufRead as _, Read as _, Write as _};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let example = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .join("examples/emulator");
    assert!(
        example.is_file(),
        "{} is missing: build it with `cargo build --example emulator`",
        example.display()
    );
    /// Never leaves the emulator running when an assertion fails.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    // `script` runs the emulator on a pseudo-terminal and relays our pipe to it; SIGINT as a
    // terminal has it (a test run started in the background inherits it ignored).
    let child = Command::new("env")
        .args(["--default-signal=INT", "script", "-q", "-f", "-e", "-c"])
        .arg(&example)
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux `script` runs");
    let mut child = KillOnDrop(child);
    let mut terminal_in = child.0.stdin.take().unwrap();
    let terminal_out = child.0.stdout.take().unwrap();
    let (lines, seen) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(terminal_out).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // A bound so a broken emulator fails the test instead of hanging it (not a timing check).
    let next = || seen.recv_timeout(Duration::from_secs(60)).ok();
    let mut authority = None;
    let mut until_ctrl_c = false;
    while let Some(line) = next() {
        if let Some(rest) = line.trim().strip_prefix("authority=") {
            authority = rest.split_whitespace().next().map(str::to_owned);
        }
        if line.contains("serving until Ctrl-C") {
            until_ctrl_c = true;
            break;
        }
    }
    let authority = authority.expect("the emulator printed its authority");
    assert!(
        until_ctrl_c,
        "from a terminal, the emulator says it serves until Ctrl-C"
    );

    // Ctrl-D (end of input on a terminal) does not stop it...
    terminal_in.write_all(b"\x04").unwrap();
    terminal_in.flush().unwrap();
    let address = authority.trim_start_matches("http://");
    let mut http = std::net::TcpStream::connect(address).expect("still serving after Ctrl-D");
    http.write_all(b"GET /health HTTP/1.0\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    let _ = http.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1."), "{reply:?}");

    // ...Ctrl-C does.
    terminal_in.write_all(b"\x03").unwrap();
    terminal_in.flush().unwrap();
    let waited = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        // A bound so a missed Ctrl-C fails the test instead of hanging it.
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "Ctrl-C did not stop the emulator"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "ended by Ctrl-C: {status:?}");
}

// ------------------------------------------------------------ the README's recipes

#[test]
fn readme_emulator_recipe_names_the_emulator_as_it_is() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("### Try the installed CLI against the bundled emulator")
        .expect("the emulator section");
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    for (what, value) in [
        ("tenant", emulator::TENANT_ID),
        ("client id", emulator::CLIENT_ID),
        ("client secret", emulator::CLIENT_SECRET),
    ] {
        assert!(
            section.contains(value),
            "README shows another {what} than {value}"
        );
    }
    assert!(section.contains("export AZURE_AUTHORITY_HOST=http://127.0.0.1:"));
}
