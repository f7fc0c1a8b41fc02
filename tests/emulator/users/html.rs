//! HTML the sign-in pages send: Entra's error page (no redirect), the auto-submitting
//! `form_post` page, and small informational pages. Every echoed value is escaped.

use super::super::errors::EntraError;
use super::super::ids;
use super::super::responses::RequestCtx;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

/// Escapes text for element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A `text/html; charset=utf-8` page that is never cached, with `x-ms-request-id`.
pub fn page(status: StatusCode, title: &str, body: &str, ctx: &RequestCtx) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>{body}</body></html>\n",
        escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        headers.insert("x-ms-request-id", v);
    }
    response
}

/// Entra's "Sorry, but we're having trouble signing you in" page: the request cannot be sent
/// back to the app (unknown app, bad redirect URI), so nothing redirects.
pub fn error_page(error: &EntraError, ctx: &RequestCtx) -> Response {
    let timestamp = ids::entra_timestamp(jiff::Timestamp::now());
    let body = format!(
        "<h1>Sign in</h1><h2>Sorry, but we're having trouble signing you in.</h2>\n\
         <p id=\"error\">AADSTS{}: {}</p>\n\
         <p>Request Id: {}<br>Correlation Id: {}<br>Timestamp: {}<br>Message: {}</p>\n",
        error.code,
        escape(&error.message),
        ctx.trace_id,
        escape(&ctx.correlation_id),
        timestamp,
        error.error,
    );
    page(error.status, "Sign in to your account", &body, ctx)
}

/// The `response_mode=form_post` page: posts `fields` to `action` as soon as it loads.
pub fn form_post(action: &str, fields: &[(&str, String)], ctx: &RequestCtx) -> Response {
    let mut inputs = String::new();
    for (name, value) in fields {
        let _ = write!(
            inputs,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\" />",
            escape(name),
            escape(value)
        );
    }
    let body = format!(
        "<form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}\
         <noscript><p>Script is disabled. Click Submit to continue.</p>\
         <input type=\"submit\" value=\"Submit\" /></noscript></form>\n\
         <script language=\"javascript\">document.forms[0].submit();</script>\n",
        escape(action)
    );
    page(StatusCode::OK, "Working...", &body, ctx)
}
