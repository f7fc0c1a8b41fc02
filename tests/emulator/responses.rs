//! Per-request context (trace and correlation ids) and Entra's response headers and success body.

use super::ids;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Ids and addresses shared by every response to one request.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    /// Also sent as `x-ms-request-id`.
    pub trace_id: String,
    /// The request's `client-request-id` when sent, else a new UUID.
    pub correlation_id: String,
    pub client_request_id: Option<String>,
    pub authority: String,
}

impl RequestCtx {
    pub fn new(headers: &HeaderMap, authority: &str) -> RequestCtx {
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .filter(|v| !v.is_empty());
        RequestCtx {
            trace_id: ids::new_uuid(),
            correlation_id: client_request_id.clone().unwrap_or_else(ids::new_uuid),
            client_request_id,
            authority: authority.to_owned(),
        }
    }
}

/// `Cache-Control` family: token responses are never cached; discovery may be for a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    NoStore,
    Discovery,
}

/// A JSON response with Entra's headers. `aadsts` feeds `x-ms-clitelem` (0 on success).
pub fn json_response(
    status: StatusCode,
    body: &impl Serialize,
    ctx: &RequestCtx,
    cache: CachePolicy,
    aadsts: u32,
) -> Response {
    let json = serde_json::to_string(body).expect("response bodies serialize");
    let mut response = (status, json).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    match cache {
        CachePolicy::NoStore => {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, no-cache"),
            );
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            headers.insert(header::EXPIRES, HeaderValue::from_static("-1"));
            let telemetry = format!("1,{aadsts},0,,");
            headers.insert(
                "x-ms-clitelem",
                HeaderValue::from_str(&telemetry).expect("ascii"),
            );
        }
        CachePolicy::Discovery => {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=86400, private"),
            );
        }
    }
    headers.insert(
        "x-ms-ests-server",
        HeaderValue::from_static("entra-emulator"),
    );
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        headers.insert("x-ms-request-id", v);
    }
    if let Some(id) = ctx.client_request_id.as_deref()
        && let Ok(v) = HeaderValue::from_str(id)
    {
        headers.insert("client-request-id", v);
    }
    response
}

/// The token endpoint's 200 body, fields in Entra's order; absent fields are omitted.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TokenResponse {
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub expires_in: u64,
    pub ext_expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_in: Option<u64>,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foci: Option<String>,
}

impl TokenResponse {
    pub fn into_response(self, ctx: &RequestCtx) -> Response {
        json_response(StatusCode::OK, &self, ctx, CachePolicy::NoStore, 0)
    }
}
