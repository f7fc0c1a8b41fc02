//! Every output format of every command that prints something other than a token, as a
//! snapshot: `status`, `config list`/`show`, `discover`, `get-token -o exec-credential`/`az`,
//! the az shim's JSON, tsv and `--query`, and exec's endpoint replies and errors.

use serde_json::{Value, json};

use crate::emulator::{self, Emulator};
use crate::support::az_shim::{Shim, shim_env};
use crate::support::{TestEnv, code, stderr, stdout};

/// What varies between runs beyond the common filters: epoch seconds, durations, local times.
fn with_time_filters(run: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b1[0-9]{9}\b", "[EPOCH]");
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}",
        "[LOCAL TIME]",
    );
    settings.add_filter(
        r"\b(in|expires in) \d+[hms](\d+[ms])?(\d+s)?",
        "$1 [DURATION]",
    );
    settings.add_filter(r#""expires_in": \d+"#, r#""expires_in": [N]"#);
    settings.add_filter(r"expiresIn\W+\d+", "expiresIn [N]");
    settings.add_filter(r"\(\d+ min left\)", "([N] min left)");
    settings.bind(run);
}

/// A snapshot name for a command line: letters, digits, `-` and `_` only.
fn name_of(words: &[&str]) -> String {
    words
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A profile in the file, a client secret in the store, one cached token: what `status` and
/// `config` describe.
fn described_env(emu: &Emulator) -> TestEnv {
    let env = TestEnv::for_emulator(emu)
        .without("AZURE_TENANT_ID")
        .without("AZURE_CLIENT_ID")
        .without("AZURE_AUTHORITY_HOST");
    env.write_config(&format!(
        "[profiles.prod]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nscopes = [\"api://prod/.default\"]\nauthority_host = \"{}\"\nlogin_hint = \"ops@contoso.com\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority(),
    ));
    let out = env.run_with_stdin(
        &["config", "set-secret", "-p", "prod"],
        emulator::CLIENT_SECRET,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let env = env.without("AZURE_CLIENT_SECRET");
    let out = env.run(&["get-token", "-p", "prod"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    env
}

#[test]
fn status_as_text_and_json() {
    let emu = Emulator::start();
    let env = described_env(&emu);
    with_time_filters(|| {
        let text = crate::snapshot_run!(env, &["status"]);
        assert!(!stdout(&text).contains(emulator::CLIENT_SECRET));
        let json = crate::snapshot_run!(env, &["status", "-o", "json"]);
        assert!(!stdout(&json).contains(emulator::CLIENT_SECRET));
    });
}

#[test]
fn config_list_and_show_in_every_format() {
    let emu = Emulator::start();
    let env = described_env(&emu);
    for args in [
        &["config", "list", "-o", "json"][..],
        &["config", "list", "-o", "yaml"],
        &["config", "show", "-p", "prod"],
        &["config", "show", "-p", "prod", "-o", "yaml"],
    ] {
        let out = env.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).contains(emulator::CLIENT_SECRET));
        crate::snapshot_output!(name_of(args), env, &out);
    }
}

#[test]
fn discover_as_json() {
    let emu = Emulator::start();
    emu.seed_applications(&[
        ("Billing API", "00000000-0000-4000-8000-000000000001"),
        ("Payroll", "00000000-0000-4000-8000-000000000002"),
    ]);
    let env = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_GRAPH_ENDPOINT", &emu.authority());
    crate::snapshot_run!(env, &["discover", "-o", "json"]);
}

#[test]
fn get_token_as_an_exec_credential_and_as_az_prints_it() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("TZ", "UTC");
    with_time_filters(|| {
        crate::snapshot_run!(env, &["get-token", "-o", "exec-credential"]);
        crate::snapshot_run!(env, &["get-token", "-o", "az"]);
    });
}

#[test]
fn az_shim_outputs_and_its_error() {
    let emu = Emulator::start();
    let shim = Shim::new();
    let env = shim_env(&emu, &shim);
    let az = shim.az();
    with_time_filters(|| {
        for args in [
            &[
                "account",
                "get-access-token",
                "--resource",
                "https://vault.azure.net",
            ][..],
            &["account", "get-access-token", "-o", "tsv"],
            &[
                "account",
                "get-access-token",
                "--query",
                "expiresOn",
                "-o",
                "tsv",
            ],
            &["account", "show"],
            &["account", "show", "--query", "user.type", "-o", "tsv"],
            &["account", "list", "-o", "json"],
        ] {
            let out = env.program(&az, args).output().unwrap();
            assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
            crate::snapshot_output!(format!("az_{}", name_of(args)), env, &out);
        }
        let outside_exec = shim_env(&emu, &shim)
            .without("IDENTITY_ENDPOINT")
            .without("IDENTITY_HEADER");
        let out = outside_exec
            .program(&az, &["account", "get-access-token"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1);
        crate::snapshot_output!("az_outside_exec", env, &out);
    });
}

#[test]
fn exec_endpoint_replies_and_errors() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let vault = "https://vault.azure.net";
    let (out, seen) = crate::support::exec_probe(
        &env,
        &["--allow-resource", vault],
        &json!([
            {"route": "app", "resource": vault},
            {"route": "imds", "resource": vault},
            {"route": "app", "resource": vault, "secret": null},
            {"route": "app", "resource": vault, "headers": {"Origin": "http://evil.example"}},
            {"route": "app", "resource": "https://storage.azure.com"},
            {"route": "app", "resource": null},
            {"route": "app", "resource": vault, "path": "/other"},
            {"route": "imds", "resource": vault, "metadata": false},
        ]),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let replies: Vec<Value> = seen["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].clone())
        .collect();
    with_time_filters(|| {
        let mut settings = insta::Settings::clone_current();
        for (from, to) in crate::support::filters(env.home.path()) {
            settings.add_filter(&from, to.as_str());
        }
        settings.bind(|| {
            insta::assert_snapshot!(serde_json::to_string_pretty(&replies).unwrap());
        });
    });
}
