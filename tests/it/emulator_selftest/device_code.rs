//! Emulator self-tests: `/devicecode`, the verification page, and polling (pending, approve,
//! deny, expiry, `slow_down`, automatic approval, both `grant_type` spellings).

use super::sign_in::assert_keys_in_order;
use super::{Reply, assert_entra_error, client, post_form, send};
use crate::emulator::{CLIENT_SECRET, Emulator, Grant, PUBLIC_CLIENT_ID, TENANT_ID};
use serde_json::Value;

const SCOPES: &str = "https://vault.azure.net/.default openid profile offline_access";
const URN: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn start_device_flow(emu: &Emulator, scope: &str) -> Value {
    start_device_flow_raw(emu, scope).await.json()
}

async fn start_device_flow_raw(emu: &Emulator, scope: &str) -> Reply {
    let form = serde_urlencoded::to_string([("client_id", PUBLIC_CLIENT_ID), ("scope", scope)]);
    let reply = send(
        client()
            .post(emu.devicecode_url(TENANT_ID))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.unwrap()),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store, no-cache"));
    reply
}

async fn poll(emu: &Emulator, grant_type: &str, device_code: &str) -> Reply {
    send(post_form(
        emu,
        TENANT_ID,
        &[
            ("grant_type", grant_type),
            ("client_id", PUBLIC_CLIENT_ID),
            ("device_code", device_code),
            ("client_info", "1"),
        ],
    ))
    .await
}

fn device_code(started: &Value) -> String {
    started["device_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn devicecode_answer_is_entra_shaped() {
    let emu = Emulator::start();
    let reply = start_device_flow_raw(&emu, SCOPES).await;
    assert_keys_in_order(
        &reply.body,
        &[
            "user_code",
            "device_code",
            "verification_uri",
            "expires_in",
            "interval",
            "message",
        ],
    );
    let body = reply.json();
    let user_code = body["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert!(
        user_code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    let uri = format!("{}/{TENANT_ID}/devicelogin", emu.authority());
    assert_eq!(body["verification_uri"], uri.as_str());
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["interval"], 1);
    assert_eq!(
        body["message"],
        format!(
            "To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."
        )
    );
    assert_eq!(
        emu.last_device_code(),
        Some((user_code.to_owned(), uri.clone()))
    );
    assert_eq!(emu.devicecode_requests(), 1);

    let page = send(client().get(&uri)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Enter code"));

    emu.set_device_interval(5);
    emu.set_device_code_lifetime(60);
    let body = start_device_flow(&emu, SCOPES).await;
    assert_eq!(body["interval"], 5);
    assert_eq!(body["expires_in"], 60);
}

#[tokio::test]
async fn pending_then_approved_then_tokens_with_either_grant_type() {
    for grant_type in [URN, "device_code"] {
        let emu = Emulator::start();
        let started = start_device_flow(&emu, SCOPES).await;
        let code = device_code(&started);
        let pending = poll(&emu, grant_type, &code).await;
        assert_entra_error(&pending, 400, "authorization_pending", 70016);
        assert!(emu.approve_device_code(started["user_code"].as_str().unwrap()));
        let reply = poll(&emu, grant_type, &code).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        assert_eq!(
            body["scope"],
            "https://vault.azure.net/user_impersonation https://vault.azure.net/.default"
        );
        assert!(body["refresh_token"].is_string());
        assert!(body["id_token"].is_string());
        assert!(body["client_info"].is_string());
        let access = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
        assert_eq!(access["aud"], "https://vault.azure.net");
        assert_eq!(access["oid"], emu.user_object_id());
        assert_eq!(emu.token_requests(Grant::DeviceCode), 2);

        let again = poll(&emu, grant_type, &code).await;
        assert_entra_error(&again, 400, "invalid_grant", 70000);
    }
}

#[tokio::test]
async fn approval_through_the_verification_page() {
    let emu = Emulator::start();
    let started = start_device_flow(&emu, SCOPES).await;
    let (user_code, uri) = emu.last_device_code().unwrap();
    let typed = format!("{}-{}", &user_code[..4], &user_code[4..]).to_lowercase();
    let form = serde_urlencoded::to_string([("otc", typed.as_str())]).unwrap();
    let page = send(
        client()
            .post(&uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(poll(&emu, URN, &device_code(&started)).await.status, 200);
}

#[tokio::test]
async fn denied_is_authorization_declined_65004() {
    let emu = Emulator::start();
    let started = start_device_flow(&emu, SCOPES).await;
    assert!(emu.deny_device_code(started["user_code"].as_str().unwrap()));
    assert!(!emu.approve_device_code(started["user_code"].as_str().unwrap()));
    let reply = poll(&emu, URN, &device_code(&started)).await;
    assert_entra_error(&reply, 400, "authorization_declined", 65004);
}

#[tokio::test]
async fn expired_is_expired_token_70019() {
    let emu = Emulator::start();
    emu.set_device_code_lifetime(0);
    let started = start_device_flow(&emu, SCOPES).await;
    assert_eq!(started["expires_in"], 0);
    assert!(!emu.approve_device_code(started["user_code"].as_str().unwrap()));
    let reply = poll(&emu, URN, &device_code(&started)).await;
    assert_entra_error(&reply, 400, "expired_token", 70019);
}

#[tokio::test]
async fn queued_poll_answers_come_first() {
    let emu = Emulator::start();
    emu.set_auto_approve_device_codes(Some(0));
    emu.push_device_poll_error("slow_down");
    emu.push_device_poll_error("authorization_pending");
    let started = start_device_flow(&emu, SCOPES).await;
    let code = device_code(&started);
    assert_entra_error(&poll(&emu, URN, &code).await, 400, "slow_down", 70016);
    assert_entra_error(
        &poll(&emu, URN, &code).await,
        400,
        "authorization_pending",
        70016,
    );
    assert_eq!(poll(&emu, URN, &code).await.status, 200);
}

#[tokio::test]
async fn auto_approval_after_n_polls() {
    let emu = Emulator::start();
    emu.set_auto_approve_device_codes(Some(2));
    let started = start_device_flow(&emu, SCOPES).await;
    let code = device_code(&started);
    for _ in 0..2 {
        assert_entra_error(
            &poll(&emu, URN, &code).await,
            400,
            "authorization_pending",
            70016,
        );
    }
    assert_eq!(poll(&emu, URN, &code).await.status, 200);
}

#[tokio::test]
#[should_panic(expected = "unknown error")]
async fn unknown_poll_error_names_panic() {
    Emulator::start().push_device_poll_error("no_such_error");
}

#[tokio::test]
async fn bad_requests() {
    let emu = Emulator::start();
    let unknown = poll(&emu, URN, "DAQnot-a-device-code").await;
    assert_entra_error(&unknown, 400, "bad_verification_code", 70018);

    let started = start_device_flow(&emu, SCOPES).await;
    let with_secret = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", URN),
            ("client_id", PUBLIC_CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("device_code", &device_code(&started)),
        ],
    ))
    .await;
    assert_entra_error(&with_secret, 401, "invalid_client", 700025);

    let devicecode = |form: &[(&str, &str)]| {
        client()
            .post(emu.devicecode_url(TENANT_ID))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap())
    };
    let no_scope = send(devicecode(&[("client_id", PUBLIC_CLIENT_ID)])).await;
    assert_entra_error(&no_scope, 400, "invalid_request", 900144);
    let unknown_app = send(devicecode(&[
        ("client_id", "00000000-0000-4000-8000-000000000000"),
        ("scope", SCOPES),
    ]))
    .await;
    assert_entra_error(&unknown_app, 400, "unauthorized_client", 700016);
    let get = send(client().get(emu.devicecode_url(TENANT_ID))).await;
    assert_entra_error(&get, 400, "invalid_request", 900561);
    let unknown_tenant = send(
        client()
            .post(emu.devicecode_url("nope.example"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("client_id={PUBLIC_CLIENT_ID}&scope=openid")),
    )
    .await;
    assert_entra_error(&unknown_tenant, 400, "invalid_request", 90002);
}
