//! Managed identity (protocol.md §6): Azure VM/VMSS instance metadata (IMDS) and App Service /
//! Functions (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, api 2019-08-01). Only used when a profile
//! asks for it; an unreachable endpoint fails fast with exit 4.

use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use super::error::{AppError, ErrorKind};
use crate::domain::cache_key::{APP_ACCOUNT, CacheKey};
use crate::domain::env_vars::EnvVars;
use crate::domain::jwt::unverified_string_claim;
use crate::domain::profile::Profile;
use crate::domain::scopes::Scopes;
use crate::domain::token::Token;
use crate::domain::token_response::parse_token_response;
use crate::ports::env::Env;
use crate::ports::idp::{FormValue, HttpGet, HttpReply, IdpTransport, TransportError};
use crate::ports::reporter::Reporter;

/// The default IMDS address.
const IMDS: &str = "http://169.254.169.254";
/// One request's limit: IMDS answers in milliseconds or not at all.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const ATTEMPTS: u32 = 3;
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];
/// Lifetimes from which a proactive refresh at half-life is scheduled (MSAL's rule).
const LONG_LIVED_SECS: i64 = 2 * 3600;

/// Which managed identity endpoint this machine offers.
#[derive(Debug, Clone)]
pub enum Source {
    Imds {
        base: String,
    },
    AppService {
        endpoint: String,
        header: SecretString,
    },
}

impl Source {
    /// App Service when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set, else IMDS
    /// (`ENTRA_AUTH_IMDS_ENDPOINT` overrides its address, for tests).
    #[must_use]
    pub fn detect(env: &dyn Env) -> Self {
        match (
            env.non_empty(EnvVars::IDENTITY_ENDPOINT),
            env.non_empty(EnvVars::IDENTITY_HEADER),
        ) {
            (Some(endpoint), Some(header)) => Self::AppService {
                endpoint,
                header: SecretString::from(header),
            },
            _ => Self::Imds {
                base: env
                    .non_empty(EnvVars::ENTRA_AUTH_IMDS_ENDPOINT)
                    .unwrap_or_else(|| IMDS.to_owned())
                    .trim_end_matches('/')
                    .to_owned(),
            },
        }
    }

    fn label(&self) -> String {
        match self {
            Self::Imds { base } => format!("imds:{base}"),
            Self::AppService { endpoint, .. } => format!("app-service:{endpoint}"),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Imds { .. } => "the Azure instance metadata service (IMDS)",
            Self::AppService { .. } => "the App Service managed identity endpoint",
        }
    }
}

/// The user-assigned identity selector, if any: `(parameter name, value)` for the endpoint.
fn selector(
    profile: &Profile,
    source: &Source,
) -> Result<Option<(&'static str, String)>, AppError> {
    let res_id_name = match source {
        Source::Imds { .. } => "msi_res_id",
        Source::AppService { .. } => "mi_res_id",
    };
    let given: Vec<(&'static str, String)> = [
        (
            "client_id",
            Some(profile.client_id.clone()).filter(|c| !c.is_empty()),
        ),
        ("object_id", profile.object_id.clone()),
        (res_id_name, profile.mi_res_id.clone()),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect();
    match given.len() {
        0 => Ok(None),
        1 => Ok(given.into_iter().next()),
        _ => Err(AppError::new(
            ErrorKind::Config,
            format!("profile `{}` selects a user-assigned identity in more than one way", profile.name),
        )
        .hint("keep exactly one of client_id, object_id and mi_res_id (or none for the system-assigned identity)")),
    }
}

/// The cache key of a managed identity token.
///
/// # Errors
/// More than one identity selector.
pub fn cache_key(
    profile: &Profile,
    source: &Source,
    scopes: &Scopes,
) -> Result<CacheKey, AppError> {
    let who = selector(profile, source)?.map_or_else(
        || "system".to_owned(),
        |(name, value)| format!("{name}={value}"),
    );
    Ok(CacheKey::from_parts(
        &source.label(),
        "managed-identity",
        &who,
        APP_ACCOUNT,
        scopes,
    ))
}

fn request(profile: &Profile, source: &Source, resource: &str) -> Result<HttpGet, AppError> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let (url, headers) = match source {
        Source::Imds { base } => {
            query.append_pair("api-version", "2018-02-01");
            (
                format!("{base}/metadata/identity/oauth2/token"),
                vec![("Metadata", FormValue::Plain("true".to_owned()))],
            )
        }
        Source::AppService { endpoint, header } => {
            query.append_pair("api-version", "2019-08-01");
            (
                endpoint.clone(),
                vec![
                    ("X-IDENTITY-HEADER", FormValue::Secret(header.clone())),
                    ("Metadata", FormValue::Plain("true".to_owned())),
                ],
            )
        }
    };
    query.append_pair("resource", resource);
    if let Some((name, value)) = selector(profile, source)? {
        query.append_pair(name, &value);
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(HttpGet {
        url: format!("{url}{separator}{}", query.finish()),
        headers,
        timeout: REQUEST_TIMEOUT,
    })
}

fn retryable(status: u16) -> bool {
    matches!(status, 404 | 408 | 410 | 429) || (500..=599).contains(&status)
}

/// Gets a token for the single resource in `scopes` from the managed identity endpoint.
///
/// # Errors
/// `Usage` for several scopes, `Network` when the endpoint cannot be reached or keeps failing,
/// `Auth` when it refuses (no identity, unknown user-assigned identity).
pub async fn acquire(
    idp: &dyn IdpTransport,
    reporter: &dyn Reporter,
    profile: &Profile,
    source: &Source,
    scopes: &Scopes,
    now: impl Fn() -> i64,
    deadline: Instant,
) -> Result<Token, AppError> {
    let resource = scopes.single_resource().ok_or_else(|| {
        AppError::new(
            ErrorKind::Usage,
            "a managed identity token is for exactly one resource",
        )
        .hint("pass one scope, such as `-s https://management.azure.com/.default`")
    })?;
    let get = request(profile, source, &resource)?;
    let mut attempt = 1;
    let reply = loop {
        let reply = match idp.get(&get).await {
            Ok(reply) => reply,
            Err(TransportError::Unreachable(cause) | TransportError::Setup(cause)) => {
                return Err(AppError::new(ErrorKind::Network, format!("cannot reach {}", source.name()))
                    .cause(cause)
                    .hint("managed identity works only on Azure (VM, VMSS, App Service, Functions, AKS with a managed identity); elsewhere use another auth_method"));
            }
        };
        if !retryable(reply.status) || attempt >= ATTEMPTS {
            break reply;
        }
        let wait = reply
            .retry_after
            .unwrap_or(BACKOFF[(attempt as usize - 1).min(BACKOFF.len() - 1)]);
        if Instant::now() + wait >= deadline {
            break reply;
        }
        reporter.progress(&format!(
            "{} answered HTTP {}; retrying in {} s (attempt {} of {ATTEMPTS})",
            source.name(),
            reply.status,
            wait.as_secs(),
            attempt + 1
        ));
        tokio::time::sleep(wait).await;
        attempt += 1;
    };
    interpret(&reply, source, &resource, now())
}

fn interpret(
    reply: &HttpReply,
    source: &Source,
    resource: &str,
    now: i64,
) -> Result<Token, AppError> {
    let body = String::from_utf8_lossy(&reply.body);
    let detail: String = body.chars().filter(|c| !c.is_control()).take(300).collect();
    if (200..300).contains(&reply.status) {
        let mut token = parse_token_response(&reply.body, now, &format!("{resource}/.default"), "")
            .map_err(|e| {
                AppError::new(
                    ErrorKind::Network,
                    format!("{} sent an unusable token response", source.name()),
                )
                .cause(e.to_string())
            })?;
        token.tenant_id =
            unverified_string_claim(token.access_token_str(), "tid").unwrap_or_default();
        let lifetime = token.expires_on - now;
        if token.refresh_on.is_none() && lifetime >= LONG_LIVED_SECS {
            token.refresh_on = Some(now + lifetime / 2);
        }
        return Ok(token);
    }
    if (400..500).contains(&reply.status)
        && reply.status != 429
        && reply.status != 404
        && reply.status != 410
    {
        let not_found =
            detail.contains("Identity not found") || detail.contains("identity not found");
        let mut error = AppError::new(
            ErrorKind::Auth,
            format!(
                "{} refused the request (HTTP {})",
                source.name(),
                reply.status
            ),
        )
        .cause(detail);
        error = if not_found {
            error.hint("no managed identity matches: assign one to this resource, or fix client_id / object_id / mi_res_id in the profile")
        } else {
            error.hint("check the resource (scope) and the identity selector of the profile")
        };
        return Err(error);
    }
    Err(AppError::new(
        ErrorKind::Network,
        format!(
            "{} failed with HTTP {} after {ATTEMPTS} attempts",
            source.name(),
            reply.status
        ),
    )
    .cause(detail)
    .hint("the endpoint may be updating (404/410) or throttling (429): retry in a minute"))
}

#[cfg(test)]
mod tests {
    use super::{Source, cache_key, request};
    use crate::adapters::process_env::MapEnv;
    use crate::domain::profile::ProfileSettings;
    use crate::domain::scopes::Scopes;

    fn profile(client: Option<&str>, object: Option<&str>) -> crate::domain::profile::Profile {
        ProfileSettings {
            auth_method: Some("managed-identity".into()),
            client_id: client.map(Into::into),
            object_id: object.map(Into::into),
            ..ProfileSettings::default()
        }
        .validate("mi")
        .unwrap()
    }

    #[test]
    fn detects_app_service_then_imds() {
        let env = MapEnv::from_pairs([
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"),
            ("IDENTITY_HEADER", "h"),
        ]);
        assert!(matches!(Source::detect(&env), Source::AppService { .. }));
        let env = MapEnv::from_pairs([("ENTRA_AUTH_IMDS_ENDPOINT", "http://127.0.0.1:2/")]);
        assert!(
            matches!(Source::detect(&env), Source::Imds { base } if base == "http://127.0.0.1:2")
        );
        assert!(
            matches!(Source::detect(&MapEnv::default()), Source::Imds { base } if base == "http://169.254.169.254")
        );
    }

    #[test]
    fn imds_request_shape_and_selectors() {
        let source = Source::Imds {
            base: "http://127.0.0.1:9".into(),
        };
        let get = request(
            &profile(Some("uai-client"), None),
            &source,
            "https://management.azure.com",
        )
        .unwrap();
        assert_eq!(
            get.url,
            "http://127.0.0.1:9/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com&client_id=uai-client"
        );
        assert_eq!(get.headers[0].0, "Metadata");
        assert!(
            request(&profile(Some("a"), Some("b")), &source, "r").is_err(),
            "one selector at most"
        );
        let system = cache_key(
            &profile(None, None),
            &source,
            &Scopes::parse("r/.default").unwrap(),
        )
        .unwrap();
        let user = cache_key(
            &profile(Some("a"), None),
            &source,
            &Scopes::parse("r/.default").unwrap(),
        )
        .unwrap();
        assert_ne!(system, user);
    }
}
