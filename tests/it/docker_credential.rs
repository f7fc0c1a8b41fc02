//! The docker credential helper end to end against the emulated ACR: `get` exchanges the
//! profile's Entra token (checked by the registry for signature and audience) for an ACR refresh
//! token and serves it from the cache after; hosts it does not serve get docker's not-found
//! answer with no request anywhere; failures are one line on stdout; `configure`, `list`,
//! `erase`, `store`, `version`, the `docker-credential-entra-auth-cli` program name, and
//! `get-token --registry`.

use std::path::PathBuf;
use std::process::Output;

use crate::emulator::{self, Emulator, Grant};
use crate::support::{TestEnv, code, stderr, stdout};

/// The default profile from AZURE_* variables, listing the emulated registry.
fn env_for(emu: &Emulator) -> TestEnv {
    TestEnv::for_emulator(emu).var(
        "ENTRA_AUTH_CONTAINER_REGISTRIES",
        &emu.registry_login_server(),
    )
}

fn helper(env: &TestEnv, args: &[&str], stdin: &str) -> Output {
    let mut all = vec!["docker-credential"];
    all.extend_from_slice(args);
    env.run_with_stdin(&all, stdin)
}

/// The binary under the helper's own name, `docker-credential-entra-auth-cli[-SUFFIX]`.
fn helper_link(env: &TestEnv, suffix: &str) -> PathBuf {
    let dir = env.home.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join(format!("docker-credential-entra-auth-cli{suffix}"));
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_entra-auth-cli"), &link).unwrap();
    }
    link
}

fn answer(output: &Output) -> serde_json::Value {
    assert_eq!(
        code(output),
        0,
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    serde_json::from_slice(&output.stdout).expect("get prints JSON")
}

#[test]
fn get_exchanges_the_entra_token_then_serves_the_cache() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let server = emu.registry_login_server();
    let first = answer(&helper(&env, &["get"], &format!("{server}\n")));
    assert_eq!(first["ServerURL"], server.as_str());
    assert_eq!(first["Username"], "<token>");
    let secret = first["Secret"].as_str().unwrap().to_owned();
    // The registry issued it: signed by the emulator, for this registry, a refresh token.
    let claims = emu.verify(&secret).expect("the registry's refresh token");
    assert_eq!(claims["aud"], server.as_str());
    assert_eq!(claims["grant_type"], "refresh_token");
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);
    let idp = emu.last_token_request().unwrap();
    assert_eq!(
        idp.form.get("scope").map(String::as_str),
        Some("https://containerregistry.azure.net/.default")
    );
    let exchange = &emu.registry_requests()[0];
    assert_eq!(exchange.path, "/oauth2/exchange");
    assert_eq!(exchange.form["grant_type"], "access_token");
    assert_eq!(exchange.form["service"], server);
    assert_eq!(exchange.form["tenant"], emulator::TENANT_ID);

    // The second pull: the cached refresh token, no IdP and no exchange call.
    let second = answer(&helper(&env, &["get"], &format!("http://{server}/v2/")));
    assert_eq!(second["Secret"], secret.as_str());
    assert_eq!(emu.total_token_requests(), 1);
    assert_eq!(emu.registry_requests().len(), 1);

    // Under its own name, as docker runs it.
    let link = helper_link(&env, "");
    let third = crate::support::pipe_stdin(env.program(&link, &["get"]), server.as_bytes());
    assert_eq!(answer(&third)["Secret"], secret.as_str());
    assert_eq!(emu.registry_requests().len(), 1);
}
