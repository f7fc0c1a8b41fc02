//! One call to Entra's token or device-code endpoint as the user experiences it: the shared
//! retry policy inside the deadline, then the reply turned into a token or a typed error with
//! the IdP's codes and ids.

use tokio::time::Instant;

use crate::app::usecases::error::{IdpError, Refusal, ReplyIds};
use crate::app::usecases::http_retry::{Attempted, RetryPolicy, send_with_retries};
use crate::domain::oauth_error::OAuthError;
use crate::domain::profile::Profile;
use crate::domain::text::excerpt;
use crate::domain::token::Token;
use crate::domain::token_response::parse_token_response;
use crate::ports::idp::{FormPost, FormValue, HttpReply, IdpTransport, TOKEN_REPLY_LIMIT};
use crate::ports::reporter::Reporter;

/// POSTs `request` with the identity provider's retry policy, never past `deadline`. Returns the
/// last reply, whatever its status.
///
/// # Errors
/// `Unreachable` when no attempt got a reply; `Setup` when the HTTP client cannot be built.
pub async fn post_with_retries(
    idp: &dyn IdpTransport,
    request: &FormPost,
    deadline: Instant,
    reporter: &dyn Reporter,
    host: &str,
) -> Result<HttpReply, IdpError> {
    let policy = RetryPolicy::IDENTITY_PROVIDER;
    let outcome = send_with_retries(
        &policy,
        deadline,
        || idp.post_form(request),
        |notice| reporter.progress(&notice.progress_line("the identity provider")),
    )
    .await;
    match outcome {
        Attempted::Reply { reply, .. } => Ok(reply),
        Attempted::Unreachable {
            cause,
            skipped_wait,
        } => Err(IdpError::Unreachable {
            host: host.to_owned(),
            cause,
            skipped_wait,
        }),
        Attempted::Setup(reason) => Err(IdpError::Setup { reason }),
        Attempted::TooLarge { limit } => Err(IdpError::TooLarge {
            host: host.to_owned(),
            limit,
        }),
    }
}

/// POSTs `form` to `url`, an endpoint of `profile`'s authority (token, device code), as request
/// `client_request_id`: the reply is read up to [`TOKEN_REPLY_LIMIT`], and sent with
/// [`post_with_retries`] (errors name the authority).
///
/// # Errors
/// As [`post_with_retries`].
pub async fn post_to_authority(
    idp: &dyn IdpTransport,
    reporter: &dyn Reporter,
    profile: &Profile,
    url: String,
    form: Vec<(&'static str, FormValue)>,
    client_request_id: &str,
    deadline: Instant,
) -> Result<HttpReply, IdpError> {
    let request = FormPost {
        url,
        form,
        client_request_id: client_request_id.to_owned(),
        max_reply_bytes: TOKEN_REPLY_LIMIT,
    };
    post_with_retries(
        idp,
        &request,
        deadline,
        reporter,
        profile.authority.as_str(),
    )
    .await
}

fn ids(oauth: Option<&OAuthError>, reply: &HttpReply, client_request_id: &str) -> ReplyIds {
    ReplyIds {
        trace: oauth
            .and_then(|o| o.trace_id.clone())
            .or_else(|| reply.request_id.clone()),
        correlation: oauth
            .and_then(|o| o.correlation_id.clone())
            .unwrap_or_else(|| client_request_id.to_owned()),
        timestamp: oauth.and_then(|o| o.timestamp.clone()),
    }
}

/// Turns the final reply of a token request into a token (received at `now`) or an error.
///
/// # Errors
/// `Refused`/`RefusedWithoutDetails` for 4xx; `Redirected` for 3xx; `Throttled`, `ServerFailed`
/// and `Unusable` otherwise.
pub fn interpret_token_reply(
    reply: &HttpReply,
    now: i64,
    requested_scope: &str,
    profile: &Profile,
    client_request_id: &str,
) -> Result<Token, IdpError> {
    let status = reply.status;
    if (200..300).contains(&status) {
        return parse_token_response(&reply.body, now, requested_scope, &profile.tenant_id)
            .map_err(|reason| IdpError::Unusable { status, reason });
    }
    Err(refusal(reply, profile, client_request_id))
}

/// The error for a non-2xx reply of the token or device-code endpoint (a 3xx is never
/// followed: the request carried a credential).
#[must_use]
pub fn refusal(reply: &HttpReply, profile: &Profile, client_request_id: &str) -> IdpError {
    let status = reply.status;
    if (300..400).contains(&status) {
        return IdpError::Redirected {
            status,
            to: reply.redirect_host.clone(),
        };
    }
    let oauth = OAuthError::parse(&reply.body);
    let ids = ids(oauth.as_ref(), reply, client_request_id);
    let detail = oauth
        .as_ref()
        .and_then(OAuthError::summary)
        .unwrap_or_else(|| {
            let start = excerpt(&reply.body, 200);
            if start.is_empty() {
                "body: (empty body)".to_owned()
            } else {
                format!("body: {start}")
            }
        });
    if status == 429 {
        return IdpError::Throttled { detail, ids };
    }
    if !(400..500).contains(&status) {
        return IdpError::ServerFailed {
            status,
            attempts: RetryPolicy::IDENTITY_PROVIDER.max_attempts,
            detail,
            ids,
        };
    }
    match oauth {
        None => IdpError::RefusedWithoutDetails {
            status,
            detail,
            ids,
        },
        Some(oauth) => IdpError::Refused(Box::new(Refusal {
            oauth,
            ids,
            client_id: profile.client_id.clone(),
            tenant_id: profile.tenant_id.clone(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::{interpret_token_reply, post_with_retries};
    use crate::app::usecases::error::{Error, ErrorKind, IdpError, Refusal, ReplyIds};
    use crate::domain::profile::ProfileSettings;
    use crate::ports::idp::{FormPost, HttpReply, MockIdpTransport, TransportError};
    use crate::ports::reporter::MockReporter;
    use std::time::Duration;
    use tokio::time::Instant;

    fn reply(status: u16, retry_after: Option<u64>, body: &str) -> HttpReply {
        HttpReply {
            status,
            retry_after: retry_after.map(Duration::from_secs),
            request_id: Some("req-1".into()),
            redirect_host: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn request() -> FormPost {
        FormPost {
            url: "http://127.0.0.1:1/t/oauth2/v2.0/token".into(),
            form: Vec::new(),
            client_request_id: "crid".into(),
            max_reply_bytes: crate::ports::idp::TOKEN_REPLY_LIMIT,
        }
    }

    fn quiet() -> MockReporter {
        let mut r = MockReporter::new();
        r.expect_progress().return_const(());
        r.expect_warn().return_const(());
        r
    }

    /// [`post_with_retries`] of [`request`] to `host`, with `secs` seconds from now.
    async fn post(idp: &MockIdpTransport, secs: u64, host: &str) -> Result<HttpReply, IdpError> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        post_with_retries(idp, &request(), deadline, &quiet(), host).await
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
        let r = post(&idp, 60, "h").await.unwrap();
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
        let r = post(&idp, 60, "h").await.unwrap();
        assert_eq!(r.status, 503);
    }

    #[tokio::test(start_paused = true)]
    async fn never_waits_past_the_deadline() {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form()
            .times(1)
            .returning(|_| Ok(reply(429, Some(120), "")));
        let r = post(&idp, 30, "h").await.unwrap();
        assert_eq!(r.status, 429);
    }

    #[tokio::test(start_paused = true)]
    async fn an_oversized_reply_is_not_retried() {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form()
            .times(1)
            .returning(|_| Err(TransportError::TooLarge { limit: 1024 }));
        let e = post(&idp, 60, "http://127.0.0.1:1").await.unwrap_err();
        assert_eq!(
            e,
            IdpError::TooLarge {
                host: "http://127.0.0.1:1".into(),
                limit: 1024
            }
        );
        assert_eq!(Error::from(e).kind(), ErrorKind::Network);
    }

    #[tokio::test(start_paused = true)]
    async fn connection_failures_become_network_errors() {
        let mut idp = MockIdpTransport::new();
        idp.expect_post_form()
            .times(3)
            .returning(|_| Err(TransportError::Unreachable("connection refused".into())));
        let e = post(&idp, 60, "http://127.0.0.1:1").await.unwrap_err();
        assert!(
            matches!(&e, IdpError::Unreachable { cause, .. } if cause.contains("refused")),
            "{e:?}"
        );
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

    /// The kind of error a `status` reply with `body` is.
    fn kind(p: &crate::domain::profile::Profile, status: u16, body: &str) -> ErrorKind {
        let e = interpret_token_reply(&reply(status, None, body), 0, "s", p, "c").unwrap_err();
        Error::from(e).kind()
    }

    #[test]
    fn classifies_replies_into_exit_kinds() {
        let p = profile();
        let entra = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: tr","error_codes":[7000215],"trace_id":"tr","correlation_id":"co","timestamp":"2025-01-01 00:00:00Z"}"#;
        let e = interpret_token_reply(&reply(401, None, entra), 0, "s", &p, "crid").unwrap_err();
        assert_eq!(e.aadsts(), Some(7_000_215));
        assert_eq!(Error::from(e.clone()).kind(), ErrorKind::Auth);
        let IdpError::Refused(refusal) = e else {
            panic!("{e:?}")
        };
        let Refusal {
            oauth,
            ids,
            client_id,
            ..
        } = *refusal;
        assert_eq!(oauth.error, "invalid_client");
        assert_eq!(client_id, "app-1");
        assert_eq!(
            ids,
            ReplyIds {
                trace: Some("tr".into()),
                correlation: "co".into(),
                timestamp: Some("2025-01-01 00:00:00Z".into()),
            }
        );

        assert_eq!(kind(&p, 400, "<html>"), ErrorKind::Auth);
        assert_eq!(kind(&p, 200, "<html>"), ErrorKind::Network);
        let mut redirect = reply(307, None, "");
        redirect.redirect_host = Some("evil.example:8080".into());
        let e = interpret_token_reply(&redirect, 0, "s", &p, "c").unwrap_err();
        assert_eq!(
            e,
            IdpError::Redirected {
                status: 307,
                to: Some("evil.example:8080".into())
            }
        );
        assert_eq!(Error::from(e).kind(), ErrorKind::Network);
        let e = interpret_token_reply(
            &reply(
                200,
                None,
                r#"{"access_token":"secret-at","token_type":"pop","expires_in":60}"#,
            ),
            0,
            "s",
            &p,
            "c",
        )
        .unwrap_err();
        assert_eq!(
            e,
            IdpError::Unusable {
                status: 200,
                reason: crate::domain::token_response::TokenResponseError::NotBearer {
                    token_type: Some("pop".into())
                }
            }
        );
        assert_eq!(kind(&p, 503, "x"), ErrorKind::Network);
        assert_eq!(kind(&p, 429, "x"), ErrorKind::Network);
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
