//! The `discover` use case: list app registrations through Microsoft Graph
//! (`GET {graph}/v1.0/applications`), narrowed on the server where OData can express the
//! pattern and matched here otherwise (see `domain::graph_filter`), following every
//! `@odata.nextLink` (same origin only, at most [`MAX_PAGES`] pages); optionally save the single
//! hit as a new profile.

use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::app::usecases::error::{EditError, Error, GraphError, NameUse};
use crate::app::usecases::http_retry::{Attempted, RetryPolicy, deadline_for, send_with_retries};
use crate::app::usecases::profiles::resolution::resolve_profile;
use crate::app::usecases::token::acquire::{TokenPorts, TokenRequest, acquire};
use crate::domain::authority::{Authority, Cloud};
use crate::domain::env_vars::EnvVars;
use crate::domain::graph_filter::{Pattern, applications_url, graph_endpoint, same_origin};
use crate::domain::profile::{Profile, ProfileSettings, ScopeList, validate_profile_name};
use crate::ports::idp::{FormValue, GRAPH_PAGE_LIMIT, HttpGet, HttpReply, IdpTransport};
use crate::ports::reporter::Reporter;

/// The most pages followed (999 applications each).
pub const MAX_PAGES: usize = 100;

/// One app registration as `discover` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    /// The application (client) ID.
    pub app_id: String,
    pub display_name: String,
    /// `AzureADMyOrg`, `AzureADMultipleOrgs`, `AzureADandPersonalMicrosoftAccount`, ...
    pub sign_in_audience: Option<String>,
    /// The application object's id (not the client ID).
    pub object_id: String,
    /// `createdDateTime` as Graph sent it (RFC 3339).
    pub created_at: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<GraphApplication>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphApplication {
    id: Option<String>,
    app_id: Option<String>,
    display_name: Option<String>,
    sign_in_audience: Option<String>,
    created_date_time: Option<String>,
}

/// What `discover` is asked.
#[derive(Debug, Clone)]
pub struct DiscoverRequest {
    pub profile: String,
    /// The tenant to search (default: the profile's).
    pub tenant: Option<String>,
    pub pattern: String,
    /// Save the single hit as this new profile.
    pub create_profile: Option<String>,
    pub timeout: Duration,
}

/// What `discover` found, and what became of the profile to create.
#[derive(Debug)]
pub struct Discovered {
    pub applications: Vec<Application>,
    /// `(name, config file)` of the created profile (`None`: none asked for); an error when
    /// the search did not find exactly one application or the profile could not be written.
    pub created: Result<Option<(String, String)>, Error>,
}

/// Searches the tenant with the profile's identity and, with `create_profile`, saves the single
/// hit. The new name is checked before any request.
///
/// # Errors
/// Those of `get-token` for the Graph token; [`GraphError`]s; `EditError` for the new profile.
#[tracing::instrument(level = "debug", name = "discover", skip_all)]
pub async fn discover(
    ports: &TokenPorts<'_>,
    request: DiscoverRequest,
) -> Result<Discovered, Error> {
    let deadline = deadline_for(Instant::now(), request.timeout);
    let overrides = ProfileSettings {
        tenant_id: request.tenant.clone(),
        ..ProfileSettings::default()
    };
    let profile = resolve_profile(ports.profiles, ports.env, &request.profile, &overrides)?;
    if let Some(name) = &request.create_profile {
        check_new_profile(ports, name)?;
    }
    let graph = graph_base(
        ports.env.non_empty(EnvVars::ENTRA_AUTH_GRAPH_ENDPOINT),
        profile.cloud,
    )?;
    let outcome = acquire(
        ports,
        TokenRequest::cached(
            request.profile.clone(),
            ProfileSettings {
                scopes: Some(ScopeList::Text(
                    profile.cloud.default_graph_scope().to_owned(),
                )),
                ..overrides
            },
            request.timeout,
        ),
    )
    .await?;
    let pattern = Pattern::new(&request.pattern);
    let search = SearchRequest {
        graph: graph.as_str(),
        token: &outcome.token.access_token,
        pattern: &pattern,
        deadline,
    };
    let applications = tokio::time::timeout_at(
        deadline,
        search_applications(ports.idp, ports.reporter, &search),
    )
    .await
    .map_err(|_| GraphError::TimedOut)??;
    let created = match (&request.create_profile, applications.as_slice()) {
        (None, _) => Ok(None),
        (Some(name), [app]) => create_profile(ports, name, &profile, app).map(Some),
        (Some(_), apps) => Err(GraphError::NotExactlyOne {
            matches: apps.len(),
            pattern: request.pattern.clone(),
        }
        .into()),
    };
    Ok(Discovered {
        applications,
        created,
    })
}

/// The Graph endpoint: `ENTRA_AUTH_GRAPH_ENDPOINT`, else the cloud's.
fn graph_base(configured: Option<String>, cloud: Cloud) -> Result<Authority, GraphError> {
    let text = configured.unwrap_or_else(|| graph_endpoint(cloud).to_owned());
    Authority::parse(&text).map_err(|reason| GraphError::BadEndpoint { reason })
}

/// Checks before any request that `name` is valid and free.
fn check_new_profile(ports: &TokenPorts<'_>, name: &str) -> Result<(), Error> {
    validate_profile_name(name).map_err(|reason| EditError::BadName {
        name: name.to_owned(),
        reason,
        used_for: NameUse::DiscoverCreate,
    })?;
    let document = ports.profiles.open()?;
    match document.find(name) {
        Some(existing) => Err(EditError::Exists {
            name: existing,
            location: ports.profiles.location().unwrap_or_default(),
            used_for: NameUse::DiscoverCreate,
        }
        .into()),
        None => Ok(()),
    }
}

/// Writes `[profiles.NAME]` with the searched tenant and the app's client ID (and the cloud
/// when it is not the public one), re-checking that the name is still free.
fn create_profile(
    ports: &TokenPorts<'_>,
    name: &str,
    searched: &Profile,
    app: &Application,
) -> Result<(String, String), Error> {
    let location = ports.profiles.location().unwrap_or_default();
    let mut document = ports.profiles.open()?;
    if let Some(existing) = document.find(name) {
        return Err(EditError::Exists {
            name: existing,
            location,
            used_for: NameUse::DiscoverCreate,
        }
        .into());
    }
    document.put(
        name,
        &ProfileSettings {
            tenant_id: Some(searched.tenant_id.clone()),
            client_id: Some(app.app_id.clone()),
            cloud: (searched.cloud != Cloud::Public).then(|| searched.cloud.name().to_owned()),
            ..ProfileSettings::default()
        },
    );
    document.save()?;
    Ok((name.to_owned(), location))
}

/// What to search and with which token.
pub struct SearchRequest<'a> {
    /// The Graph endpoint, `scheme://host[:port]`.
    pub graph: &'a str,
    /// A token for the Graph `.default` scope of the profile's cloud.
    pub token: &'a SecretString,
    pub pattern: &'a Pattern,
    pub deadline: Instant,
}

/// Every application whose display name matches, sorted by display name (ignoring case), then
/// application ID.
///
/// # Errors
/// [`GraphError`]: refused, unreachable, redirected, not a page (or one too large), a foreign
/// next link, too many pages.
pub async fn search_applications(
    http: &dyn IdpTransport,
    reporter: &dyn Reporter,
    request: &SearchRequest<'_>,
) -> Result<Vec<Application>, GraphError> {
    let filter = request.pattern.server_filter();
    tracing::debug!(filter = ?filter, "searching app registrations");
    let mut url = applications_url(request.graph, filter.as_deref());
    let mut found = Vec::new();
    for _ in 0..MAX_PAGES {
        let reply = get_with_retries(http, reporter, request, &url).await?;
        if (300..400).contains(&reply.status) {
            // Never followed: the request carries the bearer token.
            return Err(GraphError::Redirected {
                status: reply.status,
                graph: request.graph.to_owned(),
                to: reply.redirect_host,
            });
        }
        if !(200..300).contains(&reply.status) {
            return Err(status_error(&reply, request.graph));
        }
        let page: Page = serde_json::from_slice(&reply.body).map_err(|e| GraphError::NotAPage {
            reason: e.to_string(),
        })?;
        found.extend(
            page.value
                .into_iter()
                .map(Application::from)
                .filter(|app| request.pattern.matches(&app.display_name)),
        );
        match page.next_link {
            None => {
                found.sort_by(|a, b| {
                    a.display_name
                        .to_lowercase()
                        .cmp(&b.display_name.to_lowercase())
                        .then_with(|| a.app_id.cmp(&b.app_id))
                });
                return Ok(found);
            }
            Some(next) if same_origin(&next, request.graph) => url = next,
            Some(next) => return Err(GraphError::ForeignNextLink { link: next }),
        }
    }
    Err(GraphError::TooManyPages {
        pages: MAX_PAGES,
        applications: MAX_PAGES.saturating_mul(999),
    })
}

impl From<GraphApplication> for Application {
    fn from(app: GraphApplication) -> Self {
        Self {
            app_id: app.app_id.unwrap_or_default(),
            display_name: app.display_name.unwrap_or_default(),
            sign_in_audience: app.sign_in_audience,
            object_id: app.id.unwrap_or_default(),
            created_at: app.created_date_time,
        }
    }
}

/// GETs one page with the shared retry policy, never past the deadline. Returns the last
/// reply, whatever its status.
async fn get_with_retries(
    http: &dyn IdpTransport,
    reporter: &dyn Reporter,
    request: &SearchRequest<'_>,
    url: &str,
) -> Result<HttpReply, GraphError> {
    let get = HttpGet {
        url: url.to_owned(),
        headers: vec![
            (
                "authorization",
                FormValue::Secret(SecretString::from(format!(
                    "Bearer {}",
                    secrecy::ExposeSecret::expose_secret(request.token)
                ))),
            ),
            ("accept", FormValue::Plain("application/json".to_owned())),
        ],
        // A little past the deadline, so the caller's deadline (exit 5) fires first.
        timeout: request
            .deadline
            .saturating_duration_since(Instant::now())
            .saturating_add(Duration::from_secs(1)),
        max_reply_bytes: GRAPH_PAGE_LIMIT,
    };
    let outcome = send_with_retries(
        &RetryPolicy::GRAPH,
        request.deadline,
        || http.get(&get),
        |notice| reporter.progress(&notice.progress_line("Microsoft Graph")),
    )
    .await;
    match outcome {
        Attempted::Reply { reply, .. } => Ok(reply),
        Attempted::Unreachable { cause, .. } => Err(GraphError::Unreachable {
            graph: request.graph.to_owned(),
            cause,
        }),
        Attempted::Setup(reason) => Err(GraphError::Setup { reason }),
        Attempted::TooLarge { limit } => Err(GraphError::TooLarge {
            graph: request.graph.to_owned(),
            limit,
        }),
    }
}

/// The error for a non-2xx reply, with Graph's code, message and request id when it sent them.
fn status_error(reply: &HttpReply, graph: &str) -> GraphError {
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let field = |pointer: &str| body.pointer(pointer).and_then(serde_json::Value::as_str);
    let text = [field("/error/code"), field("/error/message")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    GraphError::Status {
        status: reply.status,
        graph: graph.to_owned(),
        code_message: (!text.is_empty()).then_some(text),
        request_id: field("/error/innerError/request-id").map(str::to_owned),
    }
}

#[cfg(test)]
mod tests;
