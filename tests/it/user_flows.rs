//! User sign-in against the emulator, hermetically (`tests/support/fake_browser.py` plays the
//! browser): PKCE and state (forged redirects ignored), form_post, denial, fixed ports,
//! --no-browser, device code with slow_down, silent refresh with rotation, revoked refresh
//! tokens, `refresh`, status and logout, and what the browser process inherits.

use std::process::Stdio;

use crate::emulator::{self, AuthorizeBehavior, Emulator, Grant};
use crate::support::user_flows::{
    SignInServer, browser_sign_in_then_silent_then_rotation, device_code_sign_in_then_silent,
};
use crate::support::{CACHE_KEY, TestEnv, code, json, stderr, stderr_until, stdout};

fn fake_browser() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/fake_browser.py")
        .display()
        .to_string()
}

/// A public-client profile against the emulator, file store, the fake browser as `$BROWSER`.
pub fn user_env(emu: &Emulator) -> TestEnv {
    TestEnv::new()
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", emulator::PUBLIC_CLIENT_ID)
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
        .var("BROWSER", &fake_browser())
}

/// The scope of the shared scenarios (`crate::user_flows::SCOPE` for other suites).
pub use crate::support::user_flows::SCOPE;

impl SignInServer for Emulator {
    fn browser_sign_ins(&self) -> usize {
        self.authorize_requests()
    }

    fn log(&self) -> String {
        String::new()
    }
}

#[test]
fn browser_sign_in_with_pkce_then_silent_then_rotation() {
    let emu = Emulator::start();
    let env = user_env(&emu);
    // The shared scenario, and what the emulator saw of it: PKCE, form_post, offline_access, and
    // the code redeemed with the same redirect_uri, as a public client.
    let redeem = std::cell::RefCell::new(None);
    let signed_in = browser_sign_in_then_silent_then_rotation(&env, &emu, || {
        *redeem.borrow_mut() = emu.last_token_request();
    });
    let authorize = emu.last_authorize_request().unwrap().form;
    assert_eq!(authorize["code_challenge_method"], "S256");
    assert_eq!(authorize["response_mode"], "form_post");
    assert!(authorize["scope"].contains("offline_access"));
    assert!(authorize["redirect_uri"].starts_with("http://localhost:"));
    let redeem = redeem.into_inner().expect("the code was redeemed").form;
    assert_eq!(redeem["grant_type"], "authorization_code");
    assert_eq!(
        redeem["redirect_uri"], authorize["redirect_uri"],
        "the same redirect_uri"
    );
    assert_eq!(redeem["client_info"], "1");
    assert!(!redeem.contains_key("client_secret"));
    assert_eq!(emu.token_requests(Grant::RefreshToken), 2);
    assert_eq!(
        emu.last_token_request().unwrap().form["refresh_token"],
        signed_in.rotated_refresh_token,
        "the rotated refresh token was saved and presented"
    );
    let status = json(&env.run(&["status", "-o", "json"]));
    assert_eq!(status["profiles"][0]["signed_in_as"], emulator::USER_NAME);
}

#[test]
fn no_credential_and_a_browser_means_the_browser_sign_in() {
    let emu = Emulator::start();
    let env = user_env(&emu);
    let out = env.run(&["get-token", "-s", SCOPE, "-o", "json", "--timeout", "30s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "network");
    assert_eq!(
        emu.authorize_requests(),
        1,
        "the default flow is the browser sign-in"
    );
}

#[test]
fn expired_access_token_uses_and_rotates_the_refresh_token() {
    let emu = Emulator::start();
    emu.set_token_lifetime(120);
    let env = user_env(&emu);
    let first = env.run(&[
        "get-token",
        "-f",
        "interactive",
        "-s",
        SCOPE,
        "-o",
        "json",
        "--include-refresh-token",
    ]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let first_rt = json(&first)["refresh_token"].as_str().unwrap().to_owned();
    // A 2-minute token is below the default 5-minute minimum validity: refresh, silently.
    let second = env.run(&[
        "get-token",
        "-s",
        SCOPE,
        "-o",
        "json",
        "--include-refresh-token",
        "--non-interactive",
    ]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let body = json(&second);
    assert_eq!(body["source"], "network");
    assert_ne!(body["refresh_token"], first_rt, "rotated");
    assert_eq!(emu.token_requests(Grant::RefreshToken), 1);
    assert_eq!(
        emu.last_token_request().unwrap().form["refresh_token"],
        first_rt
    );
    assert_eq!(emu.authorize_requests(), 1, "no second sign-in");
    // The rotated token was saved: the next refresh presents it.
    let third = env.run(&["refresh", "-s", SCOPE, "--non-interactive"]);
    assert_eq!(code(&third), 0, "{}", stderr(&third));
    assert_eq!(
        emu.last_token_request().unwrap().form["refresh_token"],
        body["refresh_token"]
    );
}

#[test]
fn revoked_refresh_token_needs_a_person_and_is_forgotten() {
    let emu = Emulator::start();
    let env = user_env(&emu);
    assert_eq!(
        code(&env.run(&["get-token", "-f", "interactive", "-s", SCOPE])),
        0
    );
    emu.revoke_refresh_tokens();
    let out = crate::snapshot_run!(env, &["refresh", "-s", SCOPE, "--non-interactive"]);
    assert_eq!(code(&out), 3);
    // Interactive again: a new sign-in replaces the dead one.
    let out = env.run(&["refresh", "-s", SCOPE]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(emu.authorize_requests(), 2);
}

#[test]
fn a_denied_sign_in_is_exit_3_and_a_forged_redirect_is_ignored_until_the_deadline() {
    let emu = Emulator::start();
    let env = user_env(&emu);
    emu.set_authorize_behavior(AuthorizeBehavior::Deny {
        error: "access_denied".into(),
        description: "AADSTS65004: User declined to consent to access the app.".into(),
    });
    let out = crate::snapshot_run!(env, &["get-token", "-f", "interactive", "-s", SCOPE, "-q"]);
    assert_eq!(code(&out), 3);
    // A redirect with another state neither ends the sign-in nor is redeemed: the wait goes on
    // until the time limit, which then says what was ignored.
    emu.set_authorize_behavior(AuthorizeBehavior::WrongState);
    let out = env.run(&[
        "get-token",
        "-f",
        "interactive",
        "-s",
        SCOPE,
        "--timeout",
        "3s",
    ]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 sign-in response carrying another sign-in's state was ignored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        emu.token_requests(Grant::AuthorizationCode),
        0,
        "a forged code is never redeemed"
    );
}

/// Sends one GET to the listener on `host:port` and returns the status line.
fn forge_redirect(host: &str, port: u16, query: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect((host, port)).expect("connect to the listener");
    write!(
        stream,
        "GET /?{query} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_owned()
}

/// `--redirect-uri` (another registered loopback URI, with a path): the browser is sent there,
/// the listener answers on that port and path, and the code is redeemed with the same URI. The
/// profile's `login_hint` pre-fills the sign-in.
#[test]
fn a_registered_redirect_uri_with_a_path_is_used_as_given() {
    let emu = Emulator::start();
    let port = crate::support::free_port();
    let redirect = format!("http://localhost:{port}/auth/callback");
    let env = user_env(&emu).var("ENTRA_AUTH_LOGIN_HINT", emulator::USER_NAME);
    let out = env.run(&[
        "get-token",
        "-f",
        "interactive",
        "-s",
        SCOPE,
        "--redirect-uri",
        &redirect,
        "--timeout",
        "30s",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "network");
    assert!(
        stderr(&out).contains(&format!("Waiting for the sign-in on {redirect}")),
        "{}",
        stderr(&out)
    );
    let authorize = emu.last_authorize_request().unwrap().form;
    assert_eq!(authorize["redirect_uri"], redirect);
    assert_eq!(authorize["login_hint"], emulator::USER_NAME);
    let redeem = emu.last_token_request().unwrap().form;
    assert_eq!(
        redeem["redirect_uri"], redirect,
        "redeemed with the same URI"
    );
}

#[test]
fn forged_redirects_do_not_end_the_sign_in() {
    let emu = Emulator::start();
    let port = crate::support::free_port();
    let env = user_env(&emu).without("BROWSER");
    let mut child = env
        .cmd(&[
            "get-token",
            "-f",
            "interactive",
            "-s",
            SCOPE,
            "--no-browser",
            "--port",
            &port.to_string(),
            "--timeout",
            "30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_stderr, seen) = stderr_until(&mut child, |text| text.contains("Waiting for the sign-in"));
    let url = seen
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("http") && l.contains("/authorize?"))
        .unwrap_or_else(|| panic!("no URL printed: {seen}"))
        .to_owned();
    // Another local program (or a web page) answers first, with codes and errors of its own.
    for query in [
        "code=forged&state=not-yours",
        "code=forged",
        "error=access_denied&state=not-yours",
    ] {
        let status = forge_redirect("127.0.0.1", port, query);
        assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    }
    // The listener answers on ::1 too (a browser may resolve localhost to it), just as warily.
    let status = forge_redirect("::1", port, "code=forged&state=not-yours");
    assert!(status.starts_with("HTTP/1.1 400"), "[::1]: {status}");
    // The person then finishes the real sign-in.
    let browser = std::process::Command::new(fake_browser())
        .arg(&url)
        .status()
        .unwrap();
    assert!(browser.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{seen}");
    assert!(emu.verify(stdout(&out).trim()).is_ok());
    let redeemed = emu.last_token_request().unwrap().form;
    assert_ne!(redeemed["code"], "forged");
    assert_eq!(emu.token_requests(Grant::AuthorizationCode), 1);
}

#[test]
fn fixed_port_and_no_browser() {
    let emu = Emulator::start();
    let port = crate::support::free_port();
    let env = user_env(&emu).without("BROWSER");
    let mut child = env
        .cmd(&[
            "get-token",
            "-f",
            "interactive",
            "-s",
            SCOPE,
            "--no-browser",
            "--port",
            &port.to_string(),
            "--timeout",
            "30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let is_url = |line: &str| line.trim_start().starts_with("http") && line.contains("/authorize?");
    let (_stderr, seen) = stderr_until(&mut child, |text| text.lines().any(is_url));
    let url = seen
        .lines()
        .find(|l| is_url(l))
        .map(|l| l.trim().to_owned());
    let url = url.unwrap_or_else(|| panic!("no URL printed: {seen}"));
    assert!(url.contains(&format!("localhost%3A{port}")), "{url}");
    // The person opens the printed URL.
    let browser = std::process::Command::new(fake_browser())
        .arg(&url)
        .status()
        .unwrap();
    assert!(browser.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{seen}");
    assert!(emu.verify(stdout(&out).trim()).is_ok());
}

#[test]
fn device_code_with_slow_down_then_silent() {
    let emu = Emulator::start();
    emu.set_device_interval(1);
    emu.push_device_poll_error("slow_down");
    emu.set_auto_approve_device_codes(Some(2));
    let env = user_env(&emu).without("BROWSER");
    let out = env.run(&[
        "get-token",
        "-f",
        "device-code",
        "-s",
        SCOPE,
        "-o",
        "json",
        "--timeout",
        "60s",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (user_code, uri) = emu.last_device_code().unwrap();
    assert!(
        stderr(&out).contains(&user_code),
        "the code is shown: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&uri));
    let poll = emu.last_token_request().unwrap().form;
    assert_eq!(
        poll["grant_type"],
        "urn:ietf:params:oauth:grant-type:device_code"
    );
    assert!(
        !stderr(&out).contains(&poll["device_code"]),
        "the device code is secret"
    );
    device_code_sign_in_then_silent(&env, &emu, &out);
}

/// With no terminal and no browser, a sign-in the profile calls for (its `flow`, from the file or
/// `ENTRA_AUTH_FLOW`) is never started: exit 3 at once. Only `-f` on the command line, a person's
/// explicit request, starts the device code flow there (a container's logs show the code).
#[test]
fn with_no_terminal_and_no_browser_only_a_flag_starts_a_sign_in() {
    let emu = Emulator::start();
    emu.set_auto_approve_device_codes(Some(1));
    let env = user_env(&emu)
        .without("BROWSER")
        .var("ENTRA_AUTH_FLOW", "device-code");
    let out = env.run(&["get-token", "-s", SCOPE, "--timeout", "60s"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("this run is non-interactive"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emu.devicecode_requests(), 0, "no device flow was started");
    let out = env.run(&[
        "get-token",
        "-f",
        "device-code",
        "-s",
        SCOPE,
        "--timeout",
        "60s",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(emu.devicecode_requests(), 1);
}

#[test]
fn device_code_denied_and_expired() {
    let emu = Emulator::start();
    emu.set_device_interval(1);
    let env = user_env(&emu).without("BROWSER");
    let child = env
        .cmd(&[
            "get-token",
            "-f",
            "device-code",
            "-s",
            SCOPE,
            "--timeout",
            "30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut user_code = None;
    for _ in 0..100 {
        if let Some((code, _)) = emu.last_device_code() {
            user_code = Some(code);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(emu.deny_device_code(&user_code.expect("a device code was requested")));
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("declined"), "{}", stderr(&out));

    emu.set_device_code_lifetime(2);
    let out = env.run(&[
        "get-token",
        "-f",
        "device-code",
        "-s",
        SCOPE,
        "--timeout",
        "30s",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
}

#[test]
fn refresh_for_an_app_profile_is_a_new_client_credentials_call() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let out = env.run(&["refresh", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "network");
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 2);
}

#[test]
fn logout_forgets_the_sign_in() {
    let emu = Emulator::start();
    let env = user_env(&emu);
    assert_eq!(
        code(&env.run(&["get-token", "-f", "interactive", "-s", SCOPE])),
        0
    );
    let out = env.run(&["logout", "--all"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 saved sign-in(s)"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["get-token", "-s", SCOPE, "--non-interactive"]);
    assert_eq!(code(&out), 3, "signed out: {}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn the_browser_does_not_inherit_secrets() {
    let emu = Emulator::start();
    let env = user_env(&emu);
    let dump = env.home.path().join("browser-env");
    let script = env.home.path().join("browser.sh");
    // Records its environment, then plays the user as the usual fake browser does.
    std::fs::write(
        &script,
        format!(
            "env > '{dump}.tmp' && mv '{dump}.tmp' '{dump}'\nexec '{browser}' \"$@\"\n",
            dump = dump.display(),
            browser = fake_browser()
        ),
    )
    .unwrap();
    let secrets = [
        ("AZURE_CLIENT_SECRET", "secret-value-client"),
        (
            "AZURE_CLIENT_CERTIFICATE_PASSWORD",
            "secret-value-certificate",
        ),
        ("AZURE_PASSWORD", "secret-value-password"),
        ("IDENTITY_HEADER", "secret-value-identity-header"),
        ("MSI_SECRET", "secret-value-msi"),
    ];
    let env = secrets
        .iter()
        .fold(env, |env, (name, value)| env.var(name, value))
        .var("BROWSER", &format!("sh {}", script.display()));
    let out = env.run(&[
        "get-token",
        "-f",
        "interactive",
        "-s",
        SCOPE,
        "--timeout",
        "30s",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seen = std::fs::read_to_string(&dump).expect("the browser ran");
    let names: Vec<&str> = seen
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(n, _)| n)
        .collect();
    assert!(
        names.contains(&"ENTRA_AUTH_STORE"),
        "the rest is inherited: {names:?}"
    );
    for name in secrets
        .iter()
        .map(|(n, _)| *n)
        .chain(["ENTRA_AUTH_CACHE_KEY"])
    {
        assert!(!names.contains(&name), "{name} reached the browser");
    }
    for value in secrets.iter().map(|(_, v)| *v).chain([CACHE_KEY]) {
        assert!(!seen.contains(value), "a secret value reached the browser");
    }
}
