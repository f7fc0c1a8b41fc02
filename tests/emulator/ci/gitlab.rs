//! GitLab CI as an OIDC issuer: discovery and JWKS at the instance URL (this server), and the
//! `id_tokens:` tokens a job gets in variables (`iss` the instance, `sub`
//! `project_path:GROUP/PROJECT:ref_type:branch:ref:main`, `aud` as declared, the job's timeout
//! as life: 5 minutes without one). GitLab has no job-facing token API: a job cannot get another.

use super::issuer::{self, Issuer};
use axum::Router;
use axum::routing::get;
use std::sync::Arc;

pub const PROJECT_PATH: &str = "contoso/payments";

pub fn router(issuer: Arc<Issuer>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(issuer::discovery))
        .route("/.well-known/jwks", get(issuer::jwks))
        .with_state(issuer)
}
