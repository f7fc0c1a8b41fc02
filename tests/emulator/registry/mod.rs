//! An Azure Container Registry on its own loopback port (plain http, as a listed loopback
//! registry): `POST /oauth2/exchange` (an Entra access token, checked for this emulator's
//! signature and ACR's audience, for an ACR refresh token), `POST /oauth2/token` (refresh grant,
//! the identity-token path of docker and containers/image) and `GET /oauth2/token` (Basic with
//! the null GUID), `/v2/` with ACR's Bearer challenge, and one image (`hello:v1`). Every
//! request is recorded; statuses can be queued for the next exchange.

pub mod image;

use super::state::Shared;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use base64::Engine as _;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The audience ACR accepts Entra tokens for.
pub const ACR_AUDIENCE: &str = "https://containerregistry.azure.net";
/// The user name of ACR refresh tokens in Basic auth.
pub const NULL_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// One request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryRequest {
    pub method: String,
    pub path: String,
    /// The form (POST) or query (GET) fields.
    pub form: BTreeMap<String, String>,
    /// The `Authorization` scheme sent (`Bearer`, `Basic`), if any.
    pub auth_scheme: Option<String>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<RegistryRequest>,
    exchange_faults: VecDeque<u16>,
    refresh_lifetime_secs: Option<i64>,
}

/// The registry's state, shared with the `Emulator` handle.
pub struct Registry {
    pub shared: Arc<Shared>,
    /// `127.0.0.1:PORT`: the login server and `service`.
    pub login_server: String,
    pub image: image::Image,
    inner: Mutex<Inner>,
}

impl Registry {
    pub fn new(shared: Arc<Shared>, port: u16) -> Registry {
        Registry {
            shared,
            login_server: format!("127.0.0.1:{port}"),
            image: image::Image::build(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn requests(&self) -> Vec<RegistryRequest> {
        self.lock().requests.clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    pub fn push_exchange_fault(&self, status: u16) {
        self.lock().exchange_faults.push_back(status);
    }

    /// Lifetime of the refresh tokens `/oauth2/exchange` issues (default 3 h, as ACR).
    pub fn set_refresh_lifetime(&self, secs: i64) {
        self.lock().refresh_lifetime_secs = Some(secs);
    }

    fn record(
        &self,
        method: &Method,
        path: &str,
        form: BTreeMap<String, String>,
        headers: &HeaderMap,
    ) {
        let auth_scheme = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_owned);
        self.lock().requests.push(RegistryRequest {
            method: method.to_string(),
            path: path.to_owned(),
            form,
            auth_scheme,
        });
    }
}

pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/oauth2/exchange", post(exchange))
        .route("/oauth2/token", any(token))
        .route("/v2/", any(v2_root))
        .route("/v2/{name}/{kind}/{reference}", any(v2_object))
        .with_state(registry)
}

fn form_of(body: &[u8]) -> BTreeMap<String, String> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn acr_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"code": code, "message": message}]});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// `POST /oauth2/exchange`: `grant_type=access_token`, `service`, `tenant`, `access_token`.
async fn exchange(
    State(registry): State<Arc<Registry>>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = form_of(&body);
    registry.record(&method, "/oauth2/exchange", form.clone(), &headers);
    if let Some(status) = registry.lock().exchange_faults.pop_front() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return acr_error(status, "FAULT", "injected by the emulator");
    }
    if form.get("grant_type").map(String::as_str) != Some("access_token") {
        return acr_error(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED",
            "grant_type must be access_token",
        );
    }
    if form.get("service") != Some(&registry.login_server) {
        return acr_error(
            StatusCode::BAD_REQUEST,
            "INVALID_SERVICE",
            "service is not this registry",
        );
    }
    let Some(token) = form.get("access_token") else {
        return acr_error(
            StatusCode::BAD_REQUEST,
            "MISSING",
            "access_token is missing",
        );
    };
    let claims = match registry.shared.key.verify(token) {
        Ok(claims) => claims,
        Err(e) => {
            return acr_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                &format!("the access token is not valid: {e}"),
            );
        }
    };
    if claims["aud"] != ACR_AUDIENCE {
        return acr_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            &format!(
                "the access token's audience is {}, not {ACR_AUDIENCE}",
                claims["aud"]
            ),
        );
    }
    if let Some(tenant) = form.get("tenant")
        && claims["tid"] != tenant.as_str()
    {
        return acr_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "the token is from another tenant",
        );
    }
    let lifetime = registry.lock().refresh_lifetime_secs.unwrap_or(3 * 3600);
    let now = now();
    let refresh = registry.shared.key.sign(&json!({
        "jti": super::ids::new_uuid(),
        "sub": claims["oid"],
        "nbf": now - 60,
        "exp": now + lifetime,
        "iat": now,
        "iss": "Azure Container Registry",
        "aud": registry.login_server,
        "version": "1.0",
        "grant_type": "refresh_token",
        "tenant": claims["tid"],
        "permissions": {"actions": ["read"]},
    }));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"refresh_token": refresh}).to_string(),
    )
        .into_response()
}

/// Checks an ACR refresh token this registry issued.
fn check_refresh(registry: &Registry, token: &str) -> Result<serde_json::Value, String> {
    let claims = registry.shared.key.verify(token)?;
    if claims["aud"] != registry.login_server.as_str() || claims["grant_type"] != "refresh_token" {
        return Err("not a refresh token of this registry".to_owned());
    }
    Ok(claims)
}

/// `/oauth2/token`: POST `grant_type=refresh_token` (docker's and containers/image's identity
/// tokens) or GET with Basic `00000000-…:<refresh token>`; answers `access_token`.
async fn token(
    State(registry): State<Arc<Registry>>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = if method == Method::POST {
        form_of(&body)
    } else {
        form_of(query.unwrap_or_default().as_bytes())
    };
    registry.record(&method, "/oauth2/token", form.clone(), &headers);
    let refresh = if method == Method::POST {
        if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
            return acr_error(
                StatusCode::BAD_REQUEST,
                "UNSUPPORTED",
                "grant_type must be refresh_token",
            );
        }
        form.get("refresh_token").cloned()
    } else {
        basic_password(&headers)
    };
    let Some(refresh) = refresh else {
        return acr_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "no refresh token");
    };
    if let Err(e) = check_refresh(&registry, &refresh) {
        return acr_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &e);
    }
    if form.get("service") != Some(&registry.login_server) {
        return acr_error(
            StatusCode::BAD_REQUEST,
            "INVALID_SERVICE",
            "service is not this registry",
        );
    }
    let now = now();
    let access = registry.shared.key.sign(&json!({
        "jti": super::ids::new_uuid(),
        "sub": "registry-user",
        "nbf": now - 60,
        "exp": now + 1200,
        "iat": now,
        "iss": "Azure Container Registry",
        "aud": registry.login_server,
        "version": "1.0",
        "access": form.get("scope").cloned().unwrap_or_default(),
    }));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"access_token": access}).to_string(),
    )
        .into_response()
}

fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    (user == NULL_GUID).then(|| password.to_owned())
}

/// The registry access token of a request, when valid.
fn authorized(registry: &Registry, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    registry
        .shared
        .key
        .verify(token.trim())
        .is_ok_and(|claims| {
            claims["aud"] == registry.login_server.as_str() && claims.get("access").is_some()
        })
}

/// ACR's 401 with its challenge (realm on this registry, service = the login server).
fn challenge(registry: &Registry, scope: Option<&str>) -> Response {
    let mut value = format!(
        "Bearer realm=\"http://{0}/oauth2/token\",service=\"{0}\"",
        registry.login_server
    );
    if let Some(scope) = scope {
        value.push_str(&format!(",scope=\"{scope}\""));
    }
    let mut response = acr_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required",
    );
    let headers = response.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&value).expect("ascii"),
    );
    headers.insert(
        "docker-distribution-api-version",
        HeaderValue::from_static("registry/2.0"),
    );
    response
}

async fn v2_root(
    State(registry): State<Arc<Registry>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    registry.record(&method, "/v2/", BTreeMap::new(), &headers);
    if !authorized(&registry, &headers) {
        return challenge(&registry, None);
    }
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{}",
    )
        .into_response();
    response.headers_mut().insert(
        "docker-distribution-api-version",
        HeaderValue::from_static("registry/2.0"),
    );
    response
}

async fn v2_object(
    State(registry): State<Arc<Registry>>,
    method: Method,
    headers: HeaderMap,
    Path((name, kind, reference)): Path<(String, String, String)>,
) -> Response {
    let path = format!("/v2/{name}/{kind}/{reference}");
    registry.record(&method, &path, BTreeMap::new(), &headers);
    if !authorized(&registry, &headers) {
        return challenge(&registry, Some(&format!("repository:{name}:pull")));
    }
    let image = &registry.image;
    let (content_type, bytes, digest) = match (name.as_str(), kind.as_str()) {
        (image::REPOSITORY, "manifests")
            if reference == image::TAG || reference == image.manifest_digest =>
        {
            (
                image::MANIFEST_TYPE,
                image.manifest.clone(),
                image.manifest_digest.clone(),
            )
        }
        (image::REPOSITORY, "blobs") => match image.blob(&reference) {
            Some(blob) => ("application/octet-stream", blob.to_vec(), reference.clone()),
            None => return acr_error(StatusCode::NOT_FOUND, "BLOB_UNKNOWN", "blob unknown"),
        },
        _ => {
            return acr_error(
                StatusCode::NOT_FOUND,
                "MANIFEST_UNKNOWN",
                "manifest unknown",
            );
        }
    };
    let length = bytes.len();
    let body = if method == Method::HEAD {
        Vec::new()
    } else {
        bytes
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(
        "docker-content-digest",
        HeaderValue::from_str(&digest).expect("ascii"),
    );
    headers.insert(
        "docker-distribution-api-version",
        HeaderValue::from_static("registry/2.0"),
    );
    response
}
