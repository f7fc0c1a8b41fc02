//! The HTTP conversation with the identity provider: POSTs of forms and GETs, returned raw.
//! Interpreting statuses and bodies is the app's job, so every adapter behaves the same.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

/// One value of a form body. Secrets stay wrapped until the adapter encodes the body.
#[derive(Debug, Clone)]
pub enum FormValue {
    Plain(String),
    Secret(SecretString),
}

/// A form POST to an IdP endpoint.
#[derive(Debug, Clone)]
pub struct FormPost {
    pub url: String,
    pub form: Vec<(&'static str, FormValue)>,
    /// Sent as `client-request-id`; Entra echoes it as the correlation id.
    pub client_request_id: String,
}

/// A GET with headers (managed identity endpoints). Header values may be secrets.
#[derive(Debug, Clone)]
pub struct HttpGet {
    pub url: String,
    pub headers: Vec<(&'static str, FormValue)>,
    /// The longest the whole request may take (connect included).
    pub timeout: Duration,
}

/// What came back, whatever the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    /// `Retry-After` in seconds, when the server sent one as a number of seconds.
    pub retry_after: Option<Duration>,
    /// `x-ms-request-id`, Entra's trace id.
    pub request_id: Option<String>,
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
}

/// Sends requests to the IdP. Error contract: any HTTP status is `Ok(HttpReply)`; only a
/// request that produced no reply is `Err`. Implementations must not retry by themselves.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait IdpTransport: Send + Sync {
    async fn post_form(&self, request: &FormPost) -> Result<HttpReply, TransportError>;
    async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError>;
}
