//! The tokio loopback listener that receives the authorization response (RFC 8252) on
//! 127.0.0.1 and ::1 (the redirect URI says `localhost`, which a browser may resolve to either):
//! one hand-parsed HTTP/1.1 request per connection, `state` checked in constant time, responses
//! with another `state` answered and ignored.

use std::borrow::Cow;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use zeroize::Zeroizing;

use crate::domain::constant_time;
use crate::ports::redirect_listener::{LoopbackServer, RedirectListener, RedirectOutcome};

/// Request line plus headers.
const HEAD_LIMIT: usize = 16 * 1024;
/// A `form_post` body.
const BODY_LIMIT: usize = 64 * 1024;
/// A client that has not sent a whole request by then is dropped (browsers open idle
/// speculative connections; they never hold up the others, which are served concurrently).
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: usize = 16;
/// How long and how much a refused request's leftovers are read before closing.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);
const DRAIN_LIMIT: usize = 256 * 1024;
/// Ephemeral ports tried when the one 127.0.0.1 got is taken on ::1 by another program.
const EPHEMERAL_ATTEMPTS: usize = 8;

const BAD_REQUEST: &str = "400 Bad Request";
const SIGNED_IN: &str = "Signed in. You can close this tab and return to the terminal.";
const OTHER_STATE: &str = "This sign-in response does not belong to the sign-in the terminal is \
                           waiting for (another state), so it was ignored. Finish the sign-in in \
                           the browser tab the terminal opened.";

/// Binds 127.0.0.1 and ::1 with tokio.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioRedirectListener;

/// Why ::1 was not bound next to 127.0.0.1.
enum V6Bind {
    /// Another program has the port on ::1: a browser resolving `localhost` to ::1 would reach
    /// it instead of us.
    Taken,
    /// No IPv6 loopback on this machine: 127.0.0.1 is all `localhost` can mean.
    Unavailable,
}

async fn bind_v6(port: u16) -> Result<Option<TcpListener>, V6Bind> {
    match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
        Ok(listener) => Ok(Some(listener)),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(V6Bind::Taken),
        Err(e) => {
            tracing::debug!(error = %e, "no IPv6 loopback; listening on 127.0.0.1 only");
            Err(V6Bind::Unavailable)
        }
    }
}

async fn bind_v4(port: u16) -> Result<(TcpListener, u16), String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => format!("port {port} is already in use on 127.0.0.1"),
            _ => format!("could not listen on 127.0.0.1:{port}: {e}"),
        })?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("could not read the listening port: {e}"))?
        .port();
    Ok((listener, bound))
}

#[async_trait]
impl RedirectListener for TokioRedirectListener {
    async fn bind(&self, port: u16) -> Result<Box<dyn LoopbackServer>, String> {
        let attempts = if port == 0 { EPHEMERAL_ATTEMPTS } else { 1 };
        for _ in 0..attempts {
            let (v4, bound) = bind_v4(port).await?;
            let v6 = match bind_v6(bound).await {
                Ok(v6) => v6,
                Err(V6Bind::Unavailable) => None,
                // An ephemeral port: try another one.
                Err(V6Bind::Taken) if port == 0 => continue,
                Err(V6Bind::Taken) => {
                    return Err(format!("port {port} is already in use on ::1"));
                }
            };
            tracing::debug!(port = bound, ipv6 = v6.is_some(), "loopback listener bound");
            return Ok(Box::new(TokioLoopbackServer {
                v4,
                v6,
                port: bound,
                ignored: Arc::new(AtomicU32::new(0)),
            }));
        }
        Err("could not find a port free on both 127.0.0.1 and ::1".to_owned())
    }
}

struct TokioLoopbackServer {
    v4: TcpListener,
    v6: Option<TcpListener>,
    port: u16,
    /// Responses with another `state`, counted by the connection tasks.
    ignored: Arc<AtomicU32>,
}

/// Accepts on `listener`, or never when there is none.
async fn accept_on(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

#[async_trait]
impl LoopbackServer for TokioLoopbackServer {
    fn port(&self) -> u16 {
        self.port
    }

    fn ignored_responses(&self) -> u32 {
        self.ignored.load(Ordering::Relaxed)
    }

    async fn wait_for_redirect(&mut self, expected_state: &str) -> Result<RedirectOutcome, String> {
        let expected: Arc<str> = Arc::from(expected_state);
        // Dropping the set (on return, or when the caller's deadline drops us) aborts the rest.
        let mut connections = JoinSet::new();
        loop {
            let room = connections.len() < MAX_CONNECTIONS;
            let accepted = tokio::select! {
                accepted = self.v4.accept(), if room => accepted,
                accepted = accept_on(self.v6.as_ref()), if room => accepted,
                Some(joined) = connections.join_next() => {
                    if let Ok(Some(outcome)) = joined {
                        return Ok(outcome);
                    }
                    continue;
                }
            };
            match accepted {
                Ok((stream, _)) => {
                    let ignored = Arc::clone(&self.ignored);
                    connections.spawn(serve(stream, Arc::clone(&expected), ignored));
                }
                Err(e) => {
                    tracing::debug!(error = %e, "loopback accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// A status line and a small HTML page.
struct Reply {
    status: &'static str,
    page: String,
}

impl Reply {
    fn new(status: &'static str, message_html: &str) -> Self {
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>entra-auth-cli</title></head><body>{message_html}</body></html>\n"
        );
        Self { status, page }
    }

    fn plain(status: &'static str) -> Self {
        Self::new(status, &format!("<p>{}</p>", &status[4..]))
    }
}

/// One parsed request; the body (a `form_post` code) is wiped on drop.
struct Request {
    method: String,
    target: String,
    form_body: bool,
    body: Zeroizing<Vec<u8>>,
}

/// Serves one connection: `Some` when it carried the authorization response for `expected`.
async fn serve(
    mut stream: TcpStream,
    expected: Arc<str>,
    ignored: Arc<AtomicU32>,
) -> Option<RedirectOutcome> {
    let Ok(Ok(request)) = tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await
    else {
        tracing::debug!("loopback client closed or sent no complete request in time");
        return None;
    };
    let refused = request.is_err();
    let (reply, verdict) = match request {
        Ok(request) => judge(&request, &expected),
        Err(status) => (Reply::plain(status), Verdict::Unrelated),
    };
    let outcome = match verdict {
        Verdict::Ours(outcome) => Some(outcome),
        Verdict::OtherState => {
            // Saturating: a flood of forged requests cannot wrap the count.
            let _ = ignored.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(1))
            });
            None
        }
        Verdict::Unrelated => None,
    };
    // The outcome stands even when the browser went away before reading the page.
    let _ = tokio::time::timeout(WRITE_TIMEOUT, write_reply(&mut stream, &reply)).await;
    if refused {
        // Closing with unread input makes the kernel send a reset, which can discard the reply.
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain(&mut stream)).await;
    }
    outcome
}

/// Reads and discards what a refused client still sends, up to a bound.
async fn drain(stream: &mut TcpStream) {
    let mut sink = [0_u8; 4096];
    let mut total = 0;
    while total < DRAIN_LIMIT {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => break,
            Ok(read) => total += read,
        }
    }
}

/// Reads the head (up to [`HEAD_LIMIT`]) and a `Content-Length` body (up to [`BODY_LIMIT`]).
/// The inner `Err` is the status for a request we refuse to parse.
async fn read_request(stream: &mut TcpStream) -> io::Result<Result<Request, &'static str>> {
    let mut buffer = Zeroizing::new(vec![0_u8; HEAD_LIMIT]);
    let mut filled = 0;
    let head_len = loop {
        if let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if filled == HEAD_LIMIT {
            return Ok(Err("431 Request Header Fields Too Large"));
        }
        match stream.read(&mut buffer[filled..]).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            read => filled += read,
        }
    };
    let head = std::str::from_utf8(&buffer[..head_len]).map_err(|_| BAD_REQUEST);
    let (method, target, length, form_body) = match head.and_then(parse_head) {
        Ok(parsed) => parsed,
        Err(status) => return Ok(Err(status)),
    };
    let mut body = Zeroizing::new(vec![0_u8; length]);
    let body_start = head_len + 4;
    let already = (filled - body_start).min(length);
    body[..already].copy_from_slice(&buffer[body_start..body_start + already]);
    stream.read_exact(&mut body[already..]).await?;
    let (method, target) = (method.to_owned(), target.to_owned());
    Ok(Ok(Request {
        method,
        target,
        form_body,
        body,
    }))
}

/// `(method, target, content length, form-encoded body?)` from the request line and headers.
fn parse_head(head: &str) -> Result<(&str, &str, usize, bool), &'static str> {
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or_default().split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BAD_REQUEST);
    };
    if !version.starts_with("HTTP/1.") {
        return Err("505 HTTP Version Not Supported");
    }
    let (mut length, mut form_body) = (None, false);
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(BAD_REQUEST)?;
        match (name.trim().to_ascii_lowercase().as_str(), value.trim()) {
            ("content-length", value) => {
                let value: usize = value.parse().map_err(|_| BAD_REQUEST)?;
                if length.is_some_and(|known| known != value) {
                    return Err(BAD_REQUEST);
                }
                length = Some(value);
            }
            ("transfer-encoding", _) => return Err("411 Length Required"),
            ("content-type", value) => {
                let media_type = value.split(';').next().unwrap_or_default().trim();
                form_body = media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded");
            }
            _ => {}
        }
    }
    match length.unwrap_or(0) {
        length if length > BODY_LIMIT => Err("413 Content Too Large"),
        length => Ok((method, target, length, form_body)),
    }
}

/// What a request was.
enum Verdict {
    /// The authorization response of this sign-in.
    Ours(RedirectOutcome),
    /// An authorization response with another `state`, or none: answered and ignored.
    OtherState,
    /// Anything else (favicon, probes, malformed): answered and ignored.
    Unrelated,
}

/// Decides what a request means and how to answer it.
fn judge(request: &Request, expected_state: &str) -> (Reply, Verdict) {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    tracing::debug!(method = %request.method, path, "loopback request");
    let encoded: &[u8] = match request.method.as_str() {
        "GET" => query.as_bytes(),
        "POST" if request.form_body => &request.body,
        "POST" => {
            return (
                Reply::plain("415 Unsupported Media Type"),
                Verdict::Unrelated,
            );
        }
        _ => return (Reply::plain("405 Method Not Allowed"), Verdict::Unrelated),
    };
    let mut fields: [Option<Cow<'_, str>>; 4] = Default::default();
    let mut duplicated = false;
    for (name, value) in url::form_urlencoded::parse(encoded) {
        let slot = match name.as_ref() {
            "code" => &mut fields[0],
            "state" => &mut fields[1],
            "error" => &mut fields[2],
            "error_description" => &mut fields[3],
            _ => continue, // session_state, iss, client_info, ...
        };
        duplicated |= slot.is_some();
        *slot = Some(value);
    }
    let [code, state, error, description] = fields;
    if code.is_none() && error.is_none() {
        return (Reply::plain("404 Not Found"), Verdict::Unrelated);
    }
    if duplicated {
        return (Reply::plain(BAD_REQUEST), Verdict::Unrelated);
    }
    let state_matches = state.is_some_and(|state| {
        !expected_state.is_empty() && constant_time::eq(state.as_bytes(), expected_state.as_bytes())
    });
    if !state_matches {
        tracing::debug!("loopback response with another state ignored");
        return (
            Reply::new(BAD_REQUEST, &format!("<p>{OTHER_STATE}</p>")),
            Verdict::OtherState,
        );
    }
    if let Some(error) = error {
        let mut message = format!("<p>Sign-in failed: {}</p>", escape_html(&error));
        if let Some(description) = &description {
            message.push_str(&format!("<p>{}</p>", escape_html(description)));
        }
        message.push_str("<p>Return to the terminal.</p>");
        let outcome = RedirectOutcome::Error {
            error: error.into_owned(),
            description: description.map(Cow::into_owned),
        };
        return (Reply::new("200 OK", &message), Verdict::Ours(outcome));
    }
    let code = SecretString::from(code.map(Cow::into_owned).unwrap_or_default());
    tracing::debug!("loopback received an authorization code");
    let reply = Reply::new("200 OK", &format!("<p>{SIGNED_IN}</p>"));
    (reply, Verdict::Ours(RedirectOutcome::Code(code)))
}

/// Compares without an early exit, so timing does not reveal how much of `state` matched.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

async fn write_reply(stream: &mut TcpStream, reply: &Reply) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'\r\n\r\n",
        reply.status,
        reply.page.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(reply.page.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    /// Sends `raw` on a fresh connection and returns the whole answer.
    async fn send(port: u16, raw: &str) -> String {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .unwrap();
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    fn get(target: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n")
    }

    /// Binds port 0, sends `requests` one after the other, returns the outcome and the answers.
    async fn exchange(requests: &[String]) -> (RedirectOutcome, Vec<String>) {
        let (outcome, answers, _) = exchange_counting(requests).await;
        (outcome, answers)
    }

    /// [`exchange`], and how many responses the server ignored for their `state`.
    async fn exchange_counting(requests: &[String]) -> (RedirectOutcome, Vec<String>, u32) {
        let mut server = TokioRedirectListener.bind(0).await.expect("bind port 0");
        let port = server.port();
        let client = async {
            let mut answers = Vec::new();
            for request in requests {
                answers.push(send(port, request).await);
            }
            answers
        };
        let both = async { tokio::join!(server.wait_for_redirect("st-123"), client) };
        let (outcome, answers) = tokio::time::timeout(Duration::from_secs(10), both)
            .await
            .expect("the exchange finished");
        (
            outcome.expect("an outcome"),
            answers,
            server.ignored_responses(),
        )
    }

    /// True when this machine has an IPv6 loopback address.
    fn has_ipv6_loopback() -> bool {
        std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
    }

    fn code_of(outcome: RedirectOutcome) -> String {
        let RedirectOutcome::Code(code) = outcome else {
            panic!("{outcome:?}")
        };
        code.expose_secret().to_owned()
    }

    #[tokio::test]
    async fn get_with_code_and_state_returns_the_code() {
        let (outcome, answers) =
            exchange(&[get("/?code=a.B-1&state=st-123&session_state=x")]).await;
        assert_eq!(code_of(outcome), "a.B-1");
        let answer = &answers[0];
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        for header in [
            "Connection: close",
            "Cache-Control: no-store",
            "Content-Type: text/html; charset=utf-8",
        ] {
            assert!(answer.contains(&format!("{header}\r\n")), "{header}");
        }
        assert!(answer.contains(SIGNED_IN));
    }

    #[tokio::test]
    async fn form_post_returns_the_code() {
        let body = "code=c%2Bd&state=st-123";
        let request = format!(
            "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(code_of(exchange(&[request]).await.0), "c+d");
    }

    #[tokio::test]
    async fn a_wrong_or_missing_state_is_answered_and_ignored_until_the_right_one() {
        let requests = [
            get("/?code=forged&state=other"),
            get("/?code=forged"),
            get("/?error=access_denied&state=st-12"),
            get("/?code=right&state=st-123"),
        ];
        let (outcome, answers, ignored) = exchange_counting(&requests).await;
        assert_eq!(
            code_of(outcome),
            "right",
            "the wait went on to the right one"
        );
        for answer in &answers[..3] {
            assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
            assert!(answer.contains("so it was ignored"), "{answer}");
        }
        assert!(answers[3].contains(SIGNED_IN));
        assert_eq!(ignored, 3);
    }

    #[tokio::test]
    async fn unrelated_or_refused_requests_are_answered_and_ignored() {
        let requests = [
            get("/favicon.ico"),
            get("/?state=st-123"),
            format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(HEAD_LIMIT)),
            "PUT /?code=a&state=st-123 HTTP/1.1\r\n\r\n".to_owned(),
            get("/?code=a&code=b&state=st-123"),
            get("/callback?code=xyz&state=st-123"),
        ];
        let (outcome, answers) = exchange(&requests).await;
        let statuses = ["404", "404", "431", "405", "400"];
        for (answer, status) in answers.iter().zip(statuses) {
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {status} ")),
                "{answer}"
            );
        }
        assert_eq!(code_of(outcome), "xyz");
    }

    #[tokio::test]
    async fn an_error_is_returned_and_escaped_on_the_page() {
        let target =
            "/?error=access_denied&error_description=%3Cscript%3Ex%3C%2Fscript%3E&state=st-123";
        let (outcome, answers) = exchange(&[get(target)]).await;
        let RedirectOutcome::Error { error, description } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(
            (error.as_str(), description.as_deref()),
            ("access_denied", Some("<script>x</script>"))
        );
        assert!(
            answers[0].contains("&lt;script&gt;x&lt;/script&gt;"),
            "{}",
            answers[0]
        );
        assert!(!answers[0].contains("<script>"));
    }

    #[tokio::test]
    async fn an_idle_connection_does_not_block_the_redirect() {
        let mut server = TokioRedirectListener.bind(0).await.unwrap();
        let port = server.port();
        let _idle = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .unwrap();
        let request = get("/?code=q&state=st-123");
        let both = async { tokio::join!(server.wait_for_redirect("st-123"), send(port, &request)) };
        let (outcome, _) = tokio::time::timeout(Duration::from_secs(2), both)
            .await
            .expect("not blocked");
        assert_eq!(code_of(outcome.unwrap()), "q");
    }

    #[tokio::test]
    async fn binding_a_port_in_use_names_the_port() {
        let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = TokioRedirectListener
            .bind(port)
            .await
            .err()
            .expect("port in use");
        assert_eq!(error, format!("port {port} is already in use on 127.0.0.1"));
    }

    #[tokio::test]
    async fn the_redirect_may_arrive_on_either_loopback_address() {
        let ipv6 = has_ipv6_loopback();
        let mut server = TokioRedirectListener.bind(0).await.unwrap();
        let port = server.port();
        let request = get("/?code=v6&state=st-123");
        let send_v6 = async {
            let mut stream = TcpStream::connect((Ipv6Addr::LOCALHOST, port)).await?;
            stream.write_all(request.as_bytes()).await?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.map(|_| answer)
        };
        if !ipv6 {
            // No IPv6 loopback on this machine: 127.0.0.1 alone is what `localhost` means.
            assert!(send_v6.await.is_err());
            return;
        }
        let both = async { tokio::join!(server.wait_for_redirect("st-123"), send_v6) };
        let (outcome, answer) = tokio::time::timeout(Duration::from_secs(10), both)
            .await
            .expect("served over ::1");
        assert_eq!(code_of(outcome.unwrap()), "v6");
        assert!(answer.unwrap().contains(SIGNED_IN));
    }

    #[tokio::test]
    async fn a_fixed_port_taken_on_ipv6_loopback_is_refused() {
        if !has_ipv6_loopback() {
            return; // nothing can take ::1 here, so nothing can catch the redirect there
        }
        let taken = std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = TokioRedirectListener
            .bind(port)
            .await
            .err()
            .expect("::1 taken");
        assert_eq!(error, format!("port {port} is already in use on ::1"));
    }
}
