//! The loopback HTTP listener that receives the authorization response (RFC 8252).

use async_trait::async_trait;
use secrecy::SecretString;

/// What the browser brought back to the listener, with this sign-in's `state`.
#[derive(Debug)]
pub enum RedirectOutcome {
    /// `code` with the expected `state`.
    Code(SecretString),
    /// The IdP redirected with `error` (e.g. `access_denied`) and the expected `state`.
    Error {
        error: String,
        description: Option<String>,
    },
}

/// Binds listeners. Error contract: `Err` says why binding failed (port in use, ...).
#[async_trait]
pub trait RedirectListener: Send + Sync {
    /// Listens on loopback port `port` (0 = an ephemeral port) of every loopback address that
    /// `localhost` may resolve to (127.0.0.1, and ::1 where the machine has IPv6).
    async fn bind(&self, port: u16) -> Result<Box<dyn LoopbackServer>, String>;
}

/// One bound listener, for one sign-in.
#[async_trait]
pub trait LoopbackServer: Send {
    /// The port actually bound.
    fn port(&self) -> u16;
    /// Serves requests until one carries `code` or `error` (GET query or `form_post` POST) with
    /// `expected_state`, answers it with a small "you can close this tab" page, and returns it.
    /// Requests for other paths or without those fields (favicon, probes) get a 404; responses
    /// with another `state` or none (an older tab, a forged request from a local process or a
    /// web page) get an error page: both are ignored and the wait goes on, so nobody but the
    /// browser holding this sign-in's `state` can end it. The caller bounds the wait with its
    /// deadline.
    async fn wait_for_redirect(&mut self, expected_state: &str) -> Result<RedirectOutcome, String>;
    /// How many responses with another `state` (or none) were ignored so far.
    fn ignored_responses(&self) -> u32;
}
