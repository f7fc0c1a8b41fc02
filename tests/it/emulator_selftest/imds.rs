//! Emulator self-tests: the IMDS managed-identity endpoint on its own port: system- and
//! user-assigned identities, string numbers, "Identity not found", the Metadata header, faults.

use super::{Reply, client, send};
use crate::emulator::{Emulator, SYSTEM_ASSIGNED_CLIENT_ID, SYSTEM_ASSIGNED_OBJECT_ID};

const ARM: &str = "https://management.azure.com/";
pub const UA_CLIENT_ID: &str = "a1a1a1a1-2222-4333-8444-555555555555";
pub const UA_OBJECT_ID: &str = "b2b2b2b2-2222-4333-8444-555555555555";
pub const UA_RESOURCE_ID: &str = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua";

async fn imds(emu: &Emulator, extra: &[(&str, &str)], metadata: bool) -> Reply {
    let mut query = vec![("api-version", "2018-02-01"), ("resource", ARM)];
    query.extend_from_slice(extra);
    let url = format!(
        "{}/metadata/identity/oauth2/token?{}",
        emu.imds_endpoint(),
        serde_urlencoded::to_string(&query).unwrap()
    );
    let request = client().get(url);
    send(if metadata {
        request.header("Metadata", "true")
    } else {
        request
    })
    .await
}

#[tokio::test]
async fn system_assigned_token_has_string_numbers_and_is_recorded() {
    let emu = Emulator::start();
    assert!(emu.imds_endpoint().starts_with("http://127.0.0.1:"));
    assert_ne!(emu.imds_endpoint(), emu.authority(), "its own port");
    let reply = imds(&emu, &[], true).await;
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
            "expires_in",
            "expires_on",
            "not_before",
            "refresh_token",
            "resource",
            "token_type"
        ]
    );
    assert_eq!(body["expires_in"], "3599");
    assert_eq!(body["refresh_token"], "");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], ARM);
    assert_eq!(body["client_id"], SYSTEM_ASSIGNED_CLIENT_ID);
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    let not_before: i64 = body["not_before"].as_str().unwrap().parse().unwrap();
    let now = jiff::Timestamp::now().as_second();
    assert!((expires_on - now - 3599).abs() <= 2 && not_before <= now);

    let claims = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["aud"], ARM);
    assert_eq!(claims["appid"], SYSTEM_ASSIGNED_CLIENT_ID);
    assert_eq!(claims["oid"], SYSTEM_ASSIGNED_OBJECT_ID);
    assert_eq!(claims["idtyp"], "app");

    assert_eq!(emu.imds_requests(), 1);
    assert_eq!(emu.total_token_requests(), 0, "Entra saw nothing");
    let recorded = emu.last_imds_request().unwrap();
    assert_eq!(recorded.path, "/metadata/identity/oauth2/token");
    assert_eq!(recorded.form["api-version"], "2018-02-01");
    assert_eq!(recorded.form["resource"], ARM);
    assert_eq!(recorded.headers["metadata"], "true");
}

#[tokio::test]
async fn user_assigned_identity_by_each_selector() {
    let emu = Emulator::start();
    emu.register_user_assigned_identity(UA_CLIENT_ID, UA_OBJECT_ID, UA_RESOURCE_ID);
    for selector in [
        ("client_id", UA_CLIENT_ID),
        ("object_id", UA_OBJECT_ID),
        ("msi_res_id", UA_RESOURCE_ID),
    ] {
        let reply = imds(&emu, &[selector], true).await;
        assert_eq!(reply.status, 200, "{selector:?}: {}", reply.body);
        let body = reply.json();
        assert_eq!(body["client_id"], UA_CLIENT_ID);
        let claims = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
        assert_eq!(claims["appid"], UA_CLIENT_ID);
        assert_eq!(claims["oid"], UA_OBJECT_ID);
        assert_eq!(claims["xms_mirid"], UA_RESOURCE_ID);
    }
    assert_eq!(
        emu.last_imds_request().unwrap().form["msi_res_id"],
        UA_RESOURCE_ID
    );
}

#[tokio::test]
async fn unknown_or_absent_identity_and_several_selectors_are_400() {
    let emu = Emulator::start();
    emu.register_user_assigned_identity(UA_CLIENT_ID, UA_OBJECT_ID, UA_RESOURCE_ID);
    let unknown = imds(
        &emu,
        &[("client_id", "99999999-2222-4333-8444-555555555555")],
        true,
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json(),
        serde_json::json!({"error": "invalid_request", "error_description": "Identity not found"})
    );
    let several = imds(
        &emu,
        &[("client_id", UA_CLIENT_ID), ("object_id", UA_OBJECT_ID)],
        true,
    )
    .await;
    assert_eq!(several.status, 400);
    assert_eq!(several.json()["error"], "invalid_request");

    emu.set_system_assigned_identity(false);
    let none = imds(&emu, &[], true).await;
    assert_eq!(none.status, 400);
    assert_eq!(none.json()["error_description"], "Identity not found");
    emu.set_system_assigned_identity(true);
    assert_eq!(imds(&emu, &[], true).await.status, 200);
}

#[tokio::test]
async fn missing_metadata_header_is_bad_request_102() {
    let emu = Emulator::start();
    let reply = imds(&emu, &[], false).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "bad_request_102");
    assert_eq!(
        reply.json()["error_description"],
        "Required metadata header not specified"
    );
    assert_eq!(emu.imds_requests(), 1, "counted anyway");
}

#[tokio::test]
async fn queued_faults_answer_once_each_in_order() {
    let emu = Emulator::start();
    for status in [410, 429, 503] {
        emu.push_imds_fault(status);
    }
    for expected in [410, 429, 503, 200] {
        let reply = imds(&emu, &[], true).await;
        assert_eq!(reply.status, expected, "{}", reply.body);
        if expected != 200 {
            assert_eq!(reply.header("content-type"), Some("text/plain"));
        }
    }
    assert_eq!(emu.imds_requests(), 4);
}
