//! The IdP transport over reqwest (rustls). The HTTP client is built on the first request, so
//! a cache hit never pays for TLS roots or client setup. Redirects are never followed (a 3xx is
//! handed back as a reply), and a reply body is read chunk by chunk up to the request's
//! `max_reply_bytes`, no further (see `ports::idp`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::ports::idp::{FormPost, FormValue, HttpGet, HttpReply, IdpTransport, TransportError};

const USER_AGENT: &str = concat!("entra-auth-cli/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// `localhost` is loopback without a lookup (RFC 6761 section 6.3): a static binary in an empty
/// root, or a container without `/etc/hosts`, has no other way to know it (port 0 = the URL's).
const LOCALHOST: [SocketAddr; 2] = [
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
];

/// reqwest-backed transport. Requests to loopback and link-local hosts (an emulator, the
/// managed identity endpoints) go through a direct client that skips proxies and system TLS
/// roots; everything else uses the platform verifier and the proxy environment. Each client is
/// built on its first request. On Linux the verifier's roots are the bundle in `SSL_CERT_FILE`
/// and/or the directories in `SSL_CERT_DIR` when set, else the system bundle; they are read when
/// that client is built, so never on a cache hit. Names resolve through the C library's
/// resolver (in the static build: glibc's built-in `/etc/hosts` and DNS, no NSS modules), except
/// `localhost`.
#[derive(Default)]
pub struct HttpTransport {
    direct: OnceLock<Result<reqwest::Client, String>>,
    proxied: OnceLock<Result<reqwest::Client, String>>,
}

/// True for hosts that must never go through a proxy: loopback (`127.0.0.0/8`, `::1`,
/// `localhost`) and IPv4 link-local (`169.254.0.0/16`, IMDS).
fn is_direct(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl HttpTransport {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self, url: &str) -> Result<&reqwest::Client, TransportError> {
        let direct = is_direct(url);
        let cell = if direct { &self.direct } else { &self.proxied };
        cell.get_or_init(|| {
            let mut builder = reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(CONNECT_TIMEOUT)
                // Every request carries a credential (secret, assertion, code, refresh token,
                // X-IDENTITY-HEADER, bearer token): following a redirect would hand it to
                // whatever host the `Location` names.
                .redirect(reqwest::redirect::Policy::none())
                .resolve_to_addrs("localhost", &LOCALHOST);
            if direct {
                builder = builder.no_proxy().tls_certs_only([]);
            }
            builder.build().map_err(|e| {
                let cause = error_chain(&e);
                if direct {
                    cause
                } else {
                    // Nearly always the roots: say where they come from.
                    format!(
                        "{cause} (TLS roots come from the PEM bundle in SSL_CERT_FILE or the directories in SSL_CERT_DIR, else the system's CA bundle)"
                    )
                }
            })
        })
        .as_ref()
        .map_err(|e| TransportError::Setup(format!("could not set up the HTTP client: {e}")))
    }
}

/// `error: cause: cause` on one line, the way reqwest's nested errors read best.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A short reason for a failed send: `connection refused`, `timed out`, or the innermost cause.
fn describe_send_error(error: &reqwest::Error) -> String {
    let mut innermost: &dyn std::error::Error = error;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let root = innermost.to_string();
    if error.is_timeout() {
        format!("the request timed out ({root})")
    } else if error.is_connect() {
        format!("could not connect: {root}")
    } else {
        format!("the connection failed: {root}")
    }
}

fn encode_form(form: &[(&'static str, FormValue)]) -> Zeroizing<String> {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in form {
        match value {
            FormValue::Plain(text) => serializer.append_pair(name, text),
            FormValue::Secret(secret) => serializer.append_pair(name, secret.expose_secret()),
        };
    }
    Zeroizing::new(serializer.finish())
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[async_trait]
impl IdpTransport for HttpTransport {
    #[tracing::instrument(level = "debug", name = "http", skip_all)]
    async fn post_form(&self, request: &FormPost) -> Result<HttpReply, TransportError> {
        let client = self.client(&request.url)?;
        let body = encode_form(&request.form);
        let started = Instant::now();
        let response = client
            .post(&request.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .header("client-request-id", &request.client_request_id)
            .header("return-client-request-id", "true")
            .body(body.as_str().to_owned())
            .send()
            .await;
        let outcome = match response {
            Ok(response) => reply(response, request.max_reply_bytes).await,
            Err(e) => Err(TransportError::Unreachable(describe_send_error(&e))),
        };
        log_call("POST", &request.url, started, &outcome);
        outcome
    }

    #[tracing::instrument(level = "debug", name = "http", skip_all)]
    async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
        let client = self.client(&request.url)?;
        let started = Instant::now();
        let outcome = with_headers(client.get(&request.url), request).await;
        log_call("GET", &request.url, started, &outcome);
        outcome
    }

    #[tracing::instrument(level = "debug", name = "http", skip_all)]
    async fn post_empty(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
        let client = self.client(&request.url)?;
        let started = Instant::now();
        let builder = client
            .post(&request.url)
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .body(Vec::new());
        let outcome = with_headers(builder, request).await;
        log_call("POST", &request.url, started, &outcome);
        outcome
    }
}

/// One `-v` line per call: method, URL (no query: it may name what is asked for, never a
/// secret, but stays short), status or failure, and the time it took.
fn log_call(
    method: &str,
    url: &str,
    started: Instant,
    outcome: &Result<HttpReply, TransportError>,
) {
    let url = url.split('?').next().unwrap_or(url);
    let millis = started.elapsed().as_millis();
    match outcome {
        Ok(reply) => match &reply.request_id {
            Some(id) => tracing::debug!(
                "{method} {url}: {} in {millis} ms (x-ms-request-id {id})",
                reply.status
            ),
            None => tracing::debug!("{method} {url}: {} in {millis} ms", reply.status),
        },
        Err(error) => tracing::debug!("{method} {url}: failed after {millis} ms: {error}"),
    }
}

/// Sends `builder` with `request`'s headers, timeout and reply limit.
async fn with_headers(
    builder: reqwest::RequestBuilder,
    request: &HttpGet,
) -> Result<HttpReply, TransportError> {
    let mut builder = builder.timeout(request.timeout);
    for (name, value) in &request.headers {
        let value = match value {
            FormValue::Plain(text) => text.as_str(),
            FormValue::Secret(secret) => secret.expose_secret(),
        };
        builder = builder.header(*name, value);
    }
    let response = builder
        .send()
        .await
        .map_err(|e| TransportError::Unreachable(describe_send_error(&e)))?;
    reply(response, request.max_reply_bytes).await
}

/// `host[:port]` of a redirect's `Location`, resolved against the URL that answered; never the
/// user info, path or query.
fn redirect_host(
    base: &url::Url,
    location: Option<&reqwest::header::HeaderValue>,
) -> Option<String> {
    let target = base.join(location?.to_str().ok()?).ok()?;
    let host = target.host_str()?;
    Some(match target.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Reads the body chunk by chunk; more than `limit` bytes is `TooLarge`, and reading stops
/// there (so an endless body costs at most `limit` bytes of memory).
async fn read_body(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, TransportError> {
    let too_large = TransportError::TooLarge { limit };
    let announced = response.content_length().unwrap_or(0);
    if announced > u64::try_from(limit).unwrap_or(u64::MAX) {
        return Err(too_large);
    }
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TransportError::Unreachable(error_chain(&e)))?
    {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn reply(mut response: reqwest::Response, limit: usize) -> Result<HttpReply, TransportError> {
    let status = response.status().as_u16();
    let headers = response.headers();
    let retry_after = retry_after(headers);
    let request_id = headers
        .get("x-ms-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let redirect_host = if response.status().is_redirection() {
        redirect_host(response.url(), headers.get(reqwest::header::LOCATION))
    } else {
        None
    };
    let body = read_body(&mut response, limit).await?;
    Ok(HttpReply {
        status,
        retry_after,
        request_id,
        redirect_host,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::{encode_form, is_direct, redirect_host};
    use crate::ports::idp::FormValue;

    #[test]
    fn loopback_and_link_local_hosts_skip_the_proxy() {
        for url in [
            "http://127.0.0.1:8080/t/oauth2/v2.0/token",
            "http://localhost:1/x",
            "http://[::1]:9/x",
            "http://169.254.169.254/metadata/identity/oauth2/token",
        ] {
            assert!(is_direct(url), "{url}");
        }
        for url in ["https://login.microsoftonline.com/t", "not a url"] {
            assert!(!is_direct(url), "{url}");
        }
    }

    #[test]
    fn a_redirect_names_its_host_only() {
        let base = url::Url::parse("http://127.0.0.1:9/t/oauth2/v2.0/token").unwrap();
        let host = |location: &str| {
            redirect_host(
                &base,
                Some(&reqwest::header::HeaderValue::from_str(location).unwrap()),
            )
        };
        assert_eq!(
            host("http://user:pw@evil.example:8080/steal?secret=1").as_deref(),
            Some("evil.example:8080")
        );
        assert_eq!(
            host("https://evil.example/x").as_deref(),
            Some("evil.example")
        );
        assert_eq!(host("/elsewhere").as_deref(), Some("127.0.0.1:9"));
        assert_eq!(host("http://[::1]:7/").as_deref(), Some("[::1]:7"));
        assert_eq!(redirect_host(&base, None), None);
    }

    #[test]
    fn form_encoding_escapes_secrets() {
        let body = encode_form(&[
            ("grant_type", FormValue::Plain("client_credentials".into())),
            ("client_secret", FormValue::Secret("a+b&c=d~".into())),
        ]);
        assert_eq!(
            body.as_str(),
            "grant_type=client_credentials&client_secret=a%2Bb%26c%3Dd%7E"
        );
    }
}
