//! The keyring store's fast tier (the kernel user keyring, `src/adapters/store/kernel_keyring.rs`)
//! against a real gnome-keyring: hits without the Secret Service, read-through copies, logout
//! and status cover it, and a corrupt, foreign or stale copy is never served.

use linux_keyutils::{KeyRing, KeyRingIdentifier};

use crate::emulator::Emulator;
use crate::secret_service::SecretService;
use crate::support::{TestEnv, code, json, stderr};

/// `auto` with the private Secret Service.
fn keyring_env(emu: &Emulator, service: &SecretService) -> TestEnv {
    TestEnv::for_emulator(emu)
        .without("ENTRA_AUTH_CACHE_KEY")
        .without("ENTRA_AUTH_STORE")
        .with_secret_service(service)
}

fn user_keyring() -> KeyRing {
    KeyRing::from_special_id(KeyRingIdentifier::User, true).expect("the kernel user keyring")
}

/// The tier's entry prefix, as `status -o json` reports it: `entra-auth-cli:<bus digest>:`.
pub fn prefix(env: &TestEnv) -> String {
    let status = env.run(&["status", "-o", "json"]);
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let tier = json(&status)["store"]["fast_tier"]
        .as_str()
        .unwrap_or_else(|| panic!("status shows no fast tier: {}", stderr(&status)))
        .to_owned();
    assert!(tier.contains("kernel user keyring"), "{tier}");
    let start = tier
        .find("entra-auth-cli:")
        .expect("entry names in the description");
    let rest = &tier[start..];
    let end = rest.find('*').expect("`entra-auth-cli:<bus>:*`");
    rest[..end].to_owned()
}

/// `(description, expiry column of /proc/keys)` of every tier entry under `prefix`.
fn entries(prefix: &str) -> Vec<(String, String)> {
    std::fs::read_to_string("/proc/keys")
        .expect("/proc/keys")
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let description = fields.get(8)?.trim_end_matches(':');
            let expiry = fields.get(3)?;
            // An invalidated, revoked or dead key waits in /proc/keys for the kernel's
            // garbage collector; it can no longer be found or read.
            if fields.get(1)?.contains(['i', 'R', 'D']) {
                return None;
            }
            description
                .starts_with(prefix)
                .then(|| (description.to_owned(), (*expiry).to_owned()))
        })
        .collect()
}

pub fn token_copies(prefix: &str) -> Vec<String> {
    entries(prefix)
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| d.contains(":token:"))
        .collect()
}

fn read_copy(description: &str) -> Vec<u8> {
    let key = user_keyring().search(description).expect("the copy");
    let mut buffer = vec![0u8; 64 * 1024];
    let len = key.read(&mut buffer).expect("read the copy");
    buffer.truncate(len);
    buffer
}

fn write_copy(description: &str, payload: &[u8]) {
    let key = user_keyring()
        .add_key(description, payload)
        .expect("write a copy");
    key.set_timeout(600).unwrap();
}

pub fn drop_copy(description: &str) {
    user_keyring()
        .search(description)
        .expect("the copy")
        .invalidate()
        .expect("drop the copy");
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn a_hit_in_the_kernel_tier_needs_no_secret_service() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = keyring_env(&emu, &service);
    let first = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_eq!(json(&first)["source"], "network");
    let prefix = prefix(&env);
    let copies = token_copies(&prefix);
    assert_eq!(copies.len(), 1, "{:?}", entries(&prefix));
    // Kept ten minutes at most (the emulator's tokens live an hour), only for this user.
    for (description, expiry) in entries(&prefix) {
        assert!(
            matches!(expiry.as_str(), "10m" | "9m" | "8m"),
            "{description} expires in {expiry}"
        );
    }
    let proc_keys = std::fs::read_to_string("/proc/keys").unwrap();
    let perm = proc_keys
        .lines()
        .find(|l| l.contains(&copies[0]))
        .and_then(|l| l.split_whitespace().nth(4))
        .unwrap();
    assert_eq!(
        perm, "3f010000",
        "possessor: all; user: view only; others: nothing"
    );
    let copy = String::from_utf8(read_copy(&copies[0])).unwrap();
    assert!(copy.contains("\"access_token\""), "a token record");

    // The Secret Service goes away: the copy still serves (no probe, no D-Bus call).
    drop(service);
    let hit = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&hit), 0, "{}", stderr(&hit));
    assert_eq!(json(&hit)["source"], "cache");
    assert_eq!(json(&hit)["access_token"], json(&first)["access_token"]);
    assert!(hit.stderr.is_empty(), "{}", stderr(&hit));
    assert_eq!(emu.total_token_requests(), 1);
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn a_secret_service_hit_is_copied_and_a_new_token_replaces_the_copy() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = keyring_env(&emu, &service);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let prefix = prefix(&env);
    let copy = token_copies(&prefix).pop().expect("a copy");
    drop_copy(&copy);
    // A miss in the tier reads the Secret Service and copies the token back.
    let read = env.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&read)["source"], "cache", "{}", stderr(&read));
    assert_eq!(token_copies(&prefix), vec![copy.clone()]);

    // A newer token (another process's --force) replaces the copy: never the stale one.
    let forced = env.run(&["get-token", "--force", "-o", "json"]);
    assert_eq!(json(&forced)["source"], "network", "{}", stderr(&forced));
    let after = env.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&after)["source"], "cache");
    assert_eq!(json(&after)["access_token"], json(&forced)["access_token"]);
    assert_ne!(json(&after)["access_token"], json(&read)["access_token"]);
    assert_eq!(emu.total_token_requests(), 2);
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn logout_and_status_cover_the_kernel_tier() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = keyring_env(&emu, &service);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let prefix = prefix(&env);
    assert_eq!(token_copies(&prefix).len(), 1);

    let status = env.run(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("fast tier:    the kernel user keyring"),
        "{text}"
    );
    assert!(!text.contains("eyJ"), "status never shows tokens");

    // Even a copy whose Secret Service entry was removed behind the CLI's back is logged out.
    let items = service.secret_tool(&["search", "--all", "service", "entra-auth-cli"]);
    let user = items
        .lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .find(|u| u.starts_with("token:"))
        .expect("a token entry")
        .to_owned();
    let cleared = service.secret_tool(&["clear", "service", "entra-auth-cli", "username", &user]);
    assert!(cleared.is_empty(), "{cleared}");
    let status = json(&env.run(&["status", "-o", "json"]));
    assert_eq!(
        status["profiles"][0]["cached_tokens"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "status lists the tier's copy: {status}"
    );

    let out = env.run(&["logout", "-p", "default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed 1 cached token(s)"),
        "{}",
        stderr(&out)
    );
    // The kernel collects an invalidated key in the background: give it a moment.
    let gone = (0..100).any(|_| {
        let empty = token_copies(&prefix).is_empty();
        if !empty {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        empty
    });
    assert!(gone, "{:?}", entries(&prefix));
    let again = env.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&again)["source"], "network", "{}", stderr(&again));
    assert_eq!(emu.total_token_requests(), 2);
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn a_corrupt_or_foreign_copy_is_ignored_and_replaced() {
    let service = SecretService::start();
    let emu = Emulator::start();
    let env = keyring_env(&emu, &service);
    let first = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let prefix = prefix(&env);
    let copy = token_copies(&prefix).pop().expect("a copy");
    let genuine = read_copy(&copy);

    let mut record: serde_json::Value = serde_json::from_slice(&genuine).unwrap();
    let key = record["key"].as_str().unwrap().to_owned();
    record["key"] = serde_json::Value::String(key.replace("graph.microsoft.com", "evil.example"));
    record["access_token"] = serde_json::Value::String("planted".to_owned());
    let foreign = serde_json::to_vec(&record).unwrap();
    for planted in [&b"{not json"[..], &foreign[..]] {
        write_copy(&copy, planted);
        let out = env.run(&["get-token", "-o", "json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(json(&out)["source"], "cache", "from the Secret Service");
        assert_eq!(json(&out)["access_token"], json(&first)["access_token"]);
        assert!(
            out.stderr.is_empty(),
            "a bad copy is dropped quietly: {}",
            stderr(&out)
        );
        assert_eq!(read_copy(&copy), genuine, "the copy is replaced");
    }
    assert_eq!(emu.total_token_requests(), 1);
}

#[test]
#[ignore = "needs a Secret Service: dbus-daemon, gnome-keyring, secret-tool (installed by .ci/run); run with: cargo test -- --ignored"]
fn another_secret_service_never_sees_the_copies() {
    let first_service = SecretService::start();
    let emu = Emulator::start();
    let env = keyring_env(&emu, &first_service);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let first_prefix = prefix(&env);

    let second_service = SecretService::start();
    let other = keyring_env(&emu, &second_service);
    let out = other.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["source"],
        "network",
        "not the first keyring's copy"
    );
    assert_ne!(prefix(&other), first_prefix);
    assert_eq!(emu.total_token_requests(), 2);
}
