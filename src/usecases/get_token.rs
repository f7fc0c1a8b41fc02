//! The `get-token` use case: cache first, then the IdP (client credentials with a secret,
//! certificate or federated token, or a managed identity endpoint), then the cache again;
//! written against ports only.

use std::time::Duration;

use tokio::time::Instant;

use super::credentials::{ClientCredential, CredentialResolver};
use super::error::{AppError, ErrorKind};
use super::idp_call::{interpret_token_reply, new_request_id, post_with_retries};
use super::managed_identity;
use super::user_flows::{BrowserOptions, UserFlowPorts};
use super::user_token::get_user_token;
use crate::domain::cache_key::{APP_ACCOUNT, CacheKey};
use crate::domain::flow::{AuthMethod, Flow};
use crate::domain::profile::Profile;
use crate::domain::scopes::Scopes;
use crate::domain::token::{Freshness, Token, TokenSource};
use crate::ports::clock::Clock;
use crate::ports::idp::{FormPost, FormValue, IdpTransport};
use crate::ports::lock::{LockError, LockGuard, ProfileLocks};
use crate::ports::reporter::Reporter;
use crate::ports::token_cache::{CacheError, TokenCache};

/// AADSTS700024: the client assertion is outside its validity window (an expired federated
/// token that the platform has rotated since): re-read and retry once.
const ASSERTION_EXPIRED: i64 = 700_024;

/// The ports `get-token` needs.
pub struct GetTokenPorts<'a> {
    pub cache: &'a dyn TokenCache,
    /// Client secrets, certificates and federated tokens, resolved only on a cache miss.
    pub credentials: &'a CredentialResolver<'a>,
    /// Cross-process locks, when the cache is shared between processes.
    pub locks: Option<&'a dyn ProfileLocks>,
    /// Browser, loopback listener and instructions for the user flows (`None`: app flows only).
    pub user: Option<&'a UserFlowPorts<'a>>,
    pub idp: &'a dyn IdpTransport,
    pub clock: &'a dyn Clock,
    pub reporter: &'a dyn Reporter,
}

/// Whether the cache is read and written (`--force` skips reading, `--no-cache` both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheMode {
    pub read: bool,
    pub write: bool,
}

/// Everything one `get-token` call needs, already resolved.
pub struct GetTokenRequest {
    pub profile: Profile,
    pub scopes: Scopes,
    /// The flow from `--flow` or the profile, if either gave one.
    pub flow: Option<Flow>,
    /// The managed identity endpoint, for `auth_method = "managed-identity"` profiles.
    pub managed_identity: Option<managed_identity::Source>,
    /// Browser flow options (`--port`, `--redirect-uri`, `--no-browser`).
    pub browser: BrowserOptions,
    /// Whether a person may be asked to sign in (false: `--non-interactive`, or no terminal
    /// and no browser).
    pub interactive: bool,
    pub cache_mode: CacheMode,
    pub min_validity: Duration,
    pub deadline: Instant,
}

/// A token and where it came from.
#[derive(Debug)]
pub struct TokenOutcome {
    pub token: Token,
    pub source: TokenSource,
    /// The account's refresh token, for `--include-refresh-token` (user flows only).
    pub refresh_token: Option<secrecy::SecretString>,
}

/// What a cache read found.
pub(crate) enum Cached {
    Serve(Token),
    /// Valid but due for renewal: served if the IdP cannot be reached.
    Fallback(Token),
    Miss,
}

/// Reads the cache; an unreadable entry is reported (when `report` is set) and is a miss.
pub(crate) fn read_cache(
    ports: &GetTokenPorts<'_>,
    key: &CacheKey,
    min_validity: i64,
    report: bool,
) -> Cached {
    match ports.cache.load(key) {
        Ok(Some(token)) => match token.freshness(ports.clock.now(), min_validity) {
            Freshness::Fresh => Cached::Serve(token),
            Freshness::RefreshDue => Cached::Fallback(token),
            Freshness::Stale => {
                tracing::debug!("cached token too close to expiry");
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

/// Returns a token valid for at least `min_validity`, from the cache when it has one, else from
/// the IdP (and then caches it). On a miss, one process per identity calls the IdP while the
/// others wait on the lock and then read what it cached.
///
/// # Errors
/// Configuration errors before any request; the IdP's refusal (`Auth`); `Network` failures;
/// `Timeout` when another process holds the lock past the deadline.
pub async fn get_token(
    ports: &GetTokenPorts<'_>,
    request: GetTokenRequest,
) -> Result<TokenOutcome, AppError> {
    let flow = choose_flow(&request)?;
    if flow != Flow::ClientCredentials {
        let user = ports.user.ok_or_else(|| {
            AppError::new(
                ErrorKind::Usage,
                format!("the `{flow}` flow is not available here"),
            )
        })?;
        return get_user_token(ports, user, &request, flow).await;
    }
    let key = match &request.managed_identity {
        Some(source) => managed_identity::cache_key(&request.profile, source, &request.scopes)?,
        None => CacheKey::new(&request.profile, APP_ACCOUNT, &request.scopes),
    };
    let min_validity = i64::try_from(request.min_validity.as_secs()).unwrap_or(i64::MAX);
    let cache_hit = |token| {
        Ok(TokenOutcome {
            token,
            source: TokenSource::Cache,
            refresh_token: None,
        })
    };

    let mut fallback = None;
    if request.cache_mode.read {
        match read_cache(ports, &key, min_validity, true) {
            Cached::Serve(token) => return cache_hit(token),
            Cached::Fallback(token) => fallback = Some(token),
            Cached::Miss => {}
        }
    }
    let guard = lock_identity(ports, &request, &key)?;
    if request.cache_mode.read && guard.is_some() {
        // Another process may have fetched the token while this one waited for the lock.
        if let Cached::Serve(token) = read_cache(ports, &key, min_validity, false) {
            tracing::debug!("served what a parallel invocation cached");
            return cache_hit(token);
        }
    }

    let fetched = match &request.managed_identity {
        Some(source) => {
            let clock = ports.clock;
            managed_identity::acquire(
                ports.idp,
                ports.reporter,
                &request.profile,
                source,
                &request.scopes,
                || clock.now(),
                request.deadline,
            )
            .await
        }
        None => client_credentials(ports, &request).await,
    };
    let token = match fetched {
        Ok(token) => token,
        Err(error) => {
            return match fallback {
                Some(token) if error.kind != ErrorKind::Auth => {
                    ports.reporter.warn(&format!(
                        "could not renew the token early ({}); using the cached one, still valid",
                        error.message
                    ));
                    cache_hit(token)
                }
                _ => Err(error),
            };
        }
    };
    if request.cache_mode.write
        && let Err(error) = ports.cache.store(&key, &token)
    {
        report_cache_error(ports.reporter, &error, "the token was not cached");
    }
    drop(guard);
    Ok(TokenOutcome {
        token,
        source: TokenSource::Network,
        refresh_token: None,
    })
}

/// Takes the identity's cross-process lock when the cache is written and shared.
pub(crate) fn lock_identity(
    ports: &GetTokenPorts<'_>,
    request: &GetTokenRequest,
    key: &CacheKey,
) -> Result<Option<Box<dyn LockGuard>>, AppError> {
    let Some(locks) = ports.locks.filter(|_| request.cache_mode.write) else {
        return Ok(None);
    };
    let wait = request.deadline.saturating_duration_since(Instant::now());
    match locks.acquire(key.identity(), wait) {
        Ok(guard) => Ok(Some(guard)),
        Err(LockError::TimedOut { .. }) => Err(AppError::new(
            ErrorKind::Timeout,
            "timed out waiting for another entra-auth-cli process that is getting the same token",
        )
        .hint("retry, or raise --timeout")),
        Err(error @ LockError::Io { .. }) => {
            ports
                .reporter
                .warn(&format!("{error}; continuing without it"));
            Ok(None)
        }
    }
}

fn report_cache_error(reporter: &dyn Reporter, error: &CacheError, consequence: &str) {
    reporter.warn(&format!("{error}; {consequence}"));
}

fn choose_flow(request: &GetTokenRequest) -> Result<Flow, AppError> {
    let flow = request.flow.unwrap_or(Flow::ClientCredentials);
    if flow != Flow::ClientCredentials && request.managed_identity.is_some() {
        return Err(AppError::new(
            ErrorKind::Usage,
            format!("a managed identity profile cannot use the `{flow}` flow"),
        ));
    }
    if request.managed_identity.is_none()
        && request.profile.auth_method == Some(AuthMethod::ManagedIdentity)
    {
        return Err(AppError::new(
            ErrorKind::Usage,
            "no managed identity endpoint was configured",
        ));
    }
    Ok(flow)
}

async fn client_credentials(
    ports: &GetTokenPorts<'_>,
    request: &GetTokenRequest,
) -> Result<Token, AppError> {
    let credential = ports
        .credentials
        .resolve(&request.profile, ports.clock.now())?;
    match one_request(ports, request, &credential).await {
        Err(error)
            if error.aadsts == Some(ASSERTION_EXPIRED)
                && matches!(&credential, ClientCredential::Assertion(a) if a.kind() == "federated") =>
        {
            ports.reporter.progress(
                "the federated token was rejected as expired; reading the token file again",
            );
            one_request(ports, request, &credential).await
        }
        other => other,
    }
}

async fn one_request(
    ports: &GetTokenPorts<'_>,
    request: &GetTokenRequest,
    credential: &ClientCredential,
) -> Result<Token, AppError> {
    let profile = &request.profile;
    let scope = request.scopes.to_request_param();
    let url = profile.authority.token_url(&profile.tenant_id);
    let mut form = vec![
        (
            "grant_type",
            FormValue::Plain("client_credentials".to_owned()),
        ),
        ("client_id", FormValue::Plain(profile.client_id.clone())),
        ("scope", FormValue::Plain(scope.clone())),
    ];
    match credential {
        ClientCredential::Secret(secret) => {
            form.push(("client_secret", FormValue::Secret(secret.clone())))
        }
        ClientCredential::Assertion(source) => {
            let assertion = source.assertion(&url, ports.clock.now()).map_err(|e| {
                let mut error = AppError::new(ErrorKind::Config, e.message);
                if let Some(hint) = e.hint {
                    error = error.hint(hint);
                }
                error
            })?;
            form.push((
                "client_assertion_type",
                FormValue::Plain(
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ),
            ));
            form.push(("client_assertion", FormValue::Secret(assertion)));
        }
    }
    let post = FormPost {
        url,
        form,
        client_request_id: new_request_id(),
    };
    let reply = post_with_retries(
        ports.idp,
        &post,
        request.deadline,
        ports.reporter,
        profile.authority.as_str(),
    )
    .await?;
    interpret_token_reply(
        &reply,
        ports.clock.now(),
        &scope,
        profile,
        &post.client_request_id,
    )
}

#[cfg(test)]
mod tests {
    use super::{CacheMode, GetTokenPorts, GetTokenRequest, TokenOutcome, get_token};
    use crate::adapters::memory_cache::{MemorySecretStore, MemoryTokenCache};
    use crate::domain::flow::Flow;
    use crate::domain::profile::ProfileSettings;
    use crate::domain::token::TokenSource;
    use crate::ports::clock::MockClock;
    use crate::ports::idp::{HttpReply, MockIdpTransport};
    use crate::ports::prompt::MockPrompt;
    use crate::ports::reporter::MockReporter;
    use crate::ports::secret_store::{SecretKind, SecretStore};
    use crate::usecases::credentials::CredentialResolver;
    use crate::usecases::error::AppError;
    use crate::usecases::error::ErrorKind;
    use secrecy::SecretString;
    use std::time::Duration;
    use tokio::time::Instant;

    fn request(read: bool, write: bool) -> GetTokenRequest {
        let profile = ProfileSettings {
            tenant_id: Some("t".into()),
            client_id: Some("c".into()),
            ..ProfileSettings::default()
        }
        .validate("default")
        .unwrap();
        GetTokenRequest {
            scopes: profile.scopes.clone(),
            profile,
            flow: None,
            managed_identity: None,
            browser: crate::usecases::user_flows::BrowserOptions::default(),
            interactive: false,
            cache_mode: CacheMode { read, write },
            min_validity: Duration::from_secs(300),
            deadline: Instant::now() + Duration::from_secs(60),
        }
    }

    fn idp(times: usize, lifetime: i64) -> MockIdpTransport {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form().times(times).returning(move |post| {
            let form: Vec<_> = post.form.iter().map(|(k, _)| *k).collect();
            assert_eq!(form, ["grant_type", "client_id", "scope", "client_secret"]);
            Ok(HttpReply {
                status: 200,
                retry_after: None,
                request_id: None,
                body: format!(
                    r#"{{"token_type":"Bearer","expires_in":{lifetime},"access_token":"tok"}}"#
                )
                .into_bytes(),
            })
        });
        idp
    }

    fn no_prompt() -> MockPrompt {
        let mut p = MockPrompt::new();
        p.expect_secret().never();
        p
    }

    fn clock(now: i64) -> MockClock {
        let mut c = MockClock::new();
        c.expect_now().return_const(now);
        c
    }

    fn reporter() -> MockReporter {
        let mut r = MockReporter::new();
        r.expect_warn().never();
        r.expect_progress().never();
        r
    }

    /// Real in-memory stores, mocked IdP/clock/reporter, and the resolver wired as the CLI does.
    struct Fixture {
        cache: MemoryTokenCache,
        secrets: MemorySecretStore,
        env_secret: Option<SecretString>,
        prompt: MockPrompt,
        idp: MockIdpTransport,
        clock: MockClock,
        reporter: MockReporter,
    }

    impl Fixture {
        fn new(idp: MockIdpTransport, now: i64) -> Self {
            Self {
                cache: MemoryTokenCache::default(),
                secrets: MemorySecretStore::default(),
                env_secret: Some("s".into()),
                prompt: no_prompt(),
                idp,
                clock: clock(now),
                reporter: reporter(),
            }
        }

        async fn get(&self, request: GetTokenRequest) -> Result<TokenOutcome, AppError> {
            let credentials = CredentialResolver {
                env_secret: self.env_secret.clone(),
                env_certificate_password: None,
                secrets: &self.secrets,
                prompt: &self.prompt,
            };
            let ports = GetTokenPorts {
                cache: &self.cache,
                credentials: &credentials,
                locks: None,
                user: None,
                idp: &self.idp,
                clock: &self.clock,
                reporter: &self.reporter,
            };
            get_token(&ports, request).await
        }

        async fn source(&self, read: bool, write: bool) -> TokenSource {
            self.get(request(read, write)).await.unwrap().source
        }
    }

    #[tokio::test]
    async fn second_call_is_served_from_the_cache() {
        let f = Fixture::new(idp(1, 3599), 1_000);
        assert_eq!(f.source(true, true).await, TokenSource::Network);
        let again = f.get(request(true, true)).await.unwrap();
        assert_eq!(again.source, TokenSource::Cache);
        assert_eq!(again.token.expires_on, 1_000 + 3599);
    }

    #[tokio::test]
    async fn force_skips_reading_and_no_cache_skips_both() {
        let f = Fixture::new(idp(3, 3599), 1_000);
        f.source(true, true).await;
        assert_eq!(f.source(false, true).await, TokenSource::Network);
        assert_eq!(f.source(false, false).await, TokenSource::Network);
    }

    #[tokio::test]
    async fn tokens_shorter_than_min_validity_are_not_served() {
        let f = Fixture::new(idp(2, 200), 1_000);
        f.source(true, true).await;
        assert_eq!(f.source(true, true).await, TokenSource::Network);
    }

    #[tokio::test]
    async fn missing_secret_and_other_flows_fail_before_any_request() {
        let mut f = Fixture::new(idp(0, 1), 0);
        f.env_secret = None;
        let err = f.get(request(true, true)).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("no credential"), "{err:?}");
        let mut r = request(true, true);
        r.flow = Some(Flow::DeviceCode);
        assert_eq!(
            f.get(r).await.unwrap_err().kind,
            ErrorKind::Usage,
            "no user ports"
        );
    }

    #[tokio::test]
    async fn a_stored_secret_is_used_when_the_environment_has_none() {
        let mut f = Fixture::new(idp(1, 3599), 0);
        f.env_secret = None;
        f.secrets
            .set("default", SecretKind::ClientSecret, &"stored".into())
            .unwrap();
        assert!(f.get(request(true, true)).await.is_ok());
    }
}
