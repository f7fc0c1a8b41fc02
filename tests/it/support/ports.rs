//! Loopback ports for tests that must name one before a server binds it.

/// A port that was free on 127.0.0.1 a moment ago (another process may take it before the
/// caller binds it: callers that start a server on it retry, or use a port 9 when they need a
/// closed one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
