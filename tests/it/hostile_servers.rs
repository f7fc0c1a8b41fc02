//! Hostile or broken servers, end to end: a redirect never carries a credential anywhere (exit
//! 4, the target receives nothing), an endless body is cut off at the limit (exit 4, small peak
//! memory), a success body that is no usable token is never echoed (the wrong field is named),
//! and the servers' text reaches the terminal without control characters.

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::emulator::{self, Emulator, Fault, Grant, RecordingProxy};
use crate::support::{TestEnv, code, stderr, stdout};

/// Peak memory allowed for a run fed an endless body.
const PEAK_LIMIT_KIB: u64 = 64 * 1024;
/// A run past this is killed at once (the bug this guards against grew to ~10 GB).
const RUNAWAY_KIB: u64 = 256 * 1024;
/// Hang guard, well under the `--timeout 60s` the runs get.
const GUARD: Duration = Duration::from_secs(30);

const SCOPE: &str = "https://graph.microsoft.com/.default";
const MI_SCOPE: &str = "https://vault.azure.net/.default";

/// `VmHWM` (peak resident set) of a running process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the CLI, sampling its peak memory until it exits; kills it past [`RUNAWAY_KIB`] or
/// [`GUARD`]. Returns the output, the highest peak seen (KiB) and how long it ran.
fn run_measured(env: &TestEnv, args: &[&str]) -> (Output, u64, Duration) {
    let mut child: Child = env
        .cmd(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn entra-auth-cli");
    let pid = child.id();
    let started = Instant::now();
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if child.try_wait().expect("poll the child").is_some() {
            break;
        }
        if peak > RUNAWAY_KIB || started.elapsed() > GUARD {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().expect("collect the output");
    (output, peak, elapsed)
}

/// Asserts a run fed an endless body failed fast with exit 4 and stayed small.
fn assert_cut_off(output: &Output, peak: u64, elapsed: Duration, limit_text: &str) {
    eprintln!("peak RSS {peak} KiB, exit after {elapsed:?}");
    assert!(
        peak < PEAK_LIMIT_KIB,
        "peak RSS {peak} KiB (limit {PEAK_LIMIT_KIB} KiB); stderr: {}",
        stderr(output)
    );
    assert!(elapsed < GUARD, "hang guard: ran {elapsed:?}");
    assert!(
        output.status.code().is_some(),
        "killed after {elapsed:?} at {peak} KiB"
    );
    assert_eq!(code(output), 4, "{}", stderr(output));
    assert!(
        stderr(output).contains(limit_text),
        "names the limit: {}",
        stderr(output)
    );
}

fn app_service_env(emu: &Emulator) -> TestEnv {
    TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("ENTRA_AUTH_AUTH_METHOD", "managed-identity")
        .var("IDENTITY_ENDPOINT", &emu.app_service_endpoint())
        .var("IDENTITY_HEADER", &emu.identity_header())
}

fn imds_env(emu: &Emulator) -> TestEnv {
    TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("ENTRA_AUTH_AUTH_METHOD", "managed-identity")
        .var("ENTRA_AUTH_IMDS_ENDPOINT", &emu.imds_endpoint())
}

fn graph_env(emu: &Emulator) -> TestEnv {
    TestEnv::for_emulator(emu).var("ENTRA_AUTH_GRAPH_ENDPOINT", &emu.authority())
}

fn redirect_to(target: &RecordingProxy, status: u16) -> Fault {
    Fault::Redirect {
        status,
        location: format!("{}/steal?from=entra", target.url()),
    }
}

/// No byte that moves the cursor, rings, or starts a sequence: ESC, BEL, CSI, CR.
fn assert_no_control_bytes(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(bad.is_empty(), "{what} holds {bad:?}: {text:?}");
}

// ---- 1. Redirects are never followed -------------------------------------------------------

#[test]
fn a_token_endpoint_redirect_is_exit_4_and_the_target_receives_nothing() {
    let emu = Emulator::start();
    let target = RecordingProxy::start();
    let env = TestEnv::for_emulator(&emu);
    for status in [301, 302, 303, 307, 308] {
        emu.push_fault(redirect_to(&target, status));
        let out = env.run(&["get-token", "-s", SCOPE, "--timeout", "60s"]);
        assert_eq!(code(&out), 4, "HTTP {status}: {}", stderr(&out));
        let text = stderr(&out);
        assert!(
            text.contains(&format!("HTTP {status}")) && text.contains("not followed"),
            "{text}"
        );
        let host = target.url().trim_start_matches("http://").to_owned();
        assert!(text.contains(&host), "names the target host: {text}");
        assert!(!text.contains("steal"), "no path or query: {text}");
        assert!(!text.contains(emulator::CLIENT_SECRET));
    }
    assert_eq!(
        target.requests(),
        Vec::<String>::new(),
        "the redirect target received nothing"
    );
    assert_eq!(
        emu.token_requests(Grant::ClientCredentials),
        5,
        "one request per run: a redirect is not retried"
    );
}

#[test]
fn a_redirect_is_reported_like_this() {
    let emu = Emulator::start();
    emu.push_fault(Fault::Redirect {
        status: 307,
        location: "http://attacker.example:8080/collect?x=1".to_owned(),
    });
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token", "-s", SCOPE]);
    assert_eq!(code(&out), 4);
}

#[test]
fn an_app_service_redirect_does_not_forward_the_identity_header() {
    let emu = Emulator::start();
    let target = RecordingProxy::start();
    emu.push_app_service_reply_fault(redirect_to(&target, 307));
    let env = app_service_env(&emu);
    let out = env.run(&["get-token", "-s", MI_SCOPE, "--timeout", "60s"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("not followed"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&emu.identity_header()));
    assert_eq!(target.requests(), Vec::<String>::new());
    assert_eq!(emu.app_service_requests(), 1, "not retried");
}

#[test]
fn an_imds_redirect_is_not_followed() {
    let emu = Emulator::start();
    let target = RecordingProxy::start();
    emu.push_imds_reply_fault(redirect_to(&target, 302));
    let out = imds_env(&emu).run(&["get-token", "-s", MI_SCOPE, "--timeout", "60s"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(target.requests(), Vec::<String>::new());
}

#[test]
fn a_graph_redirect_does_not_forward_the_access_token() {
    let emu = Emulator::start();
    let target = RecordingProxy::start();
    emu.push_graph_fault(redirect_to(&target, 307));
    let out = graph_env(&emu).run(&["discover", "-s", "*", "--timeout", "60s"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("not followed"), "{}", stderr(&out));
    assert_eq!(target.requests(), Vec::<String>::new());
}

// ---- 2. Bodies are read up to a limit -----------------------------------------------------

#[test]
fn an_endless_token_reply_is_cut_off_at_one_mib() {
    let emu = Emulator::start();
    emu.push_fault(Fault::EndlessBody);
    let env = TestEnv::for_emulator(&emu);
    let (out, peak, elapsed) = run_measured(&env, &["get-token", "-s", SCOPE, "--timeout", "60s"]);
    assert_cut_off(&out, peak, elapsed, "larger than 1 MiB");
    assert_eq!(
        emu.token_requests(Grant::ClientCredentials),
        1,
        "not retried"
    );
}

#[test]
fn an_endless_managed_identity_reply_is_cut_off() {
    let emu = Emulator::start();
    emu.push_app_service_reply_fault(Fault::EndlessBody);
    let env = app_service_env(&emu);
    let (out, peak, elapsed) =
        run_measured(&env, &["get-token", "-s", MI_SCOPE, "--timeout", "60s"]);
    assert_cut_off(&out, peak, elapsed, "larger than 1 MiB");
}

#[test]
fn an_endless_graph_page_is_cut_off() {
    let emu = Emulator::start();
    emu.push_graph_fault(Fault::EndlessBody);
    let env = graph_env(&emu);
    let (out, peak, elapsed) = run_measured(&env, &["discover", "-s", "*", "--timeout", "60s"]);
    assert_cut_off(&out, peak, elapsed, "larger than 16 MiB");
}

// ---- 3. A success body is never printed ---------------------------------------------------

#[test]
fn a_pop_token_reply_names_token_type_and_never_echoes_the_token() {
    let emu = Emulator::start();
    let token = "eyJ0eXAiOiJwb3AifQ.eyJzZWNyZXQiOiJ5ZXMifQ.do-not-print-this-token";
    emu.push_fault(Fault::Json {
        status: 200,
        body: serde_json::json!({
            "token_type": "pop",
            "expires_in": 3599,
            "access_token": token,
            "refresh_token": "do-not-print-this-refresh-token",
        })
        .to_string(),
    });
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token", "-s", SCOPE]);
    assert_eq!(code(&out), 4);
    let text = stderr(&out);
    assert!(text.contains("`token_type` is `pop`"), "{text}");
    assert!(!text.contains("do-not-print"), "{text}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_managed_identity_reply_without_expiry_names_the_fields() {
    let emu = Emulator::start();
    emu.push_app_service_reply_fault(Fault::Json {
        status: 200,
        body: r#"{"access_token":"do-not-print-mi-token","token_type":"Bearer"}"#.to_owned(),
    });
    let out = app_service_env(&emu).run(&["get-token", "-s", MI_SCOPE]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("`expires_in`") && text.contains("`expires_on`"),
        "{text}"
    );
    assert!(!text.contains("do-not-print"), "{text}");
}

// ---- 4. Server text is printable ----------------------------------------------------------

const NASTY: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{9b}31m\u{8}";

#[test]
fn an_error_description_with_escapes_is_shown_without_them() {
    let emu = Emulator::start();
    emu.push_fault(Fault::Json {
        status: 401,
        body: serde_json::json!({
            "error": format!("invalid_client{NASTY}"),
            "error_description": format!("AADSTS7000215: Invalid client secret provided.{NASTY}\r\nTrace ID: t{NASTY}"),
            "error_codes": [7_000_215],
            "trace_id": format!("trace{NASTY}"),
            "correlation_id": format!("corr{NASTY}"),
            "timestamp": format!("2025-01-01 00:00:00Z{NASTY}"),
        })
        .to_string(),
    });
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "-s", SCOPE]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_no_control_bytes("stderr", &out.stderr);
    let text = stderr(&out);
    assert!(
        text.contains("AADSTS7000215: Invalid client secret provided."),
        "{text}"
    );
    assert!(
        text.contains("\\u{1b}[2J"),
        "shown as a visible escape: {text}"
    );
}

#[test]
fn a_device_code_message_with_escapes_is_shown_without_them() {
    let emu = Emulator::start();
    emu.set_device_interval(1);
    emu.set_auto_approve_device_codes(Some(0));
    emu.set_device_code_message(Some(&format!(
        "{NASTY}To sign in, enter the code {{user_code}}.{NASTY}"
    )));
    let env = TestEnv::new()
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", emulator::PUBLIC_CLIENT_ID)
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_STORE", "memory");
    let out = env.run(&[
        "get-token",
        "-f",
        "device-code",
        "-s",
        "https://graph.microsoft.com/User.Read",
        "--timeout",
        "60s",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_no_control_bytes("stderr", &out.stderr);
    let (user_code, _) = emu.last_device_code().unwrap();
    assert!(
        stderr(&out).contains(&format!("enter the code {user_code}.")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn managed_identity_detail_with_escapes_is_shown_without_them() {
    let emu = Emulator::start();
    emu.push_app_service_reply_fault(Fault::Json {
        status: 400,
        body: serde_json::json!({
            "statusCode": 400,
            "message": format!("No Managed Identity found{NASTY}"),
        })
        .to_string(),
    });
    let out = app_service_env(&emu).run(&["get-token", "-s", MI_SCOPE]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_no_control_bytes("stderr", &out.stderr);
    assert!(stderr(&out).contains("No Managed Identity found"));
}

#[test]
fn graph_messages_and_names_with_escapes_are_shown_without_them() {
    let emu = Emulator::start();
    emu.push_graph_fault(Fault::Json {
        status: 403,
        body: serde_json::json!({"error": {
            "code": format!("Authorization_RequestDenied{NASTY}"),
            "message": format!("Insufficient privileges{NASTY}"),
            "innerError": {"request-id": format!("r-1{NASTY}")},
        }})
        .to_string(),
    });
    let env = graph_env(&emu);
    let out = env.run(&["discover", "-s", "*"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_no_control_bytes("stderr", &out.stderr);
    assert!(stderr(&out).contains("Insufficient privileges"));

    let evil = format!("Evil{NASTY}\nApp");
    emu.seed_applications(&[(&evil, "11111111-2222-4333-8444-555555555555")]);
    let out = env.run(&["discover", "-s", "*"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_no_control_bytes("stdout", &out.stdout);
    assert_eq!(stdout(&out).lines().count(), 2, "one row: {}", stdout(&out));
}
