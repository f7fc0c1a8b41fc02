//! `discover` end to end against the emulator's Microsoft Graph: paging past 999 applications,
//! the server filters (`startswith`, `eq`) and client-side wildcards, OData quote escaping,
//! `--create-profile`, the permission and network errors; and `completions`.

use serde_json::Value;

use crate::emulator::{self, Emulator};
use crate::support::{TestEnv, code, stderr, stdout};

/// The default client-credentials profile, with Graph served by the emulator.
fn graph_env(emu: &Emulator) -> TestEnv {
    TestEnv::for_emulator(emu).var("ENTRA_AUTH_GRAPH_ENDPOINT", &emu.authority())
}

fn app_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// Display names of a `-o json` run (asserting exit 0).
fn names(out: &std::process::Output) -> Vec<String> {
    assert_eq!(code(out), 0, "{}", stderr(out));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    list.iter()
        .map(|app| app["display_name"].as_str().unwrap().to_owned())
        .collect()
}

/// The decoded `$filter` of each Graph request so far.
fn filters(emu: &Emulator) -> Vec<Option<String>> {
    emu.graph_request_log()
        .iter()
        .map(|r| r.form.get("$filter").cloned())
        .collect()
}

fn seed_billing(emu: &Emulator) {
    emu.seed_applications(&[
        ("Billing API", &app_id(1)),
        ("billing-worker", &app_id(2)),
        ("Team Billing", &app_id(3)),
        ("Payroll", &app_id(4)),
        ("Test App", &app_id(5)),
    ]);
}

#[test]
fn more_than_999_apps_page_through_completely() {
    let emu = Emulator::start();
    let apps: Vec<(String, String)> = (0..2100)
        .map(|i| (format!("app-{i:04}"), app_id(i)))
        .collect();
    let refs: Vec<(&str, &str)> = apps.iter().map(|(n, a)| (n.as_str(), a.as_str())).collect();
    emu.seed_applications(&refs);
    let out = graph_env(&emu).run(&["discover", "-o", "json"]);
    let found = names(&out);
    assert_eq!(found.len(), 2100);
    let expected: Vec<String> = apps.into_iter().map(|(n, _)| n).collect();
    assert_eq!(found, expected, "every app once, sorted by name");
    let log = emu.graph_request_log();
    assert_eq!(log.len(), 3, "999 + 999 + 102");
    assert_eq!(log[0].form["$top"], "999");
    assert_eq!(
        log[0].form["$select"],
        "id,appId,displayName,signInAudience,createdDateTime"
    );
    assert!(!log[0].form.contains_key("$skiptoken"));
    assert!(log[1].form.contains_key("$skiptoken"));
    assert!(log[2].form.contains_key("$skiptoken"));
    assert_eq!(filters(&emu), [None, None, None]);
    for request in &log {
        let bearer = request.headers["authorization"].strip_prefix("Bearer ");
        let claims = emu.verify(bearer.expect("a bearer token")).unwrap();
        assert_eq!(claims["aud"], "https://graph.microsoft.com");
        assert_eq!(claims["appid"], emulator::CLIENT_ID);
        assert!(!request.headers.contains_key("consistencylevel"));
    }
}

#[test]
fn contains_pattern_is_matched_client_side() {
    let emu = Emulator::start();
    seed_billing(&emu);
    let env = graph_env(&emu);
    crate::snapshot_run!(env, &["discover", "*bill*"]);
    assert_eq!(filters(&emu), [None]);
    let out = env.run(&["discover", "*app", "-o", "json"]);
    assert_eq!(names(&out), ["Test App"]);
}

#[test]
fn prefix_pattern_uses_startswith() {
    let emu = Emulator::start();
    seed_billing(&emu);
    let env = graph_env(&emu);
    let out = env.run(&["discover", "BILLING*", "-o", "json"]);
    assert_eq!(names(&out), ["Billing API", "billing-worker"]);
    // A prefix then more: Graph filters the prefix, the rest is matched here.
    let out = env.run(&["discover", "b*worker", "-o", "json"]);
    assert_eq!(names(&out), ["billing-worker"]);
    // No star: the exact name.
    let out = env.run(&["discover", "billing api", "-o", "json"]);
    assert_eq!(names(&out), ["Billing API"]);
    assert_eq!(
        filters(&emu),
        [
            Some("startswith(displayName,'BILLING')".to_owned()),
            Some("startswith(displayName,'b')".to_owned()),
            Some("displayName eq 'billing api'".to_owned()),
        ]
    );
}

#[test]
fn quotes_in_names_are_escaped() {
    let emu = Emulator::start();
    emu.seed_applications(&[
        ("O'Brien's App", &app_id(1)),
        ("O'Brien's Other", &app_id(2)),
        ("OBriens", &app_id(3)),
    ]);
    let env = graph_env(&emu);
    let out = env.run(&["discover", "O'Brien's App", "-o", "json"]);
    assert_eq!(names(&out), ["O'Brien's App"]);
    let out = env.run(&["discover", "o'brien*", "-o", "json"]);
    assert_eq!(names(&out), ["O'Brien's App", "O'Brien's Other"]);
    assert_eq!(
        filters(&emu),
        [
            Some("displayName eq 'O''Brien''s App'".to_owned()),
            Some("startswith(displayName,'o''brien')".to_owned()),
        ]
    );
}

#[test]
fn no_match_is_exit_0_with_a_notice() {
    let emu = Emulator::start();
    seed_billing(&emu);
    let env = graph_env(&emu);
    crate::snapshot_run!(env, &["discover", "nothing*"]);
    let out = env.run(&["discover", "nothing*", "-o", "json"]);
    assert_eq!(stdout(&out), "[]\n");
}

#[test]
fn create_profile_writes_a_profile_that_get_token_resolves() {
    let emu = Emulator::start();
    seed_billing(&emu);
    let secret = "billing~s3cr3t";
    emu.register_client(emulator::TENANT_ID, &app_id(1), secret);
    let env = graph_env(&emu);
    let search = [
        "discover",
        "-t",
        emulator::TENANT_DOMAIN,
        "-s",
        "Billing API",
        "--create-profile",
        "billing",
    ];
    let out = env.run(&search);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("Billing API"));
    // `-s` still works here, and says that it is --scope everywhere else.
    assert!(
        stderr(&out).contains("`-s`/`--search` is deprecated here")
            && stderr(&out).contains("discover 'Billing API'"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("created profile `billing`"),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(env.config_file()).unwrap();
    assert_eq!(
        written,
        format!(
            "[profiles.billing]\ntenant_id = \"{}\"\nclient_id = \"{}\"\n",
            emulator::TENANT_DOMAIN,
            app_id(1)
        )
    );
    assert!(
        emu.last_token_request()
            .unwrap()
            .path
            .contains(emulator::TENANT_DOMAIN),
        "-t is the tenant searched"
    );

    // Only the file and the secret: no AZURE_TENANT_ID / AZURE_CLIENT_ID override.
    let user = TestEnv::new()
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("AZURE_CLIENT_SECRET", secret)
        .var("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY)
        .var("ENTRA_AUTH_STORE", "file");
    user.write_config(&written);
    let out = user.run(&["get-token", "-p", "billing"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let claims = emu.verify(stdout(&out).trim()).unwrap();
    assert_eq!(claims["appid"], app_id(1));

    // Never replaced, and checked before any request.
    let requests = emu.graph_requests();
    let out = env.run(&search);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(emu.graph_requests(), requests);
    assert_eq!(std::fs::read_to_string(env.config_file()).unwrap(), written);
}

#[test]
fn create_profile_needs_exactly_one_match() {
    let emu = Emulator::start();
    seed_billing(&emu);
    let env = graph_env(&emu);
    crate::snapshot_run!(env, &["discover", "*billing*", "--create-profile", "b"]);
    let out = env.run(&["discover", "none", "--create-profile", "b"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("0 match"), "{}", stderr(&out));
    let out = env.run(&["discover", "--create-profile", "bad name"]);
    assert_eq!(code(&out), 1);
    assert!(!env.config_file().exists());
}

#[test]
fn missing_permission_is_exit_3_with_a_hint() {
    let emu = Emulator::start();
    emu.set_graph_forbidden(true);
    let env = graph_env(&emu);
    let out = crate::snapshot_run!(env, &["discover"]);
    assert_eq!(code(&out), 3);
}

#[test]
fn graph_unreachable_is_exit_4() {
    let emu = Emulator::start();
    let port = crate::support::free_port();
    let env = TestEnv::for_emulator(&emu).var(
        "ENTRA_AUTH_GRAPH_ENDPOINT",
        &format!("http://127.0.0.1:{port}"),
    );
    let out = env.run(&["discover"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach Microsoft Graph"));
    let env = env.var("ENTRA_AUTH_GRAPH_ENDPOINT", "http://graph.example");
    let out = env.run(&["discover"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("ENTRA_AUTH_GRAPH_ENDPOINT"));
}

#[test]
fn discover_and_completions_help() {
    for command in ["discover", "completions"] {
        let env = TestEnv::new();
        let out = env.run(&[command, "--help"]);
        assert!(out.status.success(), "{command}");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(command);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(stdout(&out)));
    }
}

#[test]
fn bash_completions_load_in_bash() {
    let script = format!(
        "source <('{}' completions bash) && complete -p entra-auth-cli",
        env!("CARGO_BIN_EXE_entra-auth-cli")
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("entra-auth-cli"), "{}", stdout(&out));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = TestEnv::new().run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}");
        assert!(stdout(&out).contains("discover"), "{shell}");
    }
    assert_eq!(code(&TestEnv::new().run(&["completions", "tcsh"])), 1);
}
