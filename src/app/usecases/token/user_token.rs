//! `get-token` for user flows, silent first: cached access token → refresh token (rotated under
//! the identity lock) → the interactive flow (browser or device code), which only runs when a
//! person may be involved.

use crate::app::usecases::error::{Error, SignInError};
use crate::app::usecases::token::cache_and_lock::{
    Cached, ResolvedTokenPorts, ResolvedTokenRequest, TokenOutcome, lock_identity, read_cache,
};
use crate::app::usecases::token::user_flows::{
    RefreshFailure, UserFlowPorts, UserTokens, browser_sign_in, device_sign_in, refresh,
};
use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::flow::Flow;
use crate::domain::token::TokenSource;

fn load_account(ports: &ResolvedTokenPorts<'_>, identity: &str, read: bool) -> Option<Account> {
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
pub async fn acquire_user_token(
    ports: &ResolvedTokenPorts<'_>,
    user: &UserFlowPorts<'_>,
    request: &ResolvedTokenRequest,
    flow: Flow,
) -> Result<TokenOutcome, Error> {
    let profile = &request.profile;
    let identity = CacheKey::identity_of(profile);
    let min_validity = request.min_validity_secs();
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
                profile: profile.name.clone(),
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
                profile: profile.name.clone(),
            });
        }
        match refresh(
            user,
            profile,
            &request.scopes,
            account,
            request.claims.as_ref(),
            request.deadline,
        )
        .await
        {
            Ok(tokens) => return Ok(store(ports, request, &identity, tokens, use_cache)),
            Err(RefreshFailure::Rejected(error)) => {
                // The refresh token is dead for good: forget it, then sign in again.
                let _ = ports.cache.remove_account(&identity);
                if !request.interactive {
                    return Err(person_needed(request, flow, Some(error)));
                }
                ports.reporter.warn(&format!(
                    "the saved sign-in no longer works ({error}); signing in again"
                ));
            }
            Err(RefreshFailure::Other(error)) => return Err(error),
        }
    }
    if !request.interactive {
        return Err(person_needed(request, flow, None));
    }
    let tokens = match flow {
        Flow::DeviceCode => {
            device_sign_in(
                user,
                profile,
                &request.scopes,
                request.claims.as_ref(),
                request.deadline,
            )
            .await?
        }
        _ => {
            browser_sign_in(
                user,
                profile,
                &request.scopes,
                &request.browser,
                request.claims.as_ref(),
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
    ports: &ResolvedTokenPorts<'_>,
    request: &ResolvedTokenRequest,
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
        profile: request.profile.name.clone(),
    }
}

fn person_needed(
    request: &ResolvedTokenRequest,
    flow: Flow,
    saved_sign_in_failed: Option<crate::app::usecases::error::IdpError>,
) -> Error {
    SignInError::PersonNeeded {
        profile: request.profile.name.clone(),
        flow,
        saved_sign_in_failed: saved_sign_in_failed.map(Box::new),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use secrecy::ExposeSecret;

    use crate::app::usecases::error::{Error, ErrorKind, SignInError};
    use crate::app::usecases::test_support::{
        Fixture, ScriptedIdp, invalid_grant, json, profile, request, token_reply,
    };
    use crate::domain::account::Account;
    use crate::domain::cache_key::CacheKey;
    use crate::domain::flow::Flow;
    use crate::domain::profile::ProfileSettings;
    use crate::domain::token::TokenSource;
    use crate::ports::token_cache::TokenCache;

    const NOW: i64 = 1_000_000;

    fn user_profile() -> crate::domain::profile::Profile {
        profile(ProfileSettings {
            auth_method: Some("none".into()),
            ..ProfileSettings::default()
        })
    }

    /// A saved sign-in for the profile's identity.
    fn sign_in(f: &Fixture, refresh_token: &str) {
        let identity = CacheKey::identity_of(&user_profile());
        f.cache
            .store_account(
                &identity,
                &Account {
                    home_account_id: "uid.utid".into(),
                    username: Some("ada@contoso.com".into()),
                    refresh_token: refresh_token.into(),
                    updated_at: NOW - 60,
                },
            )
            .unwrap();
    }

    fn saved_refresh_token(f: &Fixture) -> Option<String> {
        let identity = CacheKey::identity_of(&user_profile());
        f.cache
            .load_account(&identity)
            .unwrap()
            .map(|a| a.refresh_token.expose_secret().to_owned())
    }

    #[tokio::test]
    async fn a_cached_token_is_served_without_any_request() {
        let f = Fixture::new(
            ScriptedIdp::new(|seen, _| panic!("no request: {seen:?}")),
            NOW,
        );
        sign_in(&f, "rt-1");
        let p = user_profile();
        let r = request(p.clone(), Some(Flow::DeviceCode), false);
        let key = CacheKey::new(&p, "uid.utid", &r.scopes);
        let token = crate::domain::token::Token {
            access_token: "cached".into(),
            token_type: "Bearer".into(),
            expires_on: NOW + 3600,
            ext_expires_on: None,
            refresh_on: None,
            scope: r.scopes.to_request_param(),
            tenant_id: "t".into(),
            cached_at: NOW - 60,
        };
        f.cache.store(&key, &token).unwrap();
        let outcome = f.get(r).await.unwrap();
        assert_eq!(outcome.source, TokenSource::Cache);
        assert_eq!(outcome.token.access_token.expose_secret(), "cached");
    }

    #[tokio::test]
    async fn claims_are_sent_with_the_refresh_token() {
        let f = Fixture::new(
            ScriptedIdp::new(|seen, _| {
                assert_eq!(seen.field("grant_type"), Some("refresh_token"));
                assert_eq!(
                    seen.field("claims"),
                    Some(r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#)
                );
                token_reply("stepped-up", 3600, Some("rt-2"))
            }),
            NOW,
        );
        sign_in(&f, "rt-1");
        let mut r = request(user_profile(), Some(Flow::DeviceCode), false);
        r.cache_mode.read = false;
        r.claims = crate::domain::claims::Claims::parse(
            r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#,
        )
        .ok();
        let outcome = f.get(r).await.unwrap();
        assert_eq!(outcome.token.access_token.expose_secret(), "stepped-up");
        assert_eq!(f.idp.grants(), ["refresh_token"]);
    }

    #[tokio::test]
    async fn a_cache_miss_redeems_the_refresh_token_and_saves_the_rotated_one() {
        let f = Fixture::new(
            ScriptedIdp::new(|seen, _| {
                assert_eq!(seen.field("grant_type"), Some("refresh_token"));
                assert_eq!(seen.field("refresh_token"), Some("rt-1"));
                token_reply("fresh", 3600, Some("rt-2"))
            }),
            NOW,
        );
        sign_in(&f, "rt-1");
        // Non-interactive: the saved sign-in is enough, nobody is asked.
        let outcome = f
            .get(request(user_profile(), Some(Flow::DeviceCode), false))
            .await
            .unwrap();
        assert_eq!(outcome.source, TokenSource::Network);
        assert_eq!(outcome.token.access_token.expose_secret(), "fresh");
        assert_eq!(saved_refresh_token(&f).as_deref(), Some("rt-2"), "rotated");
        let again = f
            .get(request(user_profile(), Some(Flow::DeviceCode), false))
            .await
            .unwrap();
        assert_eq!(again.source, TokenSource::Cache);
        assert_eq!(f.idp.grants(), ["refresh_token"]);
    }

    #[tokio::test]
    async fn no_saved_sign_in_and_nobody_to_ask_fails_at_once() {
        let f = Fixture::new(
            ScriptedIdp::new(|seen, _| panic!("no request: {seen:?}")),
            NOW,
        );
        let err = f
            .get(request(user_profile(), Some(Flow::Interactive), false))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::SignIn(SignInError::PersonNeeded {
                    flow: Flow::Interactive,
                    saved_sign_in_failed: None,
                    ..
                })
            ),
            "{err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert!(f.terminal.instructions.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_dead_refresh_token_is_forgotten_and_non_interactive_runs_say_why() {
        let f = Fixture::new(ScriptedIdp::new(|_, _| invalid_grant()), NOW);
        sign_in(&f, "rt-dead");
        let err = f
            .get(request(user_profile(), Some(Flow::DeviceCode), false))
            .await
            .unwrap_err();
        let Error::SignIn(SignInError::PersonNeeded {
            saved_sign_in_failed: Some(cause),
            ..
        }) = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(cause.oauth_code(), Some("invalid_grant"));
        assert_eq!(saved_refresh_token(&f), None, "the dead sign-in is removed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_dead_refresh_token_leads_to_a_device_code_sign_in_when_someone_is_there() {
        let f = Fixture::new(
            ScriptedIdp::new(|seen, n| match (n, seen.field("grant_type")) {
                (0, Some("refresh_token")) => invalid_grant(),
                (1, None) => {
                    assert!(seen.url.ends_with("/devicecode"), "{}", seen.url);
                    json(
                        200,
                        r#"{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"Enter ABCD-EFGH"}"#,
                    )
                }
                (2, Some(_)) => json(400, r#"{"error":"authorization_pending"}"#),
                (3, Some(_)) => token_reply("signed-in", 3600, Some("rt-new")),
                other => panic!("unexpected request {other:?}: {seen:?}"),
            }),
            NOW,
        );
        sign_in(&f, "rt-dead");
        let start = tokio::time::Instant::now();
        let outcome = f
            .get(request(user_profile(), Some(Flow::DeviceCode), true))
            .await
            .unwrap();
        assert_eq!(outcome.token.access_token.expose_secret(), "signed-in");
        assert!(
            start.elapsed() >= Duration::from_secs(10),
            "polled at the interval"
        );
        assert_eq!(saved_refresh_token(&f).as_deref(), Some("rt-new"));
        assert!(
            f.terminal.instructions.lock().unwrap()[0].contains("ABCD-EFGH"),
            "the code is shown to the person"
        );
        assert!(
            f.reporter.warnings.lock().unwrap()[0].contains("signing in again"),
            "{:?}",
            f.reporter.warnings.lock().unwrap()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_idp_during_refresh_is_a_network_error_not_a_sign_in() {
        let f = Fixture::new(
            ScriptedIdp::new(|_, _| {
                Err(crate::ports::idp::TransportError::Unreachable(
                    "connection refused".into(),
                ))
            }),
            NOW,
        );
        sign_in(&f, "rt-1");
        let err = f
            .get(request(user_profile(), Some(Flow::DeviceCode), true))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network, "{err:?}");
        assert_eq!(saved_refresh_token(&f).as_deref(), Some("rt-1"), "kept");
        assert!(f.terminal.instructions.lock().unwrap().is_empty());
    }
}
