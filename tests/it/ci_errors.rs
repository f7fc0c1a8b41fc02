//! Secretless CI refusals, each with its exit code and message (insta snapshots): a GitHub job
//! without `id-token: write`; Entra refusing the job's token (subject, case, audience, issuer,
//! expired), shown next to the token's decoded iss/sub/aud/exp; the token services' refusals (an
//! expired request token, a 203 sign-in page, an unknown service connection); an Azure Pipelines
//! job without SYSTEM_ACCESSTOKEN or a service connection; a GitLab variable missing, empty or
//! expired; no CI at all.

use std::process::Output;

use crate::ci::{APP, CONNECTION_ID, github_job, job_env, pipelines_job, with_vars};
use crate::emulator::ci::{GitHubActions, GitLab};
use crate::emulator::{self, Emulator, TOKEN_EXCHANGE_AUDIENCE};
use crate::support::{TestEnv, code, stderr, stdout};

/// Snapshots `exit code / stdout / stderr` with the usual filters and the seconds left or past.
fn snapshot(env: &TestEnv, name: &str, args: &[&str]) -> Output {
    let output = env.run(args);
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    for (from, to) in crate::support::filters(env.home.path()) {
        settings.add_filter(&from, to);
    }
    settings.add_filter(r"\((in \d+ s|\d+ s ago)\)", "([SECONDS])");
    settings.bind(|| {
        insta::assert_snapshot!(
            name,
            format!(
                "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
                code(&output),
                stdout(&output),
                stderr(&output)
            )
        );
    });
    output
}

#[test]
fn a_github_job_without_id_token_permission_exits_3_and_says_what_to_add() {
    let emu = Emulator::start();
    let env = job_env(&emu).var("GITHUB_ACTIONS", "true");
    let out = snapshot(&env, "github_no_id_token_permission", &["get-token"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("permissions: id-token: write"));
    assert_eq!(emu.total_token_requests(), 0);
    let status = env.run(&["status"]);
    assert!(stdout(&status).contains("no `permissions: id-token: write`"));
}

#[test]
fn entra_refusing_the_subject_shows_what_the_job_presented() {
    let (emu, github, env) = github_job();
    github.set_subject("repo:contoso/app:environment:production");
    let out = snapshot(&env, "github_subject_mismatch", &["get-token"]);
    assert_eq!(code(&out), 3);
    let text = stderr(&out);
    assert!(text.contains("AADSTS700213"));
    assert!(text.contains("subject `repo:contoso/app:environment:production`"));
    assert!(text.contains(&format!("issuer `{}`", github.issuer())));
    assert!(!text.contains(&github.minted()[0]), "never the token");
    // Only the case differs.
    github.set_subject("repo:Contoso/app:ref:refs/heads/main");
    let out = snapshot(&env, "github_subject_case_mismatch", &["get-token"]);
    assert!(stderr(&out).contains("AADSTS7002138"));
    assert_eq!(emu.total_token_requests(), 2);
}

#[test]
fn entra_refusing_the_audience_or_the_issuer() {
    let (_emu, _github, env) = github_job();
    let env = env.var("ENTRA_AUTH_FEDERATED_AUDIENCE", "api://not-registered");
    let out = snapshot(&env, "github_audience_mismatch", &["get-token"]);
    assert!(stderr(&out).contains("AADSTS700212"));
    // A federated credential registered for another issuer.
    let emu = Emulator::start();
    let github = GitHubActions::start();
    emu.register_federated_credential(
        emulator::TENANT_ID,
        APP,
        "https://token.actions.githubusercontent.com",
        &github.subject(),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    let env = with_vars(job_env(&emu), github.env());
    let out = snapshot(&env, "github_issuer_mismatch", &["get-token"]);
    assert!(stderr(&out).contains("AADSTS700211"));
}

#[test]
fn an_expired_request_token_names_the_variable_to_check() {
    let (emu, github, env) = github_job();
    github.expire_request_token();
    let out = snapshot(&env, "github_request_token_refused", &["get-token"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn a_token_service_failing_is_retried_then_a_network_error() {
    let (_emu, github, env) = github_job();
    github.push_fault(503, r#"{"message":"unavailable"}"#);
    ok_after_retry(&env);
    assert_eq!(github.requests().len(), 2, "retried once");
    for _ in 0..3 {
        github.push_fault(500, "{}");
    }
    let out = env.run(&["get-token", "--force"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("the GitHub Actions token service failed with HTTP 500"));
    // An endless or huge reply is cut at the limit.
    github.push_fault(200, &format!(r#"{{"value":"{}"}}"#, "x".repeat(100_000)));
    let out = env.run(&["get-token", "--force"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 65536 bytes"),
        "{}",
        stderr(&out)
    );
}

fn ok_after_retry(env: &TestEnv) {
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("the GitHub Actions token service answered HTTP 503; retrying"));
}

#[test]
fn azure_pipelines_without_the_job_token_says_how_to_map_it() {
    let (emu, pipelines, env) = pipelines_job(false);
    let env = env.without("SYSTEM_ACCESSTOKEN");
    let out = snapshot(&env, "pipelines_no_system_accesstoken", &["get-token"]);
    assert!(stderr(&out).contains("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"));
    assert!(pipelines.requests().is_empty());
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn azure_pipelines_refusals() {
    let (_emu, pipelines, env) = pipelines_job(false);
    pipelines.push_fault(203, "<html>Sign In</html>");
    let out = snapshot(&env, "pipelines_sign_in_page", &["get-token"]);
    assert_eq!(code(&out), 3);
    let env = env.var(
        "ENTRA_AUTH_SERVICE_CONNECTION_ID",
        "11111111-0000-4000-8000-000000000000",
    );
    let out = snapshot(&env, "pipelines_unknown_service_connection", &["get-token"]);
    assert!(stderr(&out).contains("service_connection_id"));
    let env = env
        .without("ENTRA_AUTH_SERVICE_CONNECTION_ID")
        .without("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let out = snapshot(&env, "pipelines_no_service_connection", &["get-token"]);
    assert!(stderr(&out).contains("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"));
    assert_eq!(pipelines.requests().len(), 2);
    assert!(pipelines.requests()[0].uri.contains(CONNECTION_ID));
}

fn gitlab_job() -> (Emulator, GitLab, TestEnv) {
    let emu = Emulator::start();
    let gitlab = GitLab::start();
    emu.register_federated_credential(
        emulator::TENANT_ID,
        APP,
        &gitlab.issuer(),
        &gitlab.subject(),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    let env = job_env(&emu).var("ENTRA_AUTH_FEDERATED_TOKEN_ENV", "AZURE_ID_TOKEN");
    (emu, gitlab, env)
}

#[test]
fn gitlab_variable_missing_empty_or_expired() {
    let (emu, gitlab, env) = gitlab_job();
    snapshot(&env, "gitlab_variable_missing", &["get-token"]);
    let env = env.var("AZURE_ID_TOKEN", "");
    snapshot(&env, "gitlab_variable_empty", &["get-token"]);
    gitlab.set_token_lifetime(30);
    let env = env.var("AZURE_ID_TOKEN", &gitlab.id_token(TOKEN_EXCHANGE_AUDIENCE));
    let out = snapshot(&env, "gitlab_token_expiring", &["get-token"]);
    assert!(stderr(&out).contains("timeout:"));
    assert_eq!(emu.total_token_requests(), 0, "never presented");
    // Expired for Entra (a job that ran past the token's life): 700024 with the presented exp.
    gitlab.set_token_lifetime(300);
    let env = env.var("AZURE_ID_TOKEN", &gitlab.id_token(TOKEN_EXCHANGE_AUDIENCE));
    emu.advance_clock(400);
    let out = snapshot(&env, "gitlab_token_expired_at_entra", &["get-token"]);
    assert!(stderr(&out).contains("AADSTS700024"));
    assert_eq!(
        emu.total_token_requests(),
        1,
        "a variable holds the same token: not presented twice"
    );
}

#[test]
fn federated_with_no_ci_and_no_token_says_what_to_set() {
    let emu = Emulator::start();
    let env = job_env(&emu).var("ENTRA_AUTH_AUTH_METHOD", "federated");
    let out = snapshot(&env, "federated_nothing_detected", &["get-token"]);
    assert_eq!(code(&out), 1);
}
