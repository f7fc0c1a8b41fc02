//! Emulator self-tests: every `Fault`, the queue and the persistent fault, and `DropConnection` at the socket level.

use super::{assert_entra_error, cc_form, client, client_credentials};
use crate::emulator::{CLIENT_SECRET, Emulator, Fault, Grant, TENANT_ID};
use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

#[tokio::test]
async fn plain_text_and_html_faults() {
    let emu = Emulator::start();
    emu.push_fault(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    emu.push_fault(Fault::ServiceUnavailablePlainText);
    emu.push_fault(Fault::ServiceUnavailableRetryAfter {
        retry_after_secs: 3,
    });
    emu.push_fault(Fault::Garbage200);
    emu.push_fault(Fault::NonJsonStatus(502));

    let throttled = client_credentials(&emu, CLIENT_SECRET).await;
    assert_eq!(
        (throttled.status, throttled.body.as_str()),
        (429, "Too Many Requests")
    );
    assert_eq!(throttled.header("retry-after"), Some("7"));
    let unavailable = client_credentials(&emu, CLIENT_SECRET).await;
    assert_eq!(
        (unavailable.status, unavailable.body.as_str()),
        (503, "Service Unavailable")
    );
    assert_eq!(unavailable.header("retry-after"), None);
    assert!(
        unavailable
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let retry = client_credentials(&emu, CLIENT_SECRET).await;
    assert_eq!(
        (retry.status, retry.header("retry-after")),
        (503, Some("3"))
    );
    let garbage = client_credentials(&emu, CLIENT_SECRET).await;
    assert_eq!(
        (garbage.status, garbage.body.as_str()),
        (200, "<html>not json</html>")
    );
    assert_eq!(garbage.header("content-type"), Some("text/html"));
    let gateway = client_credentials(&emu, CLIENT_SECRET).await;
    assert_eq!(gateway.status, 502);
    assert_eq!(gateway.body, "<html><body>Bad Gateway</body></html>");

    assert_eq!(
        client_credentials(&emu, CLIENT_SECRET).await.status,
        200,
        "queue drained"
    );
    assert_eq!(
        emu.token_requests(Grant::ClientCredentials),
        6,
        "faults are counted"
    );
}

#[tokio::test]
async fn server_error_fault_has_an_entra_json_body() {
    let emu = Emulator::start();
    emu.push_fault(Fault::ServerError);
    let reply = client_credentials(&emu, CLIENT_SECRET).await;
    assert_entra_error(&reply, 500, "server_error", 50000);
}

#[tokio::test]
async fn persistent_fault_applies_until_cleared_and_queue_goes_first() {
    let emu = Emulator::start();
    emu.set_persistent_fault(Some(Fault::NonJsonStatus(504)));
    emu.push_fault(Fault::Garbage200);
    assert_eq!(client_credentials(&emu, CLIENT_SECRET).await.status, 200);
    assert_eq!(client_credentials(&emu, CLIENT_SECRET).await.status, 504);
    assert_eq!(client_credentials(&emu, CLIENT_SECRET).await.status, 504);
    emu.set_persistent_fault(None);
    let ok = client_credentials(&emu, CLIENT_SECRET).await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.starts_with(r#"{"token_type""#));
}

#[tokio::test]
async fn slow_fault_delays_one_request_without_blocking_others() {
    let emu = Emulator::start();
    emu.push_fault(Fault::Slow(Duration::from_millis(500)));
    let started = Instant::now();
    let slow = client_credentials(&emu, CLIENT_SECRET);
    let fast = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let reply = client_credentials(&emu, CLIENT_SECRET).await;
        (reply, started.elapsed())
    };
    let (slow, (fast, fast_done)) = tokio::join!(slow, fast);
    assert_eq!(slow.status, 200, "answers normally after the delay");
    assert_eq!(fast.status, 200);
    assert!(
        fast_done < Duration::from_millis(450),
        "fast request took {fast_done:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
}

#[test]
fn drop_connection_closes_the_socket_without_any_response_byte() {
    let emu = Emulator::start();
    emu.push_fault(Fault::DropConnection);
    let body = serde_urlencoded::to_string(cc_form(CLIENT_SECRET)).unwrap();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", emu.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "POST /{TENANT_ID}/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        emu.port(),
        body.len()
    )
    .unwrap();
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("expected EOF, got {e}"),
    }
    assert!(
        received.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1, "counted");

    // The next request on a new connection is served normally.
    let mut again = std::net::TcpStream::connect(("127.0.0.1", emu.port())).unwrap();
    again
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        again,
        "POST /{TENANT_ID}/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    again.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
}

#[tokio::test]
async fn drop_connection_is_a_transport_error_for_reqwest() {
    let emu = Emulator::start();
    emu.push_fault(Fault::DropConnection);
    let form = cc_form(CLIENT_SECRET);
    let error = client()
        .post(emu.token_url(TENANT_ID))
        .body(serde_urlencoded::to_string(&form).unwrap())
        .send()
        .await
        .expect_err("no HTTP response");
    assert!(!error.is_status());
}

#[tokio::test]
async fn hostile_faults_redirect_reply_anything_or_never_end() {
    let emu = Emulator::start();
    emu.push_fault(Fault::Redirect {
        status: 307,
        location: "http://127.0.0.1:9/elsewhere".to_owned(),
    });
    emu.push_fault(Fault::Json {
        status: 200,
        body: r#"{"token_type":"pop"}"#.to_owned(),
    });
    emu.push_fault(Fault::EndlessBody);
    let no_redirects = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let body = serde_urlencoded::to_string(cc_form(CLIENT_SECRET)).unwrap();
    let post = || {
        no_redirects
            .post(emu.token_url(TENANT_ID))
            .body(body.clone())
    };

    let redirect = post().send().await.unwrap();
    assert_eq!(redirect.status().as_u16(), 307);
    assert_eq!(
        redirect.headers()["location"].to_str().unwrap(),
        "http://127.0.0.1:9/elsewhere"
    );
    let json = post().send().await.unwrap();
    assert_eq!(json.status().as_u16(), 200);
    assert_eq!(
        json.headers()["content-type"].to_str().unwrap(),
        "application/json; charset=utf-8"
    );
    assert_eq!(json.text().await.unwrap(), r#"{"token_type":"pop"}"#);

    let mut endless = post().send().await.unwrap();
    assert_eq!(endless.status().as_u16(), 200);
    assert_eq!(endless.content_length(), None, "no length: chunked");
    let mut read = 0usize;
    let mut first = None;
    while read < 8 * 1024 * 1024 {
        let chunk = endless.chunk().await.unwrap().expect("the body never ends");
        first.get_or_insert(chunk[0]);
        read += chunk.len();
    }
    assert_eq!(first, Some(b'{'));
    drop(endless);
    assert_eq!(
        client_credentials(&emu, CLIENT_SECRET).await.status,
        200,
        "the emulator still answers after the reader gave up"
    );
}

#[tokio::test]
async fn managed_identity_and_graph_take_the_same_faults() {
    let emu = Emulator::start();
    emu.push_imds_reply_fault(Fault::Json {
        status: 200,
        body: "{}".to_owned(),
    });
    emu.push_app_service_reply_fault(Fault::Redirect {
        status: 302,
        location: "http://127.0.0.1:9/x".to_owned(),
    });
    emu.push_graph_fault(Fault::NonJsonStatus(502));
    let no_redirects = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let imds = no_redirects
        .get(format!(
            "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=r",
            emu.imds_endpoint()
        ))
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(imds.status().as_u16(), 200);
    assert_eq!(imds.text().await.unwrap(), "{}");
    let app_service = no_redirects
        .get(emu.app_service_endpoint())
        .send()
        .await
        .unwrap();
    assert_eq!(app_service.status().as_u16(), 302);
    assert_eq!(emu.app_service_requests(), 1);
    let graph = no_redirects
        .get(format!("{}/v1.0/applications", emu.authority()))
        .send()
        .await
        .unwrap();
    assert_eq!(graph.status().as_u16(), 502, "before any token check");
    assert_eq!(emu.graph_requests(), 1);
}
