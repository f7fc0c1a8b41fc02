//! Where access tokens are kept between runs.

use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::token::Token;

/// A cache failure. `Unreadable` means an entry exists but cannot be trusted (corrupt, tampered,
/// wrong key): callers treat it as a miss and say so; the next successful write replaces it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    #[error("cache entry {location} is unreadable: {reason}")]
    Unreadable { location: String, reason: String },
    #[error("cache I/O failed at {location}: {reason}")]
    Io { location: String, reason: String },
}

/// Stores tokens by [`CacheKey`]. Error contract: a missing entry is `Ok(None)`, never an error;
/// `store` replaces an entry atomically (a reader sees the old or the new token, nothing else).
pub trait TokenCache: Send + Sync {
    /// A short name for messages and `status`: `file`, `memory`, ...
    fn backend_name(&self) -> &'static str;
    fn load(&self, key: &CacheKey) -> Result<Option<Token>, CacheError>;
    fn store(&self, key: &CacheKey, token: &Token) -> Result<(), CacheError>;
    fn remove(&self, key: &CacheKey) -> Result<(), CacheError>;
    /// Every entry that can be read, with its key; unreadable entries are skipped.
    fn list(&self) -> Result<Vec<(CacheKey, Token)>, CacheError>;
    /// The signed-in account of an app identity ([`CacheKey::identity`]), with its refresh token.
    fn load_account(&self, identity: &str) -> Result<Option<Account>, CacheError>;
    /// Replaces the account of `identity` atomically (refresh tokens rotate on every use).
    fn store_account(&self, identity: &str, account: &Account) -> Result<(), CacheError>;
    fn remove_account(&self, identity: &str) -> Result<(), CacheError>;
    /// Every readable account with its identity.
    fn list_accounts(&self) -> Result<Vec<(String, Account)>, CacheError>;
}
