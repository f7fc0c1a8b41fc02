//! Managed identity (protocol.md §6): Azure VM/VMSS instance metadata (IMDS) and App Service /
//! Functions (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, api 2019-08-01). Only used when a profile
//! asks for it; an unreachable endpoint fails fast with exit 4.

use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::app::usecases::error::{ManagedIdentityEndpoint, ManagedIdentityError};
use crate::app::usecases::http_retry::{Attempted, RetryPolicy, send_with_retries};
use crate::domain::cache_key::{APP_ACCOUNT, CacheKey};
use crate::domain::credential::{Credential, ManagedIdentitySelector};
use crate::domain::env_vars::EnvVars;
use crate::domain::jwt::unverified_string_claim;
use crate::domain::profile::Profile;
use crate::domain::scopes::Scopes;
use crate::domain::text::excerpt;
use crate::domain::token::Token;
use crate::domain::token_response::parse_token_response;
use crate::ports::env::Env;
use crate::ports::idp::{FormValue, HttpGet, HttpReply, IdpTransport, TOKEN_REPLY_LIMIT};
use crate::ports::reporter::Reporter;

/// The default IMDS address.
const IMDS: &str = "http://169.254.169.254";
/// One request's limit: IMDS answers in milliseconds or not at all.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
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

    fn endpoint(&self) -> ManagedIdentityEndpoint {
        match self {
            Self::Imds { .. } => ManagedIdentityEndpoint::Imds,
            Self::AppService { .. } => ManagedIdentityEndpoint::AppService,
        }
    }
}

/// The selector as the endpoint's query parameter: `(name, value)`.
fn selector_param(
    selector: &ManagedIdentitySelector,
    source: &Source,
) -> Option<(&'static str, String)> {
    match selector {
        ManagedIdentitySelector::System => None,
        ManagedIdentitySelector::ClientId(id) => Some(("client_id", id.clone())),
        ManagedIdentitySelector::ObjectId(id) => Some(("object_id", id.clone())),
        ManagedIdentitySelector::ResourceId(id) => Some((
            match source {
                Source::Imds { .. } => "msi_res_id",
                Source::AppService { .. } => "mi_res_id",
            },
            id.clone(),
        )),
    }
}

/// The identity part ([`CacheKey::identity`]) of `profile`'s cached tokens: the endpoint and
/// selector of a managed identity (as `get-token` keys them here), else the profile's app.
#[must_use]
pub fn token_identity(profile: &Profile, env: &dyn Env) -> String {
    match profile.credential() {
        Ok(Credential::ManagedIdentity(selector)) => cache_key(
            &selector,
            &Source::detect(env),
            &profile.scopes.with_default_suffix(),
        )
        .identity()
        .to_owned(),
        _ => CacheKey::identity_of(profile),
    }
}

/// The cache key of a managed identity token.
#[must_use]
pub fn cache_key(selector: &ManagedIdentitySelector, source: &Source, scopes: &Scopes) -> CacheKey {
    let who = selector_param(selector, source).map_or_else(
        || "system".to_owned(),
        |(name, value)| format!("{name}={value}"),
    );
    CacheKey::from_parts(
        &source.label(),
        "managed-identity",
        &who,
        APP_ACCOUNT,
        scopes,
    )
}

fn request(selector: &ManagedIdentitySelector, source: &Source, resource: &str) -> HttpGet {
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
    if let Some((name, value)) = selector_param(selector, source) {
        query.append_pair(name, &value);
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    HttpGet {
        url: format!("{url}{separator}{}", query.finish()),
        headers,
        timeout: REQUEST_TIMEOUT,
        max_reply_bytes: TOKEN_REPLY_LIMIT,
    }
}

/// Gets a token for the single resource in `scopes` from the managed identity endpoint.
///
/// # Errors
/// `SeveralResources`; `Unreachable`/`Failed`/`Unusable`/`Redirected`/`TooLarge` (network) when
/// the endpoint cannot be reached, keeps failing or answers something unusable; `Refused` when it refuses (no identity, unknown user-assigned one).
pub async fn acquire(
    idp: &dyn IdpTransport,
    reporter: &dyn Reporter,
    selector: &ManagedIdentitySelector,
    source: &Source,
    scopes: &Scopes,
    now: impl Fn() -> i64,
    deadline: Instant,
) -> Result<Token, ManagedIdentityError> {
    let resource = scopes
        .single_resource()
        .ok_or(ManagedIdentityError::SeveralResources)?;
    let get = request(selector, source, &resource);
    let endpoint = source.endpoint();
    let policy = RetryPolicy::MANAGED_IDENTITY;
    let outcome = send_with_retries(
        &policy,
        deadline,
        || idp.get(&get),
        |notice| reporter.progress(&notice.progress_line("the managed identity endpoint")),
    )
    .await;
    match outcome {
        Attempted::Reply {
            reply, attempts, ..
        } => interpret(&reply, endpoint, &resource, now(), attempts),
        Attempted::Unreachable { cause, .. } | Attempted::Setup(cause) => {
            Err(ManagedIdentityError::Unreachable { endpoint, cause })
        }
        Attempted::TooLarge { limit } => Err(ManagedIdentityError::TooLarge { endpoint, limit }),
    }
}

fn interpret(
    reply: &HttpReply,
    endpoint: ManagedIdentityEndpoint,
    resource: &str,
    now: i64,
    attempts: u32,
) -> Result<Token, ManagedIdentityError> {
    if (200..300).contains(&reply.status) {
        let mut token = parse_token_response(&reply.body, now, &format!("{resource}/.default"), "")
            .map_err(|reason| ManagedIdentityError::Unusable { endpoint, reason })?;
        token.tenant_id =
            unverified_string_claim(token.access_token_str(), "tid").unwrap_or_default();
        let lifetime = token.expires_on.saturating_sub(now);
        if token.refresh_on.is_none() && lifetime >= LONG_LIVED_SECS {
            token.refresh_on = Some(now.saturating_add(lifetime / 2));
        }
        return Ok(token);
    }
    if (300..400).contains(&reply.status) {
        // Never followed: the request carries X-IDENTITY-HEADER.
        return Err(ManagedIdentityError::Redirected {
            endpoint,
            status: reply.status,
            to: reply.redirect_host.clone(),
        });
    }
    let detail = excerpt(&reply.body, 300);
    if (400..500).contains(&reply.status)
        && reply.status != 429
        && reply.status != 404
        && reply.status != 410
    {
        let identity_not_found =
            detail.contains("Identity not found") || detail.contains("identity not found");
        return Err(ManagedIdentityError::Refused {
            endpoint,
            status: reply.status,
            detail,
            identity_not_found,
        });
    }
    Err(ManagedIdentityError::Failed {
        endpoint,
        status: reply.status,
        attempts,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::{Source, cache_key, interpret, request};
    use crate::app::usecases::error::{ManagedIdentityEndpoint, ManagedIdentityError};
    use crate::domain::credential::ManagedIdentitySelector;
    use crate::domain::scopes::Scopes;
    use crate::domain::token_response::TokenResponseError;
    use crate::ports::env::MapEnv;
    use crate::ports::idp::HttpReply;

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
            &ManagedIdentitySelector::ClientId("uai-client".into()),
            &source,
            "https://management.azure.com",
        );
        assert_eq!(
            get.url,
            "http://127.0.0.1:9/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com&client_id=uai-client"
        );
        assert_eq!(get.headers[0].0, "Metadata");
        let system = cache_key(
            &ManagedIdentitySelector::System,
            &source,
            &Scopes::parse("r/.default").unwrap(),
        );
        let user = cache_key(
            &ManagedIdentitySelector::ClientId("a".into()),
            &source,
            &Scopes::parse("r/.default").unwrap(),
        );
        assert_ne!(system, user);
    }

    fn reply(status: u16, redirect_host: Option<&str>, body: &str) -> HttpReply {
        HttpReply {
            status,
            retry_after: None,
            request_id: None,
            redirect_host: redirect_host.map(str::to_owned),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_redirect_is_an_error_naming_only_the_host() {
        let e = interpret(
            &reply(307, Some("evil.example"), "moved"),
            ManagedIdentityEndpoint::AppService,
            "r",
            0,
            1,
        )
        .unwrap_err();
        assert_eq!(
            e,
            ManagedIdentityError::Redirected {
                endpoint: ManagedIdentityEndpoint::AppService,
                status: 307,
                to: Some("evil.example".into())
            }
        );
    }

    #[test]
    fn an_unusable_token_says_which_field_and_keeps_no_body() {
        let e = interpret(
            &reply(
                200,
                None,
                r#"{"access_token":"secret-at","token_type":"Bearer"}"#,
            ),
            ManagedIdentityEndpoint::Imds,
            "r",
            0,
            1,
        )
        .unwrap_err();
        assert_eq!(
            e,
            ManagedIdentityError::Unusable {
                endpoint: ManagedIdentityEndpoint::Imds,
                reason: TokenResponseError::NoExpiry
            }
        );
    }
}
