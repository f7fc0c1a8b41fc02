//! The real CLI against an independent authorization server (oidc-provider, see
//! `oidc_peer.rs`), not our own emulator: client credentials with a secret.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::oidc_peer::{CLIENT_SECRET, OidcPeer, PeerOptions, SECRET_CLIENT};
use crate::support::{TestEnv, code, stderr, stdout};

fn env_for(peer: &OidcPeer, secret: &str) -> TestEnv {
    TestEnv::new()
        .var("AZURE_TENANT_ID", peer.tenant())
        .var("AZURE_CLIENT_ID", SECRET_CLIENT)
        .var("AZURE_CLIENT_SECRET", secret)
        .var("AZURE_AUTHORITY_HOST", peer.authority())
        .var("ENTRA_AUTH_STORE", "memory")
}

fn jwt_payload(token: &str) -> serde_json::Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {token}");
    let payload = URL_SAFE_NO_PAD
        .decode(parts[1])
        .unwrap_or_else(|e| panic!("JWT payload is not base64url ({e}): {token}"));
    serde_json::from_slice(&payload).expect("JWT payload is JSON")
}

#[test]
#[ignore = "needs the oidc-provider peer's node_modules (installed by .ci/run); run with: cargo test -- --ignored"]
fn peer_smoke_client_secret_gets_a_graph_token_from_oidc_provider() {
    let peer = OidcPeer::start(PeerOptions::new());
    let env = env_for(&peer, CLIENT_SECRET);

    let out = env.run(&[
        "get-token",
        "-s",
        "https://graph.microsoft.com/.default",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(&out)));
    assert_eq!(body["source"], "network", "{body}");
    assert_eq!(body["tenant_id"], peer.tenant(), "{body}");
    let token = body["access_token"].as_str().expect("access_token string");
    let claims = jwt_payload(token);
    assert_eq!(claims["aud"], "https://graph.microsoft.com", "{claims}");
    assert_eq!(claims["iss"], peer.issuer(), "{claims}");
    assert_eq!(claims["client_id"], SECRET_CLIENT, "{claims}");
}

#[test]
#[ignore = "needs the oidc-provider peer's node_modules (installed by .ci/run); run with: cargo test -- --ignored"]
fn peer_smoke_wrong_client_secret_is_an_auth_failure() {
    let peer = OidcPeer::start(PeerOptions::new());
    let env = env_for(&peer, "not-the-secret");

    let out = env.run(&[
        "get-token",
        "-s",
        "https://graph.microsoft.com/.default",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 3, "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).is_empty(),
        "no token on stdout: {}",
        stdout(&out)
    );
    assert!(
        peer.wait_for_stderr("invalid_client", Duration::from_secs(5)),
        "the peer rejected the client: {}",
        peer.stderr()
    );
}

/// The certificate flow against oidc-provider's own `private_key_jwt` validator: an
/// independent check of our client assertions (PS256 + x5t#S256, and RS256 + x5t).
#[test]
#[ignore = "needs the oidc-provider peer's node_modules (installed by .ci/run); run with: cargo test -- --ignored"]
fn peer_private_key_jwt_accepts_our_certificate_assertions() {
    let fixtures = crate::certs::shared();
    let peer = OidcPeer::start(PeerOptions::new().pkjwt_cert(fixtures.cert_pem()));
    for algorithm in ["PS256", "RS256"] {
        let env = TestEnv::new()
            .var("AZURE_TENANT_ID", peer.tenant())
            .var("AZURE_CLIENT_ID", crate::oidc_peer::CERT_CLIENT)
            .var("AZURE_AUTHORITY_HOST", peer.authority())
            .var(
                "AZURE_CLIENT_CERTIFICATE_PATH",
                &fixtures.modern_pfx().display().to_string(),
            )
            .var(
                "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                crate::certs::PFX_PASSWORD,
            )
            .var("ENTRA_AUTH_ASSERTION_ALGORITHM", algorithm)
            .var("ENTRA_AUTH_STORE", "memory");
        let out = env.run(&["get-token", "-s", "https://graph.microsoft.com/.default"]);
        assert_eq!(
            code(&out),
            0,
            "{algorithm}: {}\npeer: {}",
            stderr(&out),
            peer.stderr()
        );
        let claims = jwt_payload(stdout(&out).trim());
        assert_eq!(
            claims["client_id"],
            crate::oidc_peer::CERT_CLIENT,
            "{claims}"
        );
    }
    // A key that does not belong to the certificate is caught before any request.
    let env = TestEnv::new()
        .var("AZURE_TENANT_ID", peer.tenant())
        .var("AZURE_CLIENT_ID", crate::oidc_peer::CERT_CLIENT)
        .var("AZURE_AUTHORITY_HOST", peer.authority())
        .var(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            &fixtures.cert_pem().display().to_string(),
        )
        .var(
            "ENTRA_AUTH_CERTIFICATE_KEY_PATH",
            &fixtures.other_key_pem().display().to_string(),
        )
        .var("ENTRA_AUTH_STORE", "memory");
    let out = env.run(&["get-token"]);
    assert_eq!(
        code(&out),
        1,
        "a mismatched key never leaves the machine: {}",
        stderr(&out)
    );
}
