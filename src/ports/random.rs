//! Randomness the flows need: request ids, PKCE verifiers, `state` and `nonce`.

/// The operating system's generator failed. Error contract: no value is ever made up instead
/// (a constant request id or `state` would be guessable), so the caller stops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed: {cause}")]
pub struct RandomError {
    pub cause: String,
}

/// A source of random identifiers. Implementations use the operating system's generator.
pub trait Random: Send + Sync {
    /// A random UUID v4 (`client-request-id`).
    ///
    /// # Errors
    /// The generator failed.
    fn uuid_v4(&self) -> Result<String, RandomError>;
    /// 32 random bytes as base64url without padding (43 characters): PKCE verifiers, `state`,
    /// `nonce`.
    ///
    /// # Errors
    /// The generator failed.
    fn url_safe_token(&self) -> Result<String, RandomError>;
}
