//! Emulator self-tests: certificate client assertions (PS256/x5t#S256, RS256/x5t, crossed pairings,
//! thumbprint encodings, x5c), and each rejection with its AADSTS code.

use super::certs::{
    CERT_CLIENT_ID, KeyId, TestCert, claims, emulator_with_cert_client, sign, sign_with,
    test_certs, with_assertion,
};
use super::{SCOPE, assert_entra_error, post_form, send};
use crate::emulator::{Emulator, TENANT_DOMAIN, TENANT_ID};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

fn cert_a() -> &'static TestCert {
    &test_certs()[0]
}

fn cert_b() -> &'static TestCert {
    &test_certs()[1]
}

async fn accepted(emu: &Emulator, assertion: &str) -> Value {
    let reply = with_assertion(emu, CERT_CLIENT_ID, assertion).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    emu.verify(&token).unwrap()
}

#[tokio::test]
async fn ps256_with_x5t_s256_is_accepted_and_its_header_recorded() {
    let emu = emulator_with_cert_client();
    let assertion = sign(
        cert_a(),
        Algorithm::PS256,
        KeyId::S256,
        &claims(&emu, CERT_CLIENT_ID),
    );
    let token = accepted(&emu, &assertion).await;
    assert_eq!(token["appid"], CERT_CLIENT_ID);
    assert_eq!(token["azpacr"], "2", "certificate-authenticated");
    let header = emu.last_assertion_header().unwrap();
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["x5t#S256"], URL_SAFE_NO_PAD.encode(&cert_a().sha256));
    assert!(header.get("x5t").is_none() && header.get("x5c").is_none());
}

#[tokio::test]
async fn rs256_with_x5t_is_accepted_in_base64url_and_standard_base64() {
    let emu = emulator_with_cert_client();
    for id in [KeyId::Sha1, KeyId::Sha1StandardPadded] {
        let assertion = sign(
            cert_a(),
            Algorithm::RS256,
            id,
            &claims(&emu, CERT_CLIENT_ID),
        );
        accepted(&emu, &assertion).await;
        let header = emu.last_assertion_header().unwrap();
        assert_eq!(header["alg"], "RS256");
        assert!(header["x5t"].is_string(), "{header}");
    }
    let padded = emu.last_assertion_header().unwrap()["x5t"].clone();
    assert!(padded.as_str().unwrap().ends_with('='), "{padded}");
}

#[tokio::test]
async fn crossed_pairings_x5c_and_several_certificates_are_accepted() {
    let emu = emulator_with_cert_client();
    emu.register_certificate_client(TENANT_ID, CERT_CLIENT_ID, &cert_b().der);
    let cases = [
        (cert_a(), Algorithm::PS256, KeyId::Sha1),
        (cert_a(), Algorithm::RS256, KeyId::S256),
        (cert_a(), Algorithm::PS256, KeyId::S256StandardPadded),
        (cert_a(), Algorithm::PS256, KeyId::X5cOnly),
        (cert_b(), Algorithm::PS256, KeyId::S256),
        (cert_b(), Algorithm::RS256, KeyId::Sha1),
    ];
    for (cert, alg, id) in cases {
        let assertion = sign(cert, alg, id, &claims(&emu, CERT_CLIENT_ID));
        let reply = with_assertion(&emu, CERT_CLIENT_ID, &assertion).await;
        assert_eq!(reply.status, 200, "{alg:?} {id:?}: {}", reply.body);
    }
    let header = emu.last_assertion_header().unwrap();
    assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(&cert_b().sha1));
}

#[tokio::test]
async fn audience_may_name_the_tenant_by_domain() {
    let emu = emulator_with_cert_client();
    let mut c = claims(&emu, CERT_CLIENT_ID);
    c["aud"] = json!(emu.token_url(TENANT_DOMAIN));
    accepted(&emu, &sign(cert_a(), Algorithm::PS256, KeyId::S256, &c)).await;
}

#[tokio::test]
async fn replayed_jti_is_rejected() {
    let emu = emulator_with_cert_client();
    let assertion = sign(
        cert_a(),
        Algorithm::PS256,
        KeyId::S256,
        &claims(&emu, CERT_CLIENT_ID),
    );
    accepted(&emu, &assertion).await;
    let replay = with_assertion(&emu, CERT_CLIENT_ID, &assertion).await;
    let body = assert_entra_error(&replay, 401, "invalid_client", 700027);
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("The client assertion has already been used"),
        "{description}"
    );
}

#[tokio::test]
async fn wrong_audience_is_rejected_700023() {
    let emu = emulator_with_cert_client();
    let mut c = claims(&emu, CERT_CLIENT_ID);
    c["aud"] = json!(format!(
        "https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
    ));
    let reply = with_assertion(
        &emu,
        CERT_CLIENT_ID,
        &sign(cert_a(), Algorithm::PS256, KeyId::S256, &c),
    )
    .await;
    assert_entra_error(&reply, 401, "invalid_client", 700023);
}

#[tokio::test]
async fn unknown_key_and_bad_signature_are_700027() {
    let emu = emulator_with_cert_client();
    let c = claims(&emu, CERT_CLIENT_ID);
    // cert_b is not registered on this app.
    let unknown = sign(cert_b(), Algorithm::PS256, KeyId::Sha1, &c);
    let reply = with_assertion(&emu, CERT_CLIENT_ID, &unknown).await;
    let body = assert_entra_error(&reply, 401, "invalid_client", 700027);
    let hex: String = cert_b().sha1.iter().map(|b| format!("{b:02X}")).collect();
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains("The key was not found."),
        "{description}"
    );
    assert!(description.contains(&hex), "{description}");

    // Signed by cert_b's key while naming cert_a.
    let forged = sign_with(cert_b(), cert_a(), Algorithm::PS256, KeyId::S256, &c);
    let reply = with_assertion(&emu, CERT_CLIENT_ID, &forged).await;
    let body = assert_entra_error(&reply, 401, "invalid_client", 700027);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("did not match the expected signature value")
    );

    // A secret-only app has no certificate at all.
    let other = sign(cert_a(), Algorithm::PS256, KeyId::S256, &c);
    let reply = with_assertion(&emu, crate::emulator::CLIENT_ID, &other).await;
    assert_entra_error(&reply, 401, "invalid_client", 700027);
}

/// What a case is called, how it changes valid claims (given now), the AADSTS code (0 = accepted).
type Edit = (&'static str, fn(&mut Value, i64), u64);

#[tokio::test]
async fn claim_checks_have_their_own_codes() {
    let emu = emulator_with_cert_client();
    let now = jiff::Timestamp::now().as_second();
    let edits: [Edit; 6] = [
        ("expired", |c, now| c["exp"] = json!(now - 60), 700024),
        ("nbf ahead", |c, now| c["nbf"] = json!(now + 900), 700024),
        (
            "sub differs",
            |c, _| c["sub"] = json!("someone-else"),
            50048,
        ),
        (
            "other app",
            |c, _| {
                c["iss"] = json!("0000aaaa-0000-4000-8000-000000000000");
                c["sub"] = c["iss"].clone();
            },
            700021,
        ),
        (
            "no jti",
            |c, _| {
                c.as_object_mut().unwrap().remove("jti");
            },
            700027,
        ),
        ("nbf within skew", |c, now| c["nbf"] = json!(now + 120), 0),
    ];
    for (what, edit, code) in edits {
        let mut c = claims(&emu, CERT_CLIENT_ID);
        edit(&mut c, now);
        let assertion = sign(cert_a(), Algorithm::PS256, KeyId::S256, &c);
        let reply = with_assertion(&emu, CERT_CLIENT_ID, &assertion).await;
        if code == 0 {
            assert_eq!(reply.status, 200, "{what}: {}", reply.body);
        } else {
            let body = assert_entra_error(&reply, 401, "invalid_client", code);
            assert!(body["error_description"].is_string(), "{what}");
        }
    }
}

#[tokio::test]
async fn malformed_unsigned_and_wrong_type_assertions_are_rejected() {
    let emu = emulator_with_cert_client();
    let garbage = with_assertion(&emu, CERT_CLIENT_ID, "not-a-jwt").await;
    assert_entra_error(&garbage, 400, "invalid_request", 50027);

    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let header = json!({
        "alg": "none",
        "x5t#S256": URL_SAFE_NO_PAD.encode(&cert_a().sha256),
    });
    let unsigned = format!("{}.{}.", b64(&header), b64(&claims(&emu, CERT_CLIENT_ID)));
    let reply = with_assertion(&emu, CERT_CLIENT_ID, &unsigned).await;
    assert_entra_error(&reply, 401, "invalid_client", 700027);
    assert_eq!(emu.last_assertion_header().unwrap()["alg"], "none");

    let assertion = sign(
        cert_a(),
        Algorithm::PS256,
        KeyId::S256,
        &claims(&emu, CERT_CLIENT_ID),
    );
    let wrong_type = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CERT_CLIENT_ID),
            ("client_assertion_type", "urn:example:saml"),
            ("client_assertion", &assertion),
            ("scope", SCOPE),
        ],
    ))
    .await;
    assert_entra_error(&wrong_type, 400, "invalid_request", 9002313);
}
