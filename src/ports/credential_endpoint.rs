//! The parent's credential endpoint as the `az` shim reaches it (App Service managed identity
//! protocol, api-version 2019-08-01; `exec` serves it): one bounded GET for a resource, the raw
//! reply back. Interpreting the status and body is the use case's job.

/// The most reply (headers and body) read from the endpoint; a token reply is a few KiB.
pub const ENDPOINT_REPLY_LIMIT: usize = 64 * 1024;

/// What the endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointReply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why no reply came back. Never holds the `X-IDENTITY-HEADER` secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// `IDENTITY_ENDPOINT` or `IDENTITY_HEADER` is not set.
    #[error("IDENTITY_ENDPOINT and IDENTITY_HEADER are not set")]
    NotConfigured,
    /// `IDENTITY_ENDPOINT` is not a plain-http URL on a loopback address; the secret header is
    /// never sent anywhere else.
    #[error("IDENTITY_ENDPOINT is not an http:// URL on a loopback address")]
    NotLoopback,
    #[error("cannot reach the credential endpoint: {0}")]
    Unreachable(String),
    #[error("the credential endpoint did not answer in time")]
    TimedOut,
    #[error("the credential endpoint's reply is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the credential endpoint's reply is not HTTP/1.1: {0}")]
    Malformed(&'static str),
}

/// A GET of the endpoint's token route. Implementations bound the reply to
/// [`ENDPOINT_REPLY_LIMIT`], the wait to a timeout, and follow no redirect.
pub trait CredentialEndpoint {
    /// Asks for a token for `resource` (a resource, not a scope).
    ///
    /// # Errors
    /// [`EndpointError`] when there is no reply to interpret.
    fn get_token(&self, resource: &str) -> Result<EndpointReply, EndpointError>;
}
