//! App Service / Functions managed identity (`api-version=2019-08-01`) on its own loopback port:
//! `GET /msi/token` (protocol.md §6.3). `IDENTITY_ENDPOINT` is the full URL of that path.
//!
//! Order: count and record the request, answer a queued fault, then check `X-IDENTITY-HEADER`
//! (missing → 400, wrong → 401), `api-version` = 2019-08-01, `resource`, at most one of
//! `client_id` / `principal_id` / `object_id` / `mi_res_id`, the identity; every error is 400
//! unless said otherwise, with App Service's `{"statusCode","message","correlationId"}` body.
//! 200 carries `expires_on` as an epoch string and no `expires_in`.

use super::super::connection::ConnHandle;
use super::super::faults;
use super::super::ids;
use super::super::responses::RequestCtx;
use super::super::state::Shared;
use super::{MiFault, Selector, SelectorParam, Source};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::sync::Arc;

pub const TOKEN_PATH: &str = "/msi/token";
pub const API_VERSION: &str = "2019-08-01";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TOKEN_PATH, get(token))
        .with_state(shared)
}

#[derive(Serialize)]
struct AppServiceToken {
    access_token: String,
    expires_on: String,
    resource: String,
    token_type: &'static str,
    client_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppServiceError {
    status_code: u16,
    message: String,
    correlation_id: String,
}

async fn token(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (query, recorded) = super::intake(&uri, &headers);
    match shared.mi.record(Source::AppService, recorded) {
        Some(MiFault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("Error");
            return error(status, reason);
        }
        Some(MiFault::Reply(fault)) => {
            let ctx = RequestCtx::new(&headers, &shared.authority);
            if let Some(response) = faults::apply(fault, &ctx, &conn).await {
                return response;
            }
        }
        None => {}
    }
    match headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
    {
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "The request is missing the X-IDENTITY-HEADER header.",
            );
        }
        Some(value) if value != shared.mi.identity_header => {
            return error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: the X-IDENTITY-HEADER value is not valid.",
            );
        }
        Some(_) => {}
    }
    let param = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    match param("api-version") {
        Some(API_VERSION) => {}
        Some(other) => {
            let message = format!("The api-version '{other}' is not supported; use {API_VERSION}.");
            return error(StatusCode::BAD_REQUEST, &message);
        }
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "Required parameter 'api-version' is missing.",
            );
        }
    }
    let Some(resource) = param("resource") else {
        return error(
            StatusCode::BAD_REQUEST,
            "Required parameter 'resource' is missing.",
        );
    };
    let selectors: [SelectorParam; 4] = [
        ("client_id", Selector::ClientId),
        ("principal_id", Selector::ObjectId),
        ("object_id", Selector::ObjectId),
        ("mi_res_id", Selector::ResourceId),
    ];
    let Ok(selector) = Selector::from_query(&query, &selectors) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Only one of client_id, principal_id, object_id or mi_res_id may be specified.",
        );
    };
    let Some(identity) = shared.mi.resolve(&selector) else {
        let message = if selector == Selector::System {
            "No Managed Identity found for the request: the system-assigned identity is not enabled."
        } else {
            "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId."
        };
        return error(StatusCode::BAD_REQUEST, message);
    };
    let minted = super::mint(&shared, &identity, resource);
    let body = AppServiceToken {
        access_token: minted.access_token,
        expires_on: minted.expires_on.to_string(),
        resource: resource.to_owned(),
        token_type: "Bearer",
        client_id: identity.client_id,
    };
    json(StatusCode::OK, &body)
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = AppServiceError {
        status_code: status.as_u16(),
        message: message.to_owned(),
        correlation_id: ids::new_uuid(),
    };
    json(status, &body)
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
