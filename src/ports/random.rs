//! Randomness the flows need: request ids, PKCE verifiers, `state` and `nonce`.

/// A source of random identifiers. Implementations use the operating system's generator.
#[cfg_attr(test, mockall::automock)]
pub trait Random: Send + Sync {
    /// A random UUID v4 (`client-request-id`).
    fn uuid_v4(&self) -> String;
    /// 32 random bytes as base64url without padding (43 characters): PKCE verifiers, `state`,
    /// `nonce`.
    fn url_safe_token(&self) -> String;
}
