//! Tests of the Entra emulator itself over real HTTP: token endpoint bodies, headers and errors,
//! signed tokens, discovery, fault injection, counters and shutdown; client assertions
//! (certificate, federated), managed identity (IMDS, App Service) and the recording proxy; user
//! sign-in (`/authorize` and the code grant, refresh tokens, device codes) and the fake browser.
//! Shared helpers live here; certificate helpers in `certs`, user-flow helpers in `sign_in`.

mod app_service;
mod authorize;
mod certs;
mod ci_services;
mod client_assertion;
mod device_code;
mod fake_browser;
mod faults;
mod federated;
mod imds;
mod lifecycle;
mod proxy;
mod refresh;
mod sign_in;
mod token_endpoint;

use crate::emulator::{CLIENT_ID, Emulator, TENANT_ID};
use serde_json::Value;

pub const SCOPE: &str = "https://graph.microsoft.com/.default";

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the emulator answers");
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

pub fn post_form(emu: &Emulator, tenant: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
    client()
        .post(emu.token_url(tenant))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
}

pub fn cc_form(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("client_secret", secret.to_owned()),
        ("scope", SCOPE.to_owned()),
    ]
}

pub async fn client_credentials(emu: &Emulator, secret: &str) -> Reply {
    let form = cc_form(secret);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(post_form(emu, TENANT_ID, &pairs)).await
}

/// Asserts the full Entra error shape and returns the body.
pub fn assert_entra_error(reply: &Reply, status: u16, error: &str, code: u64) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = reply.json();
    assert_eq!(body["error"], error);
    assert_eq!(body["error_codes"], serde_json::json!([code]));
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    let trace_id = body["trace_id"].as_str().unwrap();
    let correlation_id = body["correlation_id"].as_str().unwrap();
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(description.ends_with(&format!(
        "\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    )));
    assert_eq!(timestamp.len(), "2021-10-29 17:16:31Z".len(), "{timestamp}");
    assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b' ');
    assert_eq!(reply.header("x-ms-request-id"), Some(trace_id));
    assert!(
        body["error_uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/error?code={code}"))
    );
    body
}
