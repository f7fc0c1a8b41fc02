//! The kernel keyring fast tier among other programs: it stays within its share of the user's
//! key quota (a non-root user, uid 65534, whose quota is the kernel's 20 000 bytes, so that
//! another program's `add_key` still works), and under a private session keyring (no
//! possession of the user keyring) it turns itself off instead of leaving copies without
//! expiry, and `logout` still removes everything.

use std::process::Output;

use crate::emulator::Emulator;
use crate::keyring_fast_tier::{prefix, token_copies};
use crate::secret_service::{SecretService, command_as};
use crate::support::{TestEnv, code, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_entra-auth-cli");
const NOBODY: u32 = 65534;

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}

/// `keyctl ARGS` as `uid` (or as is): the output, checked.
fn keyctl(uid: Option<u32>, args: &[&str]) -> Output {
    let out = command_as(uid, "keyctl")
        .args(args)
        .output()
        .expect("keyctl (keyutils) is installed");
    assert!(out.status.success(), "keyctl {args:?}: {}", stderr(&out));
    out
}

/// `(bytes used, bytes allowed)` of `uid`'s key quota, from /proc/key-users.
fn quota(uid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/key-users").unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{uid}:")))
        .unwrap_or_else(|| panic!("no line for {uid}: {text}"));
    let (used, max) = line
        .split_whitespace()
        .nth(4)
        .unwrap()
        .split_once('/')
        .unwrap();
    (used.parse().unwrap(), max.parse().unwrap())
}

/// The binary as uid 65534 in a session keyring of its own that links its user keyring (so it
/// possesses it, whatever session the test runner has).
fn as_nobody(env: &TestEnv, args: &[&str]) -> Output {
    let script = "keyctl link @u @s >/dev/null && exec \"$0\" \"$@\"";
    let mut cmd = env.program(
        "setpriv",
        &[
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "keyctl",
            "session",
            "-",
            "sh",
            "-c",
            script,
            BIN,
        ],
    );
    cmd.args(args).output().expect("setpriv, keyctl")
}

#[test]
#[ignore = "needs root (the CLI runs as uid 65534, whose key quota is the kernel's 20 000 bytes), keyutils and a Secret Service: dbus-daemon, gnome-keyring (installed by .ci/run); run with: cargo test -- --ignored"]
fn the_fast_tier_leaves_room_for_other_programs_keys() {
    // A clean slate in nobody's user keyring (a run before may have left copies).
    keyctl(Some(NOBODY), &["purge", "-p", "user", "entra-auth-cli:"]);
    let _ = command_as(Some(NOBODY), "keyctl")
        .args(["purge", "user", "another-program"])
        .output();
    let service = SecretService::start_as(Some(NOBODY));
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("ENTRA_AUTH_CACHE_KEY")
        .without("ENTRA_AUTH_STORE")
        .with_secret_service(&service);
    std::os::unix::fs::chown(env.home.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let status = as_nobody(&env, &["status", "-o", "json"]);
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let tier = json(&status)["store"]["fast_tier"].to_string();
    assert!(
        tier.contains("kernel user keyring"),
        "the tier is on: {tier}"
    );

    for i in 0..16 {
        let scope = format!("api://resource-{i}/.default");
        let out = as_nobody(&env, &["get-token", "-s", &scope]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let (_, max) = quota(NOBODY);
    assert_eq!(max, 20_000, "the kernel's default quota for users");

    // Another program of the same user (a Kerberos KEYRING: cache, say) adds a 4 KB key.
    let payload = "k".repeat(4_000);
    let out = command_as(Some(NOBODY), "keyctl")
        .args(["add", "user", "another-program", &payload, "@u"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "another program's add_key failed ({}): {} of {max} bytes in use",
        stderr(&out).trim(),
        quota(NOBODY).0
    );
    let (used, _) = quota(NOBODY);
    assert!(used <= max * 3 / 4, "{used} of {max} bytes in use");

    // The newest tokens are still served from the cache.
    let out = as_nobody(
        &env,
        &[
            "get-token",
            "-s",
            "api://resource-15/.default",
            "-o",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "cache");
    assert_eq!(emu.total_token_requests(), 16);

    keyctl(Some(NOBODY), &["purge", "-p", "user", "entra-auth-cli:"]);
    keyctl(Some(NOBODY), &["purge", "user", "another-program"]);
}

/// The binary in a new anonymous session keyring: it can add keys to the user keyring but does
/// not possess them (no timeout, no read, no removal).
fn in_private_session(env: &TestEnv, args: &[&str]) -> Output {
    let mut cmd = env.program("keyctl", &["session", "-", BIN]);
    cmd.args(args).output().expect("keyctl (keyutils)")
}

#[test]
#[ignore = "needs keyutils and a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn without_possession_the_tier_is_off_and_logout_removes_everything() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("ENTRA_AUTH_CACHE_KEY")
        .without("ENTRA_AUTH_STORE")
        .with_secret_service(&service);
    let prefix = prefix(&env);

    let out = in_private_session(&env, &["get-token", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["source"], "network");
    assert!(
        token_copies(&prefix).is_empty(),
        "a copy that can never expire: {:?}",
        token_copies(&prefix)
    );
    let status = in_private_session(&env, &["status", "-o", "json"]);
    let tier = json(&status)["store"]["fast_tier"].to_string();
    assert!(tier.contains("does not possess"), "{tier}");
    // Served from the Secret Service, without the tier.
    let again = in_private_session(&env, &["get-token", "-o", "json"]);
    assert_eq!(json(&again)["source"], "cache", "{}", stderr(&again));

    let out = in_private_session(&env, &["logout"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed 1 cached token(s)"),
        "{}",
        stderr(&out)
    );
    let items = service.secret_tool(&["search", "--all", "service", "entra-auth-cli"]);
    assert!(
        !items.contains("attribute.username = token:"),
        "the Secret Service entry is gone: {items}"
    );
    let after = env.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&after)["source"], "network", "{}", stderr(&after));
}
