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
