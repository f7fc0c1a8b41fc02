//! `/{tenant}/oauth2/v2.0/token`: parse the form, count and record the request, apply a queued
//! fault, check method and tenant, then hand over to the grant modules.

use super::connection::ConnHandle;
use super::errors::EntraError;
use super::faults;
use super::grants::{self, Grant, GrantRequest};
use super::responses::{CachePolicy, RequestCtx};
use super::state::{RecordedRequest, Shared, TenantRef};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn token(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    Path(tenant): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Entra reads the form whatever the Content-Type; an unparsable body is an empty form.
    let form: BTreeMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .map(|pairs| pairs.into_iter().collect())
            .unwrap_or_default();
    let grant = Grant::from_grant_type(form.get("grant_type").map(String::as_str));
    shared.record(
        grant,
        RecordedRequest {
            form: form.clone(),
            headers: header_map(&headers),
            path: uri.path().to_owned(),
        },
    );
    let ctx = RequestCtx::new(&headers, &shared.authority);
    if let Some(fault) = shared.next_fault()
        && let Some(response) = faults::apply(fault, &ctx, &conn).await
    {
        return response;
    }
    let outcome = if method == Method::POST
        && let Some(acrs) = shared.demanded_acrs()
        && !asks_for_acrs(form.get("claims"), &acrs)
    {
        Err(EntraError::insufficient_claims(&acrs))
    } else if method == Method::POST {
        let tenant_ref = shared.resolve_tenant(&tenant);
        if tenant_ref == TenantRef::Unknown {
            Err(EntraError::tenant_not_found(&tenant))
        } else {
            grants::dispatch(&GrantRequest {
                shared: &shared,
                tenant_segment: &tenant,
                tenant: &tenant_ref,
                form: &form,
                headers: &headers,
            })
        }
    } else {
        Err(EntraError::post_only(method.as_str()))
    };
    match outcome {
        Ok(success) => success.into_response(&ctx),
        Err(error) => error.into_response(&ctx, CachePolicy::NoStore),
    }
}

/// Whether `claims` (JSON) asks for the authentication context `acrs`
/// (`access_token.acrs.value`, or one of `access_token.acrs.values`).
fn asks_for_acrs(claims: Option<&String>, acrs: &str) -> bool {
    let Some(value) = claims.and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok()) else {
        return false;
    };
    let requested = &value["access_token"]["acrs"];
    requested["value"] == acrs
        || requested["values"]
            .as_array()
            .is_some_and(|values| values.iter().any(|v| v == acrs))
}

/// Lowercase header names; repeated headers joined with `, `.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_owned())
            .and_modify(|existing: &mut String| {
                existing.push_str(", ");
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    map
}
