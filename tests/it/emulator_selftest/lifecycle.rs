//! Emulator self-tests: discovery documents, JWKS and instance discovery, and shutdown on drop.

use super::{assert_entra_error, client, send};
use crate::emulator::{Emulator, TENANT_ID};
use std::time::{Duration, Instant};

#[tokio::test]
async fn discovery_documents_point_at_the_emulator() {
    let emu = Emulator::start();
    let url = |tenant: &str| {
        format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            emu.authority()
        )
    };
    let reply = send(client().get(url(TENANT_ID))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("cache-control"),
        Some("max-age=86400, private")
    );
    let doc = reply.json();
    let base = format!("{}/{TENANT_ID}", emu.authority());
    assert_eq!(doc["issuer"], format!("{base}/v2.0"));
    assert_eq!(doc["token_endpoint"], format!("{base}/oauth2/v2.0/token"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{base}/oauth2/v2.0/devicecode")
    );
    assert_eq!(doc["jwks_uri"], format!("{base}/discovery/v2.0/keys"));

    let common = send(client().get(url("organizations"))).await.json();
    assert_eq!(
        common["issuer"],
        format!("{}/{{tenantid}}/v2.0", emu.authority())
    );
    let unknown = send(client().get(url("nope.example"))).await;
    assert_entra_error(&unknown, 400, "invalid_tenant", 90002);
    assert_eq!(
        unknown.header("cache-control"),
        Some("max-age=86400, private")
    );

    let instance_url = |authorize: &str| {
        let query = serde_urlencoded::to_string([
            ("api-version", "1.1"),
            ("authorization_endpoint", authorize),
        ])
        .unwrap();
        format!("{}/common/discovery/instance?{query}", emu.authority())
    };
    let instance = send(client().get(instance_url(&format!("{base}/oauth2/v2.0/authorize")))).await;
    assert_eq!(instance.json()["tenant_discovery_endpoint"], url(TENANT_ID));
    let foreign = send(client().get(instance_url(
        "https://login.example/t/oauth2/v2.0/authorize",
    )))
    .await;
    assert_entra_error(&foreign, 400, "invalid_instance", 50049);
}

#[test]
fn dropping_the_emulator_stops_it_and_frees_the_port() {
    let emu = Emulator::start();
    let port = emu.port();
    // An idle keep-alive connection must not keep the server alive.
    let _idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    drop(emu);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    let again = Emulator::start_on(port);
    assert_eq!(again.authority(), format!("http://127.0.0.1:{port}"));
}
