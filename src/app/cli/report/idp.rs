//! Wording of `error::idp`: the identity provider's refusals (with Entra's codes and hints) and transport failures.

use super::Report;
use crate::app::usecases::error::{ErrorKind, IdpError, ReplyIds};
use crate::domain::oauth_error::OAuthError;
use crate::domain::token_response::TokenResponseError;

/// `trace id: ..., correlation id: ..., timestamp: ...`.
pub(super) fn ids_line(ids: &ReplyIds) -> String {
    let mut parts = Vec::new();
    if let Some(trace) = &ids.trace {
        parts.push(format!("trace id: {trace}"));
    }
    parts.push(format!("correlation id: {}", ids.correlation));
    if let Some(timestamp) = &ids.timestamp {
        parts.push(format!("timestamp: {timestamp}"));
    }
    parts.join(", ")
}

pub(super) fn idp(kind: ErrorKind, e: &IdpError) -> Report {
    match e {
        IdpError::Unreachable {
            host,
            cause,
            skipped_wait,
        } => {
            let mut r = Report::new(kind, format!("cannot reach the identity provider at {host}"))
                .cause(cause.clone());
            if let Some(wait) = skipped_wait {
                r = r.cause(format!(
                    "not retried: the next attempt would be in {} s, after the --timeout deadline",
                    wait.as_secs_f32().ceil()
                ));
            }
            r.hint("check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the profile's authority host")
        }
        IdpError::Setup { reason } => Report::new(kind, reason.clone()),
        IdpError::Unusable { status, reason } => Report::new(
            kind,
            format!("the identity provider sent an unusable token response (HTTP {status})"),
        )
        .cause(token_response_problem(reason))
        .hint("check that the authority host points at Microsoft Entra ID (or a compatible server)"),
        IdpError::Redirected { status, to } => Report::new(
            kind,
            format!(
                "the identity provider redirected the request to {} (HTTP {status}); it was not followed",
                redirect_target(to.as_deref())
            ),
        )
        .cause("requests to the identity provider carry credentials, so they never follow a redirect")
        .hint("set the authority host (authority_host, AZURE_AUTHORITY_HOST) to the identity provider itself, not to a proxy or a page that forwards"),
        IdpError::TooLarge { host, limit } => Report::new(
            kind,
            format!(
                "the identity provider at {host} sent a reply larger than {}; it was not read further",
                size(*limit)
            ),
        )
        .hint("check that the authority host points at Microsoft Entra ID (or a compatible server)"),
        IdpError::Throttled { detail, ids } => Report::new(
            kind,
            "the identity provider is throttling token requests (HTTP 429)",
        )
        .cause(detail.clone())
        .cause(ids_line(ids))
        .hint("wait a minute before retrying; reuse cached tokens (see ENTRA_AUTH_STORE) instead of requesting new ones")
        .hint("a longer --timeout lets the CLI wait for the server's Retry-After"),
        IdpError::ServerFailed {
            status,
            attempts,
            detail,
            ids,
        } => Report::new(
            kind,
            format!("the identity provider failed with HTTP {status} after {attempts} attempts"),
        )
        .cause(detail.clone())
        .cause(ids_line(ids))
        .hint("this is usually temporary: retry later; if it persists, check the authority host"),
        IdpError::RefusedWithoutDetails {
            status,
            detail,
            ids,
        } => Report::new(
            kind,
            format!("the identity provider refused the request with HTTP {status}"),
        )
        .cause(detail.clone())
        .cause(ids_line(ids))
        .hint("check the authority host, tenant and client ID of the profile"),
        IdpError::Refused(refusal) => refused(
            kind,
            &refusal.oauth,
            &refusal.ids,
            &refusal.client_id,
            &refusal.tenant_id,
        ),
    }
}

/// Which field of a 2xx token response is wrong (never its value, but a short `token_type`).
pub(super) fn token_response_problem(reason: &TokenResponseError) -> String {
    match reason {
        TokenResponseError::NotJson => "the body is not a JSON object".to_owned(),
        TokenResponseError::NoAccessToken => "`access_token` is missing or empty".to_owned(),
        TokenResponseError::NotAString { field } => format!("`{field}` is not a string"),
        TokenResponseError::NotBearer {
            token_type: Some(token_type),
        } => format!("`token_type` is `{token_type}`, not `Bearer`"),
        TokenResponseError::NotBearer { token_type: None } => {
            "`token_type` is not `Bearer`".to_owned()
        }
        TokenResponseError::NoExpiry => {
            "neither `expires_in` nor `expires_on` is a number of seconds".to_owned()
        }
    }
}

/// `evil.example:8080`, or `another location` when the redirect named none.
pub(super) fn redirect_target(to: Option<&str>) -> String {
    to.map_or_else(|| "another location".to_owned(), str::to_owned)
}

/// `1 MiB`, `64 KiB`, `100 bytes`.
pub(super) fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

pub(super) fn refused(
    kind: ErrorKind,
    oauth: &OAuthError,
    ids: &ReplyIds,
    client_id: &str,
    tenant_id: &str,
) -> Report {
    let code = oauth
        .aadsts()
        .map_or_else(String::new, |n| format!(" (AADSTS{n})"));
    let detail = oauth
        .summary()
        .unwrap_or_else(|| "body: (no description)".to_owned());
    let r = Report::new(
        kind,
        format!("authentication failed: {}{code}", oauth.error),
    )
    .cause(detail)
    .cause(ids_line(ids));
    oauth
        .hints(client_id, tenant_id)
        .into_iter()
        .fold(r, Report::hint)
}
