//! Secure storage end to end: the real Secret Service (private gnome-keyring), the encrypted
//! file store, loud fallbacks, crash safety and parallel invocations.

use std::process::Stdio;

use crate::emulator::{self, Emulator, Fault};
use crate::secret_service::SecretService;
use crate::support::{TestEnv, code, json, stderr, stdout};

/// The container variables without a cache key or store choice: `auto` decides.
fn auto_env(emu: &Emulator) -> TestEnv {
    TestEnv::for_emulator(emu)
        .without("ENTRA_AUTH_CACHE_KEY")
        .without("ENTRA_AUTH_STORE")
}

fn token_files(env: &TestEnv) -> usize {
    std::fs::read_dir(env.cache_dir())
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "token"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn auto_uses_the_secret_service_for_tokens_and_secrets() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = auto_env(&emu)
        .with_secret_service(&service)
        .without("AZURE_CLIENT_SECRET");

    let stored = env.run_with_stdin(
        &["config", "set-secret"],
        format!("{}\n", emulator::CLIENT_SECRET),
    );
    assert_eq!(code(&stored), 0, "{}", stderr(&stored));
    assert!(
        stderr(&stored).contains("in the keyring store"),
        "{}",
        stderr(&stored)
    );
    let looked_up = service.secret_tool(&[
        "lookup",
        "service",
        "entra-auth-cli",
        "username",
        "profile:default:secret",
    ]);
    // The secret, after the destination it is bound to (authority, tenant, client; one line
    // each), without the trailing newline.
    let lines: Vec<&str> = looked_up.split('\n').collect();
    assert_eq!(
        lines,
        [
            "entra-auth-cli bound secret v1",
            emu.authority().as_str(),
            emulator::TENANT_ID,
            emulator::CLIENT_ID,
            emulator::CLIENT_SECRET
        ],
        "the trailing newline was stripped"
    );

    let first = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        first.stderr.is_empty(),
        "no notice when the keyring works: {}",
        stderr(&first)
    );
    assert_eq!(json(&first)["source"], "network");
    let second = env.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&second)["source"], "cache");
    assert_eq!(emu.total_token_requests(), 1);

    let items = service.secret_tool(&["search", "--all", "service", "entra-auth-cli"]);
    assert!(items.contains("attribute.username = token:"), "{items}");
    assert_eq!(
        token_files(&env),
        0,
        "tokens went to the keyring, not to files"
    );

    let status = env.run(&["status", "-o", "json"]);
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let report = json(&status);
    assert_eq!(report["store"]["backend"], "keyring");
    assert_eq!(report["profiles"][0]["secrets"][0], "secret");
    assert_eq!(
        report["profiles"][0]["cached_tokens"][0]["scope"],
        "https://graph.microsoft.com/.default"
    );
    let text = stdout(&status);
    assert!(
        !text.contains(emulator::CLIENT_SECRET) && !text.contains("eyJ"),
        "status never shows secrets"
    );

    let out = env.run(&["logout", "-p", "default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed 1 cached token(s)"),
        "{}",
        stderr(&out)
    );
    let items = service.secret_tool(&["search", "--all", "service", "entra-auth-cli"]);
    assert!(!items.contains("username = token:"), "{items}");
    assert!(
        items.contains("profile:default:secret"),
        "logout keeps secrets: {items}"
    );
    assert_eq!(
        json(&env.run(&["get-token", "-o", "json"]))["source"],
        "network"
    );
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn file_store_keeps_its_key_in_the_keyring() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = auto_env(&emu)
        .with_secret_service(&service)
        .var("ENTRA_AUTH_STORE", "file");
    let first = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_eq!(token_files(&env), 1);
    assert_eq!(
        json(&env.run(&["get-token", "-o", "json"]))["source"],
        "cache"
    );
    let items = service.secret_tool(&["search", "--all", "service", "entra-auth-cli"]);
    assert!(items.contains("username = file-store-key"), "{items}");
}

#[test]
fn explicit_keyring_without_one_is_exit_1_with_a_hint() {
    let emu = Emulator::start();
    let env = auto_env(&emu).var("ENTRA_AUTH_STORE", "keyring");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn no_session_bus_with_a_key_uses_the_file_store_quietly() {
    let emu = Emulator::start();
    let env = auto_env(&emu).var("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY);
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        out.stderr.is_empty(),
        "setting the key chose the file store: nothing to say: {}",
        stderr(&out)
    );
    assert_eq!(token_files(&env), 1);
    let status = json(&env.run(&["status", "-o", "json"]));
    assert_eq!(status["store"]["backend"], "file");
    assert!(
        status["store"]["reason"]
            .as_str()
            .unwrap()
            .contains("keyring is unavailable")
    );
}

#[test]
fn status_text_explains_the_choice() {
    let env = TestEnv::new()
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", emulator::CLIENT_ID)
        .var("ENTRA_AUTH_STORE", "memory");
    let out = crate::snapshot_run!(env, &["status"]);
    assert_eq!(code(&out), 0);
}

#[test]
fn set_secret_then_get_token_with_the_file_store() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).without("AZURE_CLIENT_SECRET");
    env.write_config(&format!(
        "[profiles.App]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    ));
    let out = env.run_with_stdin(
        &["config", "set-secret", "-p", "app"],
        emulator::CLIENT_SECRET,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let secrets = env.config_dir().join("secrets");
    let mode = |path: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&secrets), 0o700, "a private directory");
    for entry in std::fs::read_dir(&secrets).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "a private file: {}", path.display());
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(emulator::CLIENT_SECRET),
            "sealed, not plaintext"
        );
    }
    assert!(
        !std::fs::read_to_string(env.config_file())
            .unwrap()
            .contains(emulator::CLIENT_SECRET)
    );
    let got = env.run(&["get-token", "-p", "APP"]);
    assert_eq!(code(&got), 0, "{}", stderr(&got));
    assert!(emu.verify(stdout(&got).trim()).is_ok());

    let missing = env.run(&["config", "set-secret", "-p", "nope"]);
    assert_eq!(
        code(&missing),
        2,
        "no secrets for profiles that do not exist"
    );
    let empty = env
        .cmd(&["config", "set-secret", "-p", "app"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&empty), 1);
    assert!(stderr(&empty).contains("standard input was empty"));
}

#[test]
fn a_crash_mid_write_leaves_the_old_entry_intact() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let before = json(&env.run(&["get-token", "-o", "json"]));
    let crashed = env
        .cmd(&["get-token", "--force"])
        .env("ENTRA_AUTH_TEST_CRASH_BEFORE_RENAME", "1")
        .output()
        .unwrap();
    assert!(
        crashed.status.code().is_none(),
        "killed by a signal mid-write"
    );
    let after = json(&env.run(&["get-token", "-o", "json"]));
    assert_eq!(after["source"], "cache", "the old entry is still readable");
    assert_eq!(after["access_token"], before["access_token"]);
    assert_eq!(emu.total_token_requests(), 2);
}

fn parallel_cold_calls(env: &TestEnv, emu: &Emulator, n: usize) {
    emu.push_fault(Fault::Slow(std::time::Duration::from_millis(300)));
    let children: Vec<_> = (0..n)
        .map(|_| {
            env.cmd(&["get-token", "-o", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert_eq!(code(out), 0, "{}", stderr(out));
    }
    let tokens: Vec<String> = outputs
        .iter()
        .map(|o| json(o)["access_token"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "all {n} print the same token"
    );
    assert!(emu.verify(&tokens[0]).is_ok());
    assert_eq!(
        emu.total_token_requests(),
        1,
        "one IdP request for {n} parallel calls"
    );
}

#[test]
fn twenty_parallel_cold_calls_make_one_request_file_store() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    parallel_cold_calls(&env, &emu, 20);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in std::fs::read_dir(env.cache_dir()).unwrap() {
            let path = entry.unwrap().path();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            let expected = if path.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode, expected, "{}", path.display());
        }
    }
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn twenty_parallel_cold_calls_make_one_request_keyring() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = auto_env(&emu).with_secret_service(&service);
    parallel_cold_calls(&env, &emu, 20);
}

#[cfg(unix)]
#[test]
fn a_hung_session_bus_costs_seconds_not_minutes() {
    use std::os::unix::net::UnixListener;
    let emu = Emulator::start();
    let env = auto_env(&emu).var("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY);
    // A "bus" that accepts connections and never says a word, as a wedged dbus-daemon does:
    // the kernel completes the connection from the listen backlog; nobody ever answers.
    let socket = env.home.path().join("hung-bus");
    let listener = UnixListener::bind(&socket).unwrap();
    let env = env.var(
        "DBUS_SESSION_BUS_ADDRESS",
        &format!("unix:path={}", socket.display()),
    );
    let started = std::time::Instant::now();
    let out = env.run(&["-v", "get-token"]);
    let elapsed = started.elapsed();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("did not answer"),
        "-v shows the raw cause: {err}"
    );
    assert!(
        !err.contains("warning:"),
        "the key chose the file store: {err}"
    );
    assert_eq!(token_files(&env), 1);
    assert!(
        elapsed < std::time::Duration::from_secs(20),
        "bounded by the keyring deadline: {elapsed:?}"
    );
    assert!(emu.verify(stdout(&out).trim()).is_ok());
    drop(listener);
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn a_corrupt_keyring_entry_is_a_warned_miss_then_replaced() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = auto_env(&emu).with_secret_service(&service);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let items = service.secret_tool(&["search", "--all", "service", "entra-auth-cli"]);
    let user = items
        .lines()
        .find_map(|l| l.strip_prefix("attribute.username = token:"))
        .map(|digest| format!("token:{digest}"))
        .expect("a token entry");
    let mut overwrite = std::process::Command::new("secret-tool")
        .args([
            "store",
            "--label=tampered",
            "service",
            "entra-auth-cli",
            "username",
            &user,
        ])
        .env_clear()
        .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut overwrite.stdin.take().unwrap(), b"{not json").unwrap();
    assert!(overwrite.wait().unwrap().success());
    // The kernel keyring's copy would serve the old token until it expires: expire it now.
    #[cfg(target_os = "linux")]
    {
        use crate::keyring_fast_tier::{drop_copy, prefix, token_copies};
        for copy in token_copies(&prefix(&env)) {
            drop_copy(&copy);
        }
    }

    let out = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "network");
    assert!(stderr(&out).contains("is unreadable"), "{}", stderr(&out));
    let healed = env.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&healed)["source"], "cache");
    assert!(healed.stderr.is_empty(), "{}", stderr(&healed));
}
