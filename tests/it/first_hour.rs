//! The first hour of a new user, end to end: mistakes that used to end in a misleading error (an
//! empty secret taken as unset, a loopback authority without a scheme, a misspelt config table,
//! a file store locked in a new shell) and the CLI's rough edges (`help`, `logout` without `-p`,
//! `--warn-expiry 10m`).

use crate::emulator::{self, Emulator};
use crate::support::{TestEnv, code, stderr};

// ------------------------------------------------------------ authority host and tenant

#[test]
fn a_loopback_authority_without_a_scheme_suggests_http() {
    let emu = Emulator::start();
    let bare = emu.authority().trim_start_matches("http://").to_owned();
    let env = TestEnv::for_emulator(&emu).var("AZURE_AUTHORITY_HOST", &bare);
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&format!("`http://{bare}`")));
    assert_eq!(emu.total_token_requests(), 0, "no TLS attempt, no retries");
}

#[test]
fn a_tenant_that_is_no_tenant_is_refused_before_any_request() {
    let env = TestEnv::new()
        .var("AZURE_TENANT_ID", "contoso")
        .var("AZURE_CLIENT_ID", emulator::CLIENT_ID)
        .var("AZURE_CLIENT_SECRET", "x")
        .var("ENTRA_AUTH_STORE", "memory");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn emulator_tenants_by_id_and_domain_still_work() {
    let emu = Emulator::start();
    for tenant in [emulator::TENANT_ID, emulator::TENANT_DOMAIN] {
        let env = TestEnv::for_emulator(&emu).var("AZURE_TENANT_ID", tenant);
        let out = env.run(&["get-token", "--no-cache"]);
        assert_eq!(code(&out), 0, "{tenant}: {}", stderr(&out));
    }
}

// ------------------------------------------------------------ config.toml mistakes

#[test]
fn a_singular_profile_table_is_an_error_that_suggests_the_plural() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "# mine\n[profile.work]\ntenant_id = \"{}\"\nclient_id = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID
    ));
    let out = crate::snapshot_run!(env, &["get-token", "-p", "work"]);
    assert_eq!(code(&out), 1);
    let listed = env.run(&["config", "list"]);
    assert_eq!(
        code(&listed),
        1,
        "every command sees it: {}",
        stderr(&listed)
    );
}

#[test]
fn a_wrong_type_names_the_profile_and_the_field() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[profiles.work]\ntenant_id = 5\nclient_id = \"{}\"\n",
        emulator::CLIENT_ID
    ));
    let out = crate::snapshot_run!(env, &["get-token", "-p", "work"]);
    assert_eq!(code(&out), 1);
}
