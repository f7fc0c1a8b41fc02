//! Profile management end to end: create from flags (the CI case) then use it, validation,
//! list/show, edit keeping comments, rename moving secrets, delete removing everything.

use std::process::{Command, Stdio};

use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, TestEnv, code, stderr, stdout};

fn env_with_store() -> TestEnv {
    TestEnv::new()
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
}

#[test]
fn a_profile_created_from_flags_in_a_script_works_with_get_token() {
    let emu = Emulator::start();
    let env = env_with_store();
    let out = env.run_with_stdin(
        &[
            "config",
            "create",
            "--name",
            "ci",
            "--tenant-id",
            emulator::TENANT_ID,
            "--client-id",
            emulator::CLIENT_ID,
            "--scope",
            "api://ci-api/.default",
            "--authority-host",
            &emu.authority(),
            "--client-secret-stdin",
        ],
        format!("{}\n", emulator::CLIENT_SECRET),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(text.contains("[profiles.ci]"), "{text}");
    assert!(text.contains("auth_method = \"client-secret\""), "{text}");
    assert!(
        !text.contains(emulator::CLIENT_SECRET),
        "secrets never go in config.toml"
    );
    let got = env.run(&["get-token", "-p", "ci", "-o", "json"]);
    assert_eq!(code(&got), 0, "{}", stderr(&got));
    let token: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(token["scope"], "api://ci-api/.default");

    // The name may be given without --name, as `config create NAME`.
    let again = env.run(&[
        "config",
        "create",
        "CI",
        "--tenant-id",
        emulator::TENANT_ID,
        "--client-id",
        emulator::CLIENT_ID,
    ]);
    assert_eq!(code(&again), 1, "exists: {}", stderr(&again));
    assert!(stderr(&again).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(env.config_file()).unwrap(),
        text,
        "nothing changed"
    );
    let other = env.run(&[
        "config",
        "create",
        "other",
        "--tenant-id",
        emulator::TENANT_ID,
        "--client-id",
        emulator::CLIENT_ID,
    ]);
    assert_eq!(code(&other), 0, "{}", stderr(&other));
    assert!(
        std::fs::read_to_string(env.config_file())
            .unwrap()
            .contains("[profiles.other]")
    );
}

#[test]
fn create_validates_what_it_writes() {
    let env = env_with_store();
    let cases: [(&str, Vec<&str>); 5] = [
        (
            "bad tenant",
            vec![
                "--name",
                "x",
                "--tenant-id",
                "contoso",
                "--client-id",
                emulator::CLIENT_ID,
            ],
        ),
        (
            "bad client",
            vec![
                "--name",
                "x",
                "--tenant-id",
                emulator::TENANT_ID,
                "--client-id",
                "my-app",
            ],
        ),
        (
            "missing tenant",
            vec!["--name", "x", "--client-id", emulator::CLIENT_ID],
        ),
        (
            "bad flow",
            vec![
                "--name",
                "x",
                "--tenant-id",
                emulator::TENANT_ID,
                "--client-id",
                emulator::CLIENT_ID,
                "--flow",
                "password",
            ],
        ),
        (
            "empty scope",
            vec![
                "--name",
                "x",
                "--tenant-id",
                emulator::TENANT_ID,
                "--client-id",
                emulator::CLIENT_ID,
                "--scope",
                " , ",
            ],
        ),
    ];
    for (what, args) in cases {
        let mut full = vec!["config", "create"];
        full.extend(args);
        let out = env.run(&full);
        assert_eq!(code(&out), 1, "{what}: {}", stderr(&out));
        assert!(!env.config_file().exists(), "{what}: nothing written");
    }
    let out = crate::snapshot_run!(
        env,
        &[
            "config",
            "create",
            "--name",
            "x",
            "--tenant-id",
            "contoso",
            "--client-id",
            emulator::CLIENT_ID
        ]
    );
    assert_eq!(code(&out), 1);
}

#[test]
fn profile_names_with_separators_or_control_characters_are_rejected() {
    let env = env_with_store();
    for name in ["../evil", "a/b", "tab\tname", "new\nline", ""] {
        let out = env.run(&[
            "config",
            "create",
            "--name",
            name,
            "--tenant-id",
            emulator::TENANT_ID,
            "--client-id",
            emulator::CLIENT_ID,
        ]);
        assert_eq!(code(&out), 1, "{name:?}: {}", stderr(&out));
    }
    assert!(!env.config_file().exists());
}

#[test]
fn list_and_show_never_print_secrets() {
    let env = env_with_store();
    env.write_config(&format!(
        "[profiles.prod]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nscopes = [\"https://management.azure.com/.default\"]\n\n[profiles.me]\ntenant_id = \"organizations\"\nclient_id = \"{}\"\nflow = \"device-code\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emulator::PUBLIC_CLIENT_ID
    ));
    let stored = env.run_with_stdin(&["config", "set-secret", "-p", "prod"], "very-secret-value");
    assert_eq!(code(&stored), 0, "{}", stderr(&stored));
    let out = crate::snapshot_run!(env, &["config", "list"]);
    assert_eq!(code(&out), 0);
    let out = env.run(&["config", "list", "-o", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let out = crate::snapshot_run!(env, &["config", "show", "-p", "PROD", "-o", "json"]);
    assert_eq!(code(&out), 0);
    assert!(!stdout(&out).contains("very-secret-value"));
    assert!(
        stdout(&out).contains("\"secret\""),
        "secret names are shown"
    );
    assert_eq!(code(&env.run(&["config", "show", "-p", "nope"])), 2);
}

#[test]
fn edit_keeps_comments_and_unset_removes_fields() {
    let env = env_with_store();
    env.write_config(&format!(
        "# team config, do not lose this\n[profiles.prod]\n# the production tenant\ntenant_id = \"{}\"\nclient_id = \"{}\"\nport = 8400\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID
    ));
    let out = env.run(&[
        "config",
        "edit",
        "-p",
        "prod",
        "--tenant-id",
        "fabrikam.onmicrosoft.com",
        "--unset",
        "port",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(
        text.starts_with("# team config, do not lose this\n"),
        "{text}"
    );
    assert!(
        text.contains("# the production tenant\ntenant_id = \"fabrikam.onmicrosoft.com\""),
        "{text}"
    );
    assert!(!text.contains("port"), "{text}");
    assert_eq!(
        code(&env.run(&["config", "edit", "-p", "prod", "--client-id", "nope"])),
        1
    );
    assert_eq!(
        code(&env.run(&[
            "config",
            "edit",
            "-p",
            "missing",
            "--tenant-id",
            emulator::TENANT_ID
        ])),
        2
    );
    let nothing = env
        .cmd(&["config", "edit", "-p", "prod"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&nothing), 1, "nothing to change without a terminal");
}

#[test]
fn rename_moves_secrets_and_delete_removes_everything() {
    let emu = Emulator::start();
    let env = env_with_store();
    env.write_config(&format!(
        "[profiles.dev]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    ));
    assert_eq!(
        code(&env.run_with_stdin(
            &["config", "set-secret", "-p", "dev"],
            emulator::CLIENT_SECRET
        )),
        0
    );
    let out = env.run(&["config", "rename", "dev", "staging"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let got = env.run(&["get-token", "-p", "staging"]);
    assert_eq!(
        code(&got),
        0,
        "the secret moved with the profile: {}",
        stderr(&got)
    );
    assert_eq!(code(&env.run(&["get-token", "-p", "dev"])), 2);

    let no_yes = env
        .cmd(&["config", "delete", "-p", "staging"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&no_yes), 1, "needs --yes without a terminal");
    let missing = crate::snapshot_run!(env, &["config", "delete", "-p", "ghost", "--yes"]);
    assert_eq!(code(&missing), 2);
    let out = env.run(&["config", "delete", "-p", "staging", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 cached token(s)"),
        "{}",
        stderr(&out)
    );
    let status: serde_json::Value =
        serde_json::from_slice(&env.run(&["status", "-o", "json"]).stdout).unwrap();
    assert_eq!(status["profiles"].as_array().unwrap().len(), 0);
    assert_eq!(status["other_cached_tokens"], 0, "its tokens are gone too");
    let secrets_dir = env.config_dir().join("secrets");
    let left = std::fs::read_dir(&secrets_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "its secrets are gone too");
}

/// `config create` on a terminal asks for what is missing (run under `script`, which gives the
/// command a pseudo-terminal).
#[cfg(target_os = "linux")]
#[test]
fn create_prompts_on_a_terminal() {
    assert!(
        Command::new("script").arg("--version").output().is_ok(),
        "util-linux `script` is not installed: run `apt-get install bsdutils` or `.ci/run`"
    );
    let emu = Emulator::start();
    let env = env_with_store();
    let binary = env!("CARGO_BIN_EXE_entra-auth-cli");
    // Name, tenant, client, scopes (default), authority host, method (default client-secret),
    // and the secret at a no-echo prompt.
    let answers = format!(
        "team\n{}\n{}\n\n{}\n\n{}\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority(),
        emulator::CLIENT_SECRET
    );
    // Same hermetic environment as the binary gets, but started through `script`.
    let base = env.cmd(&[]);
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{binary} config create"), "/dev/null"])
        .env_clear();
    for (key, value) in base.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let out = crate::support::pipe_stdin(cmd, answers.as_bytes());
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let shown = stdout(&out);
    assert!(shown.contains("Profile name"), "{shown}");
    assert!(shown.contains("Tenant (ID or domain)"), "{shown}");
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(text.contains("[profiles.team]"), "{text}");
    assert!(text.contains(emulator::CLIENT_ID), "{text}");
    assert!(
        text.contains("https://graph.microsoft.com/.default"),
        "the default scope was taken: {text}"
    );
    // It asked for what the method needs: the profile works at once.
    assert!(shown.contains("How it proves who it is"), "{shown}");
    assert!(shown.contains("Client secret"), "{shown}");
    assert!(!text.contains(emulator::CLIENT_SECRET), "{text}");
    let got = env.run(&["get-token", "-p", "team"]);
    assert_eq!(code(&got), 0, "{}", stderr(&got));
}

#[test]
fn parallel_creates_all_end_up_in_the_file() {
    let env = env_with_store();
    env.write_config("# kept\n");
    let n = 16;
    let children: Vec<_> = (0..n)
        .map(|i| {
            env.cmd(&[
                "config",
                "create",
                "--name",
                &format!("p{i}"),
                "--tenant-id",
                emulator::TENANT_ID,
                "--client-id",
                emulator::CLIENT_ID,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    let missing: Vec<String> = (0..n)
        .map(|i| format!("[profiles.p{i}]"))
        .filter(|table| !text.contains(table.as_str()))
        .collect();
    assert!(missing.is_empty(), "lost updates {missing:?} in:\n{text}");
    assert!(text.contains("# kept"), "unrelated content stays: {text}");
}
