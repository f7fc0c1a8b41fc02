//! What every CI token service emulator shares: an OIDC issuer (its discovery document and JWKS
//! at `{issuer}/.well-known/…`), RS256 minting with a settable lifetime and clock offset, the
//! log of job-facing requests, and queued faults.

use super::super::ids;
use super::super::jwt::SigningKey;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// One request to a job-facing API as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CiRequest {
    pub method: String,
    /// Path and query, as sent.
    pub uri: String,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
}

/// One issuer's state.
pub struct Issuer {
    /// `http://127.0.0.1:PORT[/path]`: `iss` of the tokens and the discovery base.
    pub issuer: Mutex<String>,
    pub key: Mutex<&'static SigningKey>,
    pub lifetime_secs: AtomicI64,
    pub clock_offset: AtomicI64,
    requests: Mutex<Vec<CiRequest>>,
    minted: Mutex<Vec<String>>,
    faults: Mutex<VecDeque<(u16, String)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Issuer {
    pub fn new(issuer: String, key: &'static SigningKey, lifetime_secs: i64) -> Arc<Issuer> {
        Arc::new(Issuer {
            issuer: Mutex::new(issuer),
            key: Mutex::new(key),
            lifetime_secs: AtomicI64::new(lifetime_secs),
            clock_offset: AtomicI64::new(0),
            requests: Mutex::new(Vec::new()),
            minted: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
        })
    }

    pub fn issuer(&self) -> String {
        lock(&self.issuer).clone()
    }

    pub fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.clock_offset.load(Ordering::SeqCst)
    }

    /// Signs a token for `subject` and `audience` with `extra` claims, valid from now for the
    /// lifetime; remembers it.
    pub fn mint(&self, subject: &str, audience: &Value, extra: Map<String, Value>) -> String {
        let now = self.now();
        let mut claims = json!({
            "iss": self.issuer(),
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_secs.load(Ordering::SeqCst),
            "jti": ids::new_uuid(),
        });
        if let Some(object) = claims.as_object_mut() {
            object.extend(extra);
        }
        let token = lock(&self.key).sign(&claims);
        lock(&self.minted).push(token.clone());
        token
    }

    pub fn record(&self, method: &str, uri: &str, headers: &HeaderMap) {
        let headers = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        lock(&self.requests).push(CiRequest {
            method: method.to_owned(),
            uri: uri.to_owned(),
            headers,
        });
    }

    pub fn requests(&self) -> Vec<CiRequest> {
        lock(&self.requests).clone()
    }

    pub fn minted(&self) -> Vec<String> {
        lock(&self.minted).clone()
    }

    pub fn push_fault(&self, status: u16, body: &str) {
        lock(&self.faults).push_back((status, body.to_owned()));
    }

    /// The next queued fault as a reply, if any.
    pub fn take_fault(&self) -> Option<Response> {
        let (status, body) = lock(&self.faults).pop_front()?;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Some((status, [("content-type", "application/json")], body).into_response())
    }
}

/// `GET {issuer}/.well-known/openid-configuration`.
pub async fn discovery(State(issuer): State<Arc<Issuer>>) -> Json<Value> {
    let iss = issuer.issuer();
    Json(json!({
        "issuer": iss,
        "jwks_uri": format!("{iss}/.well-known/jwks"),
        "subject_types_supported": ["public", "pairwise"],
        "response_types_supported": ["id_token"],
        "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
    }))
}

/// `GET {issuer}/.well-known/jwks`.
pub async fn jwks(State(issuer): State<Arc<Issuer>>) -> Json<Value> {
    Json(lock(&issuer.key).issuer_jwks())
}

/// A JSON error body `{"message": …}`.
pub fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}
