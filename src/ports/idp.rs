//! The HTTP conversation with the identity provider: POSTs of forms and GETs, returned raw.
//! Interpreting statuses and bodies is the app's job, so every adapter behaves the same.
//!
//! Two rules protect the credentials these requests carry and the process reading the replies:
//! - **No redirect is followed.** A 3xx comes back as a reply like any other status (with the
//!   host it pointed at in [`HttpReply::redirect_host`]); the use case turns it into an error, so a
//!   client secret, an assertion or `X-IDENTITY-HEADER` is never re-sent elsewhere.
//! - **Replies are bounded.** Each request says how much body it accepts
//!   ([`FormPost::max_reply_bytes`], [`HttpGet::max_reply_bytes`]; [`TOKEN_REPLY_LIMIT`] for the
//!   token, device-code and managed identity endpoints, [`GRAPH_PAGE_LIMIT`] for a Graph page).
//!   The adapter reads the body as a stream and stops at the limit with
//!   [`TransportError::TooLarge`]; it never holds more than the limit.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

/// One value of a form body. Secrets stay wrapped until the adapter encodes the body.
#[derive(Debug, Clone)]
pub enum FormValue {
    Plain(String),
    Secret(SecretString),
}

/// The most body read from a token, device-code or managed identity endpoint (1 MiB; real
/// replies are a few KiB).
pub const TOKEN_REPLY_LIMIT: usize = 1024 * 1024;
/// The most body read from a CI token service (64 KiB; its reply is one JWT of about 1 KiB).
pub const CI_TOKEN_REPLY_LIMIT: usize = 64 * 1024;
/// The most body read for one Microsoft Graph page (16 MiB; 999 applications with the selected
/// properties are well under 1 MiB).
pub const GRAPH_PAGE_LIMIT: usize = 16 * 1024 * 1024;

/// A form POST to an IdP endpoint.
#[derive(Debug, Clone)]
pub struct FormPost {
    pub url: String,
    pub form: Vec<(&'static str, FormValue)>,
    /// Sent as `client-request-id`; Entra echoes it as the correlation id.
    pub client_request_id: String,
    /// The largest reply body accepted ([`TOKEN_REPLY_LIMIT`]); more is [`TransportError::TooLarge`].
    pub max_reply_bytes: usize,
}

/// A request with headers and no body: a GET (managed identity endpoints, Graph, GitHub's ID
/// token service) or an empty POST (Azure Pipelines' `oidctoken`). Header values may be secrets.
#[derive(Debug, Clone)]
pub struct HttpGet {
    pub url: String,
    pub headers: Vec<(&'static str, FormValue)>,
    /// The longest the whole request may take (connect included).
    pub timeout: Duration,
    /// The largest reply body accepted ([`TOKEN_REPLY_LIMIT`], [`GRAPH_PAGE_LIMIT`]); more is
    /// [`TransportError::TooLarge`].
    pub max_reply_bytes: usize,
}

/// What came back, whatever the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    /// `Retry-After` in seconds, when the server sent one as a number of seconds.
    pub retry_after: Option<Duration>,
    /// `x-ms-request-id`, Entra's trace id.
    pub request_id: Option<String>,
    /// For a 3xx (never followed): the `host[:port]` its `Location` points at, resolved against
    /// the request URL; `None` without a usable `Location`. Never the path, query or user info,
    /// which may carry secrets.
    pub redirect_host: Option<String>,
    /// At most the request's `max_reply_bytes`.
    pub body: Vec<u8>,
}

/// The request got no HTTP reply at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// DNS, refused or reset connections, TLS failures, a connection closed before the reply.
    #[error("{0}")]
    Unreachable(String),
    /// The HTTP client could not be set up (bad URL, TLS configuration).
    #[error("{0}")]
    Setup(String),
    /// The reply's body was longer than the request's `max_reply_bytes`; reading stopped there.
    #[error("the reply is larger than {limit} bytes")]
    TooLarge { limit: usize },
}

/// Sends requests to the IdP. Error contract: any HTTP status is `Ok(HttpReply)`, a 3xx
/// included (implementations never follow redirects); a request that produced no reply, or a
/// body over the request's limit, is `Err`. Implementations must not retry by themselves.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait IdpTransport: Send + Sync {
    async fn post_form(&self, request: &FormPost) -> Result<HttpReply, TransportError>;
    async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError>;
    /// A POST with `request`'s headers and an empty body (`Content-Length: 0`): the Azure
    /// Pipelines `oidctoken` call. Same contract as [`IdpTransport::get`].
    async fn post_empty(&self, request: &HttpGet) -> Result<HttpReply, TransportError>;
}
