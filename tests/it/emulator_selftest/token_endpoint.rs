//! Emulator self-tests: the token endpoint's success body, signed tokens, Entra errors, scope and grant rules, recording.

use super::{
    Reply, SCOPE, assert_entra_error, cc_form, client, client_credentials, post_form, send,
};
use crate::emulator::{self, CLIENT_ID, CLIENT_SECRET, Emulator, Grant, TENANT_ID};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

#[tokio::test]
async fn client_credentials_success_is_entra_shaped() {
    let emu = Emulator::start();
    let reply = send(
        post_form(
            &emu,
            TENANT_ID,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scope", SCOPE),
            ],
        )
        .header("client-request-id", "11111111-2222-4333-8444-555555555555"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.starts_with(
            r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ"#
        ),
        "{}",
        reply.body
    );
    let keys: Vec<String> = reply.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 4, "no scope, no refresh_token: {keys:?}");
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store, no-cache"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    assert_eq!(reply.header("expires"), Some("-1"));
    assert_eq!(reply.header("x-ms-request-id").unwrap().len(), 36);
    assert_eq!(
        reply.header("client-request-id"),
        Some("11111111-2222-4333-8444-555555555555")
    );
}

#[tokio::test]
async fn issued_tokens_verify_against_the_served_jwks_and_are_unique() {
    let emu = Emulator::start();
    let first = client_credentials(&emu, CLIENT_SECRET).await.json();
    let second = client_credentials(&emu, CLIENT_SECRET).await.json();
    let token = first["access_token"].as_str().unwrap();
    assert_ne!(token, second["access_token"].as_str().unwrap());

    let jwks = send(client().get(format!(
        "{}/{TENANT_ID}/discovery/v2.0/keys",
        emu.authority()
    )))
    .await;
    assert_eq!(jwks.header("cache-control"), Some("max-age=86400, private"));
    assert_eq!(jwks.json(), emu.jwks());
    let key = &jwks.json()["keys"][0];
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());

    // Independently of `Emulator::verify`: the served n/e check the signature.
    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["https://graph.microsoft.com"]);
    validation.set_issuer(&[format!("{}/{TENANT_ID}/v2.0", emu.authority())]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims, emu.verify(token).unwrap());
    assert_eq!(claims["tid"], TENANT_ID);
    assert_eq!(claims["appid"], CLIENT_ID);
    assert_eq!(claims["azp"], CLIENT_ID);
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(claims["oid"], claims["sub"]);
    let second_claims = emu
        .verify(second["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims["oid"], second_claims["oid"], "stable per app");
    assert_ne!(claims["uti"], second_claims["uti"]);
    let exp = claims["exp"].as_i64().unwrap();
    let now = jiff::Timestamp::now().as_second();
    assert!((exp - now - 3599).abs() <= 2, "exp = now + expires_in");

    assert!(
        emu.verify(&format!("{token}x")).is_err(),
        "a tampered token fails"
    );
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let emu = Emulator::start();
    emu.set_token_lifetime(120);
    let body = client_credentials(&emu, CLIENT_SECRET).await.json();
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["ext_expires_in"], 120);
}

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_7000215() {
    let emu = Emulator::start();
    let reply = send(
        post_form(
            &emu,
            TENANT_ID,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", "wrong"),
                ("scope", SCOPE),
            ],
        )
        .header("client-request-id", "0a0b0c0d-1111-4222-8333-444455556666"),
    )
    .await;
    let body = assert_entra_error(&reply, 401, "invalid_client", 7000215);
    assert_eq!(
        body["correlation_id"],
        "0a0b0c0d-1111-4222-8333-444455556666"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "not the client secret ID, for a secret added to app '{CLIENT_ID}'."
            ))
    );
    assert_eq!(reply.header("cache-control"), Some("no-store, no-cache"));
}

#[tokio::test]
async fn missing_secret_is_401_invalid_client_7000218() {
    let emu = Emulator::start();
    let reply = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("scope", SCOPE),
        ],
    ))
    .await;
    let body = assert_entra_error(&reply, 401, "invalid_client", 7000218);
    assert_eq!(
        body["correlation_id"].as_str().unwrap().len(),
        36,
        "a fresh uuid"
    );
}

#[tokio::test]
async fn basic_auth_is_client_secret_basic() {
    let emu = Emulator::start();
    let form = [("grant_type", "client_credentials"), ("scope", SCOPE)];
    let ok =
        send(post_form(&emu, TENANT_ID, &form).basic_auth(CLIENT_ID, Some(CLIENT_SECRET))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(emu.last_token_request().unwrap().headers["authorization"].starts_with("Basic "));
    let bad = send(post_form(&emu, TENANT_ID, &form).basic_auth(CLIENT_ID, Some("nope"))).await;
    assert_entra_error(&bad, 401, "invalid_client", 7000215);
}

#[tokio::test]
async fn unknown_client_and_tenant_and_registered_extras() {
    let emu = Emulator::start();
    let other = "99999999-8888-4777-8666-555555555555";
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", other),
        ("client_secret", "s"),
        ("scope", SCOPE),
    ];
    let unknown_app = send(post_form(&emu, TENANT_ID, &form)).await;
    let body = assert_entra_error(&unknown_app, 400, "unauthorized_client", 700016);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "Application with identifier '{other}' was not found in the directory '{TENANT_ID}'"
            ))
    );

    let unknown_tenant = send(post_form(&emu, "contoso.example", &form)).await;
    let body = assert_entra_error(&unknown_tenant, 400, "invalid_request", 90002);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Tenant 'contoso.example' not found")
    );

    emu.register_client(TENANT_ID, other, "s");
    assert_eq!(send(post_form(&emu, TENANT_ID, &form)).await.status, 200);
    let by_domain = client_credentials_at(&emu, emulator::TENANT_DOMAIN).await;
    assert_eq!(by_domain.status, 200, "{}", by_domain.body);
    let on_common = client_credentials_at(&emu, "common").await;
    assert_entra_error(&on_common, 400, "invalid_request", 9001023);
}

async fn client_credentials_at(emu: &Emulator, tenant: &str) -> Reply {
    let form = cc_form(CLIENT_SECRET);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(post_form(emu, tenant, &pairs)).await
}

#[tokio::test]
async fn scope_and_grant_type_rules() {
    let emu = Emulator::start();
    let with_scope = |scope: &'static str| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", scope),
        ]
    };
    let user_read = send(post_form(
        &emu,
        TENANT_ID,
        &with_scope("https://graph.microsoft.com/User.Read"),
    ))
    .await;
    let body = assert_entra_error(&user_read, 400, "invalid_scope", 1002012);
    assert!(body["error_description"].as_str().unwrap().contains(
        "The provided value for scope https://graph.microsoft.com/User.Read is not valid. Client credential flows must have a scope value with /.default suffixed"
    ));
    let two = send(post_form(
        &emu,
        TENANT_ID,
        &with_scope("https://a.example/.default https://b.example/.default"),
    ))
    .await;
    assert_entra_error(&two, 400, "invalid_scope", 70011);
    // MSAL Go appends the OIDC scopes to every request; Entra accepts that.
    let msal_go = send(post_form(
        &emu,
        TENANT_ID,
        &with_scope("https://graph.microsoft.com/.default openid offline_access profile"),
    ))
    .await;
    assert_eq!(msal_go.status, 200, "{}", msal_go.body);

    let no_grant = send(post_form(&emu, TENANT_ID, &[("client_id", CLIENT_ID)])).await;
    let body = assert_entra_error(&no_grant, 400, "invalid_request", 900144);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("'grant_type'")
    );
    // ROPC is not emulated.
    let password = send(post_form(&emu, TENANT_ID, &[("grant_type", "password")])).await;
    assert_entra_error(&password, 400, "unsupported_grant_type", 70003);
    let get = send(client().get(emu.token_url(TENANT_ID))).await;
    assert_entra_error(&get, 400, "invalid_request", 900561);

    assert_eq!(emu.token_requests(Grant::ClientCredentials), 3);
    assert_eq!(emu.token_requests(Grant::AuthorizationCode), 0);
    assert_eq!(emu.token_requests(Grant::Other), 3);
    assert_eq!(emu.total_token_requests(), 6);
}

#[tokio::test]
async fn last_token_request_records_form_headers_and_path() {
    let emu = Emulator::start();
    assert!(emu.last_token_request().is_none());
    client_credentials(&emu, CLIENT_SECRET).await;
    let recorded = emu.last_token_request().unwrap();
    assert_eq!(recorded.path, format!("/{TENANT_ID}/oauth2/v2.0/token"));
    assert_eq!(recorded.form["client_secret"], CLIENT_SECRET);
    assert_eq!(recorded.form["scope"], SCOPE);
    assert_eq!(
        recorded.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
}
