//! Wording of `error::graph`: Microsoft Graph for `discover`.

use super::Report;
use super::idp::{redirect_target, size};
use crate::app::usecases::error::{ErrorKind, GraphError};
use crate::domain::text::clip;

pub(super) fn graph(kind: ErrorKind, e: &GraphError) -> Report {
    match e {
        GraphError::BadEndpoint { reason } => Report::new(
            kind,
            "ENTRA_AUTH_GRAPH_ENDPOINT is not a usable Microsoft Graph endpoint",
        )
        .cause(reason.clone())
        .hint("use https://HOST (plain http only for 127.0.0.1 or localhost), or unset it"),
        GraphError::Unreachable { graph, cause } => {
            Report::new(kind, format!("cannot reach Microsoft Graph at {graph}"))
                .cause(cause.clone())
                .hint("check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)")
        }
        GraphError::Setup { reason } => Report::new(kind, reason.clone()),
        GraphError::Status {
            status,
            graph,
            code_message,
            request_id,
        } => {
            let (message, hint) = match status {
                401 | 403 => (
                    format!("Microsoft Graph refused to list app registrations (HTTP {status})"),
                    Some(
                        "the identity needs Microsoft Graph's Application.Read.All permission: an \
                         application permission with admin consent for client-credentials profiles, a \
                         delegated permission for signed-in users",
                    ),
                ),
                400 => (
                    format!("Microsoft Graph rejected the search (HTTP {status})"),
                    None,
                ),
                429 | 500..=599 => (
                    format!("Microsoft Graph kept failing (HTTP {status})"),
                    Some("try again later"),
                ),
                400..=499 => (
                    format!("Microsoft Graph at {graph} answered HTTP {status}"),
                    Some("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
                ),
                _ => (format!("Microsoft Graph answered HTTP {status}"), None),
            };
            let mut r = Report::new(kind, message);
            if let Some(text) = code_message {
                r = r.cause(clip(text, 300));
            }
            if let Some(id) = request_id {
                r = r.cause(format!("request id: {}", clip(id, 300)));
            }
            match hint {
                Some(hint) => r.hint(hint),
                None => r,
            }
        }
        GraphError::NotAPage { reason } => Report::new(kind, e.to_string()).cause(reason.clone()),
        GraphError::ForeignNextLink { link } => Report::new(
            kind,
            "Microsoft Graph sent a next-page link to another host; it was not followed",
        )
        .cause(format!("@odata.nextLink: {}", clip(link, 300))),
        GraphError::Redirected { status, graph, to } => Report::new(
            kind,
            format!(
                "Microsoft Graph at {graph} redirected the request to {} (HTTP {status}); it was not followed",
                redirect_target(to.as_deref())
            ),
        )
        .cause("Graph requests carry an access token, so they never follow a redirect")
        .hint("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
        GraphError::TooLarge { graph, limit } => Report::new(
            kind,
            format!(
                "Microsoft Graph at {graph} sent a page larger than {}; it was not read further",
                size(*limit)
            ),
        )
        .hint("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
        GraphError::TooManyPages {
            pages,
            applications,
        } => Report::new(
            kind,
            format!("more than {pages} pages of app registrations ({applications} applications); stopped"),
        )
        .hint("narrow the search with a name prefix, e.g. -s 'MyApp*' (Graph filters prefixes itself)"),
        GraphError::TimedOut => Report::new(
            kind,
            "timed out listing app registrations in Microsoft Graph",
        )
        .hint("raise the limit with --timeout (e.g. --timeout 2m), or narrow the pattern with a prefix (-s 'MyApp*')"),
        GraphError::NotExactlyOne { matches, pattern } => Report::new(
            kind,
            format!(
                "--create-profile needs exactly one matching app registration; {matches} match `{}`",
                clip(pattern, 300)
            ),
        )
        .hint("give the exact display name without `*` (e.g. -s 'Billing API'), then retry"),
    }
}
