//! What a new user met in the first hour, round two (issue 20): answers that are not failures,
//! flags that say what they do, long input echoed back short.

use std::process::Command;

use crate::support::{TestEnv, code, stderr, stdout};

const CONFIG: &str = r#"
[profiles.staging]
tenant_id = "fabrikam.onmicrosoft.com"
client_id = "00000000-0000-0000-0000-00000000000s"
"#;

/// Runs `args` on a pseudo-terminal (util-linux `script`) with `answers` typed in.
fn on_a_terminal(env: &TestEnv, args: &str, answers: &str) -> std::process::Output {
    assert!(
        Command::new("script").arg("--version").output().is_ok(),
        "util-linux `script` is not installed: run `apt-get install bsdutils` or `.ci/run`"
    );
    let binary = env!("CARGO_BIN_EXE_entra-auth-cli");
    let base = env.cmd(&[]);
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{binary} {args}"), "/dev/null"])
        .env_clear();
    for (key, value) in base.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    crate::support::pipe_stdin(cmd, answers.as_bytes())
}

#[cfg(target_os = "linux")]
#[test]
fn answering_no_to_delete_keeps_the_profile_and_is_no_error() {
    let env = TestEnv::new();
    env.write_config(CONFIG);
    let out = on_a_terminal(&env, "config delete -p staging", "n\n");
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&out), 0, "{shown}");
    assert!(
        shown.contains("kept profile `staging`: nothing was deleted"),
        "{shown}"
    );
    assert!(!shown.contains("error:"), "{shown}");
    let file = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(file.contains("[profiles.staging]"), "{file}");
    // "y" still deletes.
    let out = on_a_terminal(&env, "config delete -p staging", "y\n");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let file = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(!file.contains("[profiles.staging]"), "{file}");
}

#[test]
fn a_name_no_profile_can_have_is_echoed_once_and_short() {
    let env = TestEnv::new();
    env.write_config(CONFIG);
    let long = "a".repeat(5000);
    for args in [
        vec!["get-token", "-p", &long],
        vec!["config", "show", "-p", &long],
        vec!["logout", "-p", &long],
    ] {
        let out = env.run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        let text = stderr(&out);
        assert!(
            text.len() < 600,
            "{args:?} echoed {} bytes:\n{text}",
            text.len()
        );
        assert!(text.contains("longer than 64 characters"), "{text}");
        assert!(
            !text.contains("[profiles."),
            "no table to add for such a name: {text}"
        );
    }
}

/// `inspect` describes an expired token with exit 0 (that is what inspecting is for);
/// `--check` turns "cannot be used now" into exit 1 with the reason, after the same output.
#[test]
fn inspect_check_fails_for_a_token_that_cannot_be_used_now() {
    use base64::Engine as _;
    let part = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = |claims: serde_json::Value| {
        format!(
            "{}.{}.c2ln",
            part(serde_json::json!({"alg": "RS256"})),
            part(claims)
        )
    };
    let env = TestEnv::new();
    let expired = token(serde_json::json!({"exp": 1_767_022_200_i64}));
    let plain = env.run(&["inspect", &expired]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    let checked = env.run(&["inspect", "--check", &expired]);
    assert_eq!(code(&checked), 1);
    assert_eq!(
        stdout(&checked),
        stdout(&plain),
        "the same description first"
    );
    assert!(
        stderr(&checked).contains("error: the token expired at 2025-12-29T15:30:00Z"),
        "{}",
        stderr(&checked)
    );
    let early = token(serde_json::json!({"nbf": 4_102_444_800_i64}));
    let out = env.run(&["inspect", "--check", "-o", "json", &early]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("not valid before 2100-01-01"),
        "{}",
        stderr(&out)
    );
    let good = token(serde_json::json!({"exp": 4_102_444_800_i64}));
    assert_eq!(code(&env.run(&["inspect", "--check", &good])), 0);
}

/// An export can be attacked offline: a passphrase of a few characters is refused before
/// anything is written, with the reason and what to use instead.
#[test]
fn export_refuses_a_short_passphrase() {
    let env = TestEnv::new();
    env.write_config(CONFIG);
    let out = env.run_with_stdin(
        &["config", "export", "-p", "staging", "--passphrase-stdin"],
        "x\n",
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing exported: {}", stdout(&out));
    assert!(
        stderr(&out).contains("the passphrase has 1 characters; an export needs at least 12"),
        "{}",
        stderr(&out)
    );
    let out = env.run_with_stdin(
        &["config", "export", "-p", "staging", "--passphrase-stdin"],
        "correct horse battery staple\n",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ENTRA-AUTH-CLI-EXPORT v1\n"));
}

/// A config directory that cannot be written: the error names the file and says how to pick
/// another directory. The attacker-free case, run as a user who cannot write there (`nobody`:
/// root writes anywhere).
#[cfg(target_os = "linux")]
#[test]
fn a_read_only_config_directory_says_how_to_choose_another() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = TestEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Owned by the user who runs the command (so it is theirs), but read-only.
    std::os::unix::fs::chown(&config, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o555)).unwrap();
    let binary = env!("CARGO_BIN_EXE_entra-auth-cli");
    let mut cmd = env.program("setpriv", &[]);
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        binary,
        "config",
        "create",
        "--name",
        "dev",
        "--tenant-id",
        "contoso.onmicrosoft.com",
        "--client-id",
        "00000000-0000-0000-0000-000000000001",
    ])
    .env("ENTRA_AUTH_CONFIG_DIR", &config)
    .env("HOME", dir.path());
    let out = cmd.output().expect("setpriv (util-linux) runs");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ENTRA_AUTH_CONFIG_DIR"),
        "{}",
        stderr(&out)
    );
}

/// `status` is what a person runs when something is wrong: a broken config file is shown with
/// its problem, and the store and cache are still reported (exit 1, the file's error last).
#[test]
fn status_diagnoses_a_broken_config_file() {
    let env = TestEnv::new();
    env.write_config("[profiles.x\ntenant_id = \"a\"\n");
    let out = env.run(&["status"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(shown.contains("unusable: config file"), "{shown}");
    assert!(!shown.contains("does not exist"), "{shown}");
    assert!(
        shown.contains("store:"),
        "the store is still shown: {shown}"
    );
    assert!(shown.contains("cache dir:"), "{shown}");
    assert!(
        stderr(&out).contains("is not valid TOML"),
        "{}",
        stderr(&out)
    );
    let json = env.run(&["status", "-o", "json"]);
    let body: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        body["config_error"]
            .as_str()
            .unwrap()
            .contains("not valid TOML")
    );
    assert!(body["store"]["backend"].is_string());
}

/// Bytes that are not UTF-8 in config.toml: the line, and how to fix the encoding (not a
/// permissions hint).
#[test]
fn a_config_file_that_is_not_utf8_says_where_and_how_to_fix_it() {
    let env = TestEnv::new();
    env.write_config("[profiles.x]\n");
    let mut bytes = std::fs::read(env.config_file()).unwrap();
    bytes.extend_from_slice(b"tenant_id = \"caf\xe9\"\n");
    std::fs::write(env.config_file(), bytes).unwrap();
    let out = env.run(&["get-token", "-p", "x"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("is not UTF-8 text (line 2)"), "{text}");
    assert!(text.contains("save it as UTF-8"), "{text}");
    assert!(!text.contains("permissions"), "{text}");
}

/// An option exec does not have lands where the command goes: it is named as an option, with
/// where exec's options go, before any token is asked for (not "cannot run `-s`").
#[test]
fn exec_names_an_unknown_option_instead_of_running_it() {
    let env = TestEnv::new();
    env.write_config(CONFIG);
    let out = env.run(&["exec", "-p", "staging", "-s", "x", "--", "true"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("error: `-s` is not an option of exec"),
        "{text}"
    );
    assert!(text.contains("--allow-resource"), "{text}");
    assert!(!text.contains("cannot run"), "{text}");
}

/// Two profiles of the same app share their cached tokens (they are cached per app).
/// `config delete` of one keeps them for the other; `logout` of one says plainly that the
/// other is logged out too.
#[test]
fn commands_aimed_at_one_profile_say_what_they_do_to_profiles_of_the_same_app() {
    use crate::emulator::{self, Emulator};
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let table = |name: &str| {
        format!(
            "[profiles.{name}]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\n",
            emulator::TENANT_ID,
            emulator::CLIENT_ID,
            emu.authority()
        )
    };
    env.write_config(&format!("{}{}", table("dev"), table("staging")));
    let got = env.run(&["get-token", "-p", "dev"]);
    assert_eq!(code(&got), 0, "{}", stderr(&got));
    let status = |env: &TestEnv| -> serde_json::Value {
        serde_json::from_slice(&env.run(&["status", "-o", "json"]).stdout).unwrap()
    };
    let cached = |body: &serde_json::Value, name: &str| {
        body["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map_or(0, |p| p["cached_tokens"].as_array().unwrap().len())
    };
    assert_eq!(cached(&status(&env), "dev"), 1);

    let out = env.run(&["config", "delete", "-p", "staging", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("its cached tokens are kept for `dev`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(cached(&status(&env), "dev"), 1, "dev keeps its token");

    env.write_config(&format!("{}{}", table("dev"), table("staging")));
    let out = env.run(&["logout", "-p", "staging"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("profile(s) `dev`")
            && stderr(&out).contains("use the same app, tenant and authority")
            && stderr(&out).contains("logged out too"),
        "{}",
        stderr(&out)
    );
}

/// `config set-secret` with another ENTRA_AUTH_CACHE_KEY than the file store's secrets were
/// sealed with is refused, with the next step; the stored secrets still open with their key.
#[test]
fn set_secret_refuses_a_key_that_does_not_open_the_stores_secrets() {
    let original = crate::support::CACHE_KEY;
    let other = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let env = TestEnv::new().var("ENTRA_AUTH_STORE", "file");
    env.write_config(&format!(
        "{CONFIG}\n[profiles.dev]\ntenant_id = \"fabrikam.onmicrosoft.com\"\nclient_id = \"00000000-0000-0000-0000-00000000000d\"\n"
    ));
    let with_key = |key: &str, args: &[&str], input: &str| {
        let mut cmd = env.cmd(args);
        cmd.env("ENTRA_AUTH_CACHE_KEY", key);
        crate::support::pipe_stdin(cmd, input.as_bytes())
    };
    let first = with_key(
        original,
        &["config", "set-secret", "-p", "staging"],
        "first-secret",
    );
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let refused = with_key(
        other,
        &["config", "set-secret", "-p", "dev"],
        "second-secret",
    );
    assert_eq!(code(&refused), 1, "{}", stderr(&refused));
    let text = stderr(&refused);
    assert!(text.contains("sealed with another key"), "{text}");
    assert!(text.contains("nothing was stored"), "{text}");
    // The first secret is still there, and still opens with its key.
    let show = with_key(original, &["config", "show", "-p", "staging"], "");
    assert!(
        stdout(&show).contains("stored secrets        secret"),
        "{}",
        stdout(&show)
    );
}

/// On a read-only HOME the memory fallback notice cannot be remembered: it is said on every run,
/// with why and how to silence it (choosing memory), instead of repeating unexplained. Run as
/// `nobody` (root writes anywhere).
#[cfg(target_os = "linux")]
#[test]
fn the_memory_notice_on_a_read_only_home_says_why_it_repeats() {
    use std::os::unix::fs::PermissionsExt as _;
    let emu = crate::emulator::Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("ENTRA_AUTH_STORE")
        .without("ENTRA_AUTH_CACHE_KEY");
    let home = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(home.path(), Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let run = || {
        let mut cmd = env.program("setpriv", &[]);
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_entra-auth-cli"),
            "get-token",
        ])
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env_remove("ENTRA_AUTH_CACHE_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("ENTRA_AUTH_CONFIG_DIR");
        cmd.output().expect("setpriv (util-linux) runs")
    };
    for _ in 0..2 {
        let out = run();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stderr(&out);
        assert!(text.contains("tokens are not kept between runs"), "{text}");
        assert!(text.contains("said on every run because"), "{text}");
        assert!(text.contains("ENTRA_AUTH_STORE=memory"), "{text}");
    }
}
