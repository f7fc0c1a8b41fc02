//! Microsoft's own SDKs as the child of `exec`: Python azure-identity (ManagedIdentityCredential,
//! DefaultAzureCredential, AzureCliCredential through `--az-shim`) and JS @azure/identity
//! (ManagedIdentityCredential, DefaultAzureCredential) get tokens from exec's credential endpoint,
//! which gets them from the emulator with the profile's client secret; the child never sees it.
//! azure-cli itself (`az login --identity`, `az account get-access-token`) runs inside exec too,
//! with a loopback HTTPS stand-in for Resource Manager's subscription list. The same children
//! (tests/support/sdk_child.{py,mjs}, az) also run straight against the emulator's App Service
//! managed identity, the real protocol exec's endpoint imitates.

use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::emulator::{Emulator, Grant};
use crate::https_server::HttpsServer;
use crate::support::{TestEnv, code, stderr, stdout};

pub(crate) const GRAPH: &str = "https://graph.microsoft.com/.default";
pub(crate) const ARM: &str = "https://management.azure.com/.default";
/// Calls per scope the child makes, each with a new credential (so each reaches the endpoint).
pub(crate) const CALLS: usize = 5;

fn support(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(file)
        .display()
        .to_string()
}

/// Fails (never skips) when azure-identity is not importable.
pub(crate) fn require_python_sdk() {
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
pub(crate) fn require_js_sdk() {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers/azure-identity-js/node_modules/@azure/identity/package.json");
    assert!(
        package.is_file(),
        "@azure/identity is not installed: run `npm ci` in tests/peers/azure-identity-js (.ci/run does)"
    );
}

/// The child's command line: `python3 sdk_child.py MODE …` or `node sdk_child.mjs MODE …`.
pub(crate) fn child(sdk: Sdk, mode: &str, exit: u8, scopes: &[&str]) -> Vec<String> {
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
pub(crate) enum Sdk {
    Python,
    Js,
}

/// The child's one JSON line.
pub(crate) fn report(out: &Output) -> Value {
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
pub(crate) fn assert_tokens(emu: &Emulator, report: &Value, scopes: &[&str]) {
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

/// The client-secret profile `sdk`: tenant and client from AZURE_* variables (kept for the
/// child), the secret from AZURE_CLIENT_SECRET (taken away), the emulator's authority in the
/// config file. Not as AZURE_AUTHORITY_HOST, which exec keeps: the SDKs refuse an `http://`
/// authority (azure-identity's DefaultAzureCredential, @azure/identity's credentials) even when
/// they never use it, and a real one is https.
fn exec_env(emu: &Emulator) -> TestEnv {
    let env = TestEnv::for_emulator(emu).without("AZURE_AUTHORITY_HOST");
    env.write_config(&format!(
        "[profiles.sdk]\nauthority_host = \"{}\"\n",
        emu.authority()
    ));
    env
}

/// `entra-auth-cli exec -p sdk [EXTRA…] -- CHILD…` (see [`exec_env`]).
fn run_in_exec(extra: &[&str], sdk: Sdk, mode: &str, exit: u8) -> (Emulator, Output) {
    let emu = Emulator::start();
    let env = exec_env(&emu);
    let argv = child(sdk, mode, exit, &[GRAPH, ARM]);
    let mut args = vec!["exec", "-p", "sdk"];
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

/// azure-cli's own pinned copy, in a virtualenv .ci/run makes (`pip install azure-cli==2.91.0`).
fn azure_cli() -> PathBuf {
    let az = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/azure-cli-venv/bin/az");
    assert!(
        az.is_file(),
        "{} is missing: .ci/run makes it (python3 -m venv target/azure-cli-venv && target/azure-cli-venv/bin/pip install azure-cli==2.91.0)",
        az.display()
    );
    az
}

/// The subscription the stand-in Resource Manager lists.
const SUBSCRIPTION_ID: &str = "11111111-2222-4333-8444-555555555555";

/// Azure Resource Manager as `az login` uses it, on loopback HTTPS (azure-core sends bearer
/// tokens only over TLS): the cloud metadata `az cloud register` reads, and the subscription
/// list, only for a valid emulator token. Counts the subscription lists it answered.
fn resource_manager() -> (HttpsServer, Arc<AtomicUsize>) {
    let listed = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&listed);
    let verify = Emulator::token_verifier();
    let server = HttpsServer::start(move |request| {
        let path = request.target().trim_start_matches('/');
        if request.method() != "GET" {
            return ("405 Method Not Allowed", "{}".to_owned());
        }
        if path.starts_with("metadata/endpoints?") {
            let host = request.header("host").unwrap_or_default();
            let body = serde_json::json!({
                "name": "Emulator",
                "resourceManager": format!("https://{host}/"),
                "authentication": {
                    "loginEndpoint": "https://login.microsoftonline.com",
                    "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                },
                "suffixes": {},
            });
            return ("200 OK", body.to_string());
        }
        if !path.starts_with("subscriptions?") {
            return ("404 Not Found", "{}".to_owned());
        }
        if !request.bearer().is_some_and(verify) {
            return (
                "401 Unauthorized",
                r#"{"error":{"code":"InvalidAuthenticationToken"}}"#.to_owned(),
            );
        }
        counter.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::json!({"value": [{
            "id": format!("/subscriptions/{SUBSCRIPTION_ID}"),
            "subscriptionId": SUBSCRIPTION_ID,
            "tenantId": crate::emulator::TENANT_ID,
            "displayName": "Emulator subscription",
            "state": "Enabled",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
        }]});
        ("200 OK", body.to_string())
    });
    (server, listed)
}

/// `az login --identity`, then `az account get-access-token --resource` Key Vault and
/// `az account show`, in one shell: inside `exec` (the profile from AZURE_* variables) or
/// straight against the emulator's App Service managed identity.
fn run_azure_cli(through_exec: bool) -> (Emulator, Output, usize) {
    let az = azure_cli();
    let emu = Emulator::start();
    let (arm, listed) = resource_manager();
    let base = if through_exec {
        exec_env(&emu)
    } else {
        TestEnv::new()
            .var("IDENTITY_ENDPOINT", &emu.app_service_endpoint())
            .var("IDENTITY_HEADER", &emu.identity_header())
    };
    let bin = az.parent().expect("venv bin").display().to_string();
    let env = base
        .var(
            "PATH",
            &format!("{bin}:{}", std::env::var("PATH").unwrap_or_default()),
        )
        .var("AZURE_CORE_COLLECT_TELEMETRY", "false")
        .var("AZURE_CORE_NO_COLOR", "true")
        .var("REQUESTS_CA_BUNDLE", &arm.ca_file.display().to_string())
        // Anything not on loopback goes to a closed port, never to Azure.
        .var("HTTPS_PROXY", "http://127.0.0.1:9")
        .var("HTTP_PROXY", "http://127.0.0.1:9");
    let rm = format!("https://127.0.0.1:{}/", arm.port);
    for args in [
        &[
            "cloud",
            "register",
            "-n",
            "Emulator",
            "--endpoint-resource-manager",
            &rm,
        ][..],
        &["cloud", "set", "-n", "Emulator"],
    ] {
        let out = env.program(&az, args).output().expect("run az");
        assert_eq!(code(&out), 0, "az {args:?}: {}", stderr(&out));
    }
    let script = "az login --identity -o none && \
                  az account get-access-token --resource https://vault.azure.net -o json && \
                  az account show -o json";
    let out = if through_exec {
        env.run(&["exec", "-p", "sdk", "--", "sh", "-c", script])
    } else {
        env.program("sh", &["-c", script]).output().expect("run sh")
    };
    let listed = listed.load(Ordering::SeqCst);
    (emu, out, listed)
}

/// The two JSON documents the script prints: the token, then the account.
fn assert_azure_cli(emu: &Emulator, out: &Output, listed: usize) {
    assert_eq!(code(out), 0, "stderr: {}", stderr(out));
    let text = stdout(out);
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&text)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("az printed no JSON ({e}): {text}"));
    let [token, account] = &docs[..] else {
        panic!("expected a token and an account: {text}")
    };
    let access = token["accessToken"].as_str().expect("accessToken");
    let claims = emu.verify(access).expect("an emulator token");
    assert_eq!(claims["aud"], "https://vault.azure.net");
    assert_eq!(token["expires_on"].as_i64(), claims["exp"].as_i64());
    assert_eq!(account["id"], SUBSCRIPTION_ID);
    assert_eq!(account["tenantId"], crate::emulator::TENANT_ID);
    assert_eq!(account["user"]["name"], "systemAssignedIdentity");
    assert_eq!(
        listed, 1,
        "az login listed the subscriptions with its token"
    );
}

#[test]
#[ignore = "needs azure-cli in target/azure-cli-venv (PyPI; .ci/run installs it) and openssl; run with: cargo test -- --ignored"]
fn azure_cli_logs_in_with_app_service_managed_identity() {
    let (emu, out, listed) = run_azure_cli(false);
    assert_azure_cli(&emu, &out, listed);
    assert!(emu.app_service_requests() >= 2);
}

#[test]
#[ignore = "needs azure-cli in target/azure-cli-venv (PyPI; .ci/run installs it) and openssl; run with: cargo test -- --ignored"]
fn exec_serves_azure_cli_login_identity_and_get_access_token() {
    let (emu, out, listed) = run_azure_cli(true);
    assert_azure_cli(&emu, &out, listed);
    assert_eq!(emu.app_service_requests(), 0, "az used exec's endpoint");
    // Graph (exec's own first token), Resource Manager (az login), Key Vault.
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 3);
}
