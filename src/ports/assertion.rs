//! Client assertions: signed JWTs that authenticate the app instead of a secret (a certificate's
//! self-signed assertion, or a federated token from another identity provider).

use secrecy::SecretString;

/// Why no assertion could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AssertionError {
    pub message: String,
    pub hint: Option<String>,
}

/// Produces a fresh assertion per token request. Error contract: failures are local problems
/// (unreadable file, empty token, signing failure), never network ones.
#[cfg_attr(test, mockall::automock)]
pub trait ClientAssertionSource: Send + Sync {
    /// `certificate` or `federated`, for messages.
    fn kind(&self) -> &'static str;
    /// An assertion for `audience` (the token endpoint URL), minted or read now.
    fn assertion(&self, audience: &str, now: i64) -> Result<SecretString, AssertionError>;
}
