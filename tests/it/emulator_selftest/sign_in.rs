//! Helpers for the user-flow self-tests: a browser-like client that never follows redirects,
//! the RFC 7636 PKCE example pair, `/authorize` requests, reading what came back to the redirect
//! URI (query or `form_post` page), and token-endpoint forms of the user grants.

use super::{Reply, post_form, send};
use crate::emulator::{Emulator, PUBLIC_CLIENT_ID, TENANT_ID};
use std::collections::BTreeMap;

/// A loopback redirect URI (no listener needed: the emulator only redirects to it).
pub const REDIRECT: &str = "http://localhost:53127";
/// What a CLI asks for on a Graph sign-in.
pub const SCOPES: &str = "openid profile offline_access https://graph.microsoft.com/User.Read";
/// RFC 7636 appendix B: this verifier's S256 challenge is `CHALLENGE`.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const STATE: &str = "st-7f1d";
pub const NONCE: &str = "nonce-42";

/// Like a browser's first hop: no proxy, no redirect following.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The query of a normal sign-in of the public client, `response_mode` left to the default.
pub fn authorize_query() -> Vec<(&'static str, String)> {
    vec![
        ("client_id", PUBLIC_CLIENT_ID.to_owned()),
        ("response_type", "code".to_owned()),
        ("redirect_uri", REDIRECT.to_owned()),
        ("scope", SCOPES.to_owned()),
        ("state", STATE.to_owned()),
        ("nonce", NONCE.to_owned()),
        ("code_challenge", CHALLENGE.to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

/// `query` with `name` set to `value` (added if absent); an empty value removes it.
pub fn with(
    mut query: Vec<(&'static str, String)>,
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    query.retain(|(n, _)| *n != name);
    if !value.is_empty() {
        query.push((name, value.to_owned()));
    }
    query
}

/// GET `/authorize` in `TENANT_ID` with `query`.
pub async fn authorize(emu: &Emulator, query: &[(&'static str, String)]) -> Reply {
    let url = format!(
        "{}?{}",
        emu.authorize_url(TENANT_ID),
        serde_urlencoded::to_string(query).unwrap()
    );
    send(browser().get(url)).await
}

/// A 302's `Location` split into the URI before `?`/`#` and its decoded parameters.
pub fn redirected(reply: &Reply) -> (String, BTreeMap<String, String>) {
    assert_eq!(reply.status, 302, "{}", reply.body);
    let location = reply.header("location").expect("a Location header");
    let (base, encoded) = location
        .split_once(['?', '#'])
        .unwrap_or_else(|| panic!("no parameters in {location}"));
    let params: Vec<(String, String)> = serde_urlencoded::from_str(encoded).unwrap();
    (base.to_owned(), params.into_iter().collect())
}

/// The auto-submitting form of a `form_post` page: its action and hidden inputs, unescaped.
pub fn posted_form(reply: &Reply) -> (String, BTreeMap<String, String>) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = &reply.body;
    assert!(html.contains("document.forms[0].submit()"), "{html}");
    let form = html.split("<form ").nth(1).expect("a form");
    assert!(form.starts_with("method=\"POST\""), "{form}");
    let action = attribute(form, "action").expect("an action");
    let fields = form
        .split("<input ")
        .skip(1)
        .filter(|input| input.starts_with("type=\"hidden\""))
        .map(|input| {
            let name = attribute(input, "name").unwrap();
            let value = attribute(input, "value").unwrap();
            (name, value)
        })
        .collect();
    (action, fields)
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Approves a default sign-in and returns the code.
pub async fn sign_in(emu: &Emulator) -> String {
    let (_, params) = redirected(&authorize(emu, &authorize_query()).await);
    params["code"].clone()
}

/// The authorization-code redemption of the public client, plus `extra` fields.
pub async fn redeem(emu: &Emulator, code: &str, verifier: &str, extra: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
        ("client_info", "1"),
    ];
    form.extend_from_slice(extra);
    send(post_form(emu, TENANT_ID, &form)).await
}

/// A refresh-token grant of the public client, with an optional `scope`.
pub async fn refresh(emu: &Emulator, refresh_token: &str, scope: Option<&str>) -> Reply {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("refresh_token", refresh_token),
        ("client_info", "1"),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    send(post_form(emu, TENANT_ID, &form)).await
}

/// Asserts a JSON object body has exactly `keys`, in this order on the wire.
pub fn assert_keys_in_order(body: &str, keys: &[&str]) {
    let value: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(value.as_object().unwrap().len(), keys.len(), "{body}");
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            body.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k}: {body}"))
        })
        .collect();
    assert!(positions.is_sorted(), "order {keys:?}: {body}");
}

/// Signs in and redeems the code: the token response body.
pub async fn signed_in_tokens(emu: &Emulator) -> serde_json::Value {
    let code = sign_in(emu).await;
    let reply = redeem(emu, &code, VERIFIER, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}
