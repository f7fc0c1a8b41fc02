//! Claims challenges (CAE) end to end: `get-token --claims` sends the challenge's claims and
//! never serves the cached token (client credentials, the browser sign-in, the refresh token);
//! a profile's `client_capabilities` adds `xms_cc` to every request; malformed claims fail
//! before any request.

use serde_json::json;

use crate::emulator::{self, Emulator, Grant};
use crate::support::{TestEnv, code, stderr, stdout};

/// `{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}` as Key Vault sends it in
/// `WWW-Authenticate`.
const CHALLENGE: &str =
    "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==";

fn source(output: &std::process::Output) -> String {
    let body: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)));
    body["source"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_claims_challenge_is_met_with_a_new_token_carrying_the_claims() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    // A token cached before the policy changed.
    let before = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&before), 0, "{}", stderr(&before));
    assert_eq!(emu.last_claims(), None, "no claims unless asked");

    emu.demand_claims(Some("cp1"));
    let plain = env.run(&["get-token", "--force"]);
    assert_eq!(code(&plain), 3, "refused: {}", stderr(&plain));
    assert!(
        stderr(&plain).contains("insufficient_claims"),
        "{}",
        stderr(&plain)
    );

    let requests = emu.token_requests(Grant::ClientCredentials);
    let met = env.run(&["get-token", "--claims", CHALLENGE, "-o", "json"]);
    assert_eq!(code(&met), 0, "{}", stderr(&met));
    assert_eq!(source(&met), "network", "not the token cached before");
    assert_eq!(
        emu.last_claims(),
        Some(json!({"access_token":{"acrs":{"essential":true,"value":"cp1"}}}))
    );
    assert_eq!(emu.token_requests(Grant::ClientCredentials), requests + 1);

    // Again: a claims request never comes from the cache (the alias, and raw JSON, work too).
    let again = env.run(&[
        "get-token",
        "--claims-challenge",
        r#"{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}"#,
        "-o",
        "json",
    ]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(source(&again), "network");
    assert_eq!(emu.token_requests(Grant::ClientCredentials), requests + 2);

    // The token it got was cached: a plain call is served it.
    emu.demand_claims(None);
    let cached = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&cached), 0, "{}", stderr(&cached));
    assert_eq!(source(&cached), "cache");
}

#[test]
fn client_capabilities_are_sent_as_xms_cc_and_merged_with_the_challenge() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    env.write_config(&format!(
        "[profiles.cae]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\nclient_capabilities = [\"cp1\"]\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    ));
    let first = env.run(&["get-token", "-p", "cae", "-o", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_eq!(
        emu.last_claims(),
        Some(json!({"access_token":{"xms_cc":{"values":["cp1"]}}}))
    );
    // Capabilities alone do not bypass the cache.
    let second = env.run(&["get-token", "-p", "cae", "-o", "json"]);
    assert_eq!(source(&second), "cache", "{}", stderr(&second));
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);

    emu.demand_claims(Some("cp1"));
    let met = env.run(&[
        "get-token",
        "-p",
        "cae",
        "--claims",
        CHALLENGE,
        "-o",
        "json",
    ]);
    assert_eq!(code(&met), 0, "{}", stderr(&met));
    assert_eq!(
        emu.last_claims(),
        Some(json!({"access_token":{
            "acrs":{"essential":true,"value":"cp1"},
            "xms_cc":{"values":["cp1"]}
        }}))
    );
}

#[test]
fn malformed_claims_fail_with_exit_1_before_any_request() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let too_long = "A".repeat(20_000);
    for (claims, why) in [
        ("not base64!", "neither JSON nor base64"),
        ("bm9wZQ", "not JSON"),
        ("[1,2]", "not an object"),
        ("{\"access_token\":", "not JSON"),
        (too_long.as_str(), "longer than"),
    ] {
        let out = env.run(&["get-token", "--claims", claims]);
        assert_eq!(code(&out), 1, "{claims:.40}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("error: invalid --claims"), "{err}");
        assert!(err.contains(why), "{why}: {err}");
        assert!(stdout(&out).is_empty());
    }
    assert_eq!(emu.total_token_requests(), 0, "no request was sent");
}

/// A public-client profile with the fake browser (as in `user_flows.rs`).
fn user_env(emu: &Emulator) -> TestEnv {
    let browser =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_browser.py");
    TestEnv::new()
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", emulator::PUBLIC_CLIENT_ID)
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY)
        .var("BROWSER", &browser.display().to_string())
}

#[test]
fn user_flows_carry_the_claims_to_the_sign_in_and_the_refresh_token() {
    const SCOPE: &str = "https://graph.microsoft.com/User.Read";
    let emu = Emulator::start();
    emu.demand_claims(Some("cp1"));
    let env = user_env(&emu);
    let args = |extra: &[&'static str]| {
        let mut args = vec![
            "get-token",
            "-s",
            SCOPE,
            "-o",
            "json",
            "--claims",
            CHALLENGE,
        ];
        args.extend_from_slice(extra);
        args
    };
    let wanted = json!({"access_token":{"acrs":{"essential":true,"value":"cp1"}}});

    let signed_in = env.run(&args(&["-f", "interactive", "--timeout", "30s"]));
    assert_eq!(code(&signed_in), 0, "{}", stderr(&signed_in));
    let authorize = emu.last_authorize_request().unwrap().form;
    let asked: serde_json::Value = serde_json::from_str(&authorize["claims"]).unwrap();
    assert_eq!(asked, wanted, "the sign-in page is asked for the claims");
    assert_eq!(
        emu.last_claims(),
        Some(wanted.clone()),
        "and the code redemption"
    );

    // Silent: the refresh token is redeemed with the claims, nobody is asked.
    let refreshed = env.run(&args(&["--non-interactive"]));
    assert_eq!(code(&refreshed), 0, "{}", stderr(&refreshed));
    assert_eq!(source(&refreshed), "network");
    assert_eq!(emu.token_requests(Grant::RefreshToken), 1);
    assert_eq!(emu.last_claims(), Some(wanted));
    assert_eq!(emu.authorize_requests(), 1, "no second sign-in");
}
