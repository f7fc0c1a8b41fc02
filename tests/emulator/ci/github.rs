//! GitHub Actions' OIDC token service, in the shape the runner gives a job with `permissions:
//! id-token: write`: `GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=…` (the URL already carries
//! `?api-version=2.0`) with `Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}` →
//! `{"count": 1, "value": JWT}`; 401 `{"message": …}` for a missing, wrong or expired request
//! token. Tokens: `iss` the issuer (this server), `sub` `repo:OWNER/REPO:ref:refs/heads/main` (or
//! what the test sets: an environment, a tag, a pull request), `aud` the requested audience
//! (default `https://github.com/OWNER`), 5 minutes of life, GitHub's extra claims.

use super::issuer::{self, Issuer};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The request path the runner hands out (plan and job ids are fixed test values).
pub const REQUEST_PATH: &str = "/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/6a3e1c2b-0d4f-4e5a-9b8c-7d6e5f4a3b2c/jobs/3b2c1d0e-9f8a-4b7c-8d6e-5f4a3b2c1d0e/idtoken";

pub struct GitHub {
    pub issuer: Arc<Issuer>,
    pub request_token: String,
    pub repository: String,
    pub subject: Mutex<String>,
    /// Set by `expire_request_token`: the runner's token is past its ~6 h life.
    pub request_token_expired: AtomicBool,
}

impl GitHub {
    pub fn subject(&self) -> String {
        self.subject
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

pub fn router(state: Arc<GitHub>) -> Router {
    let discovery = Router::new()
        .route("/.well-known/openid-configuration", get(issuer::discovery))
        .route("/.well-known/jwks", get(issuer::jwks))
        .with_state(Arc::clone(&state.issuer));
    Router::new()
        .route(REQUEST_PATH, get(idtoken))
        .with_state(state)
        .merge(discovery)
}

async fn idtoken(
    State(state): State<Arc<GitHub>>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    state.issuer.record("GET", &uri.to_string(), &headers);
    if let Some(fault) = state.issuer.take_fault() {
        return fault;
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(state.request_token.as_str())
        || state.request_token_expired.load(Ordering::SeqCst)
    {
        return issuer::message(StatusCode::UNAUTHORIZED, "Bad credentials");
    }
    if query.get("api-version").map(String::as_str) != Some("2.0") {
        return issuer::message(StatusCode::BAD_REQUEST, "api-version 2.0 is required");
    }
    let owner = state.repository.split('/').next().unwrap_or_default();
    let audience = query
        .get("audience")
        .cloned()
        .unwrap_or_else(|| format!("https://github.com/{owner}"));
    let mut extra = Map::new();
    for (name, value) in [
        ("repository", state.repository.clone()),
        ("repository_owner", owner.to_owned()),
        ("ref", "refs/heads/main".to_owned()),
        ("ref_type", "branch".to_owned()),
        ("event_name", "push".to_owned()),
        ("runner_environment", "github-hosted".to_owned()),
        (
            "job_workflow_ref",
            format!(
                "{}/.github/workflows/deploy.yml@refs/heads/main",
                state.repository
            ),
        ),
    ] {
        extra.insert(name.to_owned(), Value::String(value));
    }
    let token = state
        .issuer
        .mint(&state.subject(), &Value::String(audience), extra);
    (
        StatusCode::OK,
        axum::Json(json!({ "count": 1, "value": token })),
    )
        .into_response()
}
