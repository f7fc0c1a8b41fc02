//! The `discover` use case: list app registrations through Microsoft Graph
//! (`GET {graph}/v1.0/applications`), narrowed on the server where OData can express the
//! pattern and matched here otherwise (see `domain::graph_filter`), following every
//! `@odata.nextLink` (same origin only, at most [`MAX_PAGES`] pages). Written against ports.

use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::error::{AppError, ErrorKind};
use crate::domain::graph_filter::{Pattern, applications_url, same_origin};
use crate::ports::idp::{FormValue, HttpGet, HttpReply, IdpTransport, TransportError};
use crate::ports::reporter::Reporter;

/// The most pages followed (999 applications each).
pub const MAX_PAGES: usize = 100;
/// Attempts per page, the first one included (429, 5xx and dropped connections are retried).
const MAX_ATTEMPTS: u32 = 3;
const BACKOFF: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(1)];
/// The wait after a 429 without `Retry-After`.
const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(5);

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
/// `Auth` (exit 3) when Graph refuses the token or the permission; `Network` (exit 4) when it
/// cannot be reached or keeps failing, or sends something that is not a page of applications;
/// `Usage` (exit 1) for a query Graph rejects or more than [`MAX_PAGES`] pages; `Config` for
/// another client error (a wrong `ENTRA_AUTH_GRAPH_ENDPOINT`).
pub async fn search_applications(
    http: &dyn IdpTransport,
    reporter: &dyn Reporter,
    request: &SearchRequest<'_>,
) -> Result<Vec<Application>, AppError> {
    let filter = request.pattern.server_filter();
    tracing::debug!(filter = ?filter, "searching app registrations");
    let mut url = applications_url(request.graph, filter.as_deref());
    let mut found = Vec::new();
    for _ in 0..MAX_PAGES {
        let reply = get_with_retries(http, reporter, request, &url).await?;
        if !(200..300).contains(&reply.status) {
            return Err(status_error(&reply, request.graph));
        }
        let page: Page = serde_json::from_slice(&reply.body).map_err(|e| {
            AppError::new(
                ErrorKind::Network,
                "Microsoft Graph sent something that is not a list of applications",
            )
            .cause(e.to_string())
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
            Some(next) => {
                return Err(AppError::new(
                    ErrorKind::Network,
                    "Microsoft Graph sent a next-page link to another host; it was not followed",
                )
                .cause(format!("@odata.nextLink: {next}")));
            }
        }
    }
    Err(AppError::new(
        ErrorKind::Usage,
        format!(
            "more than {MAX_PAGES} pages of app registrations ({} applications); stopped",
            MAX_PAGES * 999
        ),
    )
    .hint("narrow the search with a name prefix, e.g. -s 'MyApp*' (Graph filters prefixes itself)"))
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

/// GETs one page, retrying 429, 5xx and connection failures (`Retry-After` or a short backoff),
/// never past the deadline. Returns the last reply, whatever its status.
async fn get_with_retries(
    http: &dyn IdpTransport,
    reporter: &dyn Reporter,
    request: &SearchRequest<'_>,
    url: &str,
) -> Result<HttpReply, AppError> {
    let mut attempt = 1;
    loop {
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
            timeout: request.deadline.saturating_duration_since(Instant::now())
                + Duration::from_secs(1),
        };
        let result = http.get(&get).await;
        let backoff = BACKOFF[(attempt as usize - 1).min(BACKOFF.len() - 1)];
        let (wait, what) = match &result {
            Ok(reply) if reply.status == 429 || reply.status >= 500 => (
                reply.retry_after.unwrap_or(if reply.status == 429 {
                    DEFAULT_THROTTLE_WAIT
                } else {
                    backoff
                }),
                format!("answered HTTP {}", reply.status),
            ),
            Ok(_) => return result.map_err(|_| unreachable!()),
            Err(TransportError::Setup(message)) => {
                return Err(AppError::new(ErrorKind::Config, message.clone()));
            }
            Err(TransportError::Unreachable(_)) => (backoff, "could not be reached".to_owned()),
        };
        if attempt >= MAX_ATTEMPTS || Instant::now() + wait >= request.deadline {
            return match result {
                Ok(reply) => Ok(reply),
                Err(e) => Err(AppError::new(
                    ErrorKind::Network,
                    format!("cannot reach Microsoft Graph at {}", request.graph),
                )
                .cause(e.to_string())
                .hint("check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)")),
            };
        }
        reporter.progress(&format!(
            "Microsoft Graph {what}; retrying in {:.1} s (attempt {} of {MAX_ATTEMPTS})",
            wait.as_secs_f32(),
            attempt + 1
        ));
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The error for a non-2xx reply, with Graph's code, message and request id when it sent them.
fn status_error(reply: &HttpReply, graph: &str) -> AppError {
    let status = reply.status;
    let (kind, message, hint) = match status {
        401 | 403 => (
            ErrorKind::Auth,
            format!("Microsoft Graph refused to list app registrations (HTTP {status})"),
            Some(
                "the identity needs Microsoft Graph's Application.Read.All permission: an \
                 application permission with admin consent for client-credentials profiles, a \
                 delegated permission for signed-in users",
            ),
        ),
        400 => (
            ErrorKind::Usage,
            format!("Microsoft Graph rejected the search (HTTP {status})"),
            None,
        ),
        429 | 500..=599 => (
            ErrorKind::Network,
            format!("Microsoft Graph kept failing (HTTP {status})"),
            Some("try again later"),
        ),
        _ if (400..500).contains(&status) => (
            ErrorKind::Config,
            format!("Microsoft Graph at {graph} answered HTTP {status}"),
            Some("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
        ),
        _ => (
            ErrorKind::Network,
            format!("Microsoft Graph answered HTTP {status}"),
            None,
        ),
    };
    let mut error = AppError::new(kind, message);
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let field = |pointer: &str| body.pointer(pointer).and_then(serde_json::Value::as_str);
    let text = [field("/error/code"), field("/error/message")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    if !text.is_empty() {
        error = error.cause(printable(&text));
    }
    if let Some(id) = field("/error/innerError/request-id") {
        error = error.cause(format!("request id: {}", printable(id)));
    }
    match hint {
        Some(hint) => error.hint(hint),
        None => error,
    }
}

/// Server text, without control characters and at most 300 characters.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests;
