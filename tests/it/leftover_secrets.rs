//! Stored secrets are tied to the authority, tenant and client they were stored for: a secret
//! left behind by a profile removed from config.toml by hand is never sent to a new profile of
//! the same name that points elsewhere (re-created by hand or with `config create`), and
//! storing it again for the new destination is the way out.

use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, TestEnv, code, stderr};

fn profile(emu: &Emulator) -> String {
    format!(
        "[profiles.app]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    )
}

/// `get-token -p app` is refused before any request, saying how to fix it.
fn refused(env: &TestEnv, elsewhere: &Emulator) {
    let out = env.run(&["get-token", "-p", "app"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("stored for another destination"), "{err}");
    assert!(err.contains(&elsewhere.authority()), "{err}");
    assert!(err.contains("config set-secret -p app"), "{err}");
    assert!(!err.contains(emulator::CLIENT_SECRET), "{err}");
    assert_eq!(
        elsewhere.total_token_requests(),
        0,
        "nothing was sent there"
    );
    assert!(elsewhere.last_token_request().is_none());
}

#[test]
fn a_leftover_secret_is_never_sent_to_a_new_profile_of_the_same_name() {
    let first = Emulator::start();
    let elsewhere = Emulator::start();
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY);
    env.write_config(&profile(&first));
    let out = env.run_with_stdin(
        &["config", "set-secret", "-p", "app"],
        emulator::CLIENT_SECRET,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["get-token", "-p", "app"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(first.total_token_requests(), 1);

    // Removed from config.toml by hand (its secret stays), then written again by hand for
    // another authority.
    env.write_config("");
    env.write_config(&profile(&elsewhere));
    refused(&env, &elsewhere);

    // Re-created with `config create` instead.
    env.write_config("");
    let out = env.run(&[
        "config",
        "create",
        "--name",
        "app",
        "--tenant-id",
        emulator::TENANT_ID,
        "--client-id",
        emulator::CLIENT_ID,
        "--authority-host",
        &elsewhere.authority(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    refused(&env, &elsewhere);

    // The way out the message gives: store the secret for the new destination.
    let out = env.run_with_stdin(
        &["config", "set-secret", "-p", "app"],
        emulator::CLIENT_SECRET,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["get-token", "-p", "app"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(elsewhere.total_token_requests(), 1);
    let sent = elsewhere.last_token_request().unwrap();
    assert_eq!(
        sent.form.get("client_secret").map(String::as_str),
        Some(emulator::CLIENT_SECRET)
    );

    // Pointing the profile back at the first authority: refused there now.
    env.write_config(&profile(&first));
    let out = env.run(&["get-token", "-p", "app", "--force"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(first.total_token_requests(), 1);
}
