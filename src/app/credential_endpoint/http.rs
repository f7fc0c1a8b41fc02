//! HTTP/1.1 as little as the credential endpoint needs: request heads read with a size cap and
//! ONE deadline per head (from its first byte; from the connection's start for the first head, so
//! trickling a byte at a time never extends it), a short keep-alive idle limit, no bodies (a
//! request with one is refused), and JSON replies.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::connections::{Phase, Slot};
use super::reply::{Reply, reason};
use super::request::Head;

/// The largest request head read; larger is refused with 431.
pub const HEAD_LIMIT: usize = 16 * 1024;
/// The most header lines read.
const MAX_HEADERS: usize = 64;
/// How long a request head may take to arrive whole, from its first byte (the first head of a
/// connection: from the connection's start).
pub const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// How long an idle keep-alive connection is kept.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a reply may take to write.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What arrived on a connection.
pub enum Incoming {
    /// A complete request head; `keep_alive` when the client may send another.
    Request { head: Head, keep_alive: bool },
    /// The client closed, went idle too long, or sent an incomplete head in time.
    Closed,
    /// An unusable request: reply with this status and close.
    Unusable { status: u16, message: &'static str },
}

/// One client connection.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    /// What one read takes in, kept between reads.
    chunk: Box<[u8; 4096]>,
}

impl Connection {
    #[must_use]
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buffer: Vec::with_capacity(1024),
            chunk: Box::new([0; 4096]),
        }
    }

    /// Reads the next request head. `first`: the connection's first, which must arrive whole
    /// within [`HEAD_DEADLINE`] of now; later ones may wait [`IDLE_TIMEOUT`] for their first
    /// byte. `slot` learns when a head has started.
    pub async fn next_request(&mut self, first: bool, slot: &Slot) -> Incoming {
        let now = tokio::time::Instant::now();
        let mut deadline = (first || !self.buffer.is_empty()).then(|| now + HEAD_DEADLINE);
        let idle_until = now + IDLE_TIMEOUT;
        if deadline.is_some() {
            slot.set_phase(Phase::Head);
        }
        loop {
            match parse(&self.buffer) {
                Parsed::Complete(head, used, keep_alive) => {
                    self.buffer.drain(..used);
                    return Incoming::Request { head, keep_alive };
                }
                Parsed::Unusable(status, message) => {
                    return Incoming::Unusable { status, message };
                }
                Parsed::Partial if self.buffer.len() >= HEAD_LIMIT => {
                    return Incoming::Unusable {
                        status: 431,
                        message: "the request head is too large",
                    };
                }
                Parsed::Partial => {}
            }
            let room = HEAD_LIMIT
                .saturating_sub(self.buffer.len())
                .min(self.chunk.len());
            let Some(space) = self.chunk.get_mut(..room) else {
                return Incoming::Closed;
            };
            let until = deadline.unwrap_or(idle_until);
            match tokio::time::timeout_at(until, self.stream.read(space)).await {
                Ok(Ok(read)) if read > 0 => {
                    self.buffer
                        .extend_from_slice(space.get(..read).unwrap_or_default());
                    if deadline.is_none() {
                        deadline = Some(tokio::time::Instant::now() + HEAD_DEADLINE);
                        slot.set_phase(Phase::Head);
                    }
                }
                _ => return Incoming::Closed,
            }
        }
    }

    /// Writes a JSON reply.
    ///
    /// # Errors
    /// The client went away or did not read it in time.
    pub async fn send(&mut self, reply: &Reply, keep_alive: bool) -> io::Result<()> {
        self.send_bytes(&response_bytes(reply, keep_alive)).await
    }

    /// Writes a whole response made by [`response_bytes`].
    ///
    /// # Errors
    /// The client went away or did not read it in time.
    pub async fn send_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        tokio::time::timeout(WRITE_TIMEOUT, self.stream.write_all(bytes))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
    }
}

/// The HTTP response for a JSON reply: head and body in one buffer (one write).
#[must_use]
pub fn response_bytes(reply: &Reply, keep_alive: bool) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: {}\r\n\r\n",
        reply.status,
        reason(reply.status),
        reply.body.len(),
        if keep_alive { "keep-alive" } else { "close" },
    );
    let mut bytes = Vec::with_capacity(head.len() + reply.body.len());
    bytes.extend_from_slice(head.as_bytes());
    bytes.extend_from_slice(reply.body.as_bytes());
    bytes
}

enum Parsed {
    Complete(Head, usize, bool),
    Partial,
    Unusable(u16, &'static str),
}

fn parse(buffer: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let used = match request.parse(buffer) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => return Parsed::Unusable(431, "too many headers"),
        Err(_) => return Parsed::Unusable(400, "malformed HTTP request"),
    };
    let (Some(method), Some(target)) = (request.method, request.path) else {
        return Parsed::Unusable(400, "malformed HTTP request");
    };
    let mut head = Head {
        method: method.to_owned(),
        target: target.to_owned(),
        headers: Vec::with_capacity(request.headers.len()),
    };
    for header in request.headers.iter() {
        let Ok(value) = std::str::from_utf8(header.value) else {
            return Parsed::Unusable(400, "a header value is not UTF-8");
        };
        head.headers
            .push((header.name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    // No request this endpoint serves has a body; one that says it has is not read.
    let has_body = head.headers.iter().any(|(name, value)| {
        name == "transfer-encoding" || (name == "content-length" && value != "0")
    });
    if has_body {
        return Parsed::Unusable(413, "request bodies are not accepted");
    }
    let closes = head
        .headers
        .iter()
        .any(|(name, value)| name == "connection" && value.eq_ignore_ascii_case("close"));
    let keep_alive = request.version == Some(1) && !closes;
    Parsed::Complete(head, used, keep_alive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(raw: &str) -> (Head, usize, bool) {
        match parse(raw.as_bytes()) {
            Parsed::Complete(head, used, keep_alive) => (head, used, keep_alive),
            _ => panic!("not complete: {raw:?}"),
        }
    }

    fn unusable(raw: &[u8]) -> u16 {
        match parse(raw) {
            Parsed::Unusable(status, _) => status,
            _ => panic!("not refused"),
        }
    }

    #[test]
    fn heads_are_read_with_lower_case_names_and_keep_alive() {
        let raw = "GET /msi/token?resource=x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-IDENTITY-HEADER: a \r\n\r\nGET";
        let (head, used, keep_alive) = complete(raw);
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/msi/token?resource=x");
        assert_eq!(
            head.headers[1],
            ("x-identity-header".to_owned(), "a".to_owned())
        );
        assert_eq!(used, raw.len() - 3);
        assert!(keep_alive);
        let (_, _, keep_alive) = complete("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n");
        assert!(!keep_alive);
        let (_, _, keep_alive) = complete("GET / HTTP/1.0\r\n\r\n");
        assert!(!keep_alive);
    }

    #[test]
    fn partial_heads_wait_and_bad_ones_are_refused() {
        assert!(matches!(parse(b"GET /msi/tok"), Parsed::Partial));
        assert_eq!(unusable(b"\x00\x01 garbage\r\n\r\n"), 400);
        assert_eq!(
            unusable(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            413
        );
        assert_eq!(
            unusable(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            413
        );
        let many: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(
            unusable(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            431
        );
    }
}
