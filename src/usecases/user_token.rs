//! `get-token` for user flows, silent first: cached access token → refresh token (rotated under
//! the identity lock) → the interactive flow (browser or device code), which only runs when a
//! person may be involved.

use super::error::{AppError, ErrorKind};
use super::get_token::{
    Cached, GetTokenPorts, GetTokenRequest, TokenOutcome, lock_identity, read_cache,
};
use super::user_flows::{
    RefreshFailure, UserFlowPorts, UserTokens, browser_sign_in, device_sign_in, refresh,
};
use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::flow::Flow;
use crate::domain::token::TokenSource;

fn load_account(ports: &GetTokenPorts<'_>, identity: &str, read: bool) -> Option<Account> {
    if !read {
        return None;
    }
    match ports.cache.load_account(identity) {
        Ok(account) => account,
        Err(error) => {
            ports.reporter.warn(&format!("{error}; signing in again"));
            None
        }
    }
}

/// Silent-first user token.
///
/// # Errors
/// `Auth` when a person is needed in non-interactive mode, or the sign-in fails; `Network`;
/// `Timeout` (lock or sign-in wait past the deadline).
pub async fn get_user_token(
    ports: &GetTokenPorts<'_>,
    user: &UserFlowPorts<'_>,
    request: &GetTokenRequest,
    flow: Flow,
) -> Result<TokenOutcome, AppError> {
    let profile = &request.profile;
    let identity = CacheKey::identity_of(profile);
    let min_validity = i64::try_from(request.min_validity.as_secs()).unwrap_or(i64::MAX);
    let use_cache = request.cache_mode.write;

    if request.cache_mode.read
        && let Some(account) = load_account(ports, &identity, true)
    {
        let key = CacheKey::new(profile, &account.home_account_id, &request.scopes);
        if let Cached::Serve(token) = read_cache(ports, &key, min_validity, true) {
            return Ok(TokenOutcome {
                token,
                source: TokenSource::Cache,
                refresh_token: Some(account.refresh_token),
            });
        }
    }
    // One sign-in per app identity across parallel invocations.
    let guard = lock_identity(
        ports,
        request,
        &CacheKey::new(profile, "-", &request.scopes),
    )?;
    let account = load_account(ports, &identity, use_cache);
    if let Some(account) = &account {
        let key = CacheKey::new(profile, &account.home_account_id, &request.scopes);
        if request.cache_mode.read
            && guard.is_some()
            && let Cached::Serve(token) = read_cache(ports, &key, min_validity, false)
        {
            return Ok(TokenOutcome {
                token,
                source: TokenSource::Cache,
                refresh_token: Some(account.refresh_token.clone()),
            });
        }
        match refresh(user, profile, &request.scopes, account, request.deadline).await {
            Ok(tokens) => return Ok(store(ports, request, &identity, tokens, use_cache)),
            Err(RefreshFailure::Rejected(error)) => {
                // The refresh token is dead for good: forget it, then sign in again.
                let _ = ports.cache.remove_account(&identity);
                if !request.interactive {
                    return Err(person_needed(request, flow).cause(error.message));
                }
                ports.reporter.warn(&format!(
                    "the saved sign-in no longer works ({}); signing in again",
                    error.message
                ));
            }
            Err(RefreshFailure::Other(error)) => return Err(error),
        }
    }
    if !request.interactive {
        return Err(person_needed(request, flow));
    }
    let tokens = match flow {
        Flow::DeviceCode => {
            device_sign_in(user, profile, &request.scopes, request.deadline).await?
        }
        _ => {
            browser_sign_in(
                user,
                profile,
                &request.scopes,
                &request.browser,
                request.deadline,
            )
            .await?
        }
    };
    let outcome = store(ports, request, &identity, tokens, use_cache);
    drop(guard);
    Ok(outcome)
}

fn store(
    ports: &GetTokenPorts<'_>,
    request: &GetTokenRequest,
    identity: &str,
    tokens: UserTokens,
    use_cache: bool,
) -> TokenOutcome {
    let UserTokens { token, account } = tokens;
    if use_cache && let Some(account) = &account {
        // The rotated refresh token replaces the old one before the lock is released.
        if let Err(error) = ports.cache.store_account(identity, account) {
            ports
                .reporter
                .warn(&format!("{error}; the sign-in was not saved"));
        }
        let key = CacheKey::new(&request.profile, &account.home_account_id, &request.scopes);
        if let Err(error) = ports.cache.store(&key, &token) {
            ports
                .reporter
                .warn(&format!("{error}; the token was not cached"));
        }
    }
    TokenOutcome {
        token,
        source: TokenSource::Network,
        refresh_token: account.map(|a| a.refresh_token),
    }
}

fn person_needed(request: &GetTokenRequest, flow: Flow) -> AppError {
    let name = &request.profile.name;
    AppError::new(
        ErrorKind::Auth,
        format!("profile `{name}` needs a person to sign in ({flow}), and this run is non-interactive"),
    )
    .hint(format!(
        "sign in once in a terminal: `entra-auth-cli get-token -p {name} -f device-code` (or `-f interactive`); later runs reuse the saved sign-in"
    ))
    .hint("in CI, use an app credential (client secret, certificate, workload or managed identity) instead")
}
