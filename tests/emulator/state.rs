//! Shared emulator state: registered tenants and apps (secrets, certificates, federated
//! credentials), request counters, queued faults, token settings, the last recorded token request,
//! and the client-assertion bookkeeping (seen `jti`s, last JOSE header). One `Shared` per emulator.
//! User sign-in state (codes, refresh tokens, device codes) lives in `users`, reached as `Shared::users`.

use super::faults::Fault;
use super::grants::Grant;
use super::graph::GraphDirectory;
use super::ids;
use super::jwt::SigningKey;
use super::managed_identity::ManagedIdentities;
use super::users::UserFlows;
use super::x509::Certificate;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// One token request as received: form fields (secrets included), headers (lowercase names), path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedRequest {
    pub form: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub path: String,
}

/// An app registration in one tenant.
#[derive(Clone, Debug)]
pub struct App {
    pub client_id: String,
    pub secrets: Vec<String>,
    pub certificates: Vec<Certificate>,
    pub federated: Vec<FederatedCredential>,
    /// The service principal's object id: `oid` and `sub` of its app-only tokens.
    pub object_id: String,
    /// "Allow public client flows": user flows without (and refusing) a client credential.
    pub public_client: bool,
}

/// A federated identity credential: which external tokens the app accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederatedCredential {
    pub issuer: String,
    pub subject: String,
    pub audience: String,
}

#[derive(Clone, Debug)]
struct Tenant {
    id: String,
    domains: Vec<String>,
    apps: BTreeMap<String, App>,
}

/// What a `{tenant}` path segment refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantRef {
    /// A registered tenant (by GUID or one of its domains): its GUID.
    Known(String),
    /// `common`, `organizations` or `consumers`.
    MultiTenant(&'static str),
    Unknown,
}

pub const MULTI_TENANT_ALIASES: [&str; 3] = ["common", "organizations", "consumers"];

struct Inner {
    tenants: BTreeMap<String, Tenant>,
    counts: [usize; Grant::ALL.len()],
    queued_faults: VecDeque<Fault>,
    persistent_fault: Option<Fault>,
    token_lifetime_secs: u64,
    last_request: Option<RecordedRequest>,
    seen_jtis: HashSet<String>,
    last_assertion_header: Option<Value>,
    demanded_acrs: Option<String>,
}

pub struct Shared {
    /// `http://127.0.0.1:PORT`.
    pub authority: String,
    pub key: &'static SigningKey,
    /// Managed identities and the IMDS / App Service bookkeeping.
    pub mi: ManagedIdentities,
    /// User sign-in: `/authorize`, codes, refresh tokens, device codes.
    pub users: UserFlows,
    /// Microsoft Graph's app registrations and request log (`graph`).
    pub graph: GraphDirectory,
    /// Seconds added to the clock federated assertions are checked against (a long job).
    pub clock_offset: std::sync::atomic::AtomicI64,
    inner: Mutex<Inner>,
}

impl Shared {
    pub fn new(authority: String) -> Shared {
        Shared {
            authority,
            key: SigningKey::test_only(),
            mi: ManagedIdentities::new(),
            users: UserFlows::new(),
            graph: GraphDirectory::default(),
            clock_offset: std::sync::atomic::AtomicI64::new(0),
            inner: Mutex::new(Inner {
                tenants: BTreeMap::new(),
                counts: [0; Grant::ALL.len()],
                queued_faults: VecDeque::new(),
                persistent_fault: None,
                token_lifetime_secs: 3599,
                last_request: None,
                seen_jtis: HashSet::new(),
                last_assertion_header: None,
                demanded_acrs: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not make the emulator unusable for the next assertion.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers the tenant if new, the app in it if new, and adds `secret` to the app's secrets.
    pub fn register_client(&self, tenant_id: &str, client_id: &str, secret: &str) {
        self.with_app(tenant_id, client_id, |app| {
            if !app.secrets.iter().any(|s| s == secret) {
                app.secrets.push(secret.to_owned());
            }
        });
    }

    /// Registers the tenant and app if new and adds `certificate` to the app's keys.
    pub fn register_certificate(&self, tenant_id: &str, client_id: &str, certificate: Certificate) {
        self.with_app(tenant_id, client_id, |app| {
            if !app.certificates.iter().any(|c| c.der == certificate.der) {
                app.certificates.push(certificate);
            }
        });
    }

    /// Registers the tenant and app if new and adds a federated identity credential.
    pub fn register_federated(&self, tenant_id: &str, client_id: &str, fic: FederatedCredential) {
        self.with_app(tenant_id, client_id, |app| {
            if !app.federated.contains(&fic) {
                app.federated.push(fic);
            }
        });
    }

    /// Registers the tenant and app if new and marks the app a public client.
    pub fn register_public_client(&self, tenant_id: &str, client_id: &str) {
        self.with_app(tenant_id, client_id, |app| app.public_client = true);
    }

    /// Runs `change` on the app, creating the tenant and the app first if needed.
    fn with_app(&self, tenant_id: &str, client_id: &str, change: impl FnOnce(&mut App)) {
        let tenant_key = tenant_id.to_ascii_lowercase();
        let client_key = client_id.to_ascii_lowercase();
        let mut inner = self.lock();
        let tenant = inner
            .tenants
            .entry(tenant_key.clone())
            .or_insert_with(|| Tenant {
                id: tenant_key.clone(),
                domains: Vec::new(),
                apps: BTreeMap::new(),
            });
        let app = tenant
            .apps
            .entry(client_key.clone())
            .or_insert_with(|| App {
                client_id: client_key.clone(),
                secrets: Vec::new(),
                certificates: Vec::new(),
                federated: Vec::new(),
                object_id: ids::stable_uuid(&format!("sp|{tenant_key}|{client_key}")),
                public_client: false,
            });
        change(app);
    }

    /// Lets `domain` (e.g. `contoso.onmicrosoft.com`) stand for a registered tenant in URLs.
    pub fn register_domain(&self, tenant_id: &str, domain: &str) {
        let mut inner = self.lock();
        if let Some(tenant) = inner.tenants.get_mut(&tenant_id.to_ascii_lowercase()) {
            tenant.domains.push(domain.to_ascii_lowercase());
        }
    }

    pub fn resolve_tenant(&self, segment: &str) -> TenantRef {
        let wanted = segment.to_ascii_lowercase();
        if let Some(alias) = MULTI_TENANT_ALIASES.iter().find(|a| **a == wanted) {
            return TenantRef::MultiTenant(alias);
        }
        let inner = self.lock();
        inner
            .tenants
            .values()
            .find(|t| t.id == wanted || t.domains.contains(&wanted))
            .map_or(TenantRef::Unknown, |t| TenantRef::Known(t.id.clone()))
    }

    /// The tenant's GUID followed by its domains (lowercase).
    pub fn tenant_names(&self, tenant_id: &str) -> Vec<String> {
        let inner = self.lock();
        inner
            .tenants
            .get(&tenant_id.to_ascii_lowercase())
            .map(|t| {
                std::iter::once(t.id.clone())
                    .chain(t.domains.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn find_app(&self, tenant_id: &str, client_id: &str) -> Option<App> {
        let inner = self.lock();
        inner
            .tenants
            .get(&tenant_id.to_ascii_lowercase())?
            .apps
            .get(&client_id.to_ascii_lowercase())
            .cloned()
    }

    /// The first tenant (in GUID order) that registers `client_id`, and the app there.
    pub fn find_app_any_tenant(&self, client_id: &str) -> Option<(String, App)> {
        let wanted = client_id.to_ascii_lowercase();
        let inner = self.lock();
        inner
            .tenants
            .values()
            .find_map(|t| t.apps.get(&wanted).map(|app| (t.id.clone(), app.clone())))
    }

    /// Counts a token request and remembers it as the last one.
    pub fn record(&self, grant: Grant, request: RecordedRequest) {
        let mut inner = self.lock();
        inner.counts[grant.index()] += 1;
        inner.last_request = Some(request);
    }

    pub fn count(&self, grant: Grant) -> usize {
        self.lock().counts[grant.index()]
    }

    pub fn total(&self) -> usize {
        self.lock().counts.iter().sum()
    }

    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.lock().last_request.clone()
    }

    pub fn push_fault(&self, fault: Fault) {
        self.lock().queued_faults.push_back(fault);
    }

    pub fn set_persistent_fault(&self, fault: Option<Fault>) {
        self.lock().persistent_fault = fault;
    }

    pub fn clear_faults(&self) {
        let mut inner = self.lock();
        inner.queued_faults.clear();
        inner.persistent_fault = None;
    }

    /// The fault for this request: the next queued one, else the persistent one.
    pub fn next_fault(&self) -> Option<Fault> {
        let mut inner = self.lock();
        inner
            .queued_faults
            .pop_front()
            .or_else(|| inner.persistent_fault.clone())
    }

    /// Now, in epoch seconds, as the federated checks see it (the real clock plus the offset).
    pub fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second()
            + self.clock_offset.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn token_lifetime_secs(&self) -> u64 {
        self.lock().token_lifetime_secs
    }

    pub fn set_token_lifetime(&self, secs: u64) {
        self.lock().token_lifetime_secs = secs;
    }

    /// Remembers a client assertion's `jti`; false if it was seen before (a replay).
    pub fn first_use_of_jti(&self, jti: &str) -> bool {
        self.lock().seen_jtis.insert(jti.to_owned())
    }

    pub fn set_last_assertion_header(&self, header: Value) {
        self.lock().last_assertion_header = Some(header);
    }

    pub fn last_assertion_header(&self) -> Option<Value> {
        self.lock().last_assertion_header.clone()
    }

    pub fn set_demanded_acrs(&self, acrs: Option<&str>) {
        self.lock().demanded_acrs = acrs.map(str::to_owned);
    }

    pub fn demanded_acrs(&self) -> Option<String> {
        self.lock().demanded_acrs.clone()
    }
}
