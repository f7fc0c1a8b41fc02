//! Unit tests of the `discover` use case against a scripted transport: paging, the same-origin
//! rule for next links, the page limit, error mapping and retries.

use std::sync::Mutex;

use async_trait::async_trait;
use secrecy::SecretString;
use tokio::time::{Duration, Instant};

use super::{SearchRequest, search_applications};
use crate::app::usecases::error::{Error, ErrorKind, GraphError};
use crate::domain::graph_filter::Pattern;
use crate::ports::idp::{FormPost, FormValue, HttpGet, HttpReply, IdpTransport, TransportError};
use crate::ports::reporter::MockReporter;

/// Answers GETs from a script (its last reply repeats) and records the URLs; every request must
/// carry the bearer token.
struct Script {
    replies: Mutex<Vec<(u16, String)>>,
    seen: Mutex<Vec<String>>,
}

#[async_trait]
impl IdpTransport for Script {
    async fn post_form(&self, _: &FormPost) -> Result<HttpReply, TransportError> {
        unreachable!("discover only GETs")
    }
    async fn post_empty(&self, _: &HttpGet) -> Result<HttpReply, TransportError> {
        unreachable!("discover only GETs")
    }
    async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
        let bearer = request.headers.iter().any(|(name, value)| {
            *name == "authorization"
                && matches!(value, FormValue::Secret(s)
                    if secrecy::ExposeSecret::expose_secret(s) == "Bearer T")
        });
        assert!(bearer, "no bearer token on {}", request.url);
        self.seen.lock().unwrap().push(request.url.clone());
        let mut replies = self.replies.lock().unwrap();
        let (status, body) = if replies.len() > 1 {
            replies.remove(0)
        } else {
            replies[0].clone()
        };
        Ok(HttpReply {
            status,
            retry_after: None,
            request_id: None,
            redirect_host: None,
            body: body.into_bytes(),
        })
    }
}

fn script(replies: &[(u16, &str)]) -> Script {
    Script {
        replies: Mutex::new(replies.iter().map(|(s, b)| (*s, (*b).to_owned())).collect()),
        seen: Mutex::new(Vec::new()),
    }
}

async fn search(http: &Script, pattern: &str) -> Result<Vec<String>, GraphError> {
    let mut reporter = MockReporter::new();
    reporter.expect_progress().return_const(());
    let token = SecretString::from("T");
    let pattern = Pattern::new(pattern);
    let request = SearchRequest {
        graph: "https://graph.microsoft.com",
        token: &token,
        pattern: &pattern,
        deadline: Instant::now() + Duration::from_secs(60),
    };
    let apps = search_applications(http, &reporter, &request).await?;
    Ok(apps.into_iter().map(|a| a.display_name).collect())
}

#[tokio::test]
async fn follows_next_links_filters_and_sorts() {
    let http = script(&[
        (
            200,
            r#"{"value":[{"appId":"1","displayName":"b-test"},{"appId":"2","displayName":"other"}],
                "@odata.nextLink":"https://graph.microsoft.com/v1.0/applications?$skiptoken=x"}"#,
        ),
        (200, r#"{"value":[{"appId":"3","displayName":"A-TEST"}]}"#),
    ]);
    assert_eq!(search(&http, "*test*").await.unwrap(), ["A-TEST", "b-test"]);
    let seen = http.seen.lock().unwrap();
    assert!(!seen[0].contains("$filter"), "{}", seen[0]);
    assert_eq!(
        seen[1],
        "https://graph.microsoft.com/v1.0/applications?$skiptoken=x"
    );
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let http = script(&[(
        200,
        r#"{"value":[],"@odata.nextLink":"https://evil.example/v1.0/applications"}"#,
    )]);
    let error = search(&http, "*").await.unwrap_err();
    assert!(
        matches!(error, GraphError::ForeignNextLink { .. }),
        "{error:?}"
    );
    assert_eq!(Error::from(error).kind(), ErrorKind::Network);
    assert_eq!(http.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn paging_stops_after_max_pages() {
    let http = script(&[(
        200,
        r#"{"value":[],"@odata.nextLink":"https://graph.microsoft.com/v1.0/applications?$skiptoken=x"}"#,
    )]);
    let error = search(&http, "*").await.unwrap_err();
    assert!(
        matches!(error, GraphError::TooManyPages { pages: 100, .. }),
        "{error:?}"
    );
    assert_eq!(Error::from(error).kind(), ErrorKind::Usage);
    assert_eq!(http.seen.lock().unwrap().len(), super::MAX_PAGES);
}

#[tokio::test]
async fn forbidden_is_an_auth_error_naming_the_permission() {
    let http = script(&[(
        403,
        r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"request-id":"r-1"}}}"#,
    )]);
    let error = search(&http, "x*").await.unwrap_err();
    assert_eq!(
        error,
        GraphError::Status {
            status: 403,
            graph: "https://graph.microsoft.com".into(),
            code_message: Some(
                "Authorization_RequestDenied: Insufficient privileges to complete the operation."
                    .into()
            ),
            request_id: Some("r-1".into()),
        }
    );
    assert_eq!(Error::from(error).kind(), ErrorKind::Auth);
    assert!(http.seen.lock().unwrap()[0].contains("$filter=startswith"));
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_then_exit_4() {
    let http = script(&[(503, ""), (200, r#"{"value":[{"displayName":"x"}]}"#)]);
    assert_eq!(search(&http, "x").await.unwrap(), ["x"]);
    let http = script(&[(500, ""), (502, ""), (503, "")]);
    let error = search(&http, "x").await.unwrap_err();
    assert_eq!(Error::from(error).kind(), ErrorKind::Network);
    assert_eq!(http.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let http = script(&[(302, "")]);
    let error = search(&http, "x").await.unwrap_err();
    assert_eq!(
        error,
        GraphError::Redirected {
            status: 302,
            graph: "https://graph.microsoft.com".into(),
            to: None,
        }
    );
    assert_eq!(Error::from(error).kind(), ErrorKind::Network);
    assert_eq!(http.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn pages_are_read_with_a_limit_and_an_oversized_one_is_an_error() {
    struct TooLarge(Mutex<Vec<usize>>);
    #[async_trait]
    impl IdpTransport for TooLarge {
        async fn post_form(&self, _: &FormPost) -> Result<HttpReply, TransportError> {
            unreachable!("discover only GETs")
        }
        async fn post_empty(&self, _: &HttpGet) -> Result<HttpReply, TransportError> {
            unreachable!("discover only GETs")
        }
        async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
            self.0.lock().unwrap().push(request.max_reply_bytes);
            Err(TransportError::TooLarge {
                limit: request.max_reply_bytes,
            })
        }
    }
    let http = TooLarge(Mutex::new(Vec::new()));
    let mut reporter = MockReporter::new();
    reporter.expect_progress().return_const(());
    let token = SecretString::from("T");
    let pattern = Pattern::new("x");
    let request = SearchRequest {
        graph: "https://graph.microsoft.com",
        token: &token,
        pattern: &pattern,
        deadline: Instant::now() + Duration::from_secs(60),
    };
    let error = search_applications(&http, &reporter, &request)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        GraphError::TooLarge {
            graph: "https://graph.microsoft.com".into(),
            limit: crate::ports::idp::GRAPH_PAGE_LIMIT,
        }
    );
    assert_eq!(Error::from(error).kind(), ErrorKind::Network);
    assert_eq!(
        *http.0.lock().unwrap(),
        [crate::ports::idp::GRAPH_PAGE_LIMIT],
        "asked once, with the page limit, never retried"
    );
}
