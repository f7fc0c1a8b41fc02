//! Metadata endpoints: OIDC discovery (`/{tenant}/v2.0/.well-known/openid-configuration`),
//! JWKS (`/{tenant}/discovery/v2.0/keys`) and instance discovery (`/common/discovery/instance`).

use super::errors::EntraError;
use super::responses::{CachePolicy, RequestCtx, json_response};
use super::state::{Shared, TenantRef};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn openid_configuration(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ctx = RequestCtx::new(&headers, &shared.authority);
    let (path_tenant, issuer_tenant, region) = match shared.resolve_tenant(&tenant) {
        TenantRef::Known(id) => (id.clone(), id, json!("WW")),
        // Multi-tenant authorities carry a literal `{tenantid}` placeholder in the issuer.
        TenantRef::MultiTenant(alias) => (alias.to_owned(), "{tenantid}".to_owned(), json!(null)),
        TenantRef::Unknown => {
            return EntraError::invalid_tenant(&tenant).into_response(&ctx, CachePolicy::Discovery);
        }
    };
    let base = format!("{}/{path_tenant}", shared.authority);
    let body = json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{}/{issuer_tenant}/v2.0", shared.authority),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    });
    json_response(StatusCode::OK, &body, &ctx, CachePolicy::Discovery, 0)
}

pub async fn keys(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ctx = RequestCtx::new(&headers, &shared.authority);
    if shared.resolve_tenant(&tenant) == TenantRef::Unknown {
        return EntraError::invalid_tenant(&tenant).into_response(&ctx, CachePolicy::Discovery);
    }
    let body = shared.key.jwks(&shared.authority);
    json_response(StatusCode::OK, &body, &ctx, CachePolicy::Discovery, 0)
}

/// Knows one instance, this emulator; `authorization_endpoint` must point at it.
pub async fn instance(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = RequestCtx::new(&headers, &shared.authority);
    let authz_tenant = query
        .get("authorization_endpoint")
        .and_then(|url| url.strip_prefix(&format!("{}/", shared.authority)))
        .and_then(|rest| rest.split('/').next())
        .filter(|t| !t.is_empty());
    let Some(authz_tenant) = authz_tenant.filter(|_| tenant.eq_ignore_ascii_case("common")) else {
        return EntraError::invalid_instance().into_response(&ctx, CachePolicy::Discovery);
    };
    let host = shared.authority.trim_start_matches("http://");
    let body = json!({
        "tenant_discovery_endpoint": format!("{}/{authz_tenant}/v2.0/.well-known/openid-configuration", shared.authority),
        "api-version": query.get("api-version").cloned().unwrap_or_else(|| "1.1".to_owned()),
        "metadata": [{ "preferred_network": host, "preferred_cache": host, "aliases": [host] }],
    });
    json_response(StatusCode::OK, &body, &ctx, CachePolicy::Discovery, 0)
}
