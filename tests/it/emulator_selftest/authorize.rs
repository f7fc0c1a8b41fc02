//! Emulator self-tests: `/authorize` (approve by query and `form_post`, deny, wrong state, error
//! pages, loopback rules, recording) and the authorization-code grant with PKCE.

use super::sign_in::{
    CHALLENGE, NONCE, REDIRECT, STATE, VERIFIER, assert_keys_in_order, authorize, authorize_query,
    posted_form, redeem, redirected, sign_in, with,
};
use super::{assert_entra_error, post_form, send};
use crate::emulator::{
    AuthorizeBehavior, CLIENT_ID, Emulator, Grant, PUBLIC_CLIENT_ID, TENANT_ID, USER_NAME,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

#[tokio::test]
async fn approve_by_query_then_redeem_with_pkce() {
    let emu = Emulator::start();
    let reply = authorize(&emu, &authorize_query()).await;
    assert_eq!(reply.header("cache-control"), Some("no-store, no-cache"));
    let (base, params) = redirected(&reply);
    assert_eq!(base, format!("{REDIRECT}/"), "a path-less URI gets a /");
    assert_eq!(params["state"], STATE);
    assert_eq!(params["session_state"].len(), 36);
    assert_eq!(emu.authorize_requests(), 1);
    let recorded = emu.last_authorize_request().unwrap();
    assert_eq!(recorded.path, format!("/{TENANT_ID}/oauth2/v2.0/authorize"));
    assert_eq!(recorded.form["code_challenge"], CHALLENGE);
    assert_eq!(recorded.form["redirect_uri"], REDIRECT);

    let reply = redeem(&emu, &params["code"], VERIFIER, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store, no-cache"));
    assert_keys_in_order(
        &reply.body,
        &[
            "token_type",
            "scope",
            "expires_in",
            "ext_expires_in",
            "access_token",
            "refresh_token",
            "id_token",
            "client_info",
        ],
    );
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "https://graph.microsoft.com/User.Read");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(emu.token_requests(Grant::AuthorizationCode), 1);
    assert_eq!(
        emu.last_refresh_token_issued().as_deref(),
        body["refresh_token"].as_str()
    );
}

#[tokio::test]
async fn tokens_carry_the_user_client_and_nonce() {
    let emu = Emulator::start();
    let body = super::sign_in::signed_in_tokens(&emu).await;
    let access = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(access["aud"], "https://graph.microsoft.com");
    assert_eq!(access["scp"], "User.Read");
    assert_eq!(access["oid"], emu.user_object_id());
    assert_eq!(access["tid"], TENANT_ID);
    assert_eq!(access["upn"], USER_NAME);
    assert_eq!(access["preferred_username"], USER_NAME);
    assert_eq!(access["azp"], PUBLIC_CLIENT_ID);
    assert_eq!(access["azpacr"], "0");
    assert_eq!(
        access["iss"],
        format!("{}/{TENANT_ID}/v2.0", emu.authority())
    );
    assert!(access["name"].as_str().is_some_and(|n| !n.is_empty()));

    let id = emu.verify(body["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(id["aud"], PUBLIC_CLIENT_ID);
    assert_eq!(id["iss"], access["iss"]);
    assert_eq!(id["tid"], TENANT_ID);
    assert_eq!(id["oid"], emu.user_object_id());
    assert_eq!(id["preferred_username"], USER_NAME);
    assert_eq!(id["nonce"], NONCE);
    assert_eq!(id["sub"], access["sub"], "pairwise per app, stable");

    let info = URL_SAFE_NO_PAD
        .decode(body["client_info"].as_str().unwrap())
        .expect("unpadded base64url");
    let info: Value = serde_json::from_slice(&info).unwrap();
    assert_eq!(
        info,
        json!({"uid": emu.user_object_id(), "utid": TENANT_ID})
    );
}

#[tokio::test]
async fn no_offline_access_no_refresh_token_no_openid_no_id_token() {
    let emu = Emulator::start();
    let query = with(
        authorize_query(),
        "scope",
        "https://management.core.windows.net//.default",
    );
    let (_, params) = redirected(&authorize(&emu, &query).await);
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", params["code"].as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let reply = send(post_form(&emu, TENANT_ID, &form)).await;
    let body = reply.json();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    assert!(body.get("client_info").is_none(), "not asked for: {body}");
    assert_eq!(
        body["scope"],
        "https://management.core.windows.net//user_impersonation https://management.core.windows.net//.default"
    );
    let access = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(access["aud"], "https://management.core.windows.net/");
    assert_eq!(access["scp"], "user_impersonation");
}

#[tokio::test]
async fn approve_by_form_post() {
    let emu = Emulator::start();
    let redirect = "http://127.0.0.1:61000/callback";
    let query = with(
        with(authorize_query(), "response_mode", "form_post"),
        "redirect_uri",
        redirect,
    );
    let (action, fields) = posted_form(&authorize(&emu, &query).await);
    assert_eq!(action, redirect);
    assert_eq!(fields["state"], STATE);
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", fields["code"].as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", VERIFIER),
    ];
    let reply = send(post_form(&emu, TENANT_ID, &form)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn wrong_verifier_is_501481_and_leaves_the_code_usable() {
    let emu = Emulator::start();
    let code = sign_in(&emu).await;
    let wrong = redeem(
        &emu,
        &code,
        "not-the-verifier-not-the-verifier-0123456789",
        &[],
    )
    .await;
    assert_entra_error(&wrong, 400, "invalid_grant", 501481);
    let missing = send(post_form(
        &emu,
        TENANT_ID,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    ))
    .await;
    assert_entra_error(&missing, 400, "invalid_grant", 501481);
    assert_eq!(redeem(&emu, &code, VERIFIER, &[]).await.status, 200);
}

#[tokio::test]
async fn a_code_is_single_use_54005() {
    let emu = Emulator::start();
    let code = sign_in(&emu).await;
    assert_eq!(redeem(&emu, &code, VERIFIER, &[]).await.status, 200);
    let again = redeem(&emu, &code, VERIFIER, &[]).await;
    assert_entra_error(&again, 400, "invalid_grant", 54005);
    let unknown = redeem(&emu, "1.Anot-a-code", VERIFIER, &[]).await;
    assert_entra_error(&unknown, 400, "invalid_grant", 9002313);
}

#[tokio::test]
async fn redirect_uri_must_match_exactly_500112() {
    let emu = Emulator::start();
    let code = sign_in(&emu).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost:53127/"),
        ("code_verifier", VERIFIER),
    ];
    let reply = send(post_form(&emu, TENANT_ID, &form)).await;
    assert_entra_error(&reply, 400, "invalid_grant", 500112);
}

#[tokio::test]
async fn a_public_client_must_not_send_a_secret_700025() {
    let emu = Emulator::start();
    let code = sign_in(&emu).await;
    let reply = redeem(&emu, &code, VERIFIER, &[("client_secret", "s3cret")]).await;
    assert_entra_error(&reply, 401, "invalid_client", 700025);
    assert_eq!(redeem(&emu, &code, VERIFIER, &[]).await.status, 200);
}

#[tokio::test]
async fn deny_is_sent_back_by_query_and_form_post() {
    let emu = Emulator::start();
    emu.set_authorize_behavior(AuthorizeBehavior::Deny {
        error: "access_denied".to_owned(),
        description: "AADSTS65004: User declined to consent to access the app.".to_owned(),
    });
    let (_, params) = redirected(&authorize(&emu, &authorize_query()).await);
    assert_eq!(params["error"], "access_denied");
    assert!(params["error_description"].starts_with("AADSTS65004: "));
    assert_eq!(params["state"], STATE);
    assert!(!params.contains_key("code"));

    let query = with(authorize_query(), "response_mode", "form_post");
    let (_, fields) = posted_form(&authorize(&emu, &query).await);
    assert_eq!(fields["error"], "access_denied");
    assert_eq!(fields["state"], STATE);
    assert!(!fields.contains_key("code"));
}

#[tokio::test]
async fn wrong_state_approves_with_another_state() {
    let emu = Emulator::start();
    emu.set_authorize_behavior(AuthorizeBehavior::WrongState);
    let (_, params) = redirected(&authorize(&emu, &authorize_query()).await);
    assert_ne!(params["state"], STATE);
    assert!(params.contains_key("code"));
}

#[tokio::test]
async fn loopback_redirects_any_port_and_path() {
    let emu = Emulator::start();
    for uri in [
        "http://localhost",
        "http://localhost:1/",
        "http://127.0.0.1:65535/auth/callback",
        "http://LOCALHOST:8080/x",
    ] {
        let (base, params) =
            redirected(&authorize(&emu, &with(authorize_query(), "redirect_uri", uri)).await);
        assert!(
            base.eq_ignore_ascii_case(uri) || base == format!("{uri}/"),
            "{uri} → {base}"
        );
        assert!(params.contains_key("code"));
    }
}

#[tokio::test]
async fn bad_client_or_redirect_is_an_error_page_not_a_redirect() {
    let emu = Emulator::start();
    let cases = [
        (
            with(
                authorize_query(),
                "client_id",
                "00000000-0000-4000-8000-000000000000",
            ),
            "AADSTS700016",
        ),
        (with(authorize_query(), "client_id", ""), "AADSTS900144"),
        (
            with(authorize_query(), "redirect_uri", "https://localhost:8080"),
            "AADSTS50011",
        ),
        (
            with(authorize_query(), "redirect_uri", "http://example.com/cb"),
            "AADSTS50011",
        ),
        (
            with(authorize_query(), "redirect_uri", "http://[::1]:8080"),
            "AADSTS50011",
        ),
        (
            with(
                authorize_query(),
                "redirect_uri",
                "http://localhost:8080/?x=1",
            ),
            "AADSTS50011",
        ),
        (with(authorize_query(), "redirect_uri", ""), "AADSTS900144"),
        // The confidential app has no loopback redirect URI.
        (
            with(authorize_query(), "client_id", CLIENT_ID),
            "AADSTS50011",
        ),
    ];
    let count = cases.len();
    for (query, code) in cases {
        let reply = authorize(&emu, &query).await;
        assert_eq!(reply.status, 400, "{query:?}");
        assert!(reply.header("location").is_none());
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(
            reply.body.contains(&format!("{code}: ")),
            "{code}: {}",
            reply.body
        );
    }
    let unknown_tenant = format!(
        "{}/nope.example/oauth2/v2.0/authorize?{}",
        emu.authority(),
        serde_urlencoded::to_string(authorize_query()).unwrap()
    );
    let reply = send(super::sign_in::browser().get(unknown_tenant)).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("AADSTS90002: "));
    assert_eq!(emu.authorize_requests(), count + 1);
}

#[tokio::test]
async fn request_errors_go_back_to_the_redirect_uri() {
    let emu = Emulator::start();
    let cases = [
        (
            with(authorize_query(), "code_challenge", ""),
            "invalid_request",
            "AADSTS9002325",
        ),
        (
            with(authorize_query(), "code_challenge_method", "plain"),
            "invalid_request",
            "AADSTS9002325",
        ),
        (
            with(authorize_query(), "response_type", "token"),
            "unsupported_response_type",
            "AADSTS700054",
        ),
        (
            with(authorize_query(), "scope", ""),
            "invalid_request",
            "AADSTS900144",
        ),
    ];
    for (query, error, code) in cases {
        let (_, params) = redirected(&authorize(&emu, &query).await);
        assert_eq!(params["error"], error, "{query:?}");
        assert!(params["error_description"].starts_with(&format!("{code}: ")));
        assert_eq!(params["state"], STATE);
    }
}

#[tokio::test]
async fn multi_tenant_authority_signs_into_the_apps_tenant() {
    let emu = Emulator::start();
    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize?{}",
        emu.authority(),
        serde_urlencoded::to_string(authorize_query()).unwrap()
    );
    let (_, params) = redirected(&send(super::sign_in::browser().get(url)).await);
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", params["code"].as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let reply = send(post_form(&emu, "organizations", &form)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let access = emu
        .verify(reply.json()["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(access["tid"], TENANT_ID);
}
