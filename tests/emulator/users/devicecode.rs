//! `POST /{tenant}/oauth2/v2.0/devicecode` (device authorization, protocol.md §1.3) and the
//! verification page it points at, `GET|POST /{tenant}/devicelogin`.
//!
//! Devicecode checks, in this order: POST only (900561), unknown tenant (90002), missing
//! `client_id` (900144), unknown app (700016), missing `scope` (900144), invalid scope (70011).
//! The 200 body has Entra's fields and order: `user_code`, `device_code`, `verification_uri`
//! (`{authority}/{tenant}/devicelogin`), `expires_in`, `interval`, `message`; no
//! `verification_uri_complete`. Posting `otc=<user code>` to the verification page approves it.

use super::super::errors::EntraError;
use super::super::responses::{CachePolicy, RequestCtx, json_response};
use super::super::state::Shared;
use super::device::DeviceStatus;
use super::{html, resolve_app, scopes};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Serialize)]
struct DeviceCodeBody {
    user_code: String,
    device_code: String,
    verification_uri: String,
    expires_in: u64,
    interval: u64,
    message: String,
}

pub async fn devicecode(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.users.lock().devicecode_requests += 1;
    let ctx = RequestCtx::new(&headers, &shared.authority);
    match issue(&shared, &tenant, &method, &body) {
        Ok(body) => json_response(StatusCode::OK, &body, &ctx, CachePolicy::NoStore, 0),
        Err(error) => error.into_response(&ctx, CachePolicy::NoStore),
    }
}

fn issue(
    shared: &Shared,
    tenant: &str,
    method: &Method,
    body: &[u8],
) -> Result<DeviceCodeBody, EntraError> {
    if method != Method::POST {
        return Err(EntraError::post_only(method.as_str()));
    }
    let form = parse_form(body);
    let param = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let tenant_ref = shared.resolve_tenant(tenant);
    if tenant_ref == super::super::state::TenantRef::Unknown {
        return Err(EntraError::tenant_not_found(tenant));
    }
    let client_id = param("client_id").ok_or_else(|| EntraError::missing_parameter("client_id"))?;
    let (tenant_id, app) = resolve_app(shared, &tenant_ref, tenant, client_id)?;
    let scope = param("scope").ok_or_else(|| EntraError::missing_parameter("scope"))?;
    let requested = scopes::split(scope);
    scopes::for_token(&requested)?;
    let verification_uri = format!("{}/{tenant}/devicelogin", shared.authority);
    let mut users = shared.users.lock();
    let (device_code, grant) =
        users
            .devices
            .issue(&tenant_id, &app.client_id, requested, &verification_uri);
    let message = match &users.devices.message {
        Some(message) => message.replace("{user_code}", &grant.user_code),
        None => format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {} to authenticate.",
            grant.user_code
        ),
    };
    Ok(DeviceCodeBody {
        user_code: grant.user_code,
        device_code,
        verification_uri,
        expires_in: users.devices.lifetime_secs,
        interval: users.devices.interval_secs,
        message,
    })
}

/// The verification page: GET shows the code form; POST `otc=<user code>` approves that code.
pub async fn devicelogin(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = RequestCtx::new(&headers, &shared.authority);
    if method == Method::POST {
        let form = parse_form(&body);
        let user_code = form.get("otc").map(String::as_str).unwrap_or_default();
        let approved = shared
            .users
            .lock()
            .devices
            .decide(user_code, DeviceStatus::Approved);
        return if approved {
            html::page(
                StatusCode::OK,
                "Signed in",
                "<p>You have signed in to the application on your device. You may now close this window.</p>",
                &ctx,
            )
        } else {
            html::page(
                StatusCode::BAD_REQUEST,
                "Enter code",
                "<p>That code didn't work. Check the code and try again.</p>",
                &ctx,
            )
        };
    }
    html::page(
        StatusCode::OK,
        "Enter code",
        "<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>\
         <form method=\"POST\"><input type=\"text\" name=\"otc\" autocomplete=\"off\" />\
         <input type=\"submit\" value=\"Next\" /></form>",
        &ctx,
    )
}

fn parse_form(body: &[u8]) -> BTreeMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(|pairs| pairs.into_iter().collect())
        .unwrap_or_default()
}
