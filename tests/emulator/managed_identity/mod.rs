//! Managed identity: the identities (one system-assigned, any user-assigned), per-endpoint
//! counters, recordings and fault queues, identity selection and token minting shared by the
//! IMDS (`imds`) and App Service (`app_service`) endpoints, each served on its own loopback port.

pub mod app_service;
pub mod imds;

use super::faults::Fault;
use super::ids;
use super::state::{RecordedRequest, Shared};
use axum::http::{HeaderMap, Uri};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The tenant managed identities live in.
const MI_TENANT_ID: &str = super::TENANT_ID;
/// Entra backdates `iat`/`nbf` by five minutes, as for app tokens.
const BACKDATE_SECS: i64 = 300;

/// The system-assigned identity, enabled by default.
pub const SYSTEM_ASSIGNED_CLIENT_ID: &str = "5a1e0c3b-7d2f-4e6a-9c8b-0f1e2d3c4b5a";
pub const SYSTEM_ASSIGNED_OBJECT_ID: &str = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const SYSTEM_ASSIGNED_RESOURCE_ID: &str = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/emulator-rg/providers/Microsoft.Compute/virtualMachines/emulator-vm";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub client_id: String,
    pub object_id: String,
    /// The ARM resource id (`xms_mirid`).
    pub resource_id: String,
}

/// A selector query parameter and the kind of id it carries.
pub type SelectorParam = (&'static str, fn(String) -> Selector);

/// Which identity a request asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    System,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

impl Selector {
    /// From the query: none of `names` → system-assigned; one → that one; several → `Err`.
    /// `names` are (query parameter, kind) pairs; empty values count as absent.
    pub fn from_query(
        query: &BTreeMap<String, String>,
        names: &[SelectorParam],
    ) -> Result<Selector, ()> {
        let present: Vec<Selector> = names
            .iter()
            .filter_map(|(name, make)| {
                query
                    .get(*name)
                    .filter(|v| !v.is_empty())
                    .map(|v| make(v.clone()))
            })
            .collect();
        match present.len() {
            0 => Ok(Selector::System),
            1 => Ok(present.into_iter().next().expect("one")),
            _ => Err(()),
        }
    }
}

/// A queued managed-identity fault: a bare status (the endpoint's own error shape), or any
/// token-endpoint [`Fault`] (redirects, endless bodies, arbitrary replies).
#[derive(Clone, Debug)]
pub enum MiFault {
    Status(u16),
    Reply(Fault),
}

/// One managed-identity endpoint's bookkeeping.
#[derive(Default)]
struct Endpoint {
    requests: usize,
    last: Option<RecordedRequest>,
    faults: VecDeque<MiFault>,
}

struct Inner {
    system_enabled: bool,
    user_assigned: Vec<Identity>,
    imds: Endpoint,
    app_service: Endpoint,
}

/// Managed-identity state, part of `Shared`.
pub struct ManagedIdentities {
    /// The App Service `IDENTITY_HEADER` secret (random per emulator).
    pub identity_header: String,
    inner: Mutex<Inner>,
}

/// Which endpoint a counter, recording or fault belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Imds,
    AppService,
}

impl ManagedIdentities {
    pub fn new() -> ManagedIdentities {
        ManagedIdentities {
            identity_header: ids::random_b64url(32),
            inner: Mutex::new(Inner {
                system_enabled: true,
                user_assigned: Vec::new(),
                imds: Endpoint::default(),
                app_service: Endpoint::default(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn endpoint(inner: &mut Inner, source: Source) -> &mut Endpoint {
        match source {
            Source::Imds => &mut inner.imds,
            Source::AppService => &mut inner.app_service,
        }
    }

    pub fn set_system_assigned(&self, enabled: bool) {
        self.lock().system_enabled = enabled;
    }

    pub fn register_user_assigned(&self, identity: Identity) {
        let mut inner = self.lock();
        inner
            .user_assigned
            .retain(|i| !i.client_id.eq_ignore_ascii_case(&identity.client_id));
        inner.user_assigned.push(identity);
    }

    /// The identity `selector` names, if it exists (ids compared case-insensitively).
    pub fn resolve(&self, selector: &Selector) -> Option<Identity> {
        let inner = self.lock();
        let find = |pick: fn(&Identity) -> &str, wanted: &str| {
            inner
                .user_assigned
                .iter()
                .find(|i| pick(i).eq_ignore_ascii_case(wanted))
                .cloned()
        };
        match selector {
            Selector::System => inner.system_enabled.then(|| Identity {
                client_id: SYSTEM_ASSIGNED_CLIENT_ID.to_owned(),
                object_id: SYSTEM_ASSIGNED_OBJECT_ID.to_owned(),
                resource_id: SYSTEM_ASSIGNED_RESOURCE_ID.to_owned(),
            }),
            Selector::ClientId(id) => find(|i| &i.client_id, id),
            Selector::ObjectId(id) => find(|i| &i.object_id, id),
            Selector::ResourceId(id) => find(|i| &i.resource_id, id),
        }
    }

    /// Counts and records a request; returns the queued fault it must answer with, if any.
    pub fn record(&self, source: Source, request: RecordedRequest) -> Option<MiFault> {
        let mut inner = self.lock();
        let endpoint = Self::endpoint(&mut inner, source);
        endpoint.requests += 1;
        endpoint.last = Some(request);
        endpoint.faults.pop_front()
    }

    pub fn push_fault(&self, source: Source, fault: MiFault) {
        Self::endpoint(&mut self.lock(), source)
            .faults
            .push_back(fault);
    }

    pub fn requests(&self, source: Source) -> usize {
        Self::endpoint(&mut self.lock(), source).requests
    }

    pub fn last_request(&self, source: Source) -> Option<RecordedRequest> {
        Self::endpoint(&mut self.lock(), source).last.clone()
    }
}

impl Default for ManagedIdentities {
    fn default() -> Self {
        Self::new()
    }
}

/// The query as a map (last value wins) and the request as recorded.
pub fn intake(uri: &Uri, headers: &HeaderMap) -> (BTreeMap<String, String>, RecordedRequest) {
    let query: BTreeMap<String, String> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query().unwrap_or_default())
            .map(|pairs| pairs.into_iter().collect())
            .unwrap_or_default();
    let headers = headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let recorded = RecordedRequest {
        form: query.clone(),
        headers,
        path: uri.path().to_owned(),
    };
    (query, recorded)
}

/// A minted managed-identity token: the JWT and its `nbf`/`exp` (epoch seconds).
pub struct MiToken {
    pub access_token: String,
    pub not_before: i64,
    pub expires_on: i64,
    pub lifetime: u64,
}

/// An app-only token for `identity` with `aud` = `resource`, signed like the Entra tokens.
pub fn mint(shared: &Shared, identity: &Identity, resource: &str) -> MiToken {
    let lifetime = shared.token_lifetime_secs();
    let now = jiff::Timestamp::now().as_second();
    let expires_on = now + i64::try_from(lifetime).unwrap_or(i64::MAX / 2);
    let issuer = format!("{}/{MI_TENANT_ID}/v2.0", shared.authority);
    let claims = json!({
        "aud": resource,
        "iss": issuer,
        "iat": now - BACKDATE_SECS,
        "nbf": now - BACKDATE_SECS,
        "exp": expires_on,
        "aio": ids::random_b64url(48),
        "appid": identity.client_id,
        "appidacr": "2",
        "azp": identity.client_id,
        "azpacr": "2",
        "idp": issuer,
        "idtyp": "app",
        "oid": identity.object_id,
        "sub": identity.object_id,
        "rh": format!("0.{}.", ids::random_b64url(24)),
        "tid": MI_TENANT_ID,
        "uti": ids::random_b64url(16),
        "ver": "2.0",
        "xms_mirid": identity.resource_id,
    });
    MiToken {
        access_token: shared.key.sign(&claims),
        not_before: now - BACKDATE_SECS,
        expires_on,
        lifetime,
    }
}
