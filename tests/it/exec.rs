//! `exec` end to end: the real binary runs a child (Python's http.client as the client, see
//! `tests/support/endpoint_probe.py`, or a shell) with a credential endpoint for a profile whose
//! tokens come from the emulator. What the child may have, what it gets, every refusal, and the
//! lifecycle (exit codes, signals, the endpoint ending with the child).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::emulator::{Emulator, Fault, Grant};
use crate::support::{TestEnv, code, exec_probe, stderr, stdout};

const ARM: &str = "https://management.azure.com";
const VAULT: &str = "https://vault.azure.net";

fn results(seen: &Value, index: usize) -> &Vec<Value> {
    seen["results"][index].as_array().expect("results")
}

fn statuses(seen: &Value, index: usize) -> Vec<u64> {
    results(seen, index)
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

#[test]
fn the_child_gets_tokens_for_each_resource_and_the_idp_sees_one_request_per_resource() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let (output, seen) = exec_probe(
        &env,
        &[],
        &json!([
            {"route": "app", "resource": ARM, "times": 5},
            {"route": "app", "resource": format!("{VAULT}/.default"), "times": 2},
            {"route": "imds", "resource": ARM, "times": 2},
            {"route": "app", "resource": VAULT, "parallel": 8},
            {"route": "app", "resource": ARM, "query": "&client_id=00000000-0000-0000-0000-000000000001&object_id=x&mi_res_id=y&principal_id=z"},
        ]),
    );
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    for index in 0..5 {
        for result in results(&seen, index) {
            assert_eq!(result["status"], 200, "request {index}: {result}");
            let body = &result["body"];
            // Every field as every SDK's parser wants it: numbers as strings.
            let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
            let expires_in: i64 = body["expires_in"].as_str().unwrap().parse().unwrap();
            assert!(expires_in > 300 && expires_on > expires_in, "{body}");
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(body["client_id"], crate::emulator::CLIENT_ID);
            let claims = emu
                .verify(body["access_token"].as_str().unwrap())
                .expect("a token the emulator issued");
            let resource = body["resource"].as_str().unwrap();
            let audience = resource.trim_end_matches("/.default");
            assert_eq!(claims["aud"], audience, "{claims}");
        }
    }
    // The profile's own scope (got before the child starts), ARM and Key Vault: three requests
    // for 18 tokens served.
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 3);
}

#[test]
fn the_child_has_no_secret_and_nothing_that_would_pick_another_credential() {
    let emu = Emulator::start();
    let federated = tempfile::NamedTempFile::new().unwrap();
    let env = TestEnv::for_emulator(&emu)
        .var(
            "AZURE_FEDERATED_TOKEN_FILE",
            federated.path().to_str().unwrap(),
        )
        .var("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent.pem")
        .var("AZURE_PASSWORD", "p")
        .var("MSI_ENDPOINT", "http://127.0.0.1:1/msi")
        .var("MSI_SECRET", "s")
        .var("IMDS_ENDPOINT", "http://127.0.0.1:1")
        .var("IDENTITY_SERVER_THUMBPRINT", "AB")
        .var("IDENTITY_ENDPOINT", "http://127.0.0.1:1/theirs")
        .var("ARM_CLIENT_SECRET", "s")
        .var("AZURE_CLIENT_CERTIFICATE_PASSWORD", "p")
        .var("AZURE_USERNAME", "u")
        .var("ARM_CLIENT_CERTIFICATE_PATH", "/nonexistent.pfx")
        .var("ARM_CLIENT_CERTIFICATE_PASSWORD", "p")
        .var("ARM_OIDC_TOKEN", "t")
        .var("ARM_OIDC_TOKEN_FILE_PATH", "/nonexistent.jwt");
    let (_, seen) = exec_probe(&env, &[], &json!([]));
    let child = &seen["env"];
    for removed in [
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_PASSWORD",
        "ENTRA_AUTH_CACHE_KEY",
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "IMDS_ENDPOINT",
        "IDENTITY_SERVER_THUMBPRINT",
        "ARM_CLIENT_SECRET",
        "ENTRA_AUTH_AZ_ACCOUNT",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        "AZURE_USERNAME",
        "ARM_CLIENT_CERTIFICATE_PATH",
        "ARM_CLIENT_CERTIFICATE_PASSWORD",
        "ARM_OIDC_TOKEN",
        "ARM_OIDC_TOKEN_FILE_PATH",
    ] {
        assert!(
            child[removed].is_null(),
            "{removed} reached the child: {child}"
        );
    }
    let endpoint = child["IDENTITY_ENDPOINT"].as_str().unwrap();
    assert!(endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/msi/token"));
    assert!(child["IDENTITY_HEADER"].as_str().unwrap().len() >= 43);
    assert!(
        child["ARM_MSI_ENDPOINT"]
            .as_str()
            .unwrap()
            .ends_with("/metadata/identity/oauth2/token")
    );
    assert_eq!(child["AZURE_CLIENT_ID"], crate::emulator::CLIENT_ID);
}

#[test]
fn every_request_without_the_secret_or_from_a_browser_is_refused() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let big = "x".repeat(20 * 1024);
    let (_, seen) = exec_probe(
        &env,
        &["--allow-resource", VAULT],
        &json!([
            {"route": "app", "resource": VAULT, "secret": null},
            {"route": "app", "resource": VAULT, "secret": "guess"},
            {"route": "app", "resource": VAULT, "headers": {"Origin": "http://evil.example"}},
            {"route": "app", "resource": VAULT, "headers": {"Sec-Fetch-Site": "cross-site"}},
            {"route": "app", "resource": VAULT, "host": "evil.example"},
            {"route": "app", "resource": VAULT, "host": null},
            {"route": "app", "resource": VAULT, "method": "POST"},
            {"route": "app", "resource": VAULT, "path": "/other"},
            {"route": "imds", "resource": VAULT, "metadata": false},
            {"route": "imds", "resource": VAULT, "path": "/metadata/identity/oauth2/token"},
            {"route": "app", "resource": ARM},
            {"route": "app", "resource": null},
            {"route": "app", "resource": VAULT, "headers": {"X-Big": big}},
            {"route": "app", "resource": VAULT, "raw": "GET /msi/token?resource=x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"},
            {"route": "app", "resource": VAULT},
        ]),
    );
    let got: Vec<u64> = (0..15).map(|i| statuses(&seen, i)[0]).collect();
    assert_eq!(
        got,
        [
            401, 403, 403, 403, 403, 403, 405, 404, 400, 404, 403, 400, 431, 413, 200
        ],
        "{seen}"
    );
    // App Service errors in App Service's shape, IMDS errors in OAuth's.
    let missing = &results(&seen, 0)[0]["body"];
    assert_eq!(missing["statusCode"], 401);
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("X-IDENTITY-HEADER")
    );
    let imds = &results(&seen, 8)[0]["body"];
    assert_eq!(imds["error"], "invalid_request", "{imds}");
    let not_allowed = &results(&seen, 10)[0]["body"];
    assert!(
        not_allowed["message"]
            .as_str()
            .unwrap()
            .contains("not allowed")
    );
    // Nothing refused reached the IdP: the profile's own token and Key Vault's.
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 2);
}

#[test]
fn a_revoked_token_is_replaced_and_the_idp_refusal_reaches_the_child_and_stderr() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    // The profile's own token is cached first, so the child's ARM request is the next IdP call.
    let warm = env.run(&["get-token"]);
    assert_eq!(code(&warm), 0, "{}", stderr(&warm));
    let first = env.run(&["get-token", "-s", &format!("{ARM}/.default")]);
    let revoked = hex_sha256(stdout(&first).trim());
    emu.push_fault(Fault::Json {
        status: 400,
        body: json!({
            "error": "invalid_scope",
            "error_description": "AADSTS70011: The provided value for scope is not valid.",
            "error_codes": [70011],
        })
        .to_string(),
    });
    let (output, seen) = exec_probe(
        &env,
        &[],
        &json!([
            {"route": "app", "resource": VAULT},
            {"route": "app", "resource": ARM, "query": format!("&token_sha256_to_refresh={revoked}")},
            {"route": "app", "resource": ARM},
        ]),
    );
    let refused = &results(&seen, 0)[0];
    assert_eq!(refused["status"], 400, "{refused}");
    let message = refused["body"]["message"].as_str().unwrap();
    assert!(message.contains("AADSTS70011"), "{message}");
    assert!(
        stderr(&output).contains("exec: no token for https://vault.azure.net"),
        "{}",
        stderr(&output)
    );
    let renewed = &results(&seen, 1)[0]["body"]["access_token"];
    assert_ne!(hex_sha256(renewed.as_str().unwrap()), revoked);
    assert_eq!(results(&seen, 2)[0]["body"]["access_token"], *renewed);
    // get-token twice, the refused Key Vault request, the renewed ARM token.
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 4);
}

#[test]
fn a_token_with_under_five_minutes_left_is_never_served() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    emu.set_token_lifetime(240);
    let (_, seen) = exec_probe(&env, &[], &json!([{"route": "app", "resource": ARM}]));
    let reply = &results(&seen, 0)[0];
    assert_eq!(reply["status"], 400, "{reply}");
    assert!(
        reply["body"]["message"]
            .as_str()
            .unwrap()
            .contains("under 5 minutes")
    );
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn exec_exits_with_the_childs_code_or_128_plus_its_signal() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["exec", "--", "sh", "-c", "exit 42"])), 42);
    assert_eq!(code(&env.run(&["exec", "sh", "-c", "exit 0"])), 0);
    assert_eq!(
        code(&env.run(&["exec", "--", "sh", "-c", "kill -TERM $$"])),
        143
    );
    // The command's own output is left alone, on its own streams.
    let output = env.run(&["exec", "--", "sh", "-c", "echo out; echo err >&2"]);
    assert_eq!(stdout(&output), "out\n");
    assert_eq!(stderr(&output), "err\n");
}

#[test]
fn a_command_that_cannot_start_is_exit_1_with_the_reason() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let output = env.run(&["exec", "--", "no-such-command-entra-test"]);
    assert_eq!(code(&output), 1);
    let err = stderr(&output);
    assert!(
        err.contains("cannot run `no-such-command-entra-test`"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn profile_and_credential_errors_stop_exec_before_the_child_starts() {
    let emu = Emulator::start();
    let marker = tempfile::tempdir().unwrap();
    let ran = marker.path().join("ran");
    let touch = format!("touch {}", ran.display());

    let env = TestEnv::for_emulator(&emu);
    let output = env.run(&["exec", "-p", "nope", "--", "sh", "-c", &touch]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));

    let env = TestEnv::for_emulator(&emu).var("AZURE_CLIENT_SECRET", "wrong");
    let output = env.run(&["exec", "--", "sh", "-c", &touch]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(!ran.exists(), "the child ran");
}

#[cfg(unix)]
#[test]
fn signals_reach_the_child_and_the_endpoint_ends_with_it() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    for signal in ["TERM", "INT", "HUP", "QUIT"] {
        let script = format!(
            "trap 'echo \"$IDENTITY_ENDPOINT\"; exit 99' {signal}; echo ready; \
             while :; do sleep 0.1; done"
        );
        let mut child = env
            .cmd(&["exec", "--", "sh", "-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert_eq!(line, "ready\n");
        let pid = child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status();
        assert!(sent.unwrap().success());
        let status = wait_with_limit(&mut child, Duration::from_secs(20));
        assert_eq!(
            status.code(),
            Some(99),
            "SIG{signal}: exec passes the child's code on"
        );
        line.clear();
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        let endpoint = line.trim();
        let address = endpoint
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap();
        assert!(
            std::net::TcpStream::connect(address).is_err(),
            "the endpoint {endpoint} still answers after exec ended"
        );
    }
}

fn wait_with_limit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("exec did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_signed_in_user_profile_serves_the_child_through_its_refresh_token() {
    let emu = Emulator::start();
    let env = crate::user_flows::user_env(&emu);
    let sign_in = env.run(&[
        "get-token",
        "-s",
        crate::user_flows::SCOPE,
        "--timeout",
        "30s",
    ]);
    assert_eq!(code(&sign_in), 0, "{}", stderr(&sign_in));
    // No browser from here on: every token must come from the saved sign-in.
    let env = env.without("BROWSER");
    let (_, seen) = exec_probe(
        &env,
        &["--non-interactive", "--az-shim"],
        &json!([{"route": "app", "resource": ARM, "times": 3}]),
    );
    for result in results(&seen, 0) {
        assert_eq!(result["status"], 200, "{result}");
        let claims = emu
            .verify(result["body"]["access_token"].as_str().unwrap())
            .unwrap();
        assert_eq!(claims["aud"], ARM);
        assert_eq!(claims["oid"], crate::emulator::USER_OBJECT_ID);
    }
    assert_eq!(emu.authorize_requests(), 1, "no second sign-in");
    // The profile's own scope when exec starts, then ARM: one refresh each.
    assert_eq!(emu.token_requests(Grant::RefreshToken), 2);
    let account: Value =
        serde_json::from_str(seen["env"]["ENTRA_AUTH_AZ_ACCOUNT"].as_str().unwrap()).unwrap();
    assert_eq!(account["user"]["type"], "user");
    assert_eq!(account["user"]["name"], crate::emulator::USER_NAME);
    assert_eq!(account["tenantId"], crate::emulator::TENANT_ID);
    assert_eq!(
        account["id"],
        crate::emulator::TENANT_ID,
        "a tenant-level account"
    );
}
