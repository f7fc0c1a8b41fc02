//! [`CredentialEndpoint`] over a plain `std::net::TcpStream`: one HTTP/1.1 GET to a loopback
//! `IDENTITY_ENDPOINT` with `X-IDENTITY-HEADER`, `Connection: close`, a deadline for the whole
//! exchange and a bounded read. No async runtime, no TLS, no proxy: the `az` shim starts in a
//! few milliseconds and only ever talks to its parent on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::ports::credential_endpoint::{
    CredentialEndpoint, ENDPOINT_REPLY_LIMIT, EndpointError, EndpointReply,
};

/// The App Service managed identity API version the endpoint speaks.
const API_VERSION: &str = "2019-08-01";

/// The endpoint from `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`.
pub struct AppServiceEndpoint {
    endpoint: Option<String>,
    header: Option<SecretString>,
    timeout: Duration,
}

impl AppServiceEndpoint {
    /// The endpoint at `endpoint` with secret `header` (either may be missing: every request
    /// then fails with [`EndpointError::NotConfigured`]), answering within `timeout`.
    #[must_use]
    pub fn new(endpoint: Option<String>, header: Option<String>, timeout: Duration) -> Self {
        Self {
            endpoint: endpoint.filter(|e| !e.trim().is_empty()),
            header: header
                .filter(|h| !h.trim().is_empty())
                .map(SecretString::from),
            timeout,
        }
    }
}

impl CredentialEndpoint for AppServiceEndpoint {
    fn get_token(&self, resource: &str) -> Result<EndpointReply, EndpointError> {
        let (Some(endpoint), Some(header)) = (&self.endpoint, &self.header) else {
            return Err(EndpointError::NotConfigured);
        };
        let (address, target, host) = loopback_target(endpoint, resource)?;
        let header = header.expose_secret();
        if header.contains(['\r', '\n']) {
            return Err(EndpointError::NotConfigured);
        }
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: {host}\r\nX-IDENTITY-HEADER: {header}\r\n\
             Accept: application/json\r\nUser-Agent: entra-auth-cli-az-shim\r\n\
             Connection: close\r\n\r\n"
        );
        let deadline = Instant::now() + self.timeout;
        let raw = exchange(address, request.as_bytes(), deadline)?;
        parse_reply(&raw)
    }
}

/// The socket address, request target (path and query) and `Host` value of `endpoint` with
/// `api-version` and `resource` added, when it is `http://` on a loopback IP or `localhost`.
fn loopback_target(
    endpoint: &str,
    resource: &str,
) -> Result<(SocketAddr, String, String), EndpointError> {
    let mut url = Url::parse(endpoint.trim()).map_err(|_| EndpointError::NotLoopback)?;
    if url.scheme() != "http" || !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::NotLoopback);
    }
    let ip: IpAddr = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.into(),
        Some(url::Host::Ipv6(ip)) => ip.into(),
        Some(url::Host::Domain("localhost")) => IpAddr::from([127, 0, 0, 1]),
        _ => return Err(EndpointError::NotLoopback),
    };
    if !ip.is_loopback() {
        return Err(EndpointError::NotLoopback);
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    url.set_fragment(None);
    url.query_pairs_mut()
        .append_pair("api-version", API_VERSION)
        .append_pair("resource", resource);
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Ok((SocketAddr::new(ip, port), target, host))
}

/// Sends `request` and reads the whole reply (the server closes the connection), bounded by
/// [`ENDPOINT_REPLY_LIMIT`] and `deadline`.
fn exchange(
    address: SocketAddr,
    request: &[u8],
    deadline: Instant,
) -> Result<Vec<u8>, EndpointError> {
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(EndpointError::TimedOut)
    };
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => EndpointError::TimedOut,
        _ => EndpointError::Unreachable(e.to_string()),
    };
    let mut stream = TcpStream::connect_timeout(&address, left()?).map_err(io)?;
    stream.set_write_timeout(Some(left()?)).map_err(io)?;
    stream.write_all(request).map_err(io)?;
    let mut reply = Vec::new();
    let mut chunk = [0_u8; 8192];
    loop {
        stream.set_read_timeout(Some(left()?)).map_err(io)?;
        let read = stream.read(&mut chunk).map_err(io)?;
        if read == 0 {
            return Ok(reply);
        }
        if reply.len().saturating_add(read) > ENDPOINT_REPLY_LIMIT {
            return Err(EndpointError::TooLarge {
                limit: ENDPOINT_REPLY_LIMIT,
            });
        }
        reply.extend_from_slice(&chunk[..read]);
        if complete(&reply) {
            return Ok(reply);
        }
    }
}

/// Whether `raw` already holds a whole reply with a `Content-Length` body (so a server that
/// keeps the connection open despite `Connection: close` is not waited for).
fn complete(raw: &[u8]) -> bool {
    let Some((head, body)) = split_head(raw) else {
        return false;
    };
    content_length(head).is_some_and(|length| body.len() >= length)
}

fn split_head(raw: &[u8]) -> Option<(&str, &[u8])> {
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(raw.get(..at)?).ok()?;
    Some((head, raw.get(at + 4..)?))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn content_length(head: &str) -> Option<usize> {
    header(head, "content-length")?.parse().ok()
}

/// The status and body of a raw HTTP/1.1 reply (`Content-Length`, chunked, or up to EOF).
fn parse_reply(raw: &[u8]) -> Result<EndpointReply, EndpointError> {
    let (head, body) = split_head(raw).ok_or(EndpointError::Malformed("no header end"))?;
    let status_line = head.split("\r\n").next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(EndpointError::Malformed("no status line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(EndpointError::Malformed("not HTTP/1.x"));
    }
    let status: u16 = code
        .parse()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or(EndpointError::Malformed("bad status code"))?;
    let chunked = header(head, "transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(body)?
    } else if let Some(length) = content_length(head) {
        body.get(..length)
            .ok_or(EndpointError::Malformed("body shorter than Content-Length"))?
            .to_vec()
    } else {
        body.to_vec()
    };
    Ok(EndpointReply { status, body })
}

/// A chunked body, decoded.
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, EndpointError> {
    const BAD: EndpointError = EndpointError::Malformed("bad chunked body");
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or(BAD)?;
        let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|_| BAD)?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| BAD)?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest.get(..size).ok_or(BAD)?;
        body.extend_from_slice(chunk);
        rest = rest.get(size..).ok_or(BAD)?;
        rest = rest.strip_prefix(b"\r\n").ok_or(BAD)?;
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    use super::{AppServiceEndpoint, loopback_target, parse_reply};
    use crate::ports::credential_endpoint::{CredentialEndpoint, EndpointError};

    /// A one-shot loopback server that records the request and sends `reply`.
    fn serve_once(reply: &'static [u8]) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/msi/token", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0_u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            stream.write_all(reply).unwrap();
            String::from_utf8(request).unwrap()
        });
        (url, handle)
    }

    #[test]
    fn sends_the_app_service_request_and_reads_the_reply() {
        let (url, server) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
        );
        let endpoint =
            AppServiceEndpoint::new(Some(url), Some("s3cret".into()), Duration::from_secs(5));
        let reply = endpoint.get_token("https://vault.azure.net").unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"{\"a\":1}");
        let request = server.join().unwrap();
        assert!(request.starts_with(
            "GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net HTTP/1.1\r\n"
        ));
        assert!(request.contains("\r\nX-IDENTITY-HEADER: s3cret\r\n"));
        assert!(request.contains("\r\nHost: 127.0.0.1:"));
    }

    #[test]
    fn a_reply_without_end_or_too_big_is_an_error_not_a_hang() {
        let (url, _server) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\nabc");
        let endpoint = AppServiceEndpoint::new(Some(url), Some("h".into()), Duration::from_secs(5));
        // The server closes after a short body: the length check reports it.
        assert_eq!(
            endpoint.get_token("r").unwrap_err(),
            EndpointError::Malformed("body shorter than Content-Length")
        );
    }

    #[test]
    fn only_loopback_http_endpoints() {
        for bad in [
            "https://127.0.0.1:1/msi/token",
            "http://169.254.169.254/msi/token",
            "http://example.com/msi/token",
            "http://user:pw@127.0.0.1/x",
            "not a url",
        ] {
            assert_eq!(
                loopback_target(bad, "r").unwrap_err(),
                EndpointError::NotLoopback,
                "{bad}"
            );
        }
        let (address, target, host) =
            loopback_target("http://localhost:8081/msi/token?x=1", "r").unwrap();
        assert_eq!(address.to_string(), "127.0.0.1:8081");
        assert_eq!(target, "/msi/token?x=1&api-version=2019-08-01&resource=r");
        assert_eq!(host, "localhost:8081");
        let missing = AppServiceEndpoint::new(None, Some("h".into()), Duration::from_secs(1));
        assert_eq!(
            missing.get_token("r").unwrap_err(),
            EndpointError::NotConfigured
        );
    }

    #[test]
    fn chunked_and_garbage_replies() {
        let reply =
            parse_reply(b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!((reply.status, reply.body.as_slice()), (401, &b"abcde"[..]));
        assert!(parse_reply(b"garbage").is_err());
        assert!(parse_reply(b"HTTP/1.1 999 X\r\n\r\n").is_err());
        assert!(
            parse_reply(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"
            )
            .is_err()
        );
        assert!(
            parse_reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").is_err()
        );
    }
}
