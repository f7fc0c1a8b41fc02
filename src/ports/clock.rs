//! Wall-clock time, injectable so expiry rules can be tested at any instant.

/// The current time. Implementations never fail.
#[cfg_attr(test, mockall::automock)]
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}
