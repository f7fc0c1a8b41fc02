//! Access tokens as the cache and the output see them, and the rule for when a cached token may
//! still be served.

use secrecy::{ExposeSecret, SecretString};

/// Clock skew tolerated on a cache entry's `cached_at` before it is distrusted.
const FUTURE_SKEW_SECS: i64 = 300;

/// An access token with its absolute times (epoch seconds, computed from the local clock when the
/// response arrived). `Debug` never shows the token.
#[derive(Debug, Clone)]
pub struct Token {
    pub access_token: SecretString,
    pub token_type: String,
    pub expires_on: i64,
    pub ext_expires_on: Option<i64>,
    /// When the IdP suggested getting a new token (`refresh_in`), if it did.
    pub refresh_on: Option<i64>,
    /// The scopes the token was issued for, space-separated.
    pub scope: String,
    pub tenant_id: String,
    pub cached_at: i64,
}

/// Whether a cached token can be served now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Valid for at least the requested minimum: serve it.
    Fresh,
    /// Valid, but the IdP's `refresh_in` has passed: try the network, serve this if that fails.
    RefreshDue,
    /// Expired, about to expire, or untrustworthy: do not serve it.
    Stale,
}

impl Token {
    /// Decides whether the token may be served at `now` to a caller who needs it to stay valid
    /// for `min_validity_secs` more seconds.
    #[must_use]
    pub fn freshness(&self, now: i64, min_validity_secs: i64) -> Freshness {
        if self.cached_at > now + FUTURE_SKEW_SECS {
            return Freshness::Stale;
        }
        if self.expires_on - now < min_validity_secs.max(1) {
            return Freshness::Stale;
        }
        if self.refresh_on.is_some_and(|at| now >= at) {
            return Freshness::RefreshDue;
        }
        Freshness::Fresh
    }

    /// Seconds left at `now`, never negative.
    #[must_use]
    pub fn expires_in(&self, now: i64) -> i64 {
        (self.expires_on - now).max(0)
    }

    /// The raw token, for output and for reading its claims.
    #[must_use]
    pub fn access_token_str(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// The raw token, for output only.
    #[must_use]
    pub fn secret(&self) -> &str {
        self.access_token.expose_secret()
    }
}

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Cache,
    Network,
}

impl TokenSource {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cache => "cache",
            Self::Network => "network",
        }
    }
}

/// Epoch seconds as RFC 3339 UTC (`2025-12-28T15:30:00Z`).
#[must_use]
pub fn rfc3339(epoch: i64) -> String {
    jiff::Timestamp::from_second(epoch).map_or_else(|_| epoch.to_string(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::{Freshness, Token};

    fn token(expires_on: i64, refresh_on: Option<i64>) -> Token {
        Token {
            access_token: "t".into(),
            token_type: "Bearer".into(),
            expires_on,
            ext_expires_on: None,
            refresh_on,
            scope: "s".into(),
            tenant_id: "t".into(),
            cached_at: 1_000,
        }
    }

    #[test]
    fn min_validity_decides() {
        let t = token(1_000 + 3600, None);
        assert_eq!(t.freshness(1_000, 300), Freshness::Fresh);
        assert_eq!(t.freshness(1_000 + 3300, 300), Freshness::Fresh);
        assert_eq!(t.freshness(1_000 + 3301, 300), Freshness::Stale);
        assert_eq!(t.freshness(1_000, 3601), Freshness::Stale);
    }

    #[test]
    fn expired_is_stale_even_with_zero_min_validity() {
        let t = token(2_000, None);
        assert_eq!(t.freshness(2_000, 0), Freshness::Stale);
        assert_eq!(t.freshness(1_999, 0), Freshness::Fresh);
        assert_eq!(t.expires_in(2_500), 0);
    }

    #[test]
    fn refresh_in_makes_it_due() {
        let t = token(10_000, Some(5_000));
        assert_eq!(t.freshness(4_999, 300), Freshness::Fresh);
        assert_eq!(t.freshness(5_000, 300), Freshness::RefreshDue);
    }

    #[test]
    fn entries_from_the_future_are_distrusted() {
        let t = token(100_000, None);
        assert_eq!(t.freshness(1_000 - 301, 0), Freshness::Stale);
    }

    #[test]
    fn debug_hides_the_token() {
        let mut t = token(1, None);
        t.access_token = "eyJ-very-secret".into();
        assert!(!format!("{t:?}").contains("very-secret"));
    }
}
