//! Emulator self-tests: `tests/support/fake_browser.py` (the `$BROWSER` of hermetic CLI tests)
//! against `/authorize`, delivering to a stand-in loopback listener by query and by `form_post`.

use super::sign_in::{STATE, authorize_query, with};
use crate::emulator::{Emulator, TENANT_ID};
use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, Uri};
use axum::routing::any;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_browser.py")
}

/// A loopback listener like the CLI's: reports (method, query, body) of each request.
async fn listener() -> (u16, mpsc::UnboundedReceiver<(Method, String, String)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().fallback(any(move |method: Method, uri: Uri, body: Bytes| {
        let tx = tx.clone();
        async move {
            let query = uri.query().unwrap_or_default().to_owned();
            let _ = tx.send((method, query, String::from_utf8_lossy(&body).into_owned()));
            "signed in"
        }
    }));
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(socket, app).await });
    (port, rx)
}

/// Runs the script like a browser launcher would and checks it returned at once with 0.
fn open(url: &str, log: &Path) {
    let started = Instant::now();
    let status = std::process::Command::new(script())
        .arg(url)
        .env("FAKE_BROWSER_LOG", log)
        .env_remove("FAKE_BROWSER_FOREGROUND")
        .status()
        .expect("python3 runs the fake browser");
    assert!(status.success());
    assert!(started.elapsed() < Duration::from_secs(5), "it detaches");
}

async fn wait_for_log(log: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(log)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no log line from the fake browser"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn authorize_url(emu: &Emulator, query: &[(&'static str, String)]) -> String {
    format!(
        "{}?{}",
        emu.authorize_url(TENANT_ID),
        serde_urlencoded::to_string(query).unwrap()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn follows_the_redirect_to_the_loopback_listener() {
    let emu = Emulator::start();
    let (port, mut requests) = listener().await;
    let redirect = format!("http://localhost:{port}/cb");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("browser.log");
    open(
        &authorize_url(&emu, &with(authorize_query(), "redirect_uri", &redirect)),
        &log,
    );
    let (method, query, _) = tokio::time::timeout(Duration::from_secs(20), requests.recv())
        .await
        .expect("the listener was called")
        .unwrap();
    assert_eq!(method, Method::GET);
    assert!(
        query.contains("code=") && query.contains(&format!("state={STATE}")),
        "{query}"
    );
    let line = wait_for_log(&log).await;
    assert!(line.starts_with(&format!("200 {redirect}?code=")), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_the_form_post_page_to_the_listener() {
    let emu = Emulator::start();
    let (port, mut requests) = listener().await;
    let redirect = format!("http://127.0.0.1:{port}/");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("browser.log");
    let query = with(
        with(authorize_query(), "redirect_uri", &redirect),
        "response_mode",
        "form_post",
    );
    open(&authorize_url(&emu, &query), &log);
    let (method, _, body) = tokio::time::timeout(Duration::from_secs(20), requests.recv())
        .await
        .expect("the listener was called")
        .unwrap();
    assert_eq!(method, Method::POST);
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
    assert!(
        fields.iter().any(|(k, v)| k == "state" && v == STATE),
        "{body}"
    );
    assert!(fields.iter().any(|(k, _)| k == "code"), "{body}");
    assert_eq!(wait_for_log(&log).await, format!("200 {redirect}\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_anything_but_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("browser.log");
    open("http://example.com/oauth2/v2.0/authorize", &log);
    let line = wait_for_log(&log).await;
    assert!(line.starts_with("error http://example.com/"), "{line}");
    assert!(line.contains("refused"), "{line}");
}
