//! Microsoft Graph's `GET /v1.0/applications` on the emulator's main port, for `discover`, and
//! `GET /v1.0/organization` (the tenant, for the README's quick start `curl`).
//!
//! Order: count and record the request; answer a queued `Fault`; require `Authorization: Bearer`
//! with a token this emulator issued (signature, `exp`/`nbf`) for `aud`
//! `https://graph.microsoft.com` (401 `InvalidAuthenticationToken` otherwise); 403 `Authorization_RequestDenied` when switched on;
//! then `$top` (default 100, 1..=999), `$select` (known properties), `$filter`
//! (`startswith(displayName,'x')` or `displayName eq 'x'`, case-insensitive, `''` for `'`) and
//! `$skiptoken` (opaque, from the previous page's `@odata.nextLink`, which repeats the query).
//! Anything else is Graph's 400 `Request_UnsupportedQuery`. Apps are served in seeding order.

use super::connection::ConnHandle;
use super::faults::{self, Fault};
use super::responses::RequestCtx;
use super::state::{RecordedRequest, Shared};
use super::{Emulator, ids};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The audience Graph accepts (the public cloud's).
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
const PROPERTIES: [&str; 5] = [
    "id",
    "appId",
    "displayName",
    "signInAudience",
    "createdDateTime",
];

/// The seeded app registrations and the request log.
#[derive(Default)]
pub struct GraphDirectory {
    inner: Mutex<Directory>,
}

#[derive(Default)]
struct Directory {
    apps: Vec<(String, String)>,
    requests: Vec<RecordedRequest>,
    forbidden: bool,
    /// Answers the next requests get (FIFO) before any check.
    faults: VecDeque<Fault>,
}

impl GraphDirectory {
    fn lock(&self) -> MutexGuard<'_, Directory> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Emulator {
    /// Adds app registrations `(displayName, appId)`, served after those already seeded.
    pub fn seed_applications(&self, apps: &[(&str, &str)]) {
        let mut directory = self.shared.graph.lock();
        for (name, app_id) in apps {
            directory
                .apps
                .push(((*name).to_owned(), (*app_id).to_owned()));
        }
    }

    /// Graph requests received (also those refused).
    pub fn graph_requests(&self) -> usize {
        self.shared.graph.lock().requests.len()
    }

    /// Every Graph request: decoded query parameters in `form`, headers (lowercase), path.
    pub fn graph_request_log(&self) -> Vec<RecordedRequest> {
        self.shared.graph.lock().requests.clone()
    }

    /// Queues a [`Fault`] (redirect, endless body, arbitrary reply…) for the next Graph request.
    pub fn push_graph_fault(&self, fault: Fault) {
        self.shared.graph.lock().faults.push_back(fault);
    }

    /// On: every valid token gets 403 `Authorization_RequestDenied` (no Application.Read.All).
    pub fn set_graph_forbidden(&self, on: bool) {
        self.shared.graph.lock().forbidden = on;
    }
}

/// `GET /v1.0/applications`.
pub async fn applications(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let recorded = RecordedRequest {
        form: pairs.iter().cloned().collect(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        path: uri.path().to_owned(),
    };
    let (apps, forbidden, fault) = {
        let mut directory = shared.graph.lock();
        directory.requests.push(recorded);
        let fault = directory.faults.pop_front();
        (directory.apps.clone(), directory.forbidden, fault)
    };
    if let Some(fault) = fault {
        let ctx = RequestCtx::new(&headers, &shared.authority);
        if let Some(response) = faults::apply(fault, &ctx, &conn).await {
            return response;
        }
    }
    if let Err(reason) = authorize(&shared, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            &reason,
        );
    }
    if forbidden {
        return error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    match page(&shared.authority, &pairs, &apps) {
        Ok(body) => (StatusCode::OK, axum::Json(body)).into_response(),
        Err(message) => error(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            &message,
        ),
    }
}

/// `GET /v1.0/organization`: the emulator's tenant, to a Graph token this emulator issued.
pub async fn organization(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(reason) = authorize(&shared, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            &reason,
        );
    }
    let body = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization",
        "value": [{
            "id": super::TENANT_ID,
            "displayName": "Emulator",
            "verifiedDomains": [{"name": super::TENANT_DOMAIN, "isDefault": true, "isInitial": true}],
        }],
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), String> {
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = value
        .strip_prefix("Bearer ")
        .filter(|t| !t.is_empty())
        .ok_or("Access token is empty.")?;
    let claims = shared
        .key
        .verify(token)
        .map_err(|e| format!("Access token validation failure: {e}"))?;
    match claims["aud"].as_str() {
        Some(GRAPH_AUDIENCE) => Ok(()),
        other => Err(format!(
            "Access token validation failure. Invalid audience {other:?}."
        )),
    }
}

/// One page of the query as Graph's JSON body.
fn page(
    authority: &str,
    pairs: &[(String, String)],
    apps: &[(String, String)],
) -> Result<Value, String> {
    let mut query = BTreeMap::new();
    for (name, value) in pairs {
        if query.insert(name.as_str(), value.as_str()).is_some() {
            return Err(format!(
                "Query option '{name}' was specified more than once."
            ));
        }
    }
    if let Some(unknown) = query
        .keys()
        .find(|k| !["$top", "$select", "$filter", "$skiptoken"].contains(k))
    {
        return Err(format!("Unsupported query option '{unknown}'."));
    }
    let top = match query.get("$top") {
        None => 100,
        Some(text) => match text.parse::<usize>() {
            Ok(n @ 1..=999) => n,
            _ => {
                return Err(format!(
                    "Invalid page size specified: '{text}'. Must be between 1 and 999 inclusive."
                ));
            }
        },
    };
    let select: Vec<&str> = match query.get("$select") {
        None => PROPERTIES.to_vec(),
        Some(list) => list.split(',').map(str::trim).collect(),
    };
    if let Some(bad) = select.iter().find(|p| !PROPERTIES.contains(p)) {
        return Err(format!(
            "Could not find a property named '{bad}' on type 'microsoft.graph.application'."
        ));
    }
    let filter = query.get("$filter").map(|f| parse_filter(f)).transpose()?;
    let offset = match query.get("$skiptoken") {
        None => 0,
        Some(token) => decode_skiptoken(token).ok_or("Invalid $skiptoken.")?,
    };
    let matching: Vec<&(String, String)> = apps
        .iter()
        .filter(|(name, _)| filter.as_ref().is_none_or(|f| f.matches(name)))
        .collect();
    let value: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(top)
        .map(|(name, app_id)| {
            let full = json!({
                "id": ids::stable_uuid(&format!("application|{app_id}")),
                "appId": app_id,
                "displayName": name,
                "signInAudience": "AzureADMyOrg",
                "createdDateTime": "2024-05-01T12:00:00Z",
            });
            Value::Object(
                select
                    .iter()
                    .map(|p| ((*p).to_owned(), full[*p].clone()))
                    .collect::<Map<_, _>>(),
            )
        })
        .collect();
    let mut body = json!({
        "@odata.context": format!("{authority}/v1.0/$metadata#applications({})", select.join(",")),
        "value": value,
    });
    if offset + top < matching.len() {
        let mut next: Vec<(&str, String)> = query
            .iter()
            .filter(|(k, _)| **k != "$skiptoken")
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect();
        next.push(("$skiptoken", encode_skiptoken(offset + top)));
        let encoded = serde_urlencoded::to_string(&next).expect("query pairs encode");
        body["@odata.nextLink"] = json!(format!("{authority}/v1.0/applications?{encoded}"));
    }
    Ok(body)
}

/// The two filters Graph supports on `displayName` without advanced query headers.
enum Filter {
    StartsWith(String),
    Equals(String),
}

impl Filter {
    fn matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        match self {
            Filter::StartsWith(prefix) => name.starts_with(prefix.as_str()),
            Filter::Equals(exact) => name == *exact,
        }
    }
}

fn parse_filter(text: &str) -> Result<Filter, String> {
    let unsupported = || format!("Unsupported or invalid query filter clause specified: '{text}'.");
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("startswith(displayName,")
        .and_then(|r| r.strip_suffix(')'))
    {
        return literal(rest.trim())
            .map(Filter::StartsWith)
            .ok_or_else(unsupported);
    }
    if let Some(rest) = text.strip_prefix("displayName eq ") {
        return literal(rest.trim())
            .map(Filter::Equals)
            .ok_or_else(unsupported);
    }
    Err(unsupported())
}

/// An OData string literal (`'…'`, `''` for a quote), lowercased; `None` if malformed.
fn literal(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out.to_lowercase())
}

fn encode_skiptoken(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("emulator-page|{offset}"))
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("emulator-page|")?
        .parse()
        .ok()
}

/// Graph's error body with `innerError` ids.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": ids::entra_timestamp(jiff::Timestamp::now()),
                "request-id": ids::new_uuid(),
                "client-request-id": ids::new_uuid(),
            }
        }
    });
    (status, axum::Json(body)).into_response()
}
