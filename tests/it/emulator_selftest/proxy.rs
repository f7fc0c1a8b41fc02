//! Emulator self-tests: `RecordingProxy` records CONNECT and absolute-form request lines from a
//! reqwest client, answers 502 without connecting anywhere, and frees its port on drop.

use crate::emulator::RecordingProxy;
use std::net::TcpStream;

fn proxied_client(proxy: &RecordingProxy) -> reqwest::Client {
    reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn records_connect_for_https_and_answers_502() {
    let proxy = RecordingProxy::start();
    assert!(proxy.url().starts_with("http://127.0.0.1:"));
    let result = proxied_client(&proxy)
        .post("https://login.microsoftonline.us/organizations/oauth2/v2.0/token")
        .body("grant_type=client_credentials")
        .send()
        .await;
    assert!(result.is_err(), "the tunnel is refused: {result:?}");
    assert_eq!(
        proxy.requests(),
        ["CONNECT login.microsoftonline.us:443 HTTP/1.1"]
    );
}

#[tokio::test]
async fn records_absolute_form_for_plain_http() {
    let proxy = RecordingProxy::start();
    let reply = proxied_client(&proxy)
        .get("http://login.chinacloudapi.cn/common/discovery/instance?api-version=1.1")
        .send()
        .await
        .expect("the proxy answers");
    assert_eq!(reply.status().as_u16(), 502);
    assert_eq!(
        proxy.requests(),
        ["GET http://login.chinacloudapi.cn/common/discovery/instance?api-version=1.1 HTTP/1.1"]
    );
}

#[test]
fn drop_stops_the_proxy() {
    let proxy = RecordingProxy::start();
    let address = proxy.url().trim_start_matches("http://").to_owned();
    assert!(TcpStream::connect(&address).is_ok());
    drop(proxy);
    assert!(TcpStream::connect(&address).is_err(), "port closed");
}
