//! An Entra ID (v2.0) emulator on 127.0.0.1 for tests and benchmarks: the `Emulator` handle and its fixtures.
//!
//! Layout: `server` (routes, thread, runtime), `connection` (killable sockets for `DropConnection`),
//! `token_endpoint` (request intake), `grants/` (one module per grant, shared client auth),
//! `tokens` + `jwt` (signed access tokens, JWKS), `discovery`, `errors` (Entra error bodies),
//! `responses` (headers, success body), `faults`, `state`, `ids`.
#![allow(dead_code)]

mod connection;
mod discovery;
mod errors;
mod faults;
mod grants;
mod ids;
mod jwt;
mod responses;
mod server;
mod state;
mod token_endpoint;
mod tokens;

pub use faults::Fault;
pub use grants::Grant;
pub use state::RecordedRequest;

use server::ServerThread;
use state::Shared;
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

/// A running emulator. Dropping it stops the server and joins its thread.
pub struct Emulator {
    shared: Arc<Shared>,
    port: u16,
    server: ServerThread,
}

impl Emulator {
    /// Starts on 127.0.0.1 with an ephemeral port; returns once it is listening.
    pub fn start() -> Emulator {
        Emulator::start_on(0)
    }

    /// Starts on 127.0.0.1:`port` (0 = ephemeral).
    pub fn start_on(port: u16) -> Emulator {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .unwrap_or_else(|e| panic!("emulator: cannot bind 127.0.0.1:{port}: {e}"));
        let port = listener
            .local_addr()
            .expect("bound socket has an address")
            .port();
        let shared = Arc::new(Shared::new(format!("http://127.0.0.1:{port}")));
        shared.register_client(TENANT_ID, CLIENT_ID, CLIENT_SECRET);
        shared.register_domain(TENANT_ID, TENANT_DOMAIN);
        let server = ServerThread::spawn(listener, Arc::clone(&shared));
        Emulator {
            shared,
            port,
            server,
        }
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

    /// Stops the server now (as drop does).
    pub fn stop(&mut self) {
        self.server.stop();
    }
}

impl Drop for Emulator {
    /// Stops the server, closes its connections and joins its thread.
    fn drop(&mut self) {
        self.server.stop();
    }
}
