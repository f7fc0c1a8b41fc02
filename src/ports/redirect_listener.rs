//! The loopback HTTP listener that receives the authorization response (RFC 8252).

use async_trait::async_trait;
use secrecy::SecretString;

/// What the browser brought back to the listener.
#[derive(Debug)]
pub enum RedirectOutcome {
    /// `code` with the expected `state`.
    Code(SecretString),
    /// The IdP redirected with `error` (e.g. `access_denied`) and the expected `state`.
    Error {
        error: String,
        description: Option<String>,
    },
    /// A response whose `state` is not ours (possible CSRF): never redeemed.
    StateMismatch,
}

/// Binds listeners. Error contract: `Err` says why binding failed (port in use, ...).
#[async_trait]
pub trait RedirectListener: Send + Sync {
    /// Listens on 127.0.0.1:`port` (0 = an ephemeral port).
    async fn bind(&self, port: u16) -> Result<Box<dyn LoopbackServer>, String>;
}

/// One bound listener, for one sign-in.
#[async_trait]
pub trait LoopbackServer: Send {
    /// The port actually bound.
    fn port(&self) -> u16;
    /// Serves requests until one carries `code` or `error` (GET query or `form_post` POST),
    /// answers it with a small "you can close this tab" page, and returns it. Requests for other
    /// paths or without those fields (favicon, probes) get a 404 and are ignored. The caller
    /// bounds the wait with its deadline.
    async fn wait_for_redirect(&mut self, expected_state: &str) -> Result<RedirectOutcome, String>;
}
