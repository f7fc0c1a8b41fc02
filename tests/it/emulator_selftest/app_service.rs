//! Emulator self-tests: the App Service managed-identity endpoint (2019-08-01) on its own port:
//! the token body, selectors, the `X-IDENTITY-HEADER` secret, errors and faults.

use super::imds::{UA_CLIENT_ID, UA_OBJECT_ID, UA_RESOURCE_ID};
use super::{Reply, client, send};
use crate::emulator::{Emulator, SYSTEM_ASSIGNED_CLIENT_ID};

const VAULT: &str = "https://vault.azure.net";

async fn app_service(emu: &Emulator, extra: &[(&str, &str)], secret: Option<&str>) -> Reply {
    let mut query = vec![("api-version", "2019-08-01"), ("resource", VAULT)];
    query.extend_from_slice(extra);
    let url = format!(
        "{}?{}",
        emu.app_service_endpoint(),
        serde_urlencoded::to_string(&query).unwrap()
    );
    let request = client().get(url);
    send(match secret {
        Some(secret) => request.header("X-IDENTITY-HEADER", secret),
        None => request,
    })
    .await
}

fn assert_app_service_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["statusCode"], status);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(body["correlationId"].as_str().unwrap().len(), 36);
}

#[tokio::test]
async fn token_body_has_epoch_string_expires_on_and_no_expires_in() {
    let emu = Emulator::start();
    let endpoint = emu.app_service_endpoint();
    assert!(endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/msi/token"));
    assert!(!endpoint.starts_with(&emu.imds_endpoint()), "its own port");
    let reply = app_service(&emu, &[], Some(&emu.identity_header())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_token",
            "client_id",
            "expires_on",
            "resource",
            "token_type"
        ]
    );
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!((expires_on - jiff::Timestamp::now().as_second() - 3599).abs() <= 2);
    assert_eq!(body["resource"], VAULT);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["client_id"], SYSTEM_ASSIGNED_CLIENT_ID);
    let claims = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["aud"], VAULT);
    assert_eq!(claims["appid"], SYSTEM_ASSIGNED_CLIENT_ID);

    assert_eq!(emu.app_service_requests(), 1);
    assert_eq!(emu.imds_requests(), 0);
    let recorded = emu.last_app_service_request().unwrap();
    assert_eq!(recorded.path, "/msi/token");
    assert_eq!(recorded.form["api-version"], "2019-08-01");
    assert_eq!(recorded.headers["x-identity-header"], emu.identity_header());
}

#[tokio::test]
async fn user_assigned_selectors_include_mi_res_id_and_principal_id() {
    let emu = Emulator::start();
    emu.register_user_assigned_identity(UA_CLIENT_ID, UA_OBJECT_ID, UA_RESOURCE_ID);
    let secret = emu.identity_header();
    for selector in [
        ("client_id", UA_CLIENT_ID),
        ("principal_id", UA_OBJECT_ID),
        ("object_id", UA_OBJECT_ID),
        ("mi_res_id", UA_RESOURCE_ID),
    ] {
        let reply = app_service(&emu, &[selector], Some(&secret)).await;
        assert_eq!(reply.status, 200, "{selector:?}: {}", reply.body);
        assert_eq!(reply.json()["client_id"], UA_CLIENT_ID);
    }
    let unknown = app_service(&emu, &[("client_id", "nope")], Some(&secret)).await;
    assert_app_service_error(&unknown, 400);
    let several = app_service(
        &emu,
        &[("client_id", UA_CLIENT_ID), ("mi_res_id", UA_RESOURCE_ID)],
        Some(&secret),
    )
    .await;
    assert_app_service_error(&several, 400);
}

#[tokio::test]
async fn missing_or_wrong_identity_header_is_refused() {
    let emu = Emulator::start();
    assert!(emu.identity_header().len() >= 32);
    assert_ne!(emu.identity_header(), Emulator::start().identity_header());
    assert_app_service_error(&app_service(&emu, &[], None).await, 400);
    assert_app_service_error(&app_service(&emu, &[], Some("wrong")).await, 401);
    assert_eq!(emu.app_service_requests(), 2);
}

#[tokio::test]
async fn wrong_api_version_and_faults() {
    let emu = Emulator::start();
    let secret = emu.identity_header();
    let old = app_service(&emu, &[("api-version", "2017-09-01")], Some(&secret)).await;
    assert_app_service_error(&old, 400);
    emu.push_app_service_fault(500);
    assert_app_service_error(&app_service(&emu, &[], Some(&secret)).await, 500);
    assert_eq!(app_service(&emu, &[], Some(&secret)).await.status, 200);
}
