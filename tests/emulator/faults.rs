//! Fault injection for the token endpoint (and the managed identity endpoints and Graph, which
//! take the same faults): the `Fault` catalogue and how each one answers. Besides a failing
//! Entra, it plays a hostile or broken server: redirects, endless bodies, arbitrary replies.

use super::connection::ConnHandle;
use super::errors::EntraError;
use super::responses::{CachePolicy, RequestCtx};
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A way to answer a token request other than normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After` and the plain-text body `Too Many Requests`, as Entra sends it.
    TooManyRequests { retry_after_secs: u64 },
    /// 500 with a full Entra JSON error body (`server_error`, AADSTS50000).
    ServerError,
    /// 503, text/plain `Service Unavailable`, no `Retry-After`.
    ServiceUnavailablePlainText,
    /// 503, text/plain `Service Unavailable`, with `Retry-After`.
    ServiceUnavailableRetryAfter { retry_after_secs: u64 },
    /// Sleep this long (without blocking other requests), then answer normally.
    Slow(Duration),
    /// Close the TCP connection without sending any HTTP response byte.
    DropConnection,
    /// 200 with `<html>not json</html>` as text/html.
    Garbage200,
    /// This status with an HTML gateway page (an invalid status becomes 502).
    NonJsonStatus(u16),
    /// This status (a 3xx such as 307, which keeps the method and body) with `Location` set to
    /// `location`, and a short HTML body.
    Redirect { status: u16, location: String },
    /// 200, `application/json`, and a body that never ends (chunked, 64 KiB chunks of spaces
    /// after an opening `{`), until the client stops reading.
    EndlessBody,
    /// This status with this body as `application/json` (e.g. a 200 with `token_type: pop`, or
    /// an error whose description holds terminal escapes).
    Json { status: u16, body: String },
}

/// Applies `fault`. `None` means "now answer normally" (only `Slow` does that).
pub async fn apply(fault: Fault, ctx: &RequestCtx, conn: &ConnHandle) -> Option<Response> {
    let response = match fault {
        Fault::TooManyRequests { retry_after_secs } => plain(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            Some(retry_after_secs),
            ctx,
        ),
        Fault::ServerError => EntraError::server_error().into_response(ctx, CachePolicy::NoStore),
        Fault::ServiceUnavailablePlainText => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            None,
            ctx,
        ),
        Fault::ServiceUnavailableRetryAfter { retry_after_secs } => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            Some(retry_after_secs),
            ctx,
        ),
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            return None;
        }
        Fault::DropConnection => {
            // The connection's writer now fails, so hyper closes the socket without writing.
            conn.kill();
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Fault::Garbage200 => html(StatusCode::OK, "<html>not json</html>"),
        Fault::NonJsonStatus(code) => html(
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
            "<html><body>Bad Gateway</body></html>",
        ),
        Fault::Redirect { status, location } => {
            let mut response = html(
                StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT),
                "<html><body>Moved</body></html>",
            );
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Fault::EndlessBody => {
            let mut response = Response::new(Body::new(Endless { started: false }));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Fault::Json { status, body } => {
            let mut response = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                body,
            )
                .into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
    };
    Some(response)
}

/// A body that never ends: `{`, then 64 KiB of spaces per frame, forever. hyper asks for the
/// next frame only when the socket takes more, so a client that stops reading stops it.
struct Endless {
    started: bool,
}

static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];

impl HttpBody for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        let chunk = if self.started {
            Bytes::from_static(&SPACES)
        } else {
            self.started = true;
            Bytes::from_static(b"{")
        };
        Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        false
    }
}

fn plain(
    status: StatusCode,
    body: &'static str,
    retry_after: Option<u64>,
    ctx: &RequestCtx,
) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        headers.insert("x-ms-request-id", v);
    }
    response
}

fn html(status: StatusCode, body: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}
