//! What `-v` tells a person: which layer set each profile field, which store and why, cache
//! hit or miss, each HTTP call's status and time; snapshotted, and never a secret's value.

use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, TestEnv, code, stderr, stdout};

/// The `-v` lines of a run, with what varies between runs (times, ports, HOME, ids) filtered.
fn snapshot_verbose(name: &str, env: &TestEnv, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    for (from, to) in crate::support::filters(env.home.path()) {
        settings.add_filter(&from, to.as_str());
    }
    settings.add_filter(r"\d+ ms", "[N] ms");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn verbose_says_where_each_field_came_from_the_store_the_cache_and_each_call() {
    let emu = Emulator::start();
    // ENTRA_AUTH_* override a named profile's file (AZURE_* would not: tests/it/azure_variables.rs).
    let env = TestEnv::new()
        .var("ENTRA_AUTH_CLIENT_ID", emulator::CLIENT_ID)
        .var("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET)
        .var("ENTRA_AUTH_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
        .var("ENTRA_AUTH_STORE", "file");
    env.write_config(&format!(
        "[profiles.work]\ntenant_id = \"{}\"\nclient_id = \"file-client-is-overridden\"\nscopes = [\"https://graph.microsoft.com/.default\"]\n",
        emulator::TENANT_ID,
    ));
    let args = [
        "-v",
        "get-token",
        "-p",
        "work",
        "--scope",
        "api://flag/.default",
    ];

    let miss = env.run(&args);
    assert_eq!(code(&miss), 0, "{}", stderr(&miss));
    let hit = env.run(&args);
    assert_eq!(code(&hit), 0, "{}", stderr(&hit));
    assert_eq!(
        emu.total_token_requests(),
        1,
        "the second run is served from the cache"
    );

    for out in [&miss, &hit] {
        let err = stderr(out);
        let token = stdout(out);
        assert!(!err.contains(emulator::CLIENT_SECRET), "{err}");
        assert!(!err.contains(CACHE_KEY), "{err}");
        assert!(!err.contains(token.trim()), "{err}");
        for line in err.lines().filter(|l| l.contains(emulator::TENANT_ID)) {
            assert!(
                line.contains("/oauth2/v2.0/token"),
                "field values are not logged, only where they came from: {line}"
            );
        }
    }
    snapshot_verbose("cache_miss_then_a_token_request", &env, &stderr(&miss));
    snapshot_verbose("cache_hit", &env, &stderr(&hit));
}

#[test]
fn verbose_names_a_failed_call_and_its_time() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .var("AZURE_CLIENT_SECRET", "not-the-secret")
        .without("ENTRA_AUTH_CACHE_KEY")
        .var("ENTRA_AUTH_STORE", "memory");
    let out = env.run(&["get-token", "-v"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("not-the-secret"), "{err}");
    snapshot_verbose("refused_by_the_identity_provider", &env, &err);
}

#[test]
fn verbose_sign_in_and_refresh_never_log_a_token() {
    let emu = Emulator::start();
    let env = crate::user_flows::user_env(&emu);
    let scope = crate::user_flows::SCOPE;
    let signed_in = env.run(&[
        "-v",
        "get-token",
        "-f",
        "interactive",
        "-s",
        scope,
        "-o",
        "json",
        "--include-refresh-token",
    ]);
    assert_eq!(code(&signed_in), 0, "{}", stderr(&signed_in));
    let refreshed = env.run(&[
        "-v",
        "refresh",
        "-s",
        scope,
        "-o",
        "json",
        "--include-refresh-token",
    ]);
    assert_eq!(code(&refreshed), 0, "{}", stderr(&refreshed));
    for out in [&signed_in, &refreshed] {
        let body = crate::support::json(out);
        let err = stderr(out);
        assert!(err.contains(":http: POST "), "each call is logged: {err}");
        for secret in ["access_token", "refresh_token"] {
            let value = body[secret].as_str().unwrap();
            assert!(!err.contains(value), "{secret} in the -v output: {err}");
        }
    }
    let poll = emu.last_token_request().unwrap().form;
    assert!(!stderr(&refreshed).contains(&poll["refresh_token"]));
}
