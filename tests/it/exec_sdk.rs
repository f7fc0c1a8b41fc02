//! Microsoft's own SDKs as the child of `exec`: Python azure-identity (ManagedIdentityCredential,
//! DefaultAzureCredential, AzureCliCredential through `--az-shim`) and JS @azure/identity
//! (ManagedIdentityCredential, DefaultAzureCredential) get tokens from exec's credential endpoint,
//! which gets them from the emulator with the profile's client secret; the child never sees it.
//! The same child programs (tests/support/sdk_child.{py,mjs}) also run straight against the
//! emulator's App Service managed identity, the real protocol exec's endpoint imitates.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

use crate::emulator::{Emulator, Grant};
use crate::support::{TestEnv, code, stderr, stdout};

const GRAPH: &str = "https://graph.microsoft.com/.default";
const ARM: &str = "https://management.azure.com/.default";
/// Calls per scope the child makes, each with a new credential (so each reaches the endpoint).
const CALLS: usize = 5;

fn support(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(file)
        .display()
        .to_string()
}

/// Fails (never skips) when azure-identity is not importable.
fn require_python_sdk() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import azure.identity"])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        ok,
        "python3 cannot import azure.identity: install it (.ci/run does: python3 -m pip install azure-identity==1.27.0)"
    );
}

/// Fails (never skips) when tests/peers/azure-identity-js has no node_modules.
fn require_js_sdk() {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers/azure-identity-js/node_modules/@azure/identity/package.json");
    assert!(
        package.is_file(),
        "@azure/identity is not installed: run `npm ci` in tests/peers/azure-identity-js (.ci/run does)"
    );
}

/// The child's command line: `python3 sdk_child.py MODE …` or `node sdk_child.mjs MODE …`.
fn child(sdk: Sdk, mode: &str, exit: u8, scopes: &[&str]) -> Vec<String> {
    let (program, script) = match sdk {
        Sdk::Python => ("python3", support("sdk_child.py")),
        Sdk::Js => ("node", support("sdk_child.mjs")),
    };
    let mut argv = vec![
        program.to_owned(),
        script,
        mode.to_owned(),
        "--calls".to_owned(),
        CALLS.to_string(),
        "--exit".to_owned(),
        exit.to_string(),
    ];
    argv.extend(scopes.iter().map(|s| (*s).to_owned()));
    argv
}

#[derive(Clone, Copy)]
enum Sdk {
    Python,
    Js,
}

/// The child's one JSON line.
fn report(out: &Output) -> Value {
    let text = stdout(out);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "child printed no JSON report ({e}): stdout {text:?}, stderr {:?}",
            stderr(out)
        )
    })
}

/// Each scope got a token the emulator signed, for that resource.
fn assert_tokens(emu: &Emulator, report: &Value, scopes: &[&str]) {
    let tokens = report["tokens"].as_array().expect("tokens");
    assert_eq!(tokens.len(), scopes.len(), "{report}");
    for (entry, scope) in tokens.iter().zip(scopes) {
        assert_eq!(entry["scope"], *scope);
        let token = entry["token"].as_str().expect("token");
        let claims = emu
            .verify(token)
            .unwrap_or_else(|e| panic!("not an emulator token for {scope}: {e}"));
        let resource = scope.trim_end_matches("/.default");
        assert_eq!(claims["aud"], resource, "{claims}");
        let expires_on = entry["expires_on"].as_i64().expect("expires_on");
        // msal-node turns expires_on into expires_in and back, so the second may move by one.
        let exp = claims["exp"].as_i64().expect("exp");
        assert!((exp - expires_on).abs() <= 2, "exp {exp}: {entry}");
    }
    assert_eq!(report["calls"], CALLS);
}

/// No removed variable reached the child.
fn assert_no_secret_env(report: &Value) {
    assert_eq!(report["env_seen"], serde_json::json!([]), "{report}");
}

/// The child straight against the emulator's App Service managed identity (no exec).
fn run_on_app_service(sdk: Sdk, mode: &str) -> (Emulator, Output) {
    let emu = Emulator::start();
    let env = TestEnv::new()
        .var("IDENTITY_ENDPOINT", &emu.app_service_endpoint())
        .var("IDENTITY_HEADER", &emu.identity_header());
    let argv = child(sdk, mode, 0, &[GRAPH, ARM]);
    let out = env
        .program(
            &argv[0],
            &argv[1..].iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .output()
        .expect("run the SDK child");
    (emu, out)
}

/// `entra-auth-cli exec [EXTRA…] -- CHILD…` with the client-secret profile from AZURE_* variables.
fn run_in_exec(extra: &[&str], sdk: Sdk, mode: &str, exit: u8) -> (Emulator, Output) {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let argv = child(sdk, mode, exit, &[GRAPH, ARM]);
    let mut args = vec!["exec"];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend(argv.iter().map(String::as_str));
    let out = env.run(&args);
    (emu, out)
}

/// What every exec run must show: the child's exit code, emulator tokens for both resources,
/// no secret in the child's environment, and ONE client-credentials request per resource (the
/// profile's default scope is Graph, which exec fetches up front; ARM is the second) however
/// many calls the child made.
fn assert_exec_run(emu: &Emulator, out: &Output, exit: u8) -> Value {
    assert_eq!(code(out), i32::from(exit), "stderr: {}", stderr(out));
    let report = report(out);
    assert_tokens(emu, &report, &[GRAPH, ARM]);
    for entry in report["tokens"].as_array().into_iter().flatten() {
        assert_eq!(
            entry["distinct"], 1,
            "exec served its cached token: {entry}"
        );
    }
    assert_no_secret_env(&report);
    assert_eq!(
        emu.token_requests(Grant::ClientCredentials),
        2,
        "one IdP request per resource for {CALLS} calls each"
    );
    assert_eq!(
        emu.app_service_requests(),
        0,
        "the child used exec's endpoint"
    );
    report
}

#[test]
#[ignore = "needs azure-identity (PyPI; .ci/run installs it); run with: cargo test -- --ignored"]
fn python_sdk_children_work_against_app_service_managed_identity() {
    require_python_sdk();
    for mode in ["mi", "dac"] {
        let (emu, out) = run_on_app_service(Sdk::Python, mode);
        assert_eq!(code(&out), 0, "{mode}: {}", stderr(&out));
        let report = report(&out);
        assert_tokens(&emu, &report, &[GRAPH, ARM]);
        assert_eq!(
            emu.app_service_requests(),
            2 * CALLS,
            "{mode}: a request per call"
        );
        if mode == "dac" {
            assert_eq!(
                report["picked"],
                serde_json::json!(["ManagedIdentityCredential"])
            );
        }
    }
}

#[test]
#[ignore = "needs @azure/identity (npm ci in tests/peers/azure-identity-js; .ci/run does it); run with: cargo test -- --ignored"]
fn js_sdk_children_work_against_app_service_managed_identity() {
    require_js_sdk();
    for mode in ["mi", "dac"] {
        let (emu, out) = run_on_app_service(Sdk::Js, mode);
        assert_eq!(code(&out), 0, "{mode}: {}", stderr(&out));
        let report = report(&out);
        assert_tokens(&emu, &report, &[GRAPH, ARM]);
        // msal-node keeps managed-identity tokens in a cache shared by every credential.
        assert_eq!(
            emu.app_service_requests(),
            2,
            "{mode}: a request per resource"
        );
        if mode == "dac" {
            assert_eq!(
                report["picked"],
                serde_json::json!(["ManagedIdentityCredential"])
            );
        }
    }
}

#[test]
#[ignore = "needs azure-identity (PyPI; .ci/run installs it); run with: cargo test -- --ignored"]
fn exec_serves_python_managed_identity_credential() {
    require_python_sdk();
    let (emu, out) = run_in_exec(&[], Sdk::Python, "mi", 0);
    assert_exec_run(&emu, &out, 0);
}

#[test]
#[ignore = "needs azure-identity (PyPI; .ci/run installs it); run with: cargo test -- --ignored"]
fn exec_serves_python_default_azure_credential_and_returns_the_childs_exit_code() {
    require_python_sdk();
    let (emu, out) = run_in_exec(&[], Sdk::Python, "dac", 7);
    let report = assert_exec_run(&emu, &out, 7);
    assert_eq!(
        report["picked"],
        serde_json::json!(["ManagedIdentityCredential"])
    );
}

#[test]
#[ignore = "needs azure-identity (PyPI; .ci/run installs it); run with: cargo test -- --ignored"]
fn exec_az_shim_serves_python_azure_cli_credential() {
    require_python_sdk();
    let (emu, out) = run_in_exec(&["--az-shim"], Sdk::Python, "cli", 0);
    assert_exec_run(&emu, &out, 0);
}

#[test]
#[ignore = "needs @azure/identity (npm ci in tests/peers/azure-identity-js; .ci/run does it); run with: cargo test -- --ignored"]
fn exec_serves_js_managed_identity_credential() {
    require_js_sdk();
    let (emu, out) = run_in_exec(&[], Sdk::Js, "mi", 0);
    assert_exec_run(&emu, &out, 0);
}

#[test]
#[ignore = "needs @azure/identity (npm ci in tests/peers/azure-identity-js; .ci/run does it); run with: cargo test -- --ignored"]
fn exec_serves_js_default_azure_credential_and_returns_the_childs_exit_code() {
    require_js_sdk();
    let (emu, out) = run_in_exec(&[], Sdk::Js, "dac", 3);
    let report = assert_exec_run(&emu, &out, 3);
    assert_eq!(
        report["picked"],
        serde_json::json!(["ManagedIdentityCredential"])
    );
}
