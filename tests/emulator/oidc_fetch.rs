//! How the Entra emulator gets an external issuer's signing keys, as Entra does: GET
//! `{iss}/.well-known/openid-configuration`, check its `issuer` is exactly `iss`, then GET its
//! `jwks_uri`. Only loopback `http://127.0.0.1:PORT` issuers are fetched (the CI emulators, each on
//! its own thread); a tiny blocking HTTP/1.1 client with timeouts and a 1 MiB cap does it, so the
//! emulator's own runtime needs no HTTP client.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

const LIMIT: u64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

/// True for `http://127.0.0.1:PORT…` URLs, the only ones the emulator fetches.
pub fn is_loopback(url: &str) -> bool {
    url.strip_prefix("http://127.0.0.1:").is_some()
}

/// The issuer's JWKS `keys`, found by discovery.
pub fn issuer_keys(issuer: &str) -> Result<Vec<Value>, String> {
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery = get_json(&discovery_url)?;
    if discovery.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err(format!(
            "the discovery document at {discovery_url} names another issuer"
        ));
    }
    let jwks_uri = discovery
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or("the discovery document has no jwks_uri")?;
    let jwks = get_json(jwks_uri)?;
    jwks.get("keys")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| format!("{jwks_uri} has no `keys`"))
}

/// GET `url` (loopback only) and parse a 200's body as JSON.
fn get_json(url: &str) -> Result<Value, String> {
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .ok_or_else(|| format!("{url} is not a loopback http URL"))?;
    let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let port: u16 = port.parse().map_err(|_| format!("bad port in {url}"))?;
    let path = if path.is_empty() { "/" } else { path };
    let mut stream =
        TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), TIMEOUT)
            .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    stream.set_read_timeout(Some(TIMEOUT)).ok();
    stream.set_write_timeout(Some(TIMEOUT)).ok();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("cannot send to {url}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(LIMIT)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read {url}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{url}: no HTTP reply"))?;
    let status = head.split(' ').nth(1).unwrap_or("");
    if status != "200" {
        return Err(format!("{url} answered HTTP {status}"));
    }
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Err(format!("{url}: chunked replies are not supported"));
    }
    serde_json::from_str(body).map_err(|e| format!("{url}: not JSON: {e}"))
}
