//! The user sign-in scenarios both user-flow suites run: `user_flows.rs` against the emulator
//! (a fake browser) and `user_flows_peer.rs` against oidc-provider with headless Chromium. The
//! server differs; what the user sees must not.

use crate::support::{TestEnv, code, json, stderr};

/// The scope both suites ask for (a user scope, so refresh tokens are issued).
pub const SCOPE: &str = "https://graph.microsoft.com/User.Read";

/// The server side of a scenario: how many browser sign-ins it saw, and its log for failures.
pub trait SignInServer {
    fn browser_sign_ins(&self) -> usize;
    /// What the server said, for failure messages ("" when it keeps no log).
    fn log(&self) -> String;
}

/// What a signed-in user ended with.
pub struct SignedIn {
    /// The refresh token after one `refresh` (rotated), which the last `refresh` presented.
    pub rotated_refresh_token: String,
}

/// A browser sign-in (the URL always printed) gets a token from the network; the next call is
/// silent (the cache, no browser); `refresh` rotates the refresh token without a browser; and
/// the rotated one was saved: the next `refresh` works with it. `before_rotation` runs just
/// before the first `refresh` (the peer suite copies the store there to replay it later).
pub fn browser_sign_in_then_silent_then_rotation(
    env: &TestEnv,
    server: &dyn SignInServer,
    before_rotation: impl FnOnce(),
) -> SignedIn {
    let args = [
        "get-token",
        "-f",
        "interactive",
        "-s",
        SCOPE,
        "-o",
        "json",
        "--timeout",
        "60s",
        "--include-refresh-token",
    ];
    let first = env.run(&args);
    assert_eq!(
        code(&first),
        0,
        "{}\nserver: {}",
        stderr(&first),
        server.log()
    );
    let body = json(&first);
    assert_eq!(body["source"], "network");
    let first_refresh_token = body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    assert!(
        stderr(&first).contains("/oauth2/v2.0/authorize?"),
        "the URL is always printed: {}",
        stderr(&first)
    );
    assert_eq!(server.browser_sign_ins(), 1);

    let second = json(&env.run(&args));
    assert_eq!(second["source"], "cache", "the next call is silent");
    assert_eq!(server.browser_sign_ins(), 1);

    before_rotation();
    let refreshed = env.run(&[
        "refresh",
        "-s",
        SCOPE,
        "-o",
        "json",
        "--include-refresh-token",
    ]);
    assert_eq!(
        code(&refreshed),
        0,
        "{}\nserver: {}",
        stderr(&refreshed),
        server.log()
    );
    let rotated_refresh_token = json(&refreshed)["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    assert_ne!(
        rotated_refresh_token, first_refresh_token,
        "refresh tokens rotate on every use"
    );
    assert_eq!(server.browser_sign_ins(), 1, "refresh needs no browser");
    let again = env.run(&["refresh", "-s", SCOPE, "-o", "json"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        json(&again)["source"],
        "network",
        "the rotated token was saved and works"
    );
    SignedIn {
        rotated_refresh_token,
    }
}

/// After a device-code sign-in (`out`, the run that waited for it): the token came from the
/// network, the next call is silent even without a person, and no browser was ever opened.
pub fn device_code_sign_in_then_silent(
    env: &TestEnv,
    server: &dyn SignInServer,
    out: &std::process::Output,
) {
    assert_eq!(code(out), 0, "{}\nserver: {}", stderr(out), server.log());
    assert_eq!(json(out)["source"], "network");
    let again = json(&env.run(&[
        "get-token",
        "-f",
        "device-code",
        "-s",
        SCOPE,
        "-o",
        "json",
        "--non-interactive",
    ]));
    assert_eq!(
        again["source"], "cache",
        "device code sign-ins are cached too"
    );
    assert_eq!(
        server.browser_sign_ins(),
        0,
        "device code never opens the browser itself"
    );
}
