//! Azure IMDS on its own loopback port: `GET /metadata/identity/oauth2/token` (protocol.md §6.2).
//!
//! Order: count and record the request, answer a queued fault (a bare status with a plain-text
//! body, or a token-endpoint `Fault`), then check `Metadata: true` (400 `bad_request_102`),
//! `api-version`, `resource`, at most one of `client_id` / `object_id` / `msi_res_id` (400
//! `invalid_request`), the identity (400 `invalid_request` "Identity not found"), and answer 200
//! with every number as a string.

use super::super::connection::ConnHandle;
use super::super::faults;
use super::super::responses::RequestCtx;
use super::super::state::Shared;
use super::{MiFault, Selector, SelectorParam, Source};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

pub const TOKEN_PATH: &str = "/metadata/identity/oauth2/token";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TOKEN_PATH, get(token))
        .with_state(shared)
}

/// The 200 body, in IMDS's (alphabetical) field order.
#[derive(Serialize)]
struct ImdsToken {
    access_token: String,
    client_id: String,
    expires_in: String,
    expires_on: String,
    not_before: String,
    refresh_token: &'static str,
    resource: String,
    token_type: &'static str,
}

async fn token(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (query, recorded) = super::intake(&uri, &headers);
    match shared.mi.record(Source::Imds, recorded) {
        Some(MiFault::Status(status)) => return fault(status),
        Some(MiFault::Reply(fault)) => {
            let ctx = RequestCtx::new(&headers, &shared.authority);
            if let Some(response) = faults::apply(fault, &ctx, &conn).await {
                return response;
            }
        }
        None => {}
    }
    let metadata = headers.get("metadata").and_then(|v| v.to_str().ok());
    if !metadata.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return error("bad_request_102", "Required metadata header not specified");
    }
    let param = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    if param("api-version").is_none() {
        return error(
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    let Some(resource) = param("resource") else {
        return error(
            "invalid_request",
            "Required audience parameter not specified",
        );
    };
    let selectors: [SelectorParam; 3] = [
        ("client_id", Selector::ClientId),
        ("object_id", Selector::ObjectId),
        ("msi_res_id", Selector::ResourceId),
    ];
    let Ok(selector) = Selector::from_query(&query, &selectors) else {
        return error(
            "invalid_request",
            "Only one of client_id, object_id or msi_res_id may be specified",
        );
    };
    let Some(identity) = shared.mi.resolve(&selector) else {
        return error("invalid_request", "Identity not found");
    };
    let minted = super::mint(&shared, &identity, resource);
    let body = ImdsToken {
        access_token: minted.access_token,
        client_id: identity.client_id,
        expires_in: minted.lifetime.to_string(),
        expires_on: minted.expires_on.to_string(),
        not_before: minted.not_before.to_string(),
        refresh_token: "",
        resource: resource.to_owned(),
        token_type: "Bearer",
    };
    json(StatusCode::OK, &body)
}

fn error(error: &str, description: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    let body = serde_json::to_string(body).expect("bodies serialize");
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// A queued fault: the status with its reason phrase as a plain-text body (invalid → 500).
fn fault(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, status.canonical_reason().unwrap_or_default()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}
