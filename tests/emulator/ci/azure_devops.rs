//! Azure Pipelines' OIDC token service, in the shape an agent's job sees it:
//! `POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=ID` (7.1-preview.1 too)
//! with `Authorization: Bearer {SYSTEM_ACCESSTOKEN}` (or Basic `:TOKEN`, as the PowerShell helper
//! sends) → `{"oidcToken": JWT}`. A missing or wrong job token gets a 203 sign-in page unless
//! the request says `X-TFS-FedAuthRedirect: Suppress` (then 401 with a TF400813 message); an
//! unknown service connection 404; a missing one 400.
//!
//! Two issuer generations: the Azure DevOps issuer (`{this server}/{organization id}`, subject
//! `sc://ORG/PROJECT/CONNECTION`, its own key, found by discovery) and, for connections created
//! since late 2025, the Entra issuer (`{entra authority}/{tenant}/v2.0`, subject
//! `/eid1/c/pub/t/{tenant}/a/{app}/sc/{org id}/{connection id}`, Entra's key). 10 minutes of life.

use super::issuer::{self, Issuer};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

pub const ORGANIZATION: &str = "contoso";
pub const ORGANIZATION_ID: &str = "5b1f3c2d-7e6a-4b9c-8d0e-1f2a3b4c5d6e";
pub const PROJECT: &str = "payments";
pub const PROJECT_ID: &str = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// The request path (plan and job ids are fixed test values).
pub const REQUEST_PATH: &str = "/contoso/9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/_apis/distributedtask/hubs/build/plans/2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a/jobs/7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b/oidctoken";

/// A service connection using workload identity federation.
#[derive(Clone, Debug)]
pub struct ServiceConnection {
    pub id: String,
    pub name: String,
    /// The app (client id) it signs in as, and its tenant (for Entra-issued subjects).
    pub client_id: String,
    pub tenant_id: String,
}

/// Which issuer signs the tokens.
#[derive(Clone, Debug)]
pub enum IssuerMode {
    AzureDevOps,
    /// Entra-issued, with the Entra emulator's authority.
    Entra {
        authority: String,
    },
}

pub struct AzureDevOps {
    pub issuer: Arc<Issuer>,
    /// `http://127.0.0.1:PORT/{organization id}`, the vstoken issuer.
    pub devops_issuer: String,
    pub access_token: String,
    pub connections: Mutex<Vec<ServiceConnection>>,
    pub mode: Mutex<IssuerMode>,
}

impl AzureDevOps {
    pub fn mode(&self) -> IssuerMode {
        self.mode
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The subject a token for `connection` carries in the current issuer mode.
    pub fn subject_of(&self, connection: &ServiceConnection) -> String {
        match self.mode() {
            IssuerMode::AzureDevOps => {
                format!("sc://{ORGANIZATION}/{PROJECT}/{}", connection.name)
            }
            IssuerMode::Entra { .. } => {
                let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
                format!(
                    "/eid1/c/pub/t/{}/a/{}/sc/{ORGANIZATION_ID}/{}",
                    b64(&connection.tenant_id),
                    b64(&connection.client_id),
                    connection.id
                )
            }
        }
    }
}

pub fn router(state: Arc<AzureDevOps>) -> Router {
    let discovery = Router::new()
        .route(
            &format!("/{ORGANIZATION_ID}/.well-known/openid-configuration"),
            get(issuer::discovery),
        )
        .route(
            &format!("/{ORGANIZATION_ID}/.well-known/jwks"),
            get(issuer::jwks),
        )
        .with_state(Arc::clone(&state.issuer));
    Router::new()
        .route(REQUEST_PATH, post(oidctoken))
        .with_state(state)
        .merge(discovery)
}

fn sign_in_page() -> Response {
    (
        StatusCode::NON_AUTHORITATIVE_INFORMATION,
        [("content-type", "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in to continue</body></html>",
    )
        .into_response()
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if let Some(bearer) = value.strip_prefix("Bearer ") {
        return bearer == token;
    }
    value
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .is_some_and(|decoded| decoded == format!(":{token}").as_bytes())
}

async fn oidctoken(
    State(state): State<Arc<AzureDevOps>>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    state.issuer.record("POST", &uri.to_string(), &headers);
    if let Some(fault) = state.issuer.take_fault() {
        return fault;
    }
    let suppress = headers
        .get("x-tfs-fedauthredirect")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("suppress"));
    if !authorized(&headers, &state.access_token) {
        return if suppress {
            issuer::message(
                StatusCode::UNAUTHORIZED,
                "TF400813: The user '' is not authorized to access this resource.",
            )
        } else {
            sign_in_page()
        };
    }
    match query.get("api-version").map(String::as_str) {
        Some("7.1" | "7.1-preview.1") => {}
        _ => {
            return issuer::message(
                StatusCode::BAD_REQUEST,
                "VS800006: No api-version was supplied for the POST request, or it is not 7.1.",
            );
        }
    }
    let Some(id) = query.get("serviceConnectionId") else {
        return issuer::message(StatusCode::BAD_REQUEST, "serviceConnectionId is required.");
    };
    let connection = state
        .connections
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id))
        .cloned();
    let Some(connection) = connection else {
        return issuer::message(
            StatusCode::NOT_FOUND,
            &format!(
                "Service connection {id} was not found or the pipeline is not authorized to use it."
            ),
        );
    };
    let subject = state.subject_of(&connection);
    let token = state.issuer.mint(
        &subject,
        &Value::String(super::super::TOKEN_EXCHANGE_AUDIENCE.to_owned()),
        Map::new(),
    );
    (StatusCode::OK, axum::Json(json!({ "oidcToken": token }))).into_response()
}
