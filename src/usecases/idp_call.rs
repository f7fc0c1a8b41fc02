//! One call to the token endpoint as the user experiences it: bounded retries for throttling,
//! 5xx and dropped connections inside the `--timeout` deadline, then the reply turned into a
//! token or an error that says what happened and what to do.

use std::time::Duration;

use tokio::time::Instant;

use super::error::{AppError, ErrorKind};
use crate::domain::oauth_error::OAuthError;
use crate::domain::profile::Profile;
use crate::domain::token::Token;
use crate::domain::token_response::parse_token_response;
use crate::ports::idp::{FormPost, HttpReply, IdpTransport, TransportError};
use crate::ports::reporter::Reporter;

/// Attempts per call, the first one included.
pub const MAX_ATTEMPTS: u32 = 3;
/// Waits between attempts when the server gave no `Retry-After`.
const BACKOFF: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(1)];
/// The wait after a 429 without `Retry-After` (MSAL's default).
const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(5);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// POSTs `request`, retrying 429, 5xx and connection failures with `Retry-After` or a bounded
/// backoff, never past `deadline`. Returns the last reply, whatever its status.
///
/// # Errors
/// A `Network` error when no attempt got a reply.
pub async fn post_with_retries(
    idp: &dyn IdpTransport,
    request: &FormPost,
    deadline: Instant,
    reporter: &dyn Reporter,
    host: &str,
) -> Result<HttpReply, AppError> {
    let mut attempt = 1;
    loop {
        let result = idp.post_form(request).await;
        let wait = match &result {
            Ok(reply) if is_retryable_status(reply.status) => {
                reply.retry_after.unwrap_or_else(|| {
                    if reply.status == 429 {
                        DEFAULT_THROTTLE_WAIT
                    } else {
                        BACKOFF[(attempt as usize - 1).min(BACKOFF.len() - 1)]
                    }
                })
            }
            Ok(_) => return result.map_err(|_| unreachable_error(host, "")),
            Err(TransportError::Setup(message)) => {
                return Err(AppError::new(ErrorKind::Config, message.clone()));
            }
            Err(TransportError::Unreachable(_)) => {
                BACKOFF[(attempt as usize - 1).min(BACKOFF.len() - 1)]
            }
        }
        .min(MAX_RETRY_AFTER);
        let what = match &result {
            Ok(reply) => format!("answered HTTP {}", reply.status),
            Err(_) => "could not be reached".to_owned(),
        };
        if attempt >= MAX_ATTEMPTS {
            return finish(result, host, None);
        }
        if Instant::now() + wait >= deadline {
            let note = format!(
                "not retried: the next attempt would be in {} s, after the --timeout deadline",
                wait.as_secs_f32().ceil()
            );
            return finish(result, host, Some(note));
        }
        reporter.progress(&format!(
            "the identity provider {what}; retrying in {:.1} s (attempt {} of {MAX_ATTEMPTS})",
            wait.as_secs_f32(),
            attempt + 1
        ));
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

fn finish(
    result: Result<HttpReply, TransportError>,
    host: &str,
    note: Option<String>,
) -> Result<HttpReply, AppError> {
    match result {
        Ok(reply) => Ok(reply),
        Err(e) => {
            let mut error = unreachable_error(host, &e.to_string());
            if let Some(note) = note {
                error = error.cause(note);
            }
            Err(error)
        }
    }
}

fn unreachable_error(host: &str, cause: &str) -> AppError {
    AppError::new(ErrorKind::Network, format!("cannot reach the identity provider at {host}"))
        .cause(cause.to_owned())
        .hint("check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the profile's authority host")
}

/// The start of a body, printable and short, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() {
        "(empty body)".to_owned()
    } else {
        cleaned
    }
}

/// `trace id: ..., correlation id: ..., timestamp: ...` from whatever the IdP sent.
fn ids_line(oauth: Option<&OAuthError>, reply: &HttpReply, client_request_id: &str) -> String {
    let trace = oauth
        .and_then(|o| o.trace_id.clone())
        .or_else(|| reply.request_id.clone());
    let correlation = oauth
        .and_then(|o| o.correlation_id.clone())
        .unwrap_or_else(|| client_request_id.to_owned());
    let mut parts = Vec::new();
    if let Some(trace) = trace {
        parts.push(format!("trace id: {trace}"));
    }
    parts.push(format!("correlation id: {correlation}"));
    if let Some(timestamp) = oauth.and_then(|o| o.timestamp.clone()) {
        parts.push(format!("timestamp: {timestamp}"));
    }
    parts.join(", ")
}

/// Turns the final reply of a token request into a token (received at `now`) or an error.
///
/// # Errors
/// `Auth` when the IdP refused (4xx); `Network` for throttling, 5xx, redirects and unusable
/// 2xx bodies.
pub fn interpret_token_reply(
    reply: &HttpReply,
    now: i64,
    requested_scope: &str,
    profile: &Profile,
    client_request_id: &str,
) -> Result<Token, AppError> {
    let status = reply.status;
    if (200..300).contains(&status) {
        return parse_token_response(&reply.body, now, requested_scope, &profile.tenant_id).map_err(|e| {
            AppError::new(
                ErrorKind::Network,
                format!("the identity provider sent an unusable token response (HTTP {status})"),
            )
            .cause(e.to_string())
            .cause(format!("body starts with: {}", snippet(&reply.body)))
            .hint("check that the authority host points at Microsoft Entra ID (or a compatible server)")
        });
    }
    let oauth = OAuthError::parse(&reply.body);
    let ids = ids_line(oauth.as_ref(), reply, client_request_id);
    let detail = oauth
        .as_ref()
        .and_then(OAuthError::summary)
        .unwrap_or_else(|| format!("body: {}", snippet(&reply.body)));
    if status == 429 {
        return Err(AppError::new(
            ErrorKind::Network,
            "the identity provider is throttling token requests (HTTP 429)",
        )
        .cause(detail)
        .cause(ids)
        .hint("wait a minute before retrying; reuse cached tokens (see ENTRA_AUTH_STORE) instead of requesting new ones")
        .hint("a longer --timeout lets the CLI wait for the server's Retry-After"));
    }
    if status >= 500 || !(400..500).contains(&status) {
        return Err(AppError::new(
            ErrorKind::Network,
            format!(
                "the identity provider failed with HTTP {status} after {MAX_ATTEMPTS} attempts"
            ),
        )
        .cause(detail)
        .cause(ids)
        .hint("this is usually temporary: retry later; if it persists, check the authority host"));
    }
    let Some(oauth) = oauth else {
        return Err(AppError::new(
            ErrorKind::Auth,
            format!("the identity provider refused the request with HTTP {status}"),
        )
        .cause(detail)
        .cause(ids)
        .hint("check the authority host, tenant and client ID of the profile"));
    };
    let code = oauth
        .aadsts()
        .map_or_else(String::new, |n| format!(" (AADSTS{n})"));
    let mut error = AppError::new(
        ErrorKind::Auth,
        format!("authentication failed: {}{code}", oauth.error),
    )
    .cause(detail)
    .cause(ids);
    for hint in oauth.hints(&profile.client_id, &profile.tenant_id) {
        error = error.hint(hint);
    }
    error.aadsts = oauth.aadsts();
    Err(error)
}

/// A random UUID v4 for `client-request-id`.
#[must_use]
pub fn new_request_id() -> String {
    crate::adapters::random::uuid_v4()
}

#[cfg(test)]
mod tests {
    use super::{interpret_token_reply, post_with_retries};
    use crate::domain::profile::ProfileSettings;
    use crate::ports::idp::{FormPost, HttpReply, MockIdpTransport, TransportError};
    use crate::ports::reporter::MockReporter;
    use crate::usecases::error::ErrorKind;
    use std::time::Duration;
    use tokio::time::Instant;

    fn reply(status: u16, retry_after: Option<u64>, body: &str) -> HttpReply {
        HttpReply {
            status,
            retry_after: retry_after.map(Duration::from_secs),
            request_id: Some("req-1".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    fn request() -> FormPost {
        FormPost {
            url: "http://127.0.0.1:1/t/oauth2/v2.0/token".into(),
            form: Vec::new(),
            client_request_id: "crid".into(),
        }
    }

    fn quiet() -> MockReporter {
        let mut r = MockReporter::new();
        r.expect_progress().return_const(());
        r.expect_warn().return_const(());
        r
    }

    #[tokio::test(start_paused = true)]
    async fn retries_429_with_retry_after_then_succeeds() {
        let mut idp = MockIdpTransport::new();
        let mut seq = mockall::Sequence::new();
        idp.expect_post_form()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(reply(429, Some(7), "Too Many Requests")));
        idp.expect_post_form()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(reply(200, None, "{}")));
        let start = Instant::now();
        let r = post_with_retries(
            &idp,
            &request(),
            start + Duration::from_secs(60),
            &quiet(),
            "h",
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200);
        assert!(
            start.elapsed() >= Duration::from_secs(7),
            "waited for Retry-After"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_attempts_on_5xx() {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form()
            .times(3)
            .returning(|_| Ok(reply(503, None, "Service Unavailable")));
        let r = post_with_retries(
            &idp,
            &request(),
            Instant::now() + Duration::from_secs(60),
            &quiet(),
            "h",
        )
        .await
        .unwrap();
        assert_eq!(r.status, 503);
    }

    #[tokio::test(start_paused = true)]
    async fn never_waits_past_the_deadline() {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form()
            .times(1)
            .returning(|_| Ok(reply(429, Some(120), "")));
        let r = post_with_retries(
            &idp,
            &request(),
            Instant::now() + Duration::from_secs(30),
            &quiet(),
            "h",
        )
        .await
        .unwrap();
        assert_eq!(r.status, 429);
    }

    #[tokio::test(start_paused = true)]
    async fn connection_failures_become_network_errors() {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form()
            .times(3)
            .returning(|_| Err(TransportError::Unreachable("connection refused".into())));
        let e = post_with_retries(
            &idp,
            &request(),
            Instant::now() + Duration::from_secs(60),
            &quiet(),
            "http://127.0.0.1:1",
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Network);
        assert!(e.causes[0].contains("refused"));
    }

    fn profile() -> crate::domain::profile::Profile {
        ProfileSettings {
            tenant_id: Some("t".into()),
            client_id: Some("app-1".into()),
            ..ProfileSettings::default()
        }
        .validate("p")
        .unwrap()
    }

    #[test]
    fn classifies_replies_into_exit_kinds() {
        let p = profile();
        let entra = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: tr","error_codes":[7000215],"trace_id":"tr","correlation_id":"co","timestamp":"2025-01-01 00:00:00Z"}"#;
        let e = interpret_token_reply(&reply(401, None, entra), 0, "s", &p, "crid").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
        assert_eq!(
            e.message,
            "authentication failed: invalid_client (AADSTS7000215)"
        );
        assert_eq!(
            e.causes[1],
            "trace id: tr, correlation id: co, timestamp: 2025-01-01 00:00:00Z"
        );
        assert!(e.hints[0].contains("app-1"));

        assert_eq!(
            interpret_token_reply(&reply(400, None, "<html>"), 0, "s", &p, "c")
                .unwrap_err()
                .kind,
            ErrorKind::Auth
        );
        assert_eq!(
            interpret_token_reply(&reply(200, None, "<html>"), 0, "s", &p, "c")
                .unwrap_err()
                .kind,
            ErrorKind::Network
        );
        assert_eq!(
            interpret_token_reply(&reply(503, None, "x"), 0, "s", &p, "c")
                .unwrap_err()
                .kind,
            ErrorKind::Network
        );
        assert_eq!(
            interpret_token_reply(&reply(429, None, "x"), 0, "s", &p, "c")
                .unwrap_err()
                .kind,
            ErrorKind::Network
        );
        let ok = interpret_token_reply(
            &reply(200, None, r#"{"access_token":"a","expires_in":60}"#),
            5,
            "s",
            &p,
            "c",
        )
        .unwrap();
        assert_eq!(ok.expires_on, 65);
    }
}
