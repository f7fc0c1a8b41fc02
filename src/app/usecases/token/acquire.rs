//! The `get-token` use case: resolve the profile and its credential, pick the flow, then cache
//! first, then the IdP (client credentials with a secret, certificate or federated token, or a
//! managed identity endpoint; user flows in `user_token`), then the cache again, all within the
//! time limit. Every front-end (CLI, and later the credential endpoint and plugins) calls
//! [`acquire`].

use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::app::usecases::error::{
    CredentialError, Error, ErrorKind, FederatedError, ManagedIdentityError, ProfileFailure,
    TokenError,
};
use crate::app::usecases::http_retry::deadline_for;
use crate::app::usecases::profiles::resolution::{
    environment_credential_applies, ignored_notice, resolve_profile_noting,
};
pub use crate::app::usecases::token::cache_and_lock::{
    CacheMode, ResolvedTokenPorts, ResolvedTokenRequest, TokenOutcome,
};
use crate::app::usecases::token::cache_and_lock::{
    Cached, lock_identity, read_cache, report_cache_error,
};
use crate::app::usecases::token::credentials::{ClientCredential, CredentialResolver};
use crate::app::usecases::token::federated::FetchPorts;
use crate::app::usecases::token::idp_call::{interpret_token_reply, post_to_authority};
use crate::app::usecases::token::managed_identity;
use crate::app::usecases::token::user_flows::{BrowserOptions, UserFlowPorts};
use crate::app::usecases::token::user_token::acquire_user_token;
use crate::domain::cache_key::{APP_ACCOUNT, CacheKey};
use crate::domain::ci::PresentedClaims;
use crate::domain::claims::Claims;
use crate::domain::credential::Credential;
use crate::domain::env_vars::EnvVars;
use crate::domain::flow::Flow;
use crate::domain::profile::ProfileSettings;
use crate::domain::token::{Token, TokenSource};
use crate::ports::browser::Browser;
use crate::ports::clock::Clock;
use crate::ports::credential_loader::CredentialLoader;
use crate::ports::env::Env;
use crate::ports::idp::{FormValue, IdpTransport};
use crate::ports::profile_repository::ProfileRepository;
use crate::ports::random::Random;
use crate::ports::redirect_listener::RedirectListener;
use crate::ports::reporter::Reporter;
use crate::ports::store::StoreProvider;
use crate::ports::terminal::Terminal;

/// AADSTS700024: the client assertion is outside its validity window (an expired federated
/// token that the platform has rotated since): re-read and retry once.
const ASSERTION_EXPIRED: i64 = 700_024;

/// Everything a token request can touch.
pub struct TokenPorts<'a> {
    pub profiles: &'a dyn ProfileRepository,
    pub env: &'a dyn Env,
    pub stores: &'a dyn StoreProvider,
    pub idp: &'a dyn IdpTransport,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub reporter: &'a dyn Reporter,
    pub terminal: &'a dyn Terminal,
    pub browser: &'a dyn Browser,
    pub listener: &'a dyn RedirectListener,
    pub loader: &'a dyn CredentialLoader,
}

/// What a front-end asks for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The profile name (matched case-insensitively).
    pub profile: String,
    /// Flag-level settings that override the profile's (scopes, cloud, tenant).
    pub overrides: ProfileSettings,
    /// `--flow`, when given.
    pub flow: Option<Flow>,
    pub browser: BrowserOptions,
    /// `--non-interactive`.
    pub non_interactive: bool,
    pub cache_mode: CacheMode,
    pub min_validity: Duration,
    /// The limit for everything, retries and sign-in included.
    pub timeout: Duration,
    /// `--claims`: a claims challenge (base64 or JSON), requested in a new token that is
    /// never served from the cache.
    pub claims: Option<String>,
}

impl TokenRequest {
    /// A token for `profile` as `get-token` gets one by default: cache first (and written), at
    /// least 5 minutes left, the profile's flow, no claims. Front-ends that are not `get-token`
    /// (discover, git-credential) start from this.
    #[must_use]
    pub fn cached(profile: String, overrides: ProfileSettings, timeout: Duration) -> Self {
        Self {
            profile,
            overrides,
            flow: None,
            browser: BrowserOptions::default(),
            non_interactive: false,
            cache_mode: CacheMode {
                read: true,
                write: true,
            },
            min_validity: Duration::from_secs(300),
            timeout,
            claims: None,
        }
    }
}

/// Gets a token as `get-token` does: profile, credential, flow, cache, IdP, within the limit.
///
/// # Errors
/// Profile, store and credential problems before any request; the IdP's refusal; network
/// failures; `TimedOut` when the limit elapses.
#[tracing::instrument(level = "debug", name = "get-token", skip_all, fields(profile = %request.profile))]
pub async fn acquire(ports: &TokenPorts<'_>, request: TokenRequest) -> Result<TokenOutcome, Error> {
    let challenge = request
        .claims
        .as_deref()
        .map(Claims::parse)
        .transpose()
        .map_err(TokenError::Claims)?;
    let deadline = deadline_for(Instant::now(), request.timeout);
    let resolved = resolve_profile_noting(
        ports.profiles,
        ports.env,
        &request.profile,
        &request.overrides,
    )?;
    if let Some(notice) = ignored_notice(ports.env, &resolved.profile, &resolved.ignored) {
        ports.reporter.warn(&notice);
    }
    let profile = resolved.profile;
    let credential = profile
        .credential()
        .map_err(|error| ProfileFailure::Invalid {
            error,
            location: ports.profiles.location(),
        })?;
    let scopes = profile.scopes.with_default_suffix();
    let managed_identity = credential
        .is_managed_identity()
        .then(|| managed_identity::Source::detect(ports.env));
    let stores = ports.stores.stores()?;
    let credentials = CredentialResolver {
        env_secret: env_client_secret(ports.env, &profile, &credential)?,
        // Set but empty is passed on as an empty password (a PFX may have one); when it does
        // not open the file, the resolver says the variable is empty.
        env_certificate_password: environment_credential_applies(ports.env, &profile)
            .then(|| ports.env.var(EnvVars::AZURE_CLIENT_CERTIFICATE_PASSWORD))
            .flatten()
            .map(SecretString::from),
        secrets: stores.secrets,
        loader: ports.loader,
        env: ports.env,
        terminal: ports.terminal,
    };
    let user = UserFlowPorts {
        idp: ports.idp,
        browser: ports.browser,
        listener: ports.listener,
        clock: ports.clock,
        reporter: ports.reporter,
        random: ports.random,
        terminal: ports.terminal,
    };
    let explicit_flow = request.flow;
    let flow = match explicit_flow.or(profile.flow) {
        Some(flow) => flow,
        None => default_flow(&profile, &credential, &credentials, ports.browser),
    };
    // Only user flows ask anyone; the app flows (and so every cached app token) never look for
    // a terminal or a browser (WSL detection reads /proc).
    let interactive = flow != Flow::ClientCredentials
        && !request.non_interactive
        && ports
            .env
            .non_empty(EnvVars::ENTRA_AUTH_NONINTERACTIVE)
            .is_none()
        && (explicit_flow.is_some() || ports.terminal.attended() || ports.browser.available());
    let token_ports = ResolvedTokenPorts {
        cache: stores.tokens,
        credentials: &credentials,
        locks: stores.locks,
        user: Some(&user),
        idp: ports.idp,
        clock: ports.clock,
        random: ports.random,
        reporter: ports.reporter,
    };
    let mut cache_mode = request.cache_mode;
    // A token carrying a challenge's claims is new by definition: never the cached one.
    cache_mode.read &= challenge.is_none();
    let claims = Claims::merge(
        Claims::capabilities(&profile.client_capabilities),
        challenge,
    );
    let resolved = ResolvedTokenRequest {
        flow: Some(flow),
        claims,
        profile,
        credential,
        scopes,
        managed_identity,
        browser: request.browser,
        interactive,
        cache_mode,
        min_validity: request.min_validity,
        deadline,
    };
    let outcome = tokio::time::timeout_at(deadline, acquire_resolved(&token_ports, resolved))
        .await
        .map_err(|_| TokenError::TimedOut {
            limit: request.timeout,
        })??;
    // Said after a token was cached where it will not last; a failure says its own thing.
    if request.cache_mode.write
        && let Some(notice) = ports.stores.take_fallback_notice()
    {
        ports.reporter.warn(&notice);
    }
    Ok(outcome)
}

/// `AZURE_CLIENT_SECRET` when the profile's credential may use it (a client secret, or none
/// named). Set but blank is an error, never "unset": it is a secret that did not expand (a CI
/// secret missing on this run), and treating it as unset ends in a sign-in prompt instead.
fn env_client_secret(
    env: &dyn Env,
    profile: &crate::domain::profile::Profile,
    credential: &Credential,
) -> Result<Option<SecretString>, CredentialError> {
    if !matches!(
        credential,
        Credential::ClientSecret | Credential::Auto { .. }
    ) || !environment_credential_applies(env, profile)
    {
        return Ok(None);
    }
    match env.var(EnvVars::AZURE_CLIENT_SECRET) {
        Some(value) if value.trim().is_empty() => Err(CredentialError::EmptySecretVariable {
            var: EnvVars::AZURE_CLIENT_SECRET,
        }),
        value => Ok(value.map(SecretString::from)),
    }
}

/// The flow when neither `-f` nor the profile names one: client credentials when the profile has
/// an app credential (or is a managed identity), else a browser sign-in when a browser can be
/// opened, else device code.
fn default_flow(
    profile: &crate::domain::profile::Profile,
    credential: &Credential,
    credentials: &CredentialResolver<'_>,
    browser: &dyn Browser,
) -> Flow {
    if credentials.has_app_credential(profile, credential) {
        Flow::ClientCredentials
    } else if browser.available() {
        Flow::Interactive
    } else {
        Flow::DeviceCode
    }
}

/// Returns a token valid for at least `min_validity`, from the cache when it has one, else from
/// the IdP (and then caches it). On a miss, one process per identity calls the IdP while the
/// others wait on the lock and then read what it cached.
///
/// # Errors
/// Configuration errors before any request; the IdP's refusal; network failures;
/// `LockTimedOut` when another process holds the lock past the deadline.
pub async fn acquire_resolved(
    ports: &ResolvedTokenPorts<'_>,
    request: ResolvedTokenRequest,
) -> Result<TokenOutcome, Error> {
    let flow = choose_flow(&request)?;
    if flow != Flow::ClientCredentials {
        let user = ports.user.ok_or(TokenError::FlowUnavailable { flow })?;
        return acquire_user_token(ports, user, &request, flow).await;
    }
    let key = match (&request.managed_identity, &request.credential) {
        (Some(source), Credential::ManagedIdentity(selector)) => {
            managed_identity::cache_key(selector, source, &request.scopes)
        }
        _ => CacheKey::new(&request.profile, APP_ACCOUNT, &request.scopes),
    };
    let min_validity = request.min_validity_secs();
    let profile_name = request.profile.name.clone();
    let cache_hit = |token| {
        Ok(TokenOutcome {
            token,
            source: TokenSource::Cache,
            refresh_token: None,
            profile: profile_name.clone(),
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

    let fetched = match (&request.managed_identity, &request.credential) {
        (Some(source), Credential::ManagedIdentity(selector)) => {
            let clock = ports.clock;
            managed_identity::acquire(
                ports.idp,
                ports.reporter,
                selector,
                source,
                &request.scopes,
                || clock.now(),
                request.deadline,
            )
            .await
            .map_err(Error::from)
        }
        _ => client_credentials(ports, &request).await,
    };
    let token = match fetched {
        Ok(token) => token,
        Err(error) => {
            return match fallback {
                Some(token) if error.kind() != ErrorKind::Auth => {
                    ports.reporter.warn(&format!(
                        "could not renew the token early ({error}); using the cached one, still valid"
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
        profile: request.profile.name.clone(),
    })
}

fn choose_flow(request: &ResolvedTokenRequest) -> Result<Flow, Error> {
    let flow = request.flow.unwrap_or(Flow::ClientCredentials);
    let managed = request.credential.is_managed_identity();
    if flow != Flow::ClientCredentials && managed {
        return Err(TokenError::ManagedIdentityFlow { flow }.into());
    }
    if managed && request.managed_identity.is_none() {
        return Err(ManagedIdentityError::NoEndpoint.into());
    }
    Ok(flow)
}

async fn client_credentials(
    ports: &ResolvedTokenPorts<'_>,
    request: &ResolvedTokenRequest,
) -> Result<Token, Error> {
    let credential =
        ports
            .credentials
            .resolve(&request.profile, &request.credential, ports.clock.now())?;
    let mut presented = None;
    let result = match one_request(ports, request, &credential, &mut presented).await {
        Err(Error::Idp(error))
            if error.aadsts() == Some(ASSERTION_EXPIRED) && credential.is_federated() =>
        {
            ports.reporter.progress(
                "the federated token was rejected as expired; getting it again (file, variable or CI token service)",
            );
            one_request(ports, request, &credential, &mut presented).await
        }
        other => other,
    };
    // Entra refused what the job presented: show what it was (decoded here, never the token).
    match (result, &credential, presented) {
        (Err(Error::Idp(error)), ClientCredential::Federated(federated), Some(claims))
            if error.aadsts().is_some() =>
        {
            Err(FederatedError::Refused {
                origin: federated.origin.clone(),
                presented: claims,
                now: ports.clock.now(),
                idp: error,
            }
            .into())
        }
        (result, _, _) => result,
    }
}

async fn one_request(
    ports: &ResolvedTokenPorts<'_>,
    request: &ResolvedTokenRequest,
    credential: &ClientCredential,
    presented: &mut Option<PresentedClaims>,
) -> Result<Token, Error> {
    let client_request_id = ports.random.uuid_v4()?;
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
    if let Some(claims) = &request.claims {
        form.push(("claims", FormValue::Plain(claims.to_param())));
    }
    match credential {
        ClientCredential::Secret(secret) => {
            form.push(("client_secret", FormValue::Secret(secret.clone())));
        }
        ClientCredential::Assertion(source) => {
            let assertion = source
                .assertion(&url, ports.clock.now())
                .map_err(crate::app::usecases::error::CredentialError::Assertion)?;
            form.push((
                "client_assertion_type",
                FormValue::Plain(
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ),
            ));
            form.push(("client_assertion", FormValue::Secret(assertion)));
        }
        ClientCredential::Federated(federated) => {
            let clock = ports.clock;
            let now = || clock.now();
            let fetched = federated
                .assertion(&FetchPorts {
                    idp: ports.idp,
                    reporter: ports.reporter,
                    now: &now,
                    deadline: request.deadline,
                })
                .await?;
            *presented = Some(fetched.claims);
            form.push((
                "client_assertion_type",
                FormValue::Plain(
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ),
            ));
            form.push(("client_assertion", FormValue::Secret(fetched.token)));
        }
    }
    let reply = post_to_authority(
        ports.idp,
        ports.reporter,
        profile,
        url,
        form,
        &client_request_id,
        request.deadline,
    )
    .await?;
    Ok(interpret_token_reply(
        &reply,
        ports.clock.now(),
        &scope,
        profile,
        &client_request_id,
    )?)
}

#[cfg(test)]
mod tests {
    use crate::app::usecases::error::{CredentialError, Error, ErrorKind, TokenError};
    use crate::app::usecases::test_support::{
        FailingRandom, Fixture, ScriptedIdp, profile, request, token_reply,
    };
    use crate::domain::flow::Flow;
    use crate::domain::profile::ProfileSettings;
    use crate::domain::token::TokenSource;
    use crate::ports::secret_store::{SecretKind, SecretStore};

    fn app_idp(lifetime: i64) -> ScriptedIdp {
        ScriptedIdp::new(move |seen, _| {
            let form: Vec<_> = seen.form.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(form, ["grant_type", "client_id", "scope", "client_secret"]);
            token_reply("tok", lifetime, None)
        })
    }

    fn app_request(
        read: bool,
        write: bool,
    ) -> crate::app::usecases::token::cache_and_lock::ResolvedTokenRequest {
        let mut r = request(profile(ProfileSettings::default()), None, false);
        r.cache_mode.read = read;
        r.cache_mode.write = write;
        r
    }

    async fn source(f: &Fixture, read: bool, write: bool) -> TokenSource {
        f.get(app_request(read, write)).await.unwrap().source
    }

    #[tokio::test]
    async fn second_call_is_served_from_the_cache() {
        let f = Fixture::new(app_idp(3599), 1_000);
        assert_eq!(source(&f, true, true).await, TokenSource::Network);
        let again = f.get(app_request(true, true)).await.unwrap();
        assert_eq!(again.source, TokenSource::Cache);
        assert_eq!(again.token.expires_on, 1_000 + 3599);
        assert_eq!(again.profile, "default");
        assert_eq!(f.idp.grants(), ["client_credentials"]);
    }

    #[tokio::test]
    async fn claims_are_sent_as_the_claims_parameter() {
        let f = Fixture::new(
            ScriptedIdp::new(|seen, _| {
                assert_eq!(
                    seen.field("claims"),
                    Some(r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#)
                );
                token_reply("tok", 3599, None)
            }),
            1_000,
        );
        let mut r = app_request(true, true);
        r.claims = crate::domain::claims::Claims::capabilities(&["cp1".to_owned()]);
        assert_eq!(f.get(r).await.unwrap().source, TokenSource::Network);
        assert_eq!(f.idp.grants(), ["client_credentials"]);
    }

    #[tokio::test]
    async fn force_skips_reading_and_no_cache_skips_both() {
        let f = Fixture::new(app_idp(3599), 1_000);
        source(&f, true, true).await;
        assert_eq!(source(&f, false, true).await, TokenSource::Network);
        assert_eq!(source(&f, false, false).await, TokenSource::Network);
        assert_eq!(f.idp.grants().len(), 3);
    }

    #[tokio::test]
    async fn a_failing_random_generator_is_an_error_and_nothing_is_sent() {
        let mut f = Fixture::new(app_idp(3599), 1_000);
        f.random = Box::new(FailingRandom);
        let err = f.get(app_request(true, true)).await.unwrap_err();
        assert_eq!(err, Error::Random(FailingRandom::error()));
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(f.idp.grants().is_empty(), "no request without a request id");
    }

    #[tokio::test]
    async fn tokens_shorter_than_min_validity_are_not_served() {
        let f = Fixture::new(app_idp(200), 1_000);
        source(&f, true, true).await;
        assert_eq!(source(&f, true, true).await, TokenSource::Network);
    }

    #[tokio::test]
    async fn missing_secret_fails_before_any_request() {
        let mut f = Fixture::new(app_idp(1), 0);
        f.env_secret = None;
        let mut r = app_request(true, true);
        r.flow = Some(Flow::ClientCredentials);
        let err = f.get(r).await.unwrap_err();
        assert!(
            matches!(err, Error::Credential(CredentialError::NoCredential { .. })),
            "{err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(f.idp.grants().is_empty());
    }

    #[tokio::test]
    async fn a_stored_secret_is_used_when_the_environment_has_none() {
        let mut f = Fixture::new(app_idp(3599), 0);
        f.env_secret = None;
        f.secrets
            .set("default", SecretKind::ClientSecret, &"stored".into())
            .unwrap();
        assert!(f.get(app_request(true, true)).await.is_ok());
        assert_eq!(
            f.idp.seen.lock().unwrap()[0].field("client_secret"),
            Some("stored")
        );
    }

    #[test]
    fn a_blank_client_secret_variable_is_an_error_not_unset() {
        use super::env_client_secret;
        use crate::domain::credential::Credential;
        use crate::ports::env::MapEnv;
        let auto = Credential::Auto {
            certificate: None,
            federated: None,
        };
        let p = profile(ProfileSettings::default());
        for blank in ["", "  "] {
            let env = MapEnv::from_pairs([("AZURE_CLIENT_SECRET", blank)]);
            for credential in [&auto, &Credential::ClientSecret] {
                assert_eq!(
                    env_client_secret(&env, &p, credential).err(),
                    Some(CredentialError::EmptySecretVariable {
                        var: "AZURE_CLIENT_SECRET"
                    })
                );
            }
            // A credential that never reads it does not care.
            assert!(matches!(
                env_client_secret(&env, &p, &Credential::PublicClient),
                Ok(None)
            ));
        }
        let env = MapEnv::from_pairs([("AZURE_CLIENT_SECRET", "s")]);
        assert!(matches!(env_client_secret(&env, &p, &auto), Ok(Some(_))));
        assert!(matches!(
            env_client_secret(&MapEnv::default(), &p, &auto),
            Ok(None)
        ));
        // The secret of another app (AZURE_CLIENT_ID names a different one) is not this
        // profile's: never read, never sent.
        let foreign = MapEnv::from_pairs([
            ("AZURE_CLIENT_SECRET", "s"),
            ("AZURE_CLIENT_ID", "99999999-8888-7777-6666-555555555555"),
        ]);
        assert!(matches!(env_client_secret(&foreign, &p, &auto), Ok(None)));
        let own = MapEnv::from_pairs([
            ("AZURE_CLIENT_SECRET", "s"),
            ("AZURE_CLIENT_ID", p.client_id.as_str()),
        ]);
        assert!(matches!(env_client_secret(&own, &p, &auto), Ok(Some(_))));
    }

    #[tokio::test]
    async fn a_managed_identity_profile_refuses_user_flows() {
        let f = Fixture::new(app_idp(1), 0);
        let p = profile(ProfileSettings {
            auth_method: Some("managed-identity".into()),
            ..ProfileSettings::default()
        });
        let err = f
            .get(request(p, Some(Flow::DeviceCode), true))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Token(TokenError::ManagedIdentityFlow {
                flow: Flow::DeviceCode
            })
        ));
        assert_eq!(err.kind(), ErrorKind::Usage);
    }
}
