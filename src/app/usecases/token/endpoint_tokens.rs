//! Tokens for the credential endpoint that `exec` gives its child: one profile, many resources.
//! Every token comes through [`acquire`] (cache first, the same locks, refresh tokens for user
//! profiles); a per-resource memo in front of it serves repeated SDK calls without touching the
//! store, one request at a time goes to the use case (so the IdP sees one call per resource), a
//! token with under [`MIN_SERVED_VALIDITY`] left is never served, and a token the child reports
//! as revoked (`token_sha256_to_refresh`) is replaced by a new one. A long-running endpoint
//! (`serve`) calls [`EndpointTokens::refresh_due`] off the request path, so remembered tokens
//! are replaced before they get too short-lived to serve and no client waits on the IdP; a
//! failed refresh (throttling, an outage: after the one retry policy inside `acquire`) keeps the
//! old token, still valid, and is tried again later.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::app::usecases::error::{Error, TokenError};
use crate::app::usecases::profiles::resolution::resolve_profile;
use crate::app::usecases::token::acquire::{TokenPorts, TokenRequest, acquire};
use crate::domain::authority::Cloud;
use crate::domain::jwt::unverified_string_claim;
use crate::domain::profile::ScopeList;
use crate::domain::scopes::scope_for_resource;
use crate::domain::token::Token;

/// The least time a served token has left (MSAL Python treats less as expired; MSAL.NET
/// rejects a token that has already expired).
pub const MIN_SERVED_VALIDITY: Duration = Duration::from_secs(300);

/// How long a resource whose refresh failed waits before the next try (the retry policy inside
/// `acquire` has already spent its own retries).
const REFRESH_BACKOFF_SECS: i64 = 30;

/// The most resources remembered at once; beyond it the memo starts again (each entry is a
/// token, so this bounds memory whatever a child asks for).
const MEMO_LIMIT: usize = 256;

/// Who the endpoint's tokens are for, as the child's tools may want to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointIdentity {
    /// The profile's name as written.
    pub profile: String,
    pub client_id: String,
    /// The tenant's id from the first token (`tid`), else the profile's tenant as configured.
    pub tenant_id: String,
    pub cloud: Cloud,
    /// The signed-in user (`upn`, else `preferred_username`) for user profiles; `None` for apps.
    pub user: Option<String>,
    /// The variable holding the profile's federated token (`federated_token_env`, GitLab's
    /// `id_tokens:`), a secret for as long as the token is valid.
    pub token_variable: Option<String>,
}

/// Serves tokens of one profile to the endpoint.
pub struct EndpointTokens<'a> {
    ports: &'a TokenPorts<'a>,
    base: TokenRequest,
    identity: EndpointIdentity,
    /// Shared, so a request borrows the token instead of copying it.
    memo: Mutex<HashMap<String, Arc<Token>>>,
    /// When a resource whose refresh failed may be tried again (epoch seconds).
    retry_at: Mutex<HashMap<String, i64>>,
    /// One use-case call at a time: the cross-process lock is per identity and blocking, and
    /// the second caller for a resource must find the first caller's token.
    gate: tokio::sync::Mutex<()>,
}

impl<'a> EndpointTokens<'a> {
    /// Resolves the profile and gets one token for its own scopes, so that a missing profile, a
    /// refused credential or a sign-in happens before the child starts, with `get-token`'s
    /// errors.
    ///
    /// # Errors
    /// Whatever [`acquire`] fails with.
    pub async fn start(ports: &'a TokenPorts<'a>, base: TokenRequest) -> Result<Self, Error> {
        let profile = resolve_profile(ports.profiles, ports.env, &base.profile, &base.overrides)?;
        let first = acquire(ports, base.clone()).await?;
        let access_token = first.token.access_token_str();
        let tenant_id = unverified_string_claim(access_token, "tid")
            .or_else(|| Some(first.token.tenant_id.clone()).filter(|t| !t.is_empty()))
            .unwrap_or_else(|| profile.tenant_id.clone());
        // App tokens name no user; a user's token names them.
        let user = unverified_string_claim(access_token, "upn")
            .or_else(|| unverified_string_claim(access_token, "preferred_username"));
        let identity = EndpointIdentity {
            profile: first.profile,
            client_id: profile.client_id,
            tenant_id,
            cloud: profile.cloud,
            user,
            token_variable: profile.federated_token_env,
        };
        Ok(Self {
            ports,
            base,
            identity,
            memo: Mutex::new(HashMap::new()),
            retry_at: Mutex::new(HashMap::new()),
            gate: tokio::sync::Mutex::new(()),
        })
    }

    #[must_use]
    pub fn identity(&self) -> &EndpointIdentity {
        &self.identity
    }

    /// A token for `resource` (a resource URI, or a scope ending in `/.default`) with at least
    /// [`MIN_SERVED_VALIDITY`] left. `revoked` is the lower-case hex SHA-256 of a token the
    /// caller was refused with: that token is not served again.
    ///
    /// # Errors
    /// Whatever [`acquire`] fails with; `TokenError::TooShortLived` when even a new token has
    /// under [`MIN_SERVED_VALIDITY`] left.
    pub async fn token(&self, resource: &str, revoked: Option<&str>) -> Result<Arc<Token>, Error> {
        let scope = scope_for_resource(resource);
        let is_revoked = |token: &Token| revoked.is_some_and(|hash| sha256_hex(token) == hash);
        if let Some(token) = self.remembered(&scope, &is_revoked) {
            return Ok(token);
        }
        let _turn = self.gate.lock().await;
        // Someone else may have got it while this call waited for its turn.
        if let Some(token) = self.remembered(&scope, &is_revoked) {
            return Ok(token);
        }
        let mut request = self.request_for(&scope);
        let mut token = acquire(self.ports, request.clone()).await?.token;
        if is_revoked(&token) {
            request.cache_mode.read = false;
            token = acquire(self.ports, request).await?.token;
        }
        if self.left(&token) < MIN_SERVED_VALIDITY.as_secs() {
            return Err(TokenError::TooShortLived.into());
        }
        let mut memo = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        let token = Arc::new(token);
        memo.insert(scope, Arc::clone(&token));
        Ok(token)
    }

    /// Gets a new token for every remembered resource past its refresh point (halfway through
    /// the time it may be served), one at a time. A failure keeps the remembered token (still
    /// servable) and is returned, with the resource's scope, for the caller to report; that
    /// resource is tried again after [`REFRESH_BACKOFF_SECS`].
    pub async fn refresh_due(&self) -> Vec<(String, Error)> {
        let now = self.ports.clock.now();
        let due: Vec<String> = {
            let memo = self
                .memo
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let retry_at = self
                .retry_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            memo.iter()
                .filter(|(scope, token)| {
                    now >= refresh_point(token)
                        && retry_at.get(scope.as_str()).is_none_or(|at| now >= *at)
                })
                .map(|(scope, _)| scope.clone())
                .collect()
        };
        let mut failures = Vec::new();
        for scope in due {
            let _turn = self.gate.lock().await;
            let mut request = self.request_for(&scope);
            request.cache_mode.read = false;
            match acquire(self.ports, request).await {
                Ok(got) if self.left(&got.token) >= MIN_SERVED_VALIDITY.as_secs() => {
                    self.lock_retry_at().remove(&scope);
                    self.lock_memo().insert(scope, Arc::new(got.token));
                }
                Ok(_) => {
                    self.back_off(&scope);
                    failures.push((scope, TokenError::TooShortLived.into()));
                }
                Err(error) => {
                    self.back_off(&scope);
                    failures.push((scope, error));
                }
            }
        }
        failures
    }

    fn back_off(&self, scope: &str) {
        let at = self.ports.clock.now().saturating_add(REFRESH_BACKOFF_SECS);
        self.lock_retry_at().insert(scope.to_owned(), at);
    }

    fn lock_memo(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Token>>> {
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_retry_at(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.retry_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn request_for(&self, scope: &str) -> TokenRequest {
        let mut request = self.base.clone();
        request.overrides.scopes = Some(ScopeList::Text(scope.to_owned()));
        request.min_validity = request.min_validity.max(MIN_SERVED_VALIDITY);
        request
    }

    fn left(&self, token: &Token) -> u64 {
        u64::try_from(token.expires_in(self.ports.clock.now())).unwrap_or(0)
    }

    /// The memo's token for `scope` when it may still be served (not revoked, enough time
    /// left); a revoked or stale one is forgotten.
    fn remembered(&self, scope: &str, is_revoked: &dyn Fn(&Token) -> bool) -> Option<Arc<Token>> {
        let mut memo = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let token = memo.get(scope)?;
        if is_revoked(token) || self.left(token) < MIN_SERVED_VALIDITY.as_secs() {
            memo.remove(scope);
            return None;
        }
        Some(Arc::clone(token))
    }
}

/// When a served token is replaced ahead of time: halfway through the time it may be served
/// (from when it was got to [`MIN_SERVED_VALIDITY`] before it expires), or at the IdP's own
/// `refresh_in` when that is earlier. A token with a doubtful `cached_at` is due at once.
#[must_use]
pub fn refresh_point(token: &Token) -> i64 {
    let last = token
        .expires_on
        .saturating_sub(i64::try_from(MIN_SERVED_VALIDITY.as_secs()).unwrap_or(i64::MAX));
    let halfway = if token.cached_at > 0 && token.cached_at <= last {
        token.cached_at + (last - token.cached_at) / 2
    } else {
        last
    };
    token.refresh_on.map_or(halfway, |at| at.min(halfway))
}

/// Lower-case hex SHA-256 of the access token, as MSAL.NET sends in `token_sha256_to_refresh`.
#[must_use]
pub fn sha256_hex(token: &Token) -> String {
    let digest = Sha256::digest(token.access_token_str().as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(cached_at: i64, expires_on: i64, refresh_on: Option<i64>) -> Token {
        Token {
            access_token: secrecy::SecretString::from("t"),
            token_type: "Bearer".to_owned(),
            expires_on,
            ext_expires_on: None,
            refresh_on,
            scope: String::new(),
            tenant_id: String::new(),
            cached_at,
        }
    }

    #[test]
    fn tokens_are_refreshed_halfway_through_their_servable_time() {
        // An hour: servable for 55 minutes, refreshed after 27.5.
        assert_eq!(refresh_point(&token(1000, 4600, None)), 1000 + 1650);
        assert_eq!(refresh_point(&token(1000, 4600, Some(2000))), 2000);
        // Short-lived (310 s): servable 10 s, refreshed after 5.
        assert_eq!(refresh_point(&token(1000, 1310, None)), 1005);
        // Never servable, or a doubtful cached_at: due at once.
        assert_eq!(refresh_point(&token(1000, 1200, None)), 900);
        assert_eq!(refresh_point(&token(0, 4600, None)), 4300);
    }
}
