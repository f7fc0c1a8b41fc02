//! `RecordingProxy`: an HTTP proxy on 127.0.0.1 that records each request line (e.g.
//! `CONNECT login.microsoftonline.us:443 HTTP/1.1`) and answers `502 Bad Gateway`, then closes.
//! It never connects anywhere, so cloud tests can prove where the CLI would have gone.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest request head read before answering anyway.
const MAX_HEAD: usize = 64 * 1024;
const RESPONSE: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Gateway";

/// A running proxy; dropping it stops the thread.
pub struct RecordingProxy {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RecordingProxy {
    /// Listens on 127.0.0.1 with an ephemeral port; returns once it is listening.
    pub fn start() -> RecordingProxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| panic!("recording proxy: cannot bind 127.0.0.1: {e}"));
        let port = listener.local_addr().expect("bound").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("recording-proxy".to_owned())
                .spawn(move || serve(&listener, &requests, &stop))
                .expect("the proxy thread starts")
        };
        RecordingProxy {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request lines received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: &TcpListener, requests: &Mutex<Vec<String>>, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else { continue };
        if let Some(line) = read_request_line(&mut stream) {
            requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
        let _ = stream.write_all(RESPONSE);
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// Reads the request head (up to the blank line, EOF, a timeout or `MAX_HEAD`); returns its first line.
fn read_request_line(stream: &mut TcpStream) -> Option<String> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next()?.trim_end().to_owned();
    (!line.is_empty()).then_some(line)
}
