//! Federated credentials whose token comes from outside: a token file (re-read every time), an
//! environment variable (GitLab `id_tokens`), or the token service of the CI the job runs in
//! (GitHub Actions, Azure Pipelines), called through the IdP transport with the one retry policy
//! for EVERY token request that needs an assertion: a CI token is never kept, and one with less
//! than a minute left is never presented. The request tokens (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`,
//! `SYSTEM_ACCESSTOKEN`) stay secrets: only headers carry them, never a message or a log line.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::app::usecases::error::{CredentialError, Error, FederatedError, FederatedOrigin};
use crate::app::usecases::http_retry::{Attempted, RetryPolicy, send_with_retries};
use crate::domain::ci::{
    self, CiService, Detection, FederatedSource, MIN_ASSERTION_LIFETIME_SECS, PresentedClaims,
};
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::Profile;
use crate::domain::text::printable;
use crate::ports::assertion::ClientAssertionSource;
use crate::ports::credential_loader::CredentialLoader;
use crate::ports::env::Env;
use crate::ports::idp::{CI_TOKEN_REPLY_LIMIT, FormValue, HttpGet, HttpReply, IdpTransport};
use crate::ports::reporter::Reporter;

/// The longest one call to a CI token service may take.
const SERVICE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `message` of a token service's error shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// A federated credential ready for requests.
pub struct FederatedCredential {
    pub origin: FederatedOrigin,
    fetch: Fetch,
}

enum Fetch {
    File(Box<dyn ClientAssertionSource>),
    Value(SecretString),
    Service {
        service: CiService,
        url: String,
        bearer: SecretString,
    },
}

/// A token as presented to Entra, with what it says about the job.
pub struct Presented {
    pub token: SecretString,
    pub claims: PresentedClaims,
}

/// What fetching an assertion needs.
pub struct FetchPorts<'a> {
    pub idp: &'a dyn IdpTransport,
    pub reporter: &'a dyn Reporter,
    pub now: &'a (dyn Fn() -> i64 + Sync),
    pub deadline: Instant,
}

fn lookup(env: &dyn Env) -> impl Fn(&str) -> Option<String> + '_ {
    |name| env.var(name)
}

/// The CI the job runs in, if its token service can be called (see [`ci::detect`]).
#[must_use]
pub fn detect(env: &dyn Env) -> Option<Detection> {
    ci::detect(&lookup(env))
}

/// True inside GitHub Actions, with or without `id-token: write`.
#[must_use]
pub fn in_github_actions(env: &dyn Env) -> bool {
    ci::in_github_actions(&lookup(env))
}

/// Resolves `source` for `profile` before any request: the variables and settings it needs are
/// there (else an error that says what to add), a file is readable.
///
/// # Errors
/// [`FederatedError`] naming what is missing; [`CredentialError::Assertion`] for a token file.
pub fn resolve(
    source: &FederatedSource,
    profile: &Profile,
    env: &dyn Env,
    loader: &dyn CredentialLoader,
) -> Result<FederatedCredential, Error> {
    match source {
        FederatedSource::File(path) => {
            let file = loader.federated_token_file(path);
            // Fail before any request when the file is missing or empty.
            file.assertion("", 0).map_err(CredentialError::Assertion)?;
            Ok(FederatedCredential {
                origin: FederatedOrigin::TokenFile { path: path.clone() },
                fetch: Fetch::File(file),
            })
        }
        FederatedSource::Variable(name) => {
            let value = env
                .var(name)
                .ok_or_else(|| FederatedError::MissingVariable { name: name.clone() })?;
            if value.trim().is_empty() {
                return Err(FederatedError::EmptyVariable { name: name.clone() }.into());
            }
            Ok(FederatedCredential {
                origin: FederatedOrigin::Variable { name: name.clone() },
                fetch: Fetch::Value(SecretString::from(value.trim().to_owned())),
            })
        }
        FederatedSource::GitHubActions => github(profile, env, None),
        FederatedSource::AzurePipelines => pipelines(profile, env, None),
        FederatedSource::Detected => match detect(env) {
            Some(Detection {
                service: CiService::GitHubActions,
                reason,
            }) => github(profile, env, Some(reason)),
            Some(Detection {
                service: CiService::AzurePipelines,
                reason,
            }) => pipelines(profile, env, Some(reason)),
            None if in_github_actions(env) => github(profile, env, None),
            None => Err(FederatedError::NothingDetected {
                profile: profile.name.clone(),
            }
            .into()),
        },
    }
}

fn github(
    profile: &Profile,
    env: &dyn Env,
    detected: Option<String>,
) -> Result<FederatedCredential, Error> {
    let url = env.non_empty(EnvVars::ACTIONS_ID_TOKEN_REQUEST_URL);
    let token = env.non_empty(EnvVars::ACTIONS_ID_TOKEN_REQUEST_TOKEN);
    let (Some(url), Some(token)) = (url.as_ref(), token) else {
        let missing = [
            (EnvVars::ACTIONS_ID_TOKEN_REQUEST_URL, url.is_none()),
            (
                EnvVars::ACTIONS_ID_TOKEN_REQUEST_TOKEN,
                env.non_empty(EnvVars::ACTIONS_ID_TOKEN_REQUEST_TOKEN)
                    .is_none(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        return Err(FederatedError::GitHubNoIdToken {
            missing,
            in_github: in_github_actions(env),
        }
        .into());
    };
    let url = ci::github_request_url(url, &profile.federated_audience).map_err(|reason| {
        FederatedError::ServiceUnusable {
            service: CiService::GitHubActions,
            reason: format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {reason}"),
        }
    })?;
    Ok(FederatedCredential {
        origin: FederatedOrigin::Service {
            service: CiService::GitHubActions,
            detected,
        },
        fetch: Fetch::Service {
            service: CiService::GitHubActions,
            url,
            bearer: SecretString::from(format!("Bearer {}", token.trim())),
        },
    })
}

fn pipelines(
    profile: &Profile,
    env: &dyn Env,
    detected: Option<String>,
) -> Result<FederatedCredential, Error> {
    let uri = env
        .non_empty(EnvVars::SYSTEM_OIDCREQUESTURI)
        .ok_or(FederatedError::NoPipelinesRequestUri)?;
    let token = env
        .non_empty(EnvVars::SYSTEM_ACCESSTOKEN)
        .ok_or(FederatedError::NoSystemAccessToken)?;
    let connection = profile
        .service_connection_id
        .as_deref()
        .ok_or(FederatedError::NoServiceConnection)?;
    let url = ci::pipelines_request_url(&uri, connection).map_err(|reason| {
        FederatedError::ServiceUnusable {
            service: CiService::AzurePipelines,
            reason: format!("SYSTEM_OIDCREQUESTURI is not a URL: {reason}"),
        }
    })?;
    Ok(FederatedCredential {
        origin: FederatedOrigin::Service {
            service: CiService::AzurePipelines,
            detected,
        },
        fetch: Fetch::Service {
            service: CiService::AzurePipelines,
            url,
            bearer: SecretString::from(format!("Bearer {}", token.trim())),
        },
    })
}

impl FederatedCredential {
    /// The token to present now: the file read again, the variable's value, or a fresh token
    /// from the CI's service (fetched again once if it came with under a minute left).
    ///
    /// # Errors
    /// The file cannot be read; the token expires within a minute; the token service refused,
    /// failed or sent something unusable.
    pub async fn assertion(&self, ports: &FetchPorts<'_>) -> Result<Presented, Error> {
        let presented = |token: SecretString| {
            let claims = PresentedClaims::of(token.expose_secret());
            Presented { token, claims }
        };
        match &self.fetch {
            Fetch::File(file) => {
                let token = file
                    .assertion("", (ports.now)())
                    .map_err(CredentialError::Assertion)?;
                Ok(presented(token))
            }
            Fetch::Value(value) => {
                let token = presented(value.clone());
                self.check_lifetime(&token, (ports.now)())?;
                Ok(token)
            }
            Fetch::Service {
                service,
                url,
                bearer,
            } => {
                let first = presented(fetch(ports, *service, url, bearer).await?);
                if self.check_lifetime(&first, (ports.now)()).is_ok() {
                    return Ok(first);
                }
                ports.reporter.progress(&format!(
                    "the {} token expires within a minute; fetching another",
                    service.name()
                ));
                let second = presented(fetch(ports, *service, url, bearer).await?);
                self.check_lifetime(&second, (ports.now)())?;
                Ok(second)
            }
        }
    }

    fn check_lifetime(&self, token: &Presented, now: i64) -> Result<(), Box<FederatedError>> {
        match token.claims.seconds_left(now) {
            Some(left) if left < MIN_ASSERTION_LIFETIME_SECS => {
                Err(Box::new(FederatedError::Expiring {
                    origin: self.origin.clone(),
                    claims: token.claims.clone(),
                    now,
                }))
            }
            _ => Ok(()),
        }
    }
}

/// One call to the token service, with the retry policy; the JWT from its reply.
async fn fetch(
    ports: &FetchPorts<'_>,
    service: CiService,
    url: &str,
    bearer: &SecretString,
) -> Result<SecretString, Box<FederatedError>> {
    let mut headers = vec![
        ("authorization", FormValue::Secret(bearer.clone())),
        ("accept", FormValue::Plain("application/json".to_owned())),
    ];
    if service == CiService::AzurePipelines {
        headers.push((
            "content-type",
            FormValue::Plain("application/json".to_owned()),
        ));
        // Without it Azure DevOps may answer a bad token with a redirect or a 203 sign-in page.
        headers.push((
            "x-tfs-fedauthredirect",
            FormValue::Plain("Suppress".to_owned()),
        ));
    }
    let remaining = ports
        .deadline
        .saturating_duration_since(Instant::now())
        .min(SERVICE_TIMEOUT);
    let request = HttpGet {
        url: url.to_owned(),
        headers,
        timeout: remaining,
        max_reply_bytes: CI_TOKEN_REPLY_LIMIT,
    };
    let who = format!("the {} token service", service.name());
    let outcome = send_with_retries(
        &RetryPolicy::CI_TOKEN_SERVICE,
        ports.deadline,
        || async {
            match service {
                CiService::GitHubActions => ports.idp.get(&request).await,
                CiService::AzurePipelines => ports.idp.post_empty(&request).await,
            }
        },
        |notice| ports.reporter.progress(&notice.progress_line(&who)),
    )
    .await;
    match outcome {
        Attempted::Reply {
            reply, attempts, ..
        } => interpret(service, &reply, attempts),
        Attempted::Unreachable { cause, .. } => Err(Box::new(FederatedError::ServiceUnreachable {
            service,
            origin: ci::origin_of(url),
            cause,
        })),
        Attempted::Setup(reason) => Err(Box::new(FederatedError::ServiceUnusable {
            service,
            reason,
        })),
        Attempted::TooLarge { limit } => Err(Box::new(FederatedError::ServiceUnusable {
            service,
            reason: format!("the reply is larger than {limit} bytes; it was not read further"),
        })),
    }
}

/// The token of a 200 (`value` for GitHub, `oidcToken` for Azure Pipelines), or the error.
fn interpret(
    service: CiService,
    reply: &HttpReply,
    attempts: u32,
) -> Result<SecretString, Box<FederatedError>> {
    let status = reply.status;
    let field = match service {
        CiService::GitHubActions => "value",
        CiService::AzurePipelines => "oidcToken",
    };
    if status == 203 || (300..400).contains(&status) {
        // 203 Non-Authoritative: Azure DevOps' sign-in page for a token it did not accept.
        return Err(Box::new(FederatedError::SignInPage {
            status,
            to: reply.redirect_host.clone(),
        }));
    }
    if status == 200 {
        let json: serde_json::Value = serde_json::from_slice(&reply.body).map_err(|_| {
            Box::new(FederatedError::ServiceUnusable {
                service,
                reason: "the body is not JSON".to_owned(),
            })
        })?;
        return match json.get(field).and_then(|v| v.as_str()) {
            Some(token) if !token.trim().is_empty() => {
                Ok(SecretString::from(token.trim().to_owned()))
            }
            _ => Err(Box::new(FederatedError::ServiceUnusable {
                service,
                reason: format!("`{field}` is missing or empty"),
            })),
        };
    }
    if status == 429 || status >= 500 || (200..300).contains(&status) {
        return Err(Box::new(FederatedError::ServiceFailed {
            service,
            status,
            attempts,
        }));
    }
    let message = serde_json::from_slice::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|json| {
            json.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .map(|m| printable(&m).chars().take(MAX_MESSAGE_CHARS).collect());
    Err(Box::new(FederatedError::ServiceRefused {
        service,
        status,
        message,
    }))
}

#[cfg(test)]
mod tests {
    use super::{FetchPorts, interpret, resolve};
    use crate::app::usecases::error::{Error, FederatedError};
    use crate::app::usecases::test_support::{RecordingReporter, json};
    use crate::domain::ci::{CiService, FederatedSource};
    use crate::domain::profile::{ProfileSettings, test_profile};
    use crate::ports::credential_loader::MockCredentialLoader;
    use crate::ports::env::MapEnv;
    use crate::ports::idp::{FormPost, HttpGet, HttpReply, IdpTransport, TransportError};
    use async_trait::async_trait;
    use secrecy::ExposeSecret;
    use std::sync::Mutex;
    use tokio::time::{Duration, Instant};

    /// Profile `p` (tenant `t`, client `c`) with `settings`.
    fn profile(settings: ProfileSettings) -> crate::domain::profile::Profile {
        test_profile("p", settings)
    }

    fn jwt(exp: i64) -> String {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r:ref:refs/heads/main","aud":"api://AzureADTokenExchange","exp":{exp}}}"#
        ));
        format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln")
    }

    /// Answers GETs and empty POSTs in turn from a list, recording method, URL and headers.
    /// Method, URL and headers of one request.
    type Request = (String, String, Vec<(String, String)>);

    struct Service {
        replies: Mutex<Vec<HttpReply>>,
        seen: Mutex<Vec<Request>>,
    }

    impl Service {
        fn new(replies: Vec<HttpReply>) -> Self {
            Self {
                replies: Mutex::new(replies),
                seen: Mutex::new(Vec::new()),
            }
        }
        fn record(&self, method: &str, request: &HttpGet) -> Result<HttpReply, TransportError> {
            let headers = request
                .headers
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        crate::ports::idp::FormValue::Plain(t) => t.clone(),
                        crate::ports::idp::FormValue::Secret(s) => s.expose_secret().to_owned(),
                    };
                    ((*k).to_owned(), v)
                })
                .collect();
            self.seen
                .lock()
                .unwrap()
                .push((method.to_owned(), request.url.clone(), headers));
            Ok(self.replies.lock().unwrap().remove(0))
        }
    }

    #[async_trait]
    impl IdpTransport for Service {
        async fn post_form(&self, _: &FormPost) -> Result<HttpReply, TransportError> {
            unreachable!("a CI token service takes no form")
        }
        async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
            self.record("GET", request)
        }
        async fn post_empty(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
            self.record("POST", request)
        }
    }

    fn reply(status: u16, body: &str) -> HttpReply {
        json(status, body).unwrap()
    }

    fn github_env() -> MapEnv {
        MapEnv::from_pairs([
            ("GITHUB_ACTIONS", "true"),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "http://127.0.0.1:9/idtoken?api-version=2.0",
            ),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
        ])
    }

    async fn run(
        source: FederatedSource,
        settings: ProfileSettings,
        env: &MapEnv,
        service: &Service,
        now: i64,
    ) -> Result<super::Presented, Error> {
        let loader = MockCredentialLoader::new();
        let credential = resolve(&source, &profile(settings), env, &loader)?;
        let reporter = RecordingReporter::default();
        let clock = move || now;
        let ports = FetchPorts {
            idp: service,
            reporter: &reporter,
            now: &clock,
            deadline: Instant::now() + Duration::from_secs(60),
        };
        credential.assertion(&ports).await
    }

    /// [`run`] of `source` with the default settings in GitHub Actions, at 1 000 s.
    async fn in_github(
        source: FederatedSource,
        service: &Service,
    ) -> Result<super::Presented, Error> {
        run(
            source,
            ProfileSettings::default(),
            &github_env(),
            service,
            1_000,
        )
        .await
    }

    /// GitHub's reply with a token that expires at `exp`.
    fn github_reply(exp: i64) -> HttpReply {
        reply(200, &format!(r#"{{"value":"{}"}}"#, jwt(exp)))
    }

    #[tokio::test]
    async fn github_is_asked_with_the_audience_and_the_bearer_token() {
        let service = Service::new(vec![reply(
            200,
            &format!(r#"{{"count":1,"value":"{}"}}"#, jwt(1_300)),
        )]);
        let presented = in_github(FederatedSource::Detected, &service)
            .await
            .unwrap();
        assert_eq!(presented.token.expose_secret(), jwt(1_300));
        assert_eq!(
            presented.claims.subject.as_deref(),
            Some("repo:o/r:ref:refs/heads/main")
        );
        let seen = service.seen.lock().unwrap();
        assert_eq!(seen[0].0, "GET");
        assert_eq!(
            seen[0].1,
            "http://127.0.0.1:9/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"
        );
        assert!(
            seen[0]
                .2
                .contains(&("authorization".into(), "Bearer request-token".into()))
        );
    }

    #[tokio::test]
    async fn a_token_with_under_a_minute_left_is_fetched_again_then_refused() {
        let service = Service::new(vec![github_reply(1_030), github_reply(1_300)]);
        let presented = in_github(FederatedSource::GitHubActions, &service)
            .await
            .unwrap();
        assert_eq!(presented.claims.expires, Some(1_300));
        assert_eq!(service.seen.lock().unwrap().len(), 2);

        let service = Service::new(vec![github_reply(1_030), github_reply(1_010)]);
        let error = in_github(FederatedSource::GitHubActions, &service)
            .await
            .err()
            .unwrap();
        assert!(
            matches!(error, Error::Federated(e) if matches!(*e, FederatedError::Expiring { .. }))
        );
    }

    #[tokio::test]
    async fn pipelines_posts_with_the_service_connection_and_suppressed_redirects() {
        let env = MapEnv::from_pairs([
            ("TF_BUILD", "True"),
            (
                "SYSTEM_OIDCREQUESTURI",
                "http://127.0.0.1:9/o/p/_apis/oidctoken",
            ),
            ("SYSTEM_ACCESSTOKEN", "job-token"),
        ]);
        let service = Service::new(vec![reply(
            200,
            &format!(r#"{{"oidcToken":"{}"}}"#, jwt(1_600)),
        )]);
        let settings = ProfileSettings {
            service_connection_id: Some("sc-1".into()),
            ..ProfileSettings::default()
        };
        run(FederatedSource::Detected, settings, &env, &service, 1_000)
            .await
            .unwrap();
        let seen = service.seen.lock().unwrap();
        assert_eq!(seen[0].0, "POST");
        assert_eq!(
            seen[0].1,
            "http://127.0.0.1:9/o/p/_apis/oidctoken?api-version=7.1&serviceConnectionId=sc-1"
        );
        assert!(
            seen[0]
                .2
                .contains(&("x-tfs-fedauthredirect".into(), "Suppress".into()))
        );
        assert!(
            seen[0]
                .2
                .contains(&("authorization".into(), "Bearer job-token".into()))
        );
    }

    #[test]
    fn what_is_missing_is_named() {
        let loader = MockCredentialLoader::new();
        let p = profile(ProfileSettings::default());
        let github_only = MapEnv::from_pairs([("GITHUB_ACTIONS", "true")]);
        let error = resolve(&FederatedSource::Detected, &p, &github_only, &loader).err();
        assert!(
            matches!(error, Some(Error::Federated(e)) if *e == FederatedError::GitHubNoIdToken {
                missing: vec!["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
                in_github: true,
            })
        );
        let pipelines = MapEnv::from_pairs([
            ("TF_BUILD", "True"),
            ("SYSTEM_OIDCREQUESTURI", "http://h/x"),
        ]);
        let error = resolve(&FederatedSource::Detected, &p, &pipelines, &loader).err();
        assert!(
            matches!(error, Some(Error::Federated(e)) if *e == FederatedError::NoSystemAccessToken)
        );
        let error = resolve(&FederatedSource::Detected, &p, &MapEnv::default(), &loader).err();
        assert!(
            matches!(error, Some(Error::Federated(e)) if matches!(*e, FederatedError::NothingDetected { .. }))
        );
        let error = resolve(
            &FederatedSource::Variable("GL".into()),
            &p,
            &MapEnv::from_pairs([("GL", " ")]),
            &loader,
        )
        .err();
        assert!(
            matches!(error, Some(Error::Federated(e)) if matches!(*e, FederatedError::EmptyVariable { .. }))
        );
    }

    #[test]
    fn replies_that_are_not_a_token() {
        let service = CiService::AzurePipelines;
        assert!(matches!(
            interpret(service, &reply(203, "<html>sign in</html>"), 1),
            Err(e) if matches!(*e, FederatedError::SignInPage { status: 203, .. })
        ));
        assert!(matches!(
            interpret(service, &reply(302, ""), 1),
            Err(e) if matches!(*e, FederatedError::SignInPage { status: 302, .. })
        ));
        assert!(matches!(
            interpret(service, &reply(200, r#"{"value":"x"}"#), 1),
            Err(e) if matches!(*e, FederatedError::ServiceUnusable { .. })
        ));
        assert_eq!(
            interpret(
                CiService::GitHubActions,
                &reply(401, r#"{"message":"Bad \u001b[31mtoken"}"#),
                1
            )
            .err(),
            Some(Box::new(FederatedError::ServiceRefused {
                service: CiService::GitHubActions,
                status: 401,
                message: Some("Bad \\u{1b}[31mtoken".into()),
            }))
        );
    }
}
