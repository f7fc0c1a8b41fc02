//! An Entra ID (v2.0) emulator on 127.0.0.1 for tests and benchmarks: the `Emulator` handle and its fixtures.
//!
//! Layout: `server` (routes, thread, runtime), `connection` (killable sockets for `DropConnection`),
//! `token_endpoint` (request intake), `grants/` (one module per grant, shared client auth, client
//! assertions: certificate and federated), `x509` (registered certificates), `tokens` + `jwt`
//! (signed access tokens, JWKS, the external-IdP key), `discovery`, `errors` (Entra error bodies),
//! `responses` (headers, success body), `faults`, `state`, `ids`, `managed_identity/` (IMDS and
//! App Service, each on its own port), `proxy` (`RecordingProxy`, standalone), `users/` (user
//! sign-in: `/authorize`, `/devicecode`, codes, refresh tokens, device codes) and `user_api` (the
//! `Emulator` methods that script them), `graph` (Microsoft Graph's `/v1.0/applications`),
//! `registry/` (an Azure Container Registry with one image, on its own port), `ci/` (the CI token
//! services: GitHub Actions, Azure Pipelines, GitLab, each an OIDC issuer on its own port) and
//! `oidc_fetch` (how federated checks get an issuer's keys by discovery).
#![allow(dead_code)]

pub mod ci;
mod connection;
mod discovery;
mod errors;
mod faults;
mod grants;
mod graph;
mod ids;
mod jwt;
mod managed_identity;
mod oidc_fetch;
mod proxy;
mod registry;
mod responses;
mod server;
mod state;
mod token_endpoint;
mod tokens;
mod user_api;
mod users;
mod x509;

pub use faults::Fault;
pub use grants::Grant;
pub use grants::federated::TOKEN_EXCHANGE_AUDIENCE;
// Used by the tests, not by every example that includes this module.
#[allow(unused_imports)]
pub use managed_identity::{
    SYSTEM_ASSIGNED_CLIENT_ID, SYSTEM_ASSIGNED_OBJECT_ID, SYSTEM_ASSIGNED_RESOURCE_ID,
};
#[allow(unused_imports)]
pub use proxy::RecordingProxy;
#[allow(unused_imports)]
pub use registry::{RegistryRequest, image as registry_image};
pub use state::RecordedRequest;
#[allow(unused_imports)]
pub use users::AuthorizeBehavior;

use managed_identity::{Identity, MiFault, Source};
use server::ServerThread;
use state::{FederatedCredential, Shared};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;

/// The pre-registered tenant.
pub const TENANT_ID: &str = "7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f";
/// A verified domain of `TENANT_ID`, also accepted as the tenant path segment.
pub const TENANT_DOMAIN: &str = "emulator.onmicrosoft.com";
/// The pre-registered confidential app in `TENANT_ID`.
pub const CLIENT_ID: &str = "3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a";
/// Its client secret (a test-only fixture).
pub const CLIENT_SECRET: &str = "emu~s3cr3t.Value_0123456789";
/// The pre-registered public client in `TENANT_ID` ("Allow public client flows"; loopback
/// redirect URIs `http://localhost` and `http://127.0.0.1`, any port and path).
pub const PUBLIC_CLIENT_ID: &str = "6e1f4a2b-3c5d-4e7f-8a9b-0c1d2e3f4a5b";
/// The default user, who signs in to every user flow.
pub const USER_NAME: &str = "alice@emulator.onmicrosoft.com";
/// The default user's object id (`oid`, and `uid` of `client_info`).
pub const USER_OBJECT_ID: &str = "a11ce000-7e57-4a5e-8b0b-0123456789ab";
/// The default user's display name (`name`).
pub const USER_DISPLAY_NAME: &str = "Alice Emulator";

/// A running emulator: Entra, IMDS and App Service managed identity, each on its own loopback
/// port. Dropping it stops all three and joins their thread.
pub struct Emulator {
    shared: Arc<Shared>,
    port: u16,
    imds_port: u16,
    app_service_port: u16,
    registry: Arc<registry::Registry>,
    server: ServerThread,
}

impl Emulator {
    /// Starts on 127.0.0.1 with an ephemeral port; returns once it is listening.
    pub fn start() -> Emulator {
        Emulator::start_on(0)
    }

    /// Starts on 127.0.0.1:`port` (0 = ephemeral); the managed-identity endpoints get ephemeral ports.
    pub fn start_on(port: u16) -> Emulator {
        let (listener, port) = bind(port);
        let (imds_listener, imds_port) = bind(0);
        let (app_service_listener, app_service_port) = bind(0);
        let (registry_listener, registry_port) = bind(0);
        let shared = Arc::new(Shared::new(format!("http://127.0.0.1:{port}")));
        shared.register_client(TENANT_ID, CLIENT_ID, CLIENT_SECRET);
        shared.register_domain(TENANT_ID, TENANT_DOMAIN);
        shared.register_public_client(TENANT_ID, PUBLIC_CLIENT_ID);
        let registry = Arc::new(registry::Registry::new(Arc::clone(&shared), registry_port));
        let server = ServerThread::spawn(vec![
            (listener, server::router(Arc::clone(&shared))),
            (
                imds_listener,
                managed_identity::imds::router(Arc::clone(&shared)),
            ),
            (
                app_service_listener,
                managed_identity::app_service::router(Arc::clone(&shared)),
            ),
            (registry_listener, registry::router(Arc::clone(&registry))),
        ]);
        Emulator {
            shared,
            port,
            imds_port,
            app_service_port,
            registry,
            server,
        }
    }

    /// `127.0.0.1:PORT`: the emulated Azure Container Registry's login server (plain http: a
    /// profile lists it in `container_registries`).
    pub fn registry_login_server(&self) -> String {
        self.registry.login_server.clone()
    }

    /// Every request the registry received, in order.
    pub fn registry_requests(&self) -> Vec<RegistryRequest> {
        self.registry.requests()
    }

    /// Requests to one registry path (`/oauth2/exchange`, `/oauth2/token`, `/v2/`).
    pub fn registry_count(&self, path: &str) -> usize {
        self.registry.count(path)
    }

    /// Queues a status (with ACR's error body) for the next `/oauth2/exchange`.
    pub fn push_registry_exchange_fault(&self, status: u16) {
        self.registry.push_exchange_fault(status);
    }

    /// Lifetime of the ACR refresh tokens the registry issues (default 3 h).
    pub fn set_registry_refresh_lifetime(&self, secs: i64) {
        self.registry.set_refresh_lifetime(secs);
    }

    /// `http://127.0.0.1:PORT`: the authority host to give the CLI.
    pub fn authority(&self) -> String {
        self.shared.authority.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.shared.authority)
    }

    /// Registers the tenant and app if new and adds `secret` to the app's secrets.
    pub fn register_client(&self, tenant_id: &str, client_id: &str, secret: &str) {
        self.shared.register_client(tenant_id, client_id, secret);
    }

    /// Lets `domain` stand for an already registered tenant in URLs.
    pub fn register_tenant_domain(&self, tenant_id: &str, domain: &str) {
        self.shared.register_domain(tenant_id, domain);
    }

    /// Token requests received with this grant (also those a fault answered).
    pub fn token_requests(&self, grant: Grant) -> usize {
        self.shared.count(grant)
    }

    pub fn total_token_requests(&self) -> usize {
        self.shared.total()
    }

    /// Queues a fault: each token request takes the next one (FIFO) before any persistent fault.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.push_fault(fault);
    }

    /// Answers every token request with `fault` (when no queued fault is pending); `None` clears it.
    pub fn set_persistent_fault(&self, fault: Option<Fault>) {
        self.shared.set_persistent_fault(fault);
    }

    /// Clears queued and persistent faults.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Lifetime of issued access tokens (`expires_in` = `ext_expires_in`); default 3599 s.
    pub fn set_token_lifetime(&self, secs: u64) {
        self.shared.set_token_lifetime(secs);
    }

    /// Demands a claims challenge (CAE): while set, the token endpoint refuses every request
    /// with `insufficient_claims` (and the challenge in `claims`) unless its `claims` parameter
    /// asks for `{"access_token":{"acrs":{"value":ACRS}}}`. `None` stops demanding.
    pub fn demand_claims(&self, acrs: Option<&str>) {
        self.shared.set_demanded_acrs(acrs);
    }

    /// The `claims` parameter of the last token request, if it had one.
    pub fn last_claims(&self) -> Option<serde_json::Value> {
        let claims = self.shared.last_request()?.form.get("claims")?.clone();
        Some(serde_json::from_str(&claims).unwrap_or(serde_json::Value::String(claims)))
    }

    /// The last token request's form (secrets included), headers (lowercase names) and path.
    pub fn last_token_request(&self) -> Option<RecordedRequest> {
        self.shared.last_request()
    }

    /// The signing key set as served at `/{tenant}/discovery/v2.0/keys`.
    pub fn jwks(&self) -> serde_json::Value {
        self.shared.key.jwks(&self.shared.authority)
    }

    /// Verifies a token this emulator issued (RS256, `kid`, signature, `exp`, `nbf`); returns its claims.
    pub fn verify(&self, token: &str) -> Result<serde_json::Value, String> {
        self.shared.key.verify(token)
    }

    /// The same check as [`Emulator::verify`], as a plain function for servers on other threads
    /// (every emulator signs with the one test-only key).
    pub fn token_verifier() -> fn(&str) -> bool {
        |token| jwt::SigningKey::test_only().verify(token).is_ok()
    }

    /// Registers the tenant and app if new and adds an X.509 certificate (DER, RSA key) to the
    /// app's keys; client assertions signed by its key (PS256 or RS256) then authenticate the app.
    pub fn register_certificate_client(&self, tenant_id: &str, client_id: &str, cert_der: &[u8]) {
        let certificate = x509::Certificate::from_der(cert_der)
            .unwrap_or_else(|e| panic!("emulator: unusable certificate: {e}"));
        self.shared
            .register_certificate(tenant_id, client_id, certificate);
    }

    /// The decoded JOSE header of the last `client_assertion` received (accepted or not).
    pub fn last_assertion_header(&self) -> Option<serde_json::Value> {
        self.shared.last_assertion_header()
    }

    /// Registers the tenant and app if new and adds a federated identity credential trusting
    /// external tokens with this exact `iss` and `sub` and the audience `api://AzureADTokenExchange`.
    pub fn register_federated_client(
        &self,
        tenant_id: &str,
        client_id: &str,
        issuer: &str,
        subject: &str,
    ) {
        let fic = FederatedCredential {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            audience: TOKEN_EXCHANGE_AUDIENCE.to_owned(),
        };
        self.shared.register_federated(tenant_id, client_id, fic);
    }

    /// Adds a federated identity credential with this exact `iss`, `sub` and audience (what the
    /// portal's "Add credential" form registers).
    pub fn register_federated_credential(
        &self,
        tenant_id: &str,
        client_id: &str,
        issuer: &str,
        subject: &str,
        audience: &str,
    ) {
        let fic = FederatedCredential {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            audience: audience.to_owned(),
        };
        self.shared.register_federated(tenant_id, client_id, fic);
    }

    /// Moves the clock federated assertions are checked against `secs` ahead (a long job).
    pub fn advance_clock(&self, secs: i64) {
        self.shared
            .clock_offset
            .fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }

    /// An RS256 JWT signed by the emulator's "external IdP" key (not its Entra key), valid from
    /// now for `lifetime_secs` (negative: already expired).
    pub fn mint_external_token(
        &self,
        issuer: &str,
        subject: &str,
        audience: &str,
        lifetime_secs: i64,
    ) -> String {
        grants::federated::mint(issuer, subject, audience, lifetime_secs)
    }

    /// `http://127.0.0.1:PORT`: the IMDS base (the CLI appends `/metadata/identity/oauth2/token`).
    pub fn imds_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.imds_port)
    }

    /// The full App Service token URL, as `IDENTITY_ENDPOINT` holds it.
    pub fn app_service_endpoint(&self) -> String {
        format!(
            "http://127.0.0.1:{}{}",
            self.app_service_port,
            managed_identity::app_service::TOKEN_PATH
        )
    }

    /// The secret the CLI must send as `X-IDENTITY-HEADER` (`IDENTITY_HEADER`).
    pub fn identity_header(&self) -> String {
        self.shared.mi.identity_header.clone()
    }

    /// Enables (default) or disables the system-assigned managed identity.
    pub fn set_system_assigned_identity(&self, enabled: bool) {
        self.shared.mi.set_system_assigned(enabled);
    }

    /// Attaches a user-assigned managed identity (replacing one with the same client id).
    pub fn register_user_assigned_identity(
        &self,
        client_id: &str,
        object_id: &str,
        resource_id: &str,
    ) {
        self.shared.mi.register_user_assigned(Identity {
            client_id: client_id.to_owned(),
            object_id: object_id.to_owned(),
            resource_id: resource_id.to_owned(),
        });
    }

    /// Queues a status (404, 410, 429, 500, 503…) the next IMDS request gets, with a plain-text body.
    pub fn push_imds_fault(&self, status: u16) {
        self.shared
            .mi
            .push_fault(Source::Imds, MiFault::Status(status));
    }

    /// Queues a token-endpoint [`Fault`] (redirect, endless body, arbitrary reply…) for the next
    /// IMDS request.
    pub fn push_imds_reply_fault(&self, fault: Fault) {
        self.shared
            .mi
            .push_fault(Source::Imds, MiFault::Reply(fault));
    }

    /// IMDS requests received (also those a fault answered).
    pub fn imds_requests(&self) -> usize {
        self.shared.mi.requests(Source::Imds)
    }

    /// The last IMDS request: query parameters in `form`, headers (lowercase names), path.
    pub fn last_imds_request(&self) -> Option<RecordedRequest> {
        self.shared.mi.last_request(Source::Imds)
    }

    /// Queues a status the next App Service request gets, with App Service's JSON error body.
    pub fn push_app_service_fault(&self, status: u16) {
        self.shared
            .mi
            .push_fault(Source::AppService, MiFault::Status(status));
    }

    /// Queues a token-endpoint [`Fault`] (redirect, endless body, arbitrary reply…) for the next
    /// App Service request.
    pub fn push_app_service_reply_fault(&self, fault: Fault) {
        self.shared
            .mi
            .push_fault(Source::AppService, MiFault::Reply(fault));
    }

    /// App Service requests received (also those a fault answered).
    pub fn app_service_requests(&self) -> usize {
        self.shared.mi.requests(Source::AppService)
    }

    /// The last App Service request: query parameters in `form`, headers (lowercase names), path.
    pub fn last_app_service_request(&self) -> Option<RecordedRequest> {
        self.shared.mi.last_request(Source::AppService)
    }

    /// Stops the servers now (as drop does).
    pub fn stop(&mut self) {
        self.server.stop();
    }
}

impl Drop for Emulator {
    /// Stops the servers, closes their connections and joins their thread.
    fn drop(&mut self) {
        self.server.stop();
    }
}

/// Binds 127.0.0.1:`port` (0 = ephemeral) and returns the listener and its port.
fn bind(port: u16) -> (TcpListener, u16) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .unwrap_or_else(|e| panic!("emulator: cannot bind 127.0.0.1:{port}: {e}"));
    let port = listener
        .local_addr()
        .expect("bound socket has an address")
        .port();
    (listener, port)
}
