//! User sign-in against an independent server nobody here wrote (oidc-provider) and a real
//! headless Chromium (Debian's `chromium`, driven by `login.mjs` as `$BROWSER`): browser login
//! with PKCE, silent reuse, refresh-token rotation, replay detection, device code, and one login
//! for parallel calls.

use std::process::{Command, Stdio};

use crate::oidc_peer::{
    OidcPeer, PUBLIC_CLIENT, PeerOptions, device_approve_script, login_script, peer_dir,
};
use crate::support::user_flows::{
    SCOPE, SignInServer, browser_sign_in_then_silent_then_rotation, device_code_sign_in_then_silent,
};
use crate::support::{CACHE_KEY, TestEnv, code, json, stderr, stderr_until};

/// The peer and the count of browser launches its `$BROWSER` wrapper keeps.
struct Peer<'a> {
    peer: &'a OidcPeer,
    count: std::path::PathBuf,
}

impl SignInServer for Peer<'_> {
    fn browser_sign_ins(&self) -> usize {
        launches(&self.count)
    }

    fn log(&self) -> String {
        self.peer.stderr()
    }
}

/// Panics with the install command when Debian's chromium (or `$CHROMIUM`) is missing.
fn require_chromium() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists()
            || std::env::var_os("CHROMIUM").is_some(),
        "Debian's chromium is not installed: run `apt-get install chromium` or `.ci/run` \
         (or set CHROMIUM to a Chromium executable)"
    );
}

/// A user profile against the peer, with the file store, `$BROWSER` = a wrapper that counts
/// launches and then runs login.mjs (which drives headless Chromium).
fn user_env(peer: &OidcPeer) -> (TestEnv, std::path::PathBuf) {
    let env = TestEnv::new();
    let count = env.home.path().join("browser-launches");
    let wrapper = env.home.path().join("browser.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho launch >> '{}'\nexec '{}' \"$@\"\n",
            count.display(),
            login_script().display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let env = env
        .var("AZURE_TENANT_ID", peer.tenant())
        .var("AZURE_CLIENT_ID", PUBLIC_CLIENT)
        .var("AZURE_AUTHORITY_HOST", peer.authority())
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
        .var("BROWSER", &wrapper.display().to_string())
        .var("LOGIN_LOG", &env_log(&count));
    (env, count)
}

fn env_log(count: &std::path::Path) -> String {
    count.with_file_name("login.log").display().to_string()
}

fn launches(count: &std::path::Path) -> usize {
    std::fs::read_to_string(count)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
#[ignore = "needs chromium and the oidc-provider peer's node_modules (installed by .ci/run); run with: cargo test -- --ignored"]
fn browser_login_then_silent_then_rotation_then_replay_fails_cleanly() {
    require_chromium();
    let peer = OidcPeer::start(PeerOptions::new());
    let (env, count) = user_env(&peer);
    let server = Peer { peer: &peer, count };
    // Keep a stale copy of the store before the rotation, as a lost update would.
    let stale = tempfile::tempdir().unwrap();
    browser_sign_in_then_silent_then_rotation(&env, &server, || {
        copy_dir(&env.cache_dir(), stale.path());
    });

    // Replaying the consumed refresh token: the peer revokes the chain; we fail cleanly.
    std::fs::remove_dir_all(env.cache_dir()).unwrap();
    copy_dir(stale.path(), &env.cache_dir());
    let replay = env.run(&["refresh", "-s", SCOPE, "--non-interactive"]);
    assert_eq!(code(&replay), 3, "{}", stderr(&replay));
    assert!(
        stderr(&replay).contains("invalid_grant"),
        "{}",
        stderr(&replay)
    );
    assert!(
        stderr(&replay).contains("needs a person to sign in"),
        "{}",
        stderr(&replay)
    );
    let status = json(&env.run(&["status", "-o", "json"]));
    assert!(
        status["profiles"][0]["signed_in_as"].is_null(),
        "the dead refresh token was removed"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
#[ignore = "needs chromium and the oidc-provider peer's node_modules (installed by .ci/run); run with: cargo test -- --ignored"]
fn two_parallel_cold_interactive_calls_give_one_login() {
    require_chromium();
    let peer = OidcPeer::start(PeerOptions::new());
    let (env, count) = user_env(&peer);
    let children: Vec<_> = (0..2)
        .map(|_| {
            env.cmd(&[
                "get-token",
                "-f",
                "interactive",
                "-s",
                SCOPE,
                "-o",
                "json",
                "--timeout",
                "90s",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert_eq!(code(out), 0, "{}\npeer: {}", stderr(out), peer.stderr());
    }
    assert_eq!(
        json(&outputs[0])["access_token"],
        json(&outputs[1])["access_token"]
    );
    assert_eq!(launches(&count), 1, "one browser login for both");
}

#[test]
#[ignore = "needs chromium and the oidc-provider peer's node_modules (installed by .ci/run); run with: cargo test -- --ignored"]
fn device_code_approved_in_a_real_browser_then_silent() {
    require_chromium();
    let peer = OidcPeer::start(PeerOptions::new().device_interval(1));
    let (env, count) = user_env(&peer);
    let mut child = env
        .cmd(&[
            "get-token",
            "-f",
            "device-code",
            "-s",
            SCOPE,
            "-o",
            "json",
            "--timeout",
            "60s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_stderr, seen) = stderr_until(&mut child, |text| {
        text.contains("enter the code ") && text.contains("Or open ")
    });
    let code_text = seen
        .split("enter the code ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned);
    let complete = seen
        .lines()
        .find_map(|line| line.trim().strip_prefix("Or open "))
        .map(str::to_owned);
    let (user_code, uri) = (code_text.expect(&seen), complete.expect(&seen));
    let approve = Command::new("node")
        .arg(device_approve_script())
        .args([&uri, &user_code])
        .current_dir(peer_dir())
        .output()
        .unwrap();
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{seen}\npeer: {}", peer.stderr());
    device_code_sign_in_then_silent(&env, &Peer { peer: &peer, count }, &out);
}
