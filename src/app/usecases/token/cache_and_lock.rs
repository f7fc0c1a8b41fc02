//! What every token path shares: the ports and the resolved request, reading the cache (which
//! cached token may be served), and the per-identity cross-process lock around "read cache →
//! call the IdP → write cache" so that parallel invocations make one IdP request.

use std::time::Duration;

use tokio::time::Instant;

use crate::app::usecases::error::{Error, TokenError};
use crate::app::usecases::token::credentials::CredentialResolver;
use crate::app::usecases::token::managed_identity;
use crate::app::usecases::token::user_flows::{BrowserOptions, UserFlowPorts};
use crate::domain::cache_key::CacheKey;
use crate::domain::claims::Claims;
use crate::domain::credential::Credential;
use crate::domain::flow::Flow;
use crate::domain::profile::Profile;
use crate::domain::scopes::Scopes;
use crate::domain::token::{Freshness, Token, TokenSource};
use crate::ports::clock::Clock;
use crate::ports::idp::IdpTransport;
use crate::ports::lock::{LockError, LockGuard, ProfileLocks};
use crate::ports::random::Random;
use crate::ports::reporter::Reporter;
use crate::ports::token_cache::{CacheError, TokenCache};

/// The ports a token path needs.
pub struct ResolvedTokenPorts<'a> {
    pub cache: &'a dyn TokenCache,
    /// Client secrets, certificates and federated tokens, resolved only on a cache miss.
    pub credentials: &'a CredentialResolver<'a>,
    /// Cross-process locks, when the cache is shared between processes.
    pub locks: Option<&'a dyn ProfileLocks>,
    /// Browser, loopback listener and instructions for the user flows (`None`: app flows only).
    pub user: Option<&'a UserFlowPorts<'a>>,
    pub idp: &'a dyn IdpTransport,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub reporter: &'a dyn Reporter,
}

/// Whether the cache is read and written (`--force` skips reading, `--no-cache` both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheMode {
    pub read: bool,
    pub write: bool,
}

/// Everything one token request needs, already resolved.
pub struct ResolvedTokenRequest {
    pub profile: Profile,
    pub credential: Credential,
    pub scopes: Scopes,
    /// The flow from `--flow` or the profile, if either gave one.
    pub flow: Option<Flow>,
    /// The managed identity endpoint, for managed identity profiles.
    pub managed_identity: Option<managed_identity::Source>,
    /// Browser flow options (`--port`, `--redirect-uri`, `--no-browser`).
    pub browser: BrowserOptions,
    /// Whether a person may be asked to sign in (false: `--non-interactive`, or no terminal
    /// and no browser).
    pub interactive: bool,
    pub cache_mode: CacheMode,
    pub min_validity: Duration,
    pub deadline: Instant,
    /// The `claims` parameter: the profile's client capabilities merged with `--claims`.
    pub claims: Option<Claims>,
}

impl ResolvedTokenRequest {
    /// `min_validity` in seconds, saturating.
    #[must_use]
    pub fn min_validity_secs(&self) -> i64 {
        i64::try_from(self.min_validity.as_secs()).unwrap_or(i64::MAX)
    }
}

/// A token and where it came from.
#[derive(Debug)]
pub struct TokenOutcome {
    pub token: Token,
    pub source: TokenSource,
    /// The account's refresh token, for `--include-refresh-token` (user flows only).
    pub refresh_token: Option<secrecy::SecretString>,
    /// The profile's name as written.
    pub profile: String,
}

/// What a cache read found.
pub enum Cached {
    Serve(Token),
    /// Valid but due for renewal: served if the IdP cannot be reached.
    Fallback(Token),
    Miss,
}

/// Reads the cache; an unreadable entry is reported (when `report` is set) and is a miss.
/// The first read (`report`) says hit or miss for `-v`; the re-read after the lock is quiet.
pub fn read_cache(
    ports: &ResolvedTokenPorts<'_>,
    key: &CacheKey,
    min_validity: i64,
    report: bool,
) -> Cached {
    let cached = read_cache_quietly(ports, key, min_validity, report);
    if report {
        match &cached {
            Cached::Serve(_) => tracing::debug!("cache hit"),
            Cached::Fallback(_) => {
                tracing::debug!("cache hit, due for renewal: asking the identity provider");
            }
            Cached::Miss => tracing::debug!("cache miss"),
        }
    }
    cached
}

fn read_cache_quietly(
    ports: &ResolvedTokenPorts<'_>,
    key: &CacheKey,
    min_validity: i64,
    report: bool,
) -> Cached {
    match ports.cache.load(key) {
        Ok(Some(token)) => match token.freshness(ports.clock.now(), min_validity) {
            Freshness::Fresh => Cached::Serve(token),
            Freshness::RefreshDue => Cached::Fallback(token),
            Freshness::Stale => {
                tracing::debug!("the cached token is too close to expiry");
                Cached::Miss
            }
        },
        Ok(None) => Cached::Miss,
        Err(error) => {
            if report {
                report_cache_error(ports.reporter, &error, "ignoring it");
            }
            Cached::Miss
        }
    }
}

/// Takes the identity's cross-process lock when the cache is written and shared.
///
/// # Errors
/// `LockTimedOut` when another process holds it past the deadline.
pub fn lock_identity(
    ports: &ResolvedTokenPorts<'_>,
    request: &ResolvedTokenRequest,
    key: &CacheKey,
) -> Result<Option<Box<dyn LockGuard>>, Error> {
    let Some(locks) = ports.locks.filter(|_| request.cache_mode.write) else {
        return Ok(None);
    };
    let wait = request.deadline.saturating_duration_since(Instant::now());
    match locks.acquire(key.identity(), wait) {
        Ok(guard) => Ok(Some(guard)),
        Err(LockError::TimedOut { .. }) => Err(TokenError::LockTimedOut.into()),
        Err(error @ LockError::Io { .. }) => {
            ports
                .reporter
                .warn(&format!("{error}; continuing without it"));
            Ok(None)
        }
    }
}

/// Warns about a cache failure that does not stop the command.
pub fn report_cache_error(reporter: &dyn Reporter, error: &CacheError, consequence: &str) {
    reporter.warn(&format!("{error}; {consequence}"));
}
