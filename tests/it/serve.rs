//! `serve` end to end: the real binary on a second loopback address (127.0.0.2, as a container's
//! address would be) with tokens from the emulator; clients over real sockets, another user's
//! slow connections, Microsoft's Python and JS SDKs as separate client processes (ignored tests:
//! `.ci/run` installs them), refresh ahead of expiry with throttling, SIGTERM, SIGINT and SIGHUP,
//! the audit lines (never a token in them), and the Host names accepted on 0.0.0.0.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::emulator::{self, Emulator, Fault, Grant};
use crate::endpoint_hardening::{
    ARM, Slowloris, as_nobody, ask_once, get, hundred_keep_alive_clients, slowloris_round,
};
use crate::exec_sdk::{
    CALLS, GRAPH, Sdk, assert_tokens, child, report, require_js_sdk, require_python_sdk,
};
use crate::support::{TestEnv, code, stderr};

const VAULT: &str = "https://vault.azure.net";

/// `serve --listen 127.0.0.2:0 --header-file DIR/header EXTRA…`, its endpoint read from the
/// first line of its stdout.
struct RunningServe {
    child: Child,
    stdout: BufReader<ChildStdout>,
    address: SocketAddr,
    header: String,
    dir: tempfile::TempDir,
}

impl RunningServe {
    fn start(env: &TestEnv, extra: &[&str]) -> Self {
        Self::start_on(env, "127.0.0.2", extra)
    }

    /// `serve --listen IP:0 …`.
    fn start_on(env: &TestEnv, ip: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let header_file = dir.path().join("header");
        let stderr_file = std::fs::File::create(dir.path().join("stderr")).unwrap();
        let listen = format!("{ip}:0");
        let mut args = vec![
            "serve",
            "--listen",
            &listen,
            "--header-file",
            header_file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let mut child = env
            .cmd(&args)
            .stdout(Stdio::piped())
            .stderr(stderr_file)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let errors = || std::fs::read_to_string(dir.path().join("stderr")).unwrap();
        let endpoint = line
            .strip_prefix("IDENTITY_ENDPOINT=")
            .unwrap_or_else(|| panic!("first line {line:?}; stderr: {}", errors()))
            .trim();
        assert!(
            endpoint.starts_with(&format!("http://{ip}:")) && endpoint.ends_with("/msi/token"),
            "{endpoint}"
        );
        let address = endpoint["http://".len()..endpoint.len() - "/msi/token".len()]
            .parse()
            .unwrap();
        let header = std::fs::read_to_string(&header_file)
            .unwrap()
            .trim()
            .to_owned();
        Self {
            child,
            stdout,
            address,
            header,
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn host(&self) -> String {
        self.address.to_string()
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the end (a hang guard, not a timing assertion); its status, the rest of its
    /// stdout and its stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        eprintln!("serve stopped {:?} after the signal", start.elapsed());
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let errors = std::fs::read_to_string(self.path("stderr")).unwrap();
        (status, rest, errors)
    }

    fn ask(&self, resource: &str) -> (u16, Value) {
        let mut stream = TcpStream::connect(self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        get(
            &mut stream,
            &self.host(),
            &format!("/msi/token?api-version=2019-08-01&resource={resource}"),
            Some(&self.header),
        )
        .expect("a reply")
    }
}

impl Drop for RunningServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn serve_announces_its_endpoint_answers_clients_with_the_header_and_probes_without() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let serve = RunningServe::start(&env, &["--allow-resource", ARM, "--allow-resource", VAULT]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(serve.path("header"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the header file is private");
    }
    assert!(serve.header.len() >= 43);
    let (status, body) = serve.ask(ARM);
    assert_eq!(status, 200, "{body}");
    let claims = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["aud"], ARM);
    let mut stream = TcpStream::connect(serve.address).unwrap();
    let target = format!("/msi/token?resource={ARM}");
    let host = serve.host();
    let refusals = [
        get(&mut stream, &host, &target, None).unwrap().0,
        get(
            &mut stream,
            &host,
            &target,
            Some("wrong-wrong-wrong-wrong-wrong-wrong"),
        )
        .unwrap()
        .0,
        get(
            &mut stream,
            &format!("127.0.0.1:{}", serve.address.port()),
            &target,
            Some(&serve.header),
        )
        .unwrap()
        .0,
        get(
            &mut stream,
            &host,
            "/msi/token?resource=https://storage.azure.com",
            Some(&serve.header),
        )
        .unwrap()
        .0,
    ];
    assert_eq!(refusals, [401, 403, 403, 403]);
    // The probe: no header, any Host, no token.
    let (status, body) = get(&mut stream, "10.0.0.9:80", "/healthz", None).unwrap();
    assert_eq!(
        (status, body.clone()),
        (200, serde_json::json!({"status": "ok"})),
        "{body}"
    );
    // IMDS: the header is the path's secret segment.
    let imds = format!(
        "/{}/metadata/identity/oauth2/token?resource={VAULT}",
        serve.header
    );
    let request = format!("GET {imds} HTTP/1.1\r\nHost: {host}\r\nMetadata: true\r\n\r\n");
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    let mut reply = vec![0_u8; 4096];
    let read = stream.read(&mut reply).unwrap();
    assert!(String::from_utf8_lossy(&reply[..read]).starts_with("HTTP/1.1 200"));
    // One line on stderr says whose tokens it serves, where, and how to stop it.
    let notice = format!(
        "serve: tokens of profile `default` (app {}, tenant {}) at http://{}/msi/token for clients that send the header in {}; SIGHUP reloads, SIGTERM or Ctrl-C stops",
        emulator::CLIENT_ID,
        emulator::TENANT_ID,
        serve.address,
        serve.path("header").display()
    );
    let header = serve.header.clone();
    serve.signal("TERM");
    let (status, rest, errors) = serve.finish();
    assert_eq!(status.code(), Some(0), "{errors}");
    assert_eq!(rest, "", "nothing on stdout but the first line");
    assert!(
        !errors.contains(&serve_header_never_logged_marker()),
        "{errors}"
    );
    assert!(errors.contains(&notice), "{errors}");
    assert!(!errors.contains(&header), "the header itself never");
}

/// On every address (`0.0.0.0`, as in a pod whose kubelet probes `/healthz`), the containers that
/// share the loopback still reach serve at `127.0.0.1:PORT` or `localhost:PORT` (names no rebound
/// DNS name can be), besides the `--host-name`s; any other name is refused.
#[test]
fn serve_on_every_address_answers_loopback_clients_and_its_host_names() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let serve = RunningServe::start_on(&env, "0.0.0.0", &["--host-name", "entra"]);
    let port = serve.address.port();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let target = format!("/msi/token?api-version=2019-08-01&resource={VAULT}");
    let statuses: Vec<u16> = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("entra:{port}"),
        format!("0.0.0.0:{port}"),
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ]
    .iter()
    .map(|host| {
        get(&mut stream, host, &target, Some(&serve.header))
            .expect("a reply")
            .0
    })
    .collect();
    assert_eq!(statuses, [200, 200, 200, 200, 403, 403]);
}

/// (The header is random; this test's check that it is never logged is in the audit test.)
fn serve_header_never_logged_marker() -> String {
    "X-IDENTITY-HEADER:".to_owned()
}

#[test]
fn serve_needs_a_usable_header() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["serve"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("serve needs an identity header"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let out = env
        .var("ENTRA_AUTH_IDENTITY_HEADER", "short")
        .run(&["serve"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("ENTRA_AUTH_IDENTITY_HEADER is not usable"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("short"), "the header is never shown");
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_0_and_sigint_too() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let serve = RunningServe::start(&env, &[]);
    // A new resource while the IdP is slow: the request is in flight when SIGTERM comes.
    emu.push_fault(Fault::Slow(Duration::from_secs(2)));
    let (address, header) = (serve.address, serve.header.clone());
    let in_flight = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        get(
            &mut stream,
            &address.to_string(),
            &format!("/msi/token?resource={VAULT}"),
            Some(&header),
        )
    });
    std::thread::sleep(Duration::from_millis(700));
    serve.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        TcpStream::connect(serve.address).is_err(),
        "still accepting after SIGTERM"
    );
    let reply = in_flight.join().unwrap();
    assert_eq!(
        reply.map(|r| r.0),
        Some(200),
        "the request in flight was answered"
    );
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0), "{errors}");

    let serve = RunningServe::start(&env, &[]);
    serve.signal("INT");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0), "{errors}");
}

#[test]
fn sighup_reads_the_header_file_again() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let serve = RunningServe::start(&env, &[]);
    assert_eq!(serve.ask(ARM).0, 200);
    let new_header = "n".repeat(48);
    std::fs::write(serve.path("header"), format!("{new_header}\n")).unwrap();
    serve.signal("HUP");
    let start = Instant::now();
    loop {
        let reply = ask_once(serve.address, &new_header, Duration::from_secs(10));
        if reply.as_ref().map(|r| r.0) == Some(200) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the new header is not accepted: {reply:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let old = ask_once(serve.address, &serve.header, Duration::from_secs(10));
    assert_eq!(old.map(|r| r.0), Some(403), "the old header still works");
    // An unusable file is reported and the header in use is kept.
    std::fs::write(serve.path("header"), "x\n").unwrap();
    serve.signal("HUP");
    std::thread::sleep(Duration::from_millis(500));
    let kept = ask_once(serve.address, &new_header, Duration::from_secs(10));
    assert_eq!(kept.map(|r| r.0), Some(200));
    serve.signal("TERM");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0));
    assert!(
        errors.contains("SIGHUP: kept the identity header in use"),
        "{errors}"
    );
    assert!(
        errors.contains("serve: SIGHUP: reloaded; tokens of profile `default`")
            && !errors.contains("a different identity"),
        "{errors}"
    );
    assert!(!errors.contains(&new_header), "{errors}");
}

/// SIGHUP re-reads the profile: when it now names another app, serve says so, with the one it
/// served before.
#[test]
fn sighup_says_when_the_profile_now_names_another_identity() {
    const OTHER_APP: &str = "99999999-8888-7777-6666-555555555555";
    let emu = Emulator::start();
    emu.register_client(emulator::TENANT_ID, OTHER_APP, emulator::CLIENT_SECRET);
    let env = TestEnv::for_emulator(&emu).without("AZURE_CLIENT_ID");
    let profile = |client: &str| {
        format!(
            "[profiles.prod]\ntenant_id = \"{}\"\nclient_id = \"{client}\"\nauthority_host = \"{}\"\n",
            emulator::TENANT_ID,
            emu.authority()
        )
    };
    env.write_config(&profile(emulator::CLIENT_ID));
    let serve = RunningServe::start(&env, &["-p", "prod"]);
    assert_eq!(serve.ask(ARM).0, 200);
    env.write_config(&profile(OTHER_APP));
    serve.signal("HUP");
    let start = Instant::now();
    loop {
        let (status, body) = serve.ask(ARM);
        assert_eq!(status, 200, "{body}");
        let claims = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
        if claims["appid"] == OTHER_APP {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the reloaded profile's app is not served: {}",
            std::fs::read_to_string(serve.path("stderr")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    serve.signal("TERM");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0));
    assert!(
        errors.contains(&format!(
            "serve: SIGHUP: reloaded; tokens of profile `prod` (app {OTHER_APP}, tenant {}) at",
            emulator::TENANT_ID
        )) && errors.contains(&format!(
            "(a different identity: it was app {}, tenant {})",
            emulator::CLIENT_ID,
            emulator::TENANT_ID
        )),
        "{errors}"
    );
}

/// A profile that cannot be read on SIGHUP (a typo in config.toml) leaves the one in use
/// serving, as the warning says: tokens for other resources too, until the file is fixed.
#[test]
fn sighup_with_a_broken_config_keeps_serving_the_profile_in_use() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).without("AZURE_CLIENT_ID");
    env.write_config(&format!(
        "[profiles.prod]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    ));
    let serve = RunningServe::start(&env, &["-p", "prod"]);
    assert_eq!(serve.ask(ARM).0, 200);
    env.write_config("[profiles.prod\ntenant_id = \n");
    serve.signal("HUP");
    let start = Instant::now();
    while !std::fs::read_to_string(serve.path("stderr"))
        .unwrap()
        .contains("serve: SIGHUP: kept the profile in use")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no SIGHUP warning: {}",
            std::fs::read_to_string(serve.path("stderr")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, body) = serve.ask(VAULT);
    assert_eq!(status, 200, "{body}");
    let claims = emu.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["appid"], emulator::CLIENT_ID);
    serve.signal("TERM");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0), "{errors}");
}

#[test]
fn tokens_are_refreshed_ahead_of_expiry_through_throttling_while_the_valid_one_is_served() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    // 320 s tokens: servable for 20 s (never under 5 minutes left), refreshed after 10.
    emu.set_token_lifetime(320);
    let serve = RunningServe::start(&env, &[]);
    let before = emu.token_requests(Grant::ClientCredentials);
    let (status, first) = serve.ask(ARM);
    assert_eq!(status, 200, "{first}");
    let first = first["access_token"].as_str().unwrap().to_owned();
    // The refresh meets throttling twice; the retry policy waits out Retry-After.
    emu.push_fault(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    emu.push_fault(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    let start = Instant::now();
    let mut seen: Vec<(Duration, String)> = Vec::new();
    while start.elapsed() < Duration::from_secs(16) {
        let (status, body) = serve.ask(ARM);
        assert_eq!(status, 200, "{body}");
        let left: i64 = body["expires_in"].as_str().unwrap().parse().unwrap();
        assert!(left >= 299, "served with {left} s left");
        let token = body["access_token"].as_str().unwrap().to_owned();
        if seen.last().is_none_or(|(_, last)| *last != token) {
            seen.push((start.elapsed(), token));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        seen[0].1, first,
        "the first token is served until its refresh"
    );
    assert!(
        seen.len() >= 2,
        "never refreshed: {:?}",
        seen.iter().map(|s| s.0).collect::<Vec<_>>()
    );
    let tokens: Vec<&String> = seen.iter().map(|(_, t)| t).collect();
    let mut distinct = tokens.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), tokens.len(), "an older token came back");
    // The client asked once; the IdP also saw the throttled refresh and its retries.
    assert!(emu.token_requests(Grant::ClientCredentials) >= before + 1 + 3);
    serve.signal("TERM");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0));
    assert!(!errors.contains("could not refresh"), "{errors}");
}

#[test]
fn every_served_token_has_an_audit_line_with_the_client_and_never_the_token() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let serve = RunningServe::start(&env, &["-v", "--audit-log", log.to_str().unwrap()]);
    let mut stream = TcpStream::connect(serve.address).unwrap();
    let host = serve.host();
    let mut tokens = Vec::new();
    for resource in [ARM, ARM, VAULT] {
        let (status, body) = get(
            &mut stream,
            &host,
            &format!("/msi/token?resource={resource}"),
            Some(&serve.header),
        )
        .unwrap();
        assert_eq!(status, 200);
        tokens.push((resource, body["access_token"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        get(&mut stream, &host, "/msi/token?resource=x", None)
            .unwrap()
            .0,
        401
    );
    let header = serve.header.clone();
    serve.signal("TERM");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0));
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one line per served token: {text}");
    let our_uid = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").unwrap().uid()
    };
    for (line, (resource, token)) in lines.iter().zip(&tokens) {
        assert_eq!(line["resource"], *resource);
        assert_eq!(line["client"], stream.local_addr().unwrap().to_string());
        assert_eq!(line["pid"], std::process::id(), "{line}");
        assert_eq!(line["uid"], our_uid, "{line}");
        assert_eq!(line["token_sha256"], hex_sha256(token)[..16], "{line}");
        assert!(line["expires_on"].as_i64().unwrap() > 0);
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }
    for (_, token) in &tokens {
        assert!(
            !text.contains(token.as_str()) && !errors.contains(token.as_str()),
            "a token was logged"
        );
    }
    assert!(
        !text.contains(&header) && !errors.contains(&header),
        "the header was logged"
    );
    // -v: the same lines on stderr.
    for line in text.lines() {
        assert!(errors.contains(line), "{errors}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn serve_gives_100_keep_alive_clients_no_errors() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let serve = RunningServe::start(&env, &[]);
    hundred_keep_alive_clients(serve.address, &serve.host(), &serve.header);
}

#[cfg(target_os = "linux")]
#[test]
fn another_users_200_slow_connections_do_not_starve_a_client_with_the_header() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    // A low cap, so the slow connections fill it and must make room.
    let serve = RunningServe::start(&env, &["--max-connections", "64"]);
    let port = serve.address.port().to_string();
    let slow = Slowloris::start(as_nobody(&["slowloris", "127.0.0.2", &port, "200"]));
    let stats = slowloris_round(slow, serve.address, &serve.header);
    assert!(
        stats["closed_by_endpoint"].as_u64().unwrap() >= 150,
        "{stats}"
    );
}

/// The SDK child against `serve` (not its child: IDENTITY_ENDPOINT and IDENTITY_HEADER set by
/// hand, as a compose file would), for many resources.
fn sdk_against_serve(sdk: Sdk, mode: &str) {
    let emu = Emulator::start();
    // The profile's authority in the config file: the SDKs refuse an http:// AZURE_AUTHORITY_HOST.
    let env = TestEnv::for_emulator(&emu).without("AZURE_AUTHORITY_HOST");
    env.write_config(&format!(
        "[profiles.sdk]\nauthority_host = \"{}\"\n",
        emu.authority()
    ));
    let serve = RunningServe::start(&env, &["-p", "sdk"]);
    let scopes = [
        GRAPH,
        crate::exec_sdk::ARM,
        "https://vault.azure.net/.default",
        "https://storage.azure.com/.default",
        "https://database.windows.net/.default",
    ];
    let argv = child(sdk, mode, 0, &scopes);
    let client = TestEnv::new()
        .var(
            "IDENTITY_ENDPOINT",
            &format!("http://{}/msi/token", serve.address),
        )
        .var("IDENTITY_HEADER", &serve.header);
    let out = client
        .program(
            &argv[0],
            &argv[1..].iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = report(&out);
    assert_tokens(&emu, &report, &scopes);
    // One IdP request per resource (the profile's own scope, Graph, at start) for CALLS each.
    assert_eq!(
        emu.token_requests(Grant::ClientCredentials),
        scopes.len(),
        "{CALLS} calls each"
    );
    serve.signal("TERM");
    let (status, _, errors) = serve.finish();
    assert_eq!(status.code(), Some(0), "{errors}");
}

#[test]
#[ignore = "needs azure-identity (PyPI; .ci/run installs it); run with: cargo test -- --ignored"]
fn python_managed_identity_credential_gets_tokens_from_serve() {
    require_python_sdk();
    sdk_against_serve(Sdk::Python, "mi");
}

#[test]
#[ignore = "needs @azure/identity (npm; .ci/run installs it); run with: cargo test -- --ignored"]
fn js_managed_identity_credential_gets_tokens_from_serve() {
    require_js_sdk();
    sdk_against_serve(Sdk::Js, "mi");
}
