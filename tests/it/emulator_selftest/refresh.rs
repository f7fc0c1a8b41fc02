//! Emulator self-tests: the refresh-token grant (rotation, the old token staying valid as on
//! Entra, replay revoking the chain when enabled, revocation with 50173, other resources).

use super::sign_in::{VERIFIER, authorize, authorize_query, redeem, redirected, refresh};
use super::{assert_entra_error, post_form, send};
use crate::emulator::{CLIENT_ID, CLIENT_SECRET, Emulator, Grant, PUBLIC_CLIENT_ID, TENANT_ID};

async fn first_refresh_token(emu: &Emulator) -> String {
    let body = super::sign_in::signed_in_tokens(emu).await;
    body["refresh_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_refresh_rotates_and_old_tokens_stay_valid_by_default() {
    let emu = Emulator::start();
    let rt0 = first_refresh_token(&emu).await;
    let first = refresh(&emu, &rt0, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    let rt1 = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt0);
    assert_eq!(emu.last_refresh_token_issued(), Some(rt1.clone()));
    assert_eq!(first["scope"], "https://graph.microsoft.com/User.Read");
    assert!(first["id_token"].is_string(), "openid was in the sign-in");
    assert!(first["client_info"].is_string());

    let second = refresh(&emu, &rt1, None).await.json();
    let rt2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert!(rt2 != rt1 && rt2 != rt0);

    // Entra does not revoke a used refresh token.
    let replay = refresh(&emu, &rt0, None).await;
    assert_eq!(replay.status, 200, "{}", replay.body);
    assert_eq!(emu.token_requests(Grant::RefreshToken), 3);
}

#[tokio::test]
async fn replay_revokes_the_chain_when_enabled() {
    let emu = Emulator::start();
    emu.set_refresh_token_reuse_revokes(true);
    let rt0 = first_refresh_token(&emu).await;
    let rt1 = refresh(&emu, &rt0, None).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let replay = refresh(&emu, &rt0, None).await;
    assert_entra_error(&replay, 400, "invalid_grant", 70000);
    // The newest token of the chain is revoked too.
    let newest = refresh(&emu, &rt1, None).await;
    assert_entra_error(&newest, 400, "invalid_grant", 70000);
    // Another sign-in starts a new chain.
    let other = first_refresh_token(&emu).await;
    assert_eq!(refresh(&emu, &other, None).await.status, 200);
}

#[tokio::test]
async fn revoked_refresh_tokens_fail_with_50173_bad_token() {
    let emu = Emulator::start();
    let rt0 = first_refresh_token(&emu).await;
    let rt1 = refresh(&emu, &rt0, None).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    emu.revoke_refresh_tokens();
    for token in [&rt0, &rt1] {
        let reply = refresh(&emu, token, None).await;
        let body = assert_entra_error(&reply, 400, "invalid_grant", 50173);
        assert_eq!(body["suberror"], "bad_token");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("TokensValidFrom")
        );
    }
    let fresh = first_refresh_token(&emu).await;
    assert_eq!(refresh(&emu, &fresh, None).await.status, 200);
}

#[tokio::test]
async fn a_refresh_token_gets_tokens_for_another_resource() {
    let emu = Emulator::start();
    let rt = first_refresh_token(&emu).await;
    let reply = refresh(
        &emu,
        &rt,
        Some("https://vault.azure.net/.default openid profile offline_access"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        body["scope"],
        "https://vault.azure.net/user_impersonation https://vault.azure.net/.default"
    );
    let access = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(access["aud"], "https://vault.azure.net");
    assert_eq!(access["oid"], emu.user_object_id());

    let no_openid = refresh(&emu, &rt, Some("https://vault.azure.net/.default")).await;
    assert!(no_openid.json().get("id_token").is_none());
}

#[tokio::test]
async fn unknown_foreign_or_authenticated_refresh_tokens_fail() {
    let emu = Emulator::start();
    let rt = first_refresh_token(&emu).await;
    let unknown = refresh(&emu, "1.AQnot-a-refresh-token", None).await;
    assert_entra_error(&unknown, 400, "invalid_grant", 9002313);

    let other_client = "0c0ffee0-1111-4222-8333-444455556666";
    emu.register_public_client(TENANT_ID, other_client);
    let foreign = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", other_client),
            ("refresh_token", &rt),
        ],
    ))
    .await;
    assert_entra_error(&foreign, 400, "invalid_grant", 70000);

    let with_secret = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", &rt),
        ],
    ))
    .await;
    assert_entra_error(&with_secret, 401, "invalid_client", 700025);

    let confidential_without_secret = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", &rt),
        ],
    ))
    .await;
    assert_entra_error(&confidential_without_secret, 401, "invalid_client", 7000218);

    let missing = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
        ],
    ))
    .await;
    assert_entra_error(&missing, 400, "invalid_request", 900144);
}

#[tokio::test]
async fn a_sign_in_without_offline_access_gets_no_refresh_token() {
    let emu = Emulator::start();
    let query = super::sign_in::with(authorize_query(), "scope", "openid profile User.Read");
    let (_, params) = redirected(&authorize(&emu, &query).await);
    let body = redeem(&emu, &params["code"], VERIFIER, &[]).await.json();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(emu.last_refresh_token_issued().is_none());
    assert_eq!(body["scope"], "https://graph.microsoft.com/User.Read");
}
