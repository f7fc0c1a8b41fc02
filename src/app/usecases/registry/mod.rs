//! Container registry tokens (the docker credential helper, `get-token --registry`): decide
//! whether a registry gets the profile's token at all (ACR hosts, anchored, and the profile's
//! `container_registries`; nothing is sent anywhere otherwise), serve the cached ACR refresh
//! token, else get the profile's Entra token for ACR's audience through `acquire` (cache,
//! refresh, locks) and exchange it at the registry's `/oauth2/exchange` with the one retry
//! policy, then cache the ACR refresh token (sealed like access tokens) until its `exp`.

pub mod configure;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::app::usecases::error::{Error, ErrorKind, RegistryError, TokenError};
use crate::app::usecases::http_retry::{Attempted, RetryPolicy, deadline_for, send_with_retries};
use crate::app::usecases::profiles::manage::ProfilePorts;
use crate::app::usecases::profiles::resolution::resolve_profile;
use crate::app::usecases::token::acquire::{TokenPorts, TokenRequest, acquire};
use crate::domain::cache_key::CacheKey;
use crate::domain::container_registry::{
    ACR_SCOPE, CACHE_ACCOUNT, RegistryHost, ServedRegistry, ServerUrlError, parse_exchange_reply,
    registry_error_message,
};
use crate::domain::jwt::{numeric_date, unverified_claims};
use crate::domain::profile::{Profile, ProfileSettings, ScopeList};
use crate::domain::scopes::Scopes;
use crate::domain::text::{excerpt, printable_line};
use crate::domain::token::{Token, TokenSource};
use crate::ports::env::Env;
use crate::ports::idp::{FormPost, FormValue, HttpReply, TOKEN_REPLY_LIMIT};
use crate::ports::profile_repository::ProfileRepository;
use crate::ports::store::Stores;

/// A cached ACR refresh token with less left than this is not served (docker may hold it for a
/// whole pull or push).
pub const MIN_VALIDITY_SECS: i64 = 300;

/// What a front-end asks for.
#[derive(Debug, Clone)]
pub struct RegistryRequest {
    pub profile: String,
    /// What the client named: `myreg.azurecr.io`, `https://myreg.azurecr.io/v2/`, …
    pub server_url: String,
    /// The limit for everything, the Entra token and the exchange included.
    pub timeout: Duration,
}

/// A registry's refresh token.
#[derive(Debug)]
pub struct RegistryToken {
    /// `host[:port]`, lowercase.
    pub login_server: String,
    pub refresh_token: SecretString,
    /// The token's `exp`, when it has one.
    pub expires_on: Option<i64>,
    pub source: TokenSource,
}

/// The registry `server_url` names, when this profile's token may go there.
///
/// # Errors
/// `BadServerUrl` and `NotServed` (no request was or may be sent); for a host that is not an ACR
/// login server, profile failures other than "not found" (its list cannot be read).
fn served(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    request_profile: &str,
    server_url: &str,
) -> Result<(Profile, ServedRegistry), Error> {
    let host = RegistryHost::parse(server_url).map_err(|reason| RegistryError::BadServerUrl {
        input: printable_line(&crate::domain::text::clip(server_url, 80)),
        reason,
    })?;
    let not_served = || RegistryError::NotServed {
        registry: host.login_server(),
        profile: request_profile.to_owned(),
    };
    let profile = match resolve_profile(profiles, env, request_profile, &ProfileSettings::default())
    {
        Ok(profile) => profile,
        // A profile that does not exist lists nothing: only ACR's own hosts are its business.
        Err(error) if error.kind() == ErrorKind::ProfileNotFound && !host.is_acr() => {
            return Err(not_served().into());
        }
        Err(error) => return Err(error),
    };
    let registry =
        ServedRegistry::of(&host, &profile.container_registries).ok_or_else(not_served)?;
    Ok((profile, registry))
}

/// The account part of the cache keys of a profile's registry tokens: `acr`, with the managed
/// identity selector when the profile has one (app and user tokens have `app` or `uid.utid`
/// there, so a registry token is never served as an access token).
fn registry_account(profile: &Profile) -> String {
    let selector = profile
        .object_id
        .as_deref()
        .or(profile.mi_res_id.as_deref())
        .map(|s| format!(":{}", s.replace('|', "%7C")))
        .unwrap_or_default();
    format!("{CACHE_ACCOUNT}{selector}")
}

/// The cache key of a registry's refresh token: the profile's identity, its registry account,
/// the login server as the "scope".
fn cache_key(profile: &Profile, registry: &ServedRegistry) -> Result<CacheKey, Error> {
    let login_server = registry.login_server();
    let scopes = Scopes::parse(&login_server).map_err(|_| RegistryError::BadServerUrl {
        input: login_server.clone(),
        reason: ServerUrlError::NotAHost,
    })?;
    Ok(CacheKey::new(profile, &registry_account(profile), &scopes))
}

fn cached(stores: &Stores<'_>, key: &CacheKey, now: i64, report: &dyn Fn(String)) -> Option<Token> {
    match stores.tokens.load(key) {
        Ok(Some(token))
            if token.expires_on - now >= MIN_VALIDITY_SECS && token.cached_at <= now + 300 =>
        {
            Some(token)
        }
        Ok(_) => None,
        Err(error) => {
            report(format!("{error}; ignoring it"));
            None
        }
    }
}

fn outcome(registry: &ServedRegistry, token: Token, source: TokenSource) -> RegistryToken {
    RegistryToken {
        login_server: registry.login_server(),
        refresh_token: token.access_token,
        expires_on: Some(token.expires_on),
        source,
    }
}

/// The registry's refresh token for the profile: from the cache, else exchanged for the
/// profile's Entra token (and cached until its `exp`).
///
/// # Errors
/// `NotServed`/`BadServerUrl` before anything is sent; every `get-token` failure of the Entra
/// token; the registry's refusal or failures; `TimedOut` past the limit.
pub async fn registry_token(
    ports: &TokenPorts<'_>,
    request: &RegistryRequest,
) -> Result<RegistryToken, Error> {
    let deadline = deadline_for(Instant::now(), request.timeout);
    let (profile, registry) = served(
        ports.profiles,
        ports.env,
        &request.profile,
        &request.server_url,
    )?;
    let stores = ports.stores.stores()?;
    let key = cache_key(&profile, &registry)?;
    let warn = |message: String| ports.reporter.warn(&message);
    if let Some(token) = cached(&stores, &key, ports.clock.now(), &warn) {
        return Ok(outcome(&registry, token, TokenSource::Cache));
    }
    let work = async {
        // One process per registry and identity exchanges; the others wait, then read its
        // token. A separate lock name from the Entra token's, which `acquire` takes inside.
        let _guard = match stores.locks {
            Some(locks) => {
                let name = format!("{}|acr|{}", key.identity(), registry.login_server());
                let wait = deadline.saturating_duration_since(Instant::now());
                match locks.acquire(&name, wait) {
                    Ok(guard) => Some(guard),
                    Err(crate::ports::lock::LockError::TimedOut { .. }) => {
                        return Err(TokenError::LockTimedOut.into());
                    }
                    Err(error) => {
                        warn(format!("{error}; continuing without it"));
                        None
                    }
                }
            }
            None => None,
        };
        if let Some(token) = cached(&stores, &key, ports.clock.now(), &|_| ()) {
            return Ok(outcome(&registry, token, TokenSource::Cache));
        }
        let entra = acquire(
            ports,
            TokenRequest {
                non_interactive: true,
                ..TokenRequest::cached(
                    request.profile.clone(),
                    ProfileSettings {
                        scopes: Some(ScopeList::Text(ACR_SCOPE.to_owned())),
                        ..ProfileSettings::default()
                    },
                    deadline.saturating_duration_since(Instant::now()),
                )
            },
        )
        .await?;
        let tenant = crate::domain::jwt::unverified_string_claim(
            entra.token.access_token.expose_secret(),
            "tid",
        )
        .or_else(|| Some(entra.token.tenant_id.clone()).filter(|t| !t.is_empty()))
        .or_else(|| Some(profile.tenant_id.clone()).filter(|t| !t.is_empty()));
        let refresh_token =
            exchange(ports, &registry, &entra.token, tenant.as_deref(), deadline).await?;
        let now = ports.clock.now();
        let expires_on = unverified_claims(&refresh_token)
            .and_then(|claims| claims.get("exp").and_then(numeric_date));
        let token = Token {
            access_token: SecretString::from(refresh_token),
            token_type: "acr_refresh_token".to_owned(),
            expires_on: expires_on.unwrap_or(now),
            ext_expires_on: None,
            refresh_on: None,
            scope: registry.login_server(),
            tenant_id: tenant.unwrap_or_default(),
            cached_at: now,
        };
        if expires_on.is_some_and(|exp| exp - now >= MIN_VALIDITY_SECS)
            && let Err(error) = stores.tokens.store(&key, &token)
        {
            warn(format!("{error}; the registry token was not cached"));
        }
        let mut result = outcome(&registry, token, TokenSource::Network);
        result.expires_on = expires_on;
        Ok(result)
    };
    tokio::time::timeout_at(deadline, work)
        .await
        .map_err(|_| TokenError::TimedOut {
            limit: request.timeout,
        })?
}

/// `POST /oauth2/exchange` with the retry policy of every endpoint.
async fn exchange(
    ports: &TokenPorts<'_>,
    registry: &ServedRegistry,
    entra: &Token,
    tenant: Option<&str>,
    deadline: Instant,
) -> Result<String, Error> {
    let login_server = registry.login_server();
    let mut form = vec![
        ("grant_type", FormValue::Plain("access_token".to_owned())),
        ("service", FormValue::Plain(login_server.clone())),
    ];
    if let Some(tenant) = tenant {
        form.push(("tenant", FormValue::Plain(tenant.to_owned())));
    }
    form.push((
        "access_token",
        FormValue::Secret(entra.access_token.clone()),
    ));
    let post = FormPost {
        url: registry.exchange_url(),
        form,
        client_request_id: ports.random.uuid_v4()?,
        max_reply_bytes: TOKEN_REPLY_LIMIT,
    };
    let policy = RetryPolicy::IDENTITY_PROVIDER;
    let attempted = send_with_retries(
        &policy,
        deadline,
        || ports.idp.post_form(&post),
        |notice| {
            ports
                .reporter
                .progress(&notice.progress_line(&format!("the registry {login_server}")));
        },
    )
    .await;
    let registry_name = login_server.clone();
    let (reply, attempts) = match attempted {
        Attempted::Reply {
            reply, attempts, ..
        } => (reply, attempts),
        Attempted::Unreachable {
            cause,
            skipped_wait,
        } => {
            return Err(RegistryError::Unreachable {
                registry: registry_name,
                cause,
                skipped_wait,
            }
            .into());
        }
        Attempted::Setup(reason) => return Err(RegistryError::Setup { reason }.into()),
        Attempted::TooLarge { limit } => {
            return Err(RegistryError::TooLarge {
                registry: registry_name,
                limit,
            }
            .into());
        }
    };
    interpret(&reply, attempts, registry_name).map_err(Error::from)
}

fn interpret(reply: &HttpReply, attempts: u32, registry: String) -> Result<String, RegistryError> {
    let status = reply.status;
    match status {
        200..=299 => parse_exchange_reply(&reply.body).map_err(|reason| RegistryError::Unusable {
            registry,
            status,
            reason,
        }),
        300..=399 => Err(RegistryError::Redirected {
            registry,
            status,
            to: reply.redirect_host.clone(),
        }),
        400..=499 if status != 429 => Err(RegistryError::Refused {
            registry,
            status,
            detail: registry_error_message(&reply.body)
                .map(|m| printable_line(&crate::domain::text::clip(&m, 300)))
                .or_else(|| Some(excerpt(&reply.body, 200)).filter(|e| !e.is_empty())),
        }),
        _ => Err(RegistryError::ServerFailed {
            registry,
            status,
            attempts,
        }),
    }
}

/// Forgets the cached refresh token of the registry `server_url` names (docker's `erase`).
/// Returns whether one was cached; a registry the profile does not serve has none.
///
/// # Errors
/// The profile or the store cannot be used.
pub fn forget_registry_token(
    ports: &ProfilePorts<'_>,
    profile: &str,
    server_url: &str,
) -> Result<bool, Error> {
    let (profile, registry) = match served(ports.profiles, ports.env, profile, server_url) {
        Ok(found) => found,
        Err(Error::Registry(_)) => return Ok(false),
        Err(error) => return Err(error),
    };
    let key = cache_key(&profile, &registry)?;
    let stores = ports.stores.stores()?;
    let had = matches!(stores.tokens.load(&key), Ok(Some(_)));
    stores
        .tokens
        .remove(&key)
        .map_err(|e| crate::app::usecases::error::EditError::Cache {
            cause: e.to_string(),
        })?;
    Ok(had)
}

/// The registries with a usable cached refresh token for the profile (docker's `list`),
/// sorted.
///
/// # Errors
/// The profile or the store cannot be used.
pub fn cached_registries(
    ports: &ProfilePorts<'_>,
    profile: &str,
    now: i64,
) -> Result<Vec<String>, Error> {
    let profile = resolve_profile(
        ports.profiles,
        ports.env,
        profile,
        &ProfileSettings::default(),
    )?;
    let identity = CacheKey::identity_of(&profile);
    let account = registry_account(&profile);
    let stores = ports.stores.stores()?;
    let entries =
        stores
            .tokens
            .list()
            .map_err(|e| crate::app::usecases::error::EditError::Cache {
                cause: e.to_string(),
            })?;
    let mut hosts: Vec<String> = entries
        .into_iter()
        .filter(|(key, token)| {
            key.identity() == identity
                && key.account() == account
                && token.expires_on - now >= MIN_VALIDITY_SECS
        })
        .map(|(key, _)| key.scopes().to_owned())
        .filter(|host| {
            RegistryHost::parse(host)
                .ok()
                .and_then(|h| ServedRegistry::of(&h, &profile.container_registries))
                .is_some()
        })
        .collect();
    hosts.sort();
    hosts.dedup();
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::interpret;
    use crate::app::usecases::error::{ErrorKind, RegistryError};
    use crate::ports::idp::HttpReply;

    fn reply(status: u16, body: &str) -> HttpReply {
        HttpReply {
            status,
            retry_after: None,
            request_id: None,
            redirect_host: Some("elsewhere.example".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn exchange_replies_become_tokens_or_typed_errors() {
        let r = || "r.azurecr.io".to_owned();
        assert_eq!(
            interpret(&reply(200, r#"{"refresh_token":"a.b.c"}"#), 1, r()).unwrap(),
            "a.b.c"
        );
        let unusable = interpret(&reply(200, "<html>"), 1, r()).unwrap_err();
        assert!(matches!(
            unusable,
            RegistryError::Unusable { status: 200, .. }
        ));
        let redirected = interpret(&reply(302, ""), 1, r()).unwrap_err();
        assert_eq!(
            redirected,
            RegistryError::Redirected {
                registry: r(),
                status: 302,
                to: Some("elsewhere.example".into())
            }
        );
        let refused = interpret(
            &reply(
                401,
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"no\u001b[2J"}]}"#,
            ),
            1,
            r(),
        )
        .unwrap_err();
        let RegistryError::Refused { detail, .. } = &refused else {
            panic!("{refused:?}")
        };
        assert!(!detail.as_deref().unwrap().contains('\u{1b}'), "{detail:?}");
        assert_eq!(
            crate::app::usecases::error::Error::from(refused).kind(),
            ErrorKind::Auth
        );
        for status in [429, 500, 503] {
            assert!(matches!(
                interpret(&reply(status, ""), 3, r()).unwrap_err(),
                RegistryError::ServerFailed { attempts: 3, .. }
            ));
        }
    }
}
