//! `exec` in a CI job: the child gets tokens from exec's credential endpoint while exec gets them
//! with the job's OIDC token (no secret anywhere), the request tokens never reach the child, and
//! a long job keeps working after the first CI token expired (exec fetches a fresh one for the
//! next token it needs). The child is Python's http.client (`endpoint_probe.py`), and, as an
//! ignored peer tests, Microsoft's Python and JS azure-identity (`sdk_child.py`, `sdk_child.mjs`:
//! ManagedIdentityCredential and DefaultAzureCredential) in a GitHub job. In a GitLab job, the
//! variable holding the ID token never reaches the child either.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ci::{APP, github_trusted, gitlab_job, with_vars};
use crate::emulator::ci::GitHubActions;
use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, TestEnv, code, exec_probe, stderr, stdout};

const GRAPH: &str = "https://graph.microsoft.com/.default";
const ARM: &str = "https://management.azure.com/.default";

fn support(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(file)
        .display()
        .to_string()
}

/// A GitHub job whose profile `ci` names the emulator's authority in the config file (the SDKs
/// refuse an `http://` AZURE_AUTHORITY_HOST even when they never use it); tenant and app from
/// AZURE_* as a workflow sets them; no secret.
fn github_exec_job() -> (Emulator, GitHubActions, TestEnv) {
    let (emu, github) = github_trusted();
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", APP);
    env.write_config(&format!(
        "[profiles.ci]\nauthority_host = \"{}\"\n",
        emu.authority()
    ));
    let env = with_vars(env, github.env());
    (emu, github, env)
}

fn quote(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            assert!(!a.contains('\''), "{a}");
            format!("'{a}'")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `exec -p ci -- sh -c 'FIRST; touch READY; wait for GO; SECOND'`, and between the two
/// children calls `clocks` (which moves the emulators' clocks: the job runs on past the first CI token's
/// life). Returns exec's output.
fn long_job(env: &TestEnv, clocks: &dyn Fn(), first: &[String], second: &[String]) -> Output {
    let dir = env.home.path();
    let (ready, go) = (dir.join("ready"), dir.join("go"));
    let script = format!(
        "{} && touch '{}' && while [ ! -f '{}' ]; do sleep 0.05; done && {}",
        quote(first),
        ready.display(),
        go.display(),
        quote(second)
    );
    let mut child = env
        .cmd(&["exec", "-p", "ci", "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start exec");
    wait_for(&ready, &mut child);
    clocks();
    std::fs::write(&go, "").unwrap();
    child.wait_with_output().expect("exec ends")
}

fn wait_for(path: &Path, child: &mut std::process::Child) {
    let start = Instant::now();
    while !path.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("exec ended ({status}) before the first child finished: {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the first child never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The JSON objects the children printed, one per line.
fn reports(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Both clocks (GitHub's and Entra's) move 400 s: the first 5-minute CI token is expired.
fn advance(emu: &Emulator, github: &GitHubActions) {
    github.advance_clock(400);
    emu.advance_clock(400);
}

/// What both tests check after the long job: the second token needed a second CI token, which
/// Entra took at +400 s, and the first one was never presented again.
fn assert_fresh_ci_token_after_expiry(emu: &Emulator, github: &GitHubActions) {
    assert_eq!(
        github.requests().len(),
        2,
        "one CI token per token exec needed"
    );
    let minted = github.minted();
    assert_eq!(
        emu.last_token_request().unwrap().form["client_assertion"],
        minted[1]
    );
    assert_ne!(minted[0], minted[1]);
}

fn probe(resource: &str) -> Vec<String> {
    vec![
        "python3".to_owned(),
        support("endpoint_probe.py"),
        json!([{"route": "app", "resource": resource}]).to_string(),
    ]
}

#[test]
fn exec_in_a_github_job_serves_tokens_before_and_after_the_first_ci_token_expired() {
    let (emu, github, env) = github_exec_job();
    let out = long_job(
        &env,
        &|| advance(&emu, &github),
        &probe("https://graph.microsoft.com"),
        &probe("https://management.azure.com"),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seen = reports(&out);
    assert_eq!(seen.len(), 2, "{}", stdout(&out));
    for (report, audience) in seen.iter().zip([
        "https://graph.microsoft.com",
        "https://management.azure.com",
    ]) {
        let result = &report["results"][0][0];
        assert_eq!(result["status"], 200, "{report}");
        let token = result["body"]["access_token"].as_str().unwrap();
        assert_eq!(
            emu.verify(token).map(|c| c["aud"].clone()).ok(),
            Some(json!(audience))
        );
        // The child never gets the means to mint the job's OIDC tokens.
        for name in [
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ] {
            assert_eq!(report["env"][name], Value::Null, "{name}");
        }
        assert_eq!(report["env"]["AZURE_CLIENT_SECRET"], Value::Null);
    }
    assert_fresh_ci_token_after_expiry(&emu, &github);
    assert!(!stderr(&out).contains(&github.request_token()));
}

/// GitLab's token sits in a variable for the whole job: it is the profile's secret (whoever holds
/// it gets the app's tokens until the job's timeout), so the child never gets it, as it never
/// gets `AZURE_FEDERATED_TOKEN_FILE`; it still gets tokens from the endpoint.
#[test]
fn exec_in_a_gitlab_job_keeps_the_id_token_variable_from_the_child() {
    let (_emu, _gitlab, env, id_token) = gitlab_job();
    let (out, seen) = exec_probe(
        &env,
        &[],
        &json!([{"route": "app", "resource": "https://management.azure.com"}]),
    );
    let result = &seen["results"][0][0];
    assert_eq!(result["status"], 200, "{seen}");
    assert_eq!(seen["env"]["AZURE_ID_TOKEN"], Value::Null, "{seen}");
    assert!(!stdout(&out).contains(&id_token));
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

/// `python3 sdk_child.py MODE …` or `node sdk_child.mjs MODE …`.
fn sdk(program: &str, mode: &str, scope: &str) -> Vec<String> {
    let script = match program {
        "node" => support("sdk_child.mjs"),
        _ => support("sdk_child.py"),
    };
    [program, &script, mode, "--calls", "3", scope]
        .map(str::to_owned)
        .to_vec()
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

/// Both long-job children of one SDK, each mode: tokens for both resources, no removed variable
/// in the child, a fresh CI token after the first expired.
fn sdk_long_job(program: &str) {
    for mode in ["mi", "dac"] {
        let (emu, github, env) = github_exec_job();
        let out = long_job(
            &env,
            &|| advance(&emu, &github),
            &sdk(program, mode, GRAPH),
            &sdk(program, mode, ARM),
        );
        assert_eq!(code(&out), 0, "{program} {mode}: {}", stderr(&out));
        let seen = reports(&out);
        assert_eq!(seen.len(), 2, "{program} {mode}: {}", stdout(&out));
        for (report, scope) in seen.iter().zip([GRAPH, ARM]) {
            let entry = &report["tokens"][0];
            assert_eq!(entry["scope"], scope, "{report}");
            let claims = emu.verify(entry["token"].as_str().unwrap()).unwrap();
            assert_eq!(claims["aud"], scope.trim_end_matches("/.default"));
            assert_eq!(claims["appid"], APP);
            assert_eq!(report["env_seen"], json!([]), "{program} {mode}: {report}");
        }
        assert_fresh_ci_token_after_expiry(&emu, &github);
    }
}

#[test]
#[ignore = "needs azure-identity (PyPI; .ci/run installs it); run with: cargo test -- --ignored"]
fn python_sdk_in_a_github_job_gets_tokens_with_no_secret_through_a_long_job() {
    require_python_sdk();
    sdk_long_job("python3");
}

#[test]
#[ignore = "needs @azure/identity (npm ci in tests/peers/azure-identity-js; .ci/run does it)"]
fn js_sdk_in_a_github_job_gets_tokens_with_no_secret_through_a_long_job() {
    require_js_sdk();
    sdk_long_job("node");
}
