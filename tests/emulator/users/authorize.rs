//! `GET /{tenant}/oauth2/v2.0/authorize`: the browser leg of the authorization-code flow, with
//! the user's answer scripted by `AuthorizeBehavior` (protocol.md §1.2, §4).
//!
//! Checks, in this order. Answered with a 400 HTML page and no redirect: unknown tenant (90002),
//! missing `client_id` (900144), unknown app (700016), missing `redirect_uri` (900144), a
//! redirect URI that is not `http://localhost[:port][/path]` or `http://127.0.0.1[:port][/path]`
//! (no query, no fragment; the port is ignored as Entra does for loopback) or an app that is not a
//! public client (50011). Sent back to the redirect URI (with `state`): a `response_mode` other
//! than `query`/`fragment`/`form_post` (900144, by query), `response_type` not `code` (700054),
//! missing `scope` (900144), missing `code_challenge` or a method other than `S256` (9002325), an
//! invalid scope (70011). Then the behaviour: approve (a 10-minute single-use code bound to client,
//! redirect URI, scopes, challenge and nonce), deny, or approve with a different `state`.
//!
//! Delivery: `query` → 302 to the redirect URI (a `/` appended when it has no path, as Entra does)
//! with `code`, `state`, `session_state`; `fragment` → the same after `#`; `form_post` → a 200
//! page whose form posts the same fields to the redirect URI as sent.

use super::super::errors::EntraError;
use super::super::managed_identity;
use super::super::responses::RequestCtx;
use super::super::state::Shared;
use super::codes::AuthCode;
use super::{AuthorizeBehavior, html, resolve_app, scopes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Query,
    Fragment,
    FormPost,
}

/// Where and how the answer goes back to the app.
struct Reply<'a> {
    redirect_uri: &'a str,
    mode: Mode,
    state: Option<&'a str>,
    ctx: RequestCtx,
}

pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (query, recorded) = managed_identity::intake(&uri, &headers);
    let behavior = {
        let mut users = shared.users.lock();
        users.authorize_requests += 1;
        users.last_authorize = Some(recorded);
        users.behavior.clone()
    };
    let ctx = RequestCtx::new(&headers, &shared.authority);
    let param = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let (tenant_id, client_id, redirect_uri) = match check_client(&shared, &tenant, &query) {
        Ok(found) => found,
        Err(error) => return html::error_page(&error, &ctx),
    };
    let mut reply = Reply {
        redirect_uri,
        mode: Mode::Query,
        state: param("state"),
        ctx,
    };
    match param("response_mode") {
        None | Some("query") => {}
        Some("fragment") => reply.mode = Mode::Fragment,
        Some("form_post") => reply.mode = Mode::FormPost,
        Some(other) => return reply.error(&EntraError::unsupported_response_mode(other)),
    }
    let scopes = match check_request(&param) {
        Ok(scopes) => scopes,
        Err(error) => return reply.error(&error),
    };
    match behavior {
        AuthorizeBehavior::Deny { error, description } => {
            let mut fields = vec![("error", error), ("error_description", description)];
            if let Some(state) = reply.state {
                fields.push(("state", state.to_owned()));
            }
            reply.send(&fields)
        }
        AuthorizeBehavior::Approve | AuthorizeBehavior::WrongState => {
            let code = shared.users.lock().codes.issue(AuthCode {
                tenant_id,
                client_id,
                redirect_uri: redirect_uri.to_owned(),
                scopes,
                code_challenge: param("code_challenge").unwrap_or_default().to_owned(),
                nonce: param("nonce").map(str::to_owned),
            });
            let mut fields = vec![("code", code)];
            let state = match behavior {
                AuthorizeBehavior::WrongState => Some(super::super::ids::random_b64url(16)),
                _ => reply.state.map(str::to_owned),
            };
            if let Some(state) = state {
                fields.push(("state", state));
            }
            fields.push(("session_state", super::super::ids::new_uuid()));
            reply.send(&fields)
        }
    }
}

/// The checks answered with an error page: the tenant, the app and its redirect URI.
fn check_client<'q>(
    shared: &Shared,
    tenant: &str,
    query: &'q BTreeMap<String, String>,
) -> Result<(String, String, &'q str), EntraError> {
    let param = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let tenant_ref = shared.resolve_tenant(tenant);
    let client_id = param("client_id").ok_or_else(|| EntraError::missing_parameter("client_id"))?;
    let (tenant_id, app) = resolve_app(shared, &tenant_ref, tenant, client_id)?;
    let redirect_uri =
        param("redirect_uri").ok_or_else(|| EntraError::missing_parameter("redirect_uri"))?;
    if !app.public_client || !is_loopback_redirect(redirect_uri) {
        return Err(EntraError::redirect_uri_not_registered(
            redirect_uri,
            client_id,
        ));
    }
    Ok((tenant_id, app.client_id, redirect_uri))
}

/// The checks answered through the redirect URI; the requested scopes when all pass.
fn check_request<'q>(param: &impl Fn(&str) -> Option<&'q str>) -> Result<Vec<String>, EntraError> {
    match param("response_type") {
        Some("code") => {}
        Some(other) => return Err(EntraError::unsupported_response_type(other)),
        None => return Err(EntraError::missing_parameter("response_type")),
    }
    let scope = param("scope").ok_or_else(|| EntraError::missing_parameter("scope"))?;
    if param("code_challenge").is_none() || param("code_challenge_method") != Some("S256") {
        return Err(EntraError::pkce_required());
    }
    let requested = scopes::split(scope);
    scopes::for_token(&requested)?;
    Ok(requested)
}

/// `http://localhost[:port][/path]` or `http://127.0.0.1[:port][/path]`: no user info, query or
/// fragment. (`[::1]` is not supported by Entra.)
pub fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    url.scheme() == "http"
        && matches!(url.host_str(), Some("localhost" | "127.0.0.1"))
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
}

impl Reply<'_> {
    /// Sends an Entra error (`error`, `error_description` with the AADSTS text, `state`).
    fn error(&self, error: &EntraError) -> Response {
        let timestamp = super::super::ids::entra_timestamp(jiff::Timestamp::now());
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            error.code, error.message, self.ctx.trace_id, self.ctx.correlation_id, timestamp
        );
        let mut fields = vec![
            ("error", error.error.to_owned()),
            ("error_description", description),
        ];
        if let Some(state) = self.state {
            fields.push(("state", state.to_owned()));
        }
        self.send(&fields)
    }

    fn send(&self, fields: &[(&str, String)]) -> Response {
        if self.mode == Mode::FormPost {
            return html::form_post(self.redirect_uri, fields, &self.ctx);
        }
        let separator = if self.mode == Mode::Query { '?' } else { '#' };
        let encoded = serde_urlencoded::to_string(fields).expect("fields encode");
        let location = format!("{}{separator}{encoded}", with_path(self.redirect_uri));
        let mut response = StatusCode::FOUND.into_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&location) {
            headers.insert(header::LOCATION, v);
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        if let Ok(v) = HeaderValue::from_str(&self.ctx.trace_id) {
            headers.insert("x-ms-request-id", v);
        }
        response
    }
}

/// Entra appends `/` to a redirect URI without a path: `http://localhost:7071` → `…:7071/`.
fn with_path(redirect_uri: &str) -> String {
    let after_scheme = redirect_uri.split_once("://").map_or("", |(_, rest)| rest);
    if after_scheme.contains('/') {
        redirect_uri.to_owned()
    } else {
        format!("{redirect_uri}/")
    }
}
