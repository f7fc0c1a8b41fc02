//! A cross-process lock per token identity, so parallel invocations make one IdP request.

use std::time::Duration;

/// Held while "read cache → call IdP → write cache" runs; released on drop.
pub trait LockGuard: Send {}

/// Why a lock was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// Another process held it for longer than the time left.
    #[error("another entra-auth-cli process held the lock {location} for longer than {waited:?}")]
    TimedOut { location: String, waited: Duration },
    #[error("cannot use the lock file {location}: {reason}")]
    Io { location: String, reason: String },
}

/// Named exclusive locks. Error contract: `acquire` waits at most `wait`, then `TimedOut`.
pub trait ProfileLocks: Send + Sync {
    fn acquire(&self, name: &str, wait: Duration) -> Result<Box<dyn LockGuard>, LockError>;
}
