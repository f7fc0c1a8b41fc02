//! Secretless CI end to end: `get-token` inside a GitHub Actions job, an Azure Pipelines job (both
//! issuer generations) and a GitLab job, against the CI token service emulators and the Entra
//! emulator that checks their tokens (no secret anywhere); the cache; a CI token that expired
//! between two calls; detection, precedence and `status`; request tokens kept out of every
//! output. The refusals and their messages are in `ci_errors`.

use crate::emulator::ci::{AzurePipelines, GitHubActions, GitLab, ServiceConnection};
use crate::emulator::{self, Emulator, TOKEN_EXCHANGE_AUDIENCE};
use crate::support::{CACHE_KEY, TestEnv, code, stderr, stdout};

/// The app the pipelines sign in as: it has federated credentials only, no secret.
pub const APP: &str = "c1c1c1c1-2222-4333-8444-555566667777";

/// A job's environment: the Entra emulator as authority, the file store, tenant and app, and no
/// credential at all.
pub fn job_env(emu: &Emulator) -> TestEnv {
    TestEnv::new()
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", APP)
}

pub fn with_vars(mut env: TestEnv, vars: Vec<(&'static str, String)>) -> TestEnv {
    for (name, value) in vars {
        env = env.var(name, &value);
    }
    env
}

/// An Entra emulator trusting GitHub's tokens for `repo:contoso/app:ref:refs/heads/main`, the
/// GitHub emulator, and a job environment in it.
pub fn github_job() -> (Emulator, GitHubActions, TestEnv) {
    let (emu, github) = github_trusted();
    let env = with_vars(job_env(&emu), github.env());
    (emu, github, env)
}

/// An Entra emulator trusting the GitHub emulator's tokens for `APP` (main branch), and that
/// GitHub emulator.
pub fn github_trusted() -> (Emulator, GitHubActions) {
    let emu = Emulator::start();
    let github = GitHubActions::start();
    emu.register_federated_credential(
        emulator::TENANT_ID,
        APP,
        &github.issuer(),
        &github.subject(),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    (emu, github)
}

pub const CONNECTION_ID: &str = "3f2e1d0c-9b8a-4765-8432-10fedcba9876";

pub fn pipelines_job(entra_issuer: bool) -> (Emulator, AzurePipelines, TestEnv) {
    let emu = Emulator::start();
    let pipelines = AzurePipelines::start();
    pipelines.register_service_connection(ServiceConnection {
        id: CONNECTION_ID.into(),
        name: "prod-deploy".into(),
        client_id: APP.into(),
        tenant_id: emulator::TENANT_ID.into(),
    });
    if entra_issuer {
        pipelines.use_entra_issuer(&emu.authority(), emulator::TENANT_ID);
    }
    emu.register_federated_credential(
        emulator::TENANT_ID,
        APP,
        &pipelines.issuer(),
        &pipelines.subject_of(CONNECTION_ID),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    // What an AzureCLI@2 step with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` has.
    let env = with_vars(
        TestEnv::new()
            .var("AZURE_AUTHORITY_HOST", &emu.authority())
            .var("ENTRA_AUTH_STORE", "file")
            .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
            .var("AZURESUBSCRIPTION_TENANT_ID", emulator::TENANT_ID)
            .var("AZURESUBSCRIPTION_CLIENT_ID", APP)
            .var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", CONNECTION_ID),
        pipelines.env(),
    );
    (emu, pipelines, env)
}

fn assertion_of_last_request(emu: &Emulator) -> String {
    emu.last_token_request().unwrap().form["client_assertion"].clone()
}

fn ok(out: &std::process::Output) -> String {
    assert_eq!(code(out), 0, "{}", stderr(out));
    stdout(out).trim().to_owned()
}

#[test]
fn a_github_job_gets_tokens_with_no_secret_and_the_cache_spares_the_token_service() {
    let (emu, github, env) = github_job();
    let token = ok(&env.run(&["get-token", "-s", "https://management.azure.com/.default"]));
    let claims = emu.verify(&token).unwrap();
    assert_eq!(claims["appid"], APP);
    let requests = github.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert!(
        requests[0]
            .uri
            .ends_with("/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"),
        "{}",
        requests[0].uri
    );
    assert_eq!(
        requests[0].headers["authorization"],
        format!("Bearer {}", github.request_token())
    );
    assert_eq!(assertion_of_last_request(&emu), github.minted()[0]);

    // Cached: neither the token service nor Entra is asked again.
    let again = ok(&env.run(&["get-token", "-s", "https://management.azure.com/.default"]));
    assert_eq!(again, token);
    assert_eq!(github.requests().len(), 1);
    assert_eq!(emu.total_token_requests(), 1);

    // A token request that needs an assertion gets a fresh one.
    ok(&env.run(&["get-token", "-s", "https://graph.microsoft.com/.default"]));
    assert_eq!(github.requests().len(), 2);
    assert_eq!(assertion_of_last_request(&emu), github.minted()[1]);
    assert_ne!(github.minted()[0], github.minted()[1]);
}

#[test]
fn a_ci_token_that_expired_between_two_calls_is_never_presented_again() {
    let (emu, github, env) = github_job();
    ok(&env.run(&["get-token"]));
    let first = github.minted()[0].clone();
    // The job runs on for 400 s: GitHub's 5-minute token is past its exp for Entra.
    github.advance_clock(400);
    emu.advance_clock(400);
    ok(&env.run(&["get-token", "--force"]));
    assert_eq!(github.requests().len(), 2, "a fresh CI token was fetched");
    let second = assertion_of_last_request(&emu);
    assert_ne!(second, first);
    assert_eq!(second, github.minted()[1]);
}

#[test]
fn federated_audience_is_what_github_is_asked_for() {
    let (emu, github, env) = github_job();
    emu.register_federated_credential(
        emulator::TENANT_ID,
        APP,
        &github.issuer(),
        &github.subject(),
        "api://contoso-ci",
    );
    let env = env.var("ENTRA_AUTH_FEDERATED_AUDIENCE", "api://contoso-ci");
    ok(&env.run(&["get-token"]));
    assert!(
        github.requests()[0]
            .uri
            .ends_with("&audience=api%3A%2F%2Fcontoso-ci")
    );
}

#[test]
fn request_tokens_never_reach_output_or_logs() {
    let (_emu, github, env) = github_job();
    let env = env.var("ENTRA_AUTH_LOG", "trace");
    for args in [
        &["get-token", "-vv", "-o", "json"][..],
        &["status", "-o", "json"],
        &["get-token", "-vv", "--force"],
    ] {
        let out = env.run(args);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains(&github.request_token()), "{args:?}: {all}");
        for minted in github.minted() {
            assert!(!all.contains(&minted), "the CI token itself: {args:?}");
        }
    }
    github.expire_request_token();
    let out = env.run(&["get-token", "-vv", "--force"]);
    assert_eq!(code(&out), 3);
    assert!(!stderr(&out).contains(&github.request_token()));
}

/// Azure Pipelines' job token and GitLab's ID token: in no output or log either, and not in
/// `exec`'s child.
#[test]
fn the_pipelines_job_token_and_the_gitlab_id_token_never_reach_output_logs_or_children() {
    let (_emu, pipelines, env) = pipelines_job(false);
    let (_emu, _gitlab, gitlab_env, id_token) = gitlab_job();
    for (env, secret) in [
        (env.var("ENTRA_AUTH_LOG", "trace"), pipelines.access_token()),
        (gitlab_env.var("ENTRA_AUTH_LOG", "trace"), id_token),
    ] {
        for args in [
            &["get-token", "-vv", "-o", "json"][..],
            &["status", "-o", "json"],
            &["get-token", "-vv", "--force"],
            &["exec", "-vv", "--", "env"],
        ] {
            let out = env.run(args);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(!all.contains(&secret), "{args:?}: {all}");
        }
    }
}

#[test]
fn azure_pipelines_with_the_task_variables_and_the_azure_devops_issuer() {
    let (emu, pipelines, env) = pipelines_job(false);
    let token = ok(&env.run(&["get-token"]));
    assert_eq!(emu.verify(&token).unwrap()["appid"], APP);
    let request = &pipelines.requests()[0];
    assert_eq!(request.method, "POST");
    assert!(
        request.uri.ends_with(&format!(
            "/oidctoken?api-version=7.1&serviceConnectionId={CONNECTION_ID}"
        )),
        "{}",
        request.uri
    );
    assert_eq!(request.headers["x-tfs-fedauthredirect"], "Suppress");
    assert_eq!(request.headers["content-length"], "0");
    assert_eq!(
        request.headers["authorization"],
        format!("Bearer {}", pipelines.access_token())
    );
    assert_eq!(assertion_of_last_request(&emu), pipelines.minted()[0]);
}

#[test]
fn azure_pipelines_with_the_entra_issuer() {
    let (emu, pipelines, env) = pipelines_job(true);
    assert!(
        pipelines
            .subject_of(CONNECTION_ID)
            .starts_with("/eid1/c/pub/t/")
    );
    let token = ok(&env.run(&["get-token"]));
    assert_eq!(emu.verify(&token).unwrap()["appid"], APP);
    assert_eq!(pipelines.requests().len(), 1);
}

#[test]
fn the_service_connection_comes_from_the_profile_then_the_task_then_terraform() {
    let (_emu, pipelines, env) = pipelines_job(false);
    let env = env
        .without("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
        .var("ARM_OIDC_AZURE_SERVICE_CONNECTION_ID", CONNECTION_ID);
    ok(&env.run(&["get-token"]));
    let env = env.var("ENTRA_AUTH_SERVICE_CONNECTION_ID", "0000-unknown");
    let out = env.run(&["get-token", "--force"]);
    assert_eq!(code(&out), 3, "the profile's id was asked for");
    assert!(
        pipelines.requests()[1]
            .uri
            .ends_with("serviceConnectionId=0000-unknown")
    );
}

/// A GitLab job trusted by the Entra emulator: its environment and its ID token.
pub fn gitlab_job() -> (Emulator, GitLab, TestEnv, String) {
    let emu = Emulator::start();
    let gitlab = GitLab::start();
    emu.register_federated_credential(
        emulator::TENANT_ID,
        APP,
        &gitlab.issuer(),
        &gitlab.subject(),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    let id_token = gitlab.id_token(TOKEN_EXCHANGE_AUDIENCE);
    let env = job_env(&emu)
        .var("CI", "true")
        .var("GITLAB_CI", "true")
        .var("AZURE_ID_TOKEN", &id_token)
        .var("ENTRA_AUTH_FEDERATED_TOKEN_ENV", "AZURE_ID_TOKEN");
    (emu, gitlab, env, id_token)
}

#[test]
fn a_gitlab_job_presents_its_id_token_variable() {
    let (emu, _gitlab, env, id_token) = gitlab_job();
    let token = ok(&env.run(&["get-token"]));
    assert_eq!(emu.verify(&token).unwrap()["appid"], APP);
    assert_eq!(assertion_of_last_request(&emu), id_token);
}

#[test]
fn detection_precedence_and_status() {
    let (emu, github, env) = github_job();
    let status = ok(&env.run(&["status"]));
    assert!(
        status.contains("CI:           GitHub Actions (GITHUB_ACTIONS=true, and ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set)"),
        "{status}"
    );
    assert!(
        status.contains("credential: federated: the GitHub Actions OIDC token (detected: "),
        "{status}"
    );

    // Another credential in the job wins over detection: the app's secret.
    emu.register_client(emulator::TENANT_ID, APP, "app~secret");
    let env = env.var("AZURE_CLIENT_SECRET", "app~secret");
    ok(&env.run(&["get-token"]));
    assert_eq!(
        github.requests().len(),
        0,
        "no CI token when a secret is given"
    );
    let status = ok(&env.run(&["status"]));
    assert!(
        status.contains("credential: client secret from AZURE_CLIENT_SECRET"),
        "{status}"
    );

    // An explicit source wins over the secret.
    let env = env.var("ENTRA_AUTH_FEDERATED_SOURCE", "github-actions");
    ok(&env.run(&["get-token", "--force"]));
    assert_eq!(github.requests().len(), 1);

    // Both CIs in the environment: GitHub's variables decide; none: no detection.
    let pipelines = AzurePipelines::start();
    let env = env
        .without("ENTRA_AUTH_FEDERATED_SOURCE")
        .without("AZURE_CLIENT_SECRET");
    let both = with_vars(env, pipelines.env());
    ok(&both.run(&["get-token", "--force"]));
    assert_eq!(github.requests().len(), 2);
    assert!(pipelines.requests().is_empty());
    let outside = job_env(&emu);
    let status = ok(&outside.run(&["status"]));
    assert!(!status.contains("CI:"), "{status}");
    assert!(
        status.contains("credential: none: user sign-in"),
        "{status}"
    );
}
