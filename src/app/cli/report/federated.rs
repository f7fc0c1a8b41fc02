//! Wording of `error::federated`: what a CI job must add to get its OIDC token (the GitHub
//! permission, the Azure Pipelines job token, the service connection), the token services'
//! refusals (naming the variable to check), and Entra's refusal of the job's token next to what
//! the token says (issuer, subject, audience, expiry: decoded locally, never the token).

use super::Report;
use super::idp::{ids_line, redirect_target};
use crate::app::usecases::error::{ErrorKind, FederatedError, FederatedOrigin, IdpError};
use crate::domain::ci::{CiService, PresentedClaims, TOKEN_EXCHANGE_AUDIENCE};
use crate::domain::token::rfc3339;

const GITHUB_PERMISSION: &str = "add `permissions: id-token: write` to the job (or the workflow); GitHub then sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN";
const MAP_ACCESS_TOKEN: &str = "map it in the step: `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` (Azure Pipelines only gives a script the job token when asked)";

fn origin_name(origin: &FederatedOrigin) -> String {
    match origin {
        FederatedOrigin::TokenFile { path } => format!("the federated token file {path}"),
        FederatedOrigin::Variable { name } => format!("the federated token in {name}"),
        FederatedOrigin::Service { service, .. } => format!("the {} OIDC token", service.name()),
    }
}

fn when(epoch: i64, now: i64) -> String {
    let left = epoch.saturating_sub(now);
    if left >= 0 {
        format!("{} (in {left} s)", rfc3339(epoch))
    } else {
        format!("{} ({} s ago)", rfc3339(epoch), left.saturating_neg())
    }
}

/// `issuer `…`, subject `…`, audience `…`, expires …`: what Entra matched.
fn presented_line(claims: &PresentedClaims, now: i64) -> String {
    let or_none = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "(none)".to_owned(), |v| format!("`{v}`"))
    };
    let audience = if claims.audiences.is_empty() {
        "(none)".to_owned()
    } else {
        claims
            .audiences
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let expires = claims
        .expires
        .map_or_else(|| "(no exp)".to_owned(), |exp| when(exp, now));
    format!(
        "the job presented: issuer {}, subject {}, audience {audience}, expires {expires}",
        or_none(&claims.issuer),
        or_none(&claims.subject)
    )
}

/// The subject forms a federated credential may need, per CI.
fn subject_forms(origin: &FederatedOrigin) -> &'static str {
    match origin {
        FederatedOrigin::Service {
            service: CiService::GitHubActions,
            ..
        } => {
            "GitHub subjects are `repo:OWNER/REPO:ref:refs/heads/BRANCH` for a branch, `repo:OWNER/REPO:environment:NAME` when the job has an `environment:`, `repo:OWNER/REPO:ref:refs/tags/TAG` for a tag and `repo:OWNER/REPO:pull_request` for pull requests"
        }
        FederatedOrigin::Service {
            service: CiService::AzurePipelines,
            ..
        } => {
            "Azure Pipelines subjects are `sc://ORG/PROJECT/CONNECTION` (Azure DevOps issuer) or `/eid1/c/pub/t/…` (Entra issuer): copy issuer and subject from the service connection's page"
        }
        FederatedOrigin::Variable { .. } => {
            "GitLab subjects are `project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH` (or `ref_type:tag`)"
        }
        FederatedOrigin::TokenFile { .. } => {
            "Kubernetes subjects are `system:serviceaccount:NAMESPACE:SERVICEACCOUNT`"
        }
    }
}

fn refused(
    kind: ErrorKind,
    origin: &FederatedOrigin,
    presented: &PresentedClaims,
    now: i64,
    idp: &IdpError,
) -> Report {
    let IdpError::Refused(refusal) = idp else {
        return super::idp::idp(kind, idp).cause(presented_line(presented, now));
    };
    let code = refusal.oauth.aadsts();
    let mut r = Report::new(
        kind,
        format!(
            "Entra ID refused {}: {}{}",
            origin_name(origin),
            refusal.oauth.error,
            code.map_or_else(String::new, |n| format!(" (AADSTS{n})"))
        ),
    )
    .cause(
        refusal
            .oauth
            .summary()
            .unwrap_or_else(|| "body: (no description)".to_owned()),
    )
    .cause(presented_line(presented, now))
    .cause(ids_line(&refusal.ids));
    if let FederatedOrigin::Service {
        detected: Some(reason),
        service,
    } = origin
    {
        r = r.cause(format!("{} was detected: {reason}", service.name()));
    }
    let app = &refusal.client_id;
    let subject = presented.subject.as_deref().unwrap_or("(none)");
    let issuer = presented.issuer.as_deref().unwrap_or("(none)");
    match code {
        Some(700_211) => r.hint(format!(
            "no federated credential of app `{app}` has the issuer `{issuer}`: add one with exactly this issuer (a trailing `/` counts)"
        )),
        Some(7_002_138) => r.hint(format!(
            "subjects are compared case-sensitively: register the subject exactly as `{subject}`"
        )),
        Some(700_212) => r.hint(format!(
            "the federated credential's audience must be one the token has; the CLI asks for `{}` unless the profile's federated_audience says otherwise: set the credential's audience to `{TOKEN_EXCHANGE_AUDIENCE}` (recommended) or federated_audience to the one it lists",
            presented.audiences.first().map_or(TOKEN_EXCHANGE_AUDIENCE, String::as_str)
        )),
        Some(700_024) => r.hint(match origin {
            FederatedOrigin::Service { .. } => "the CI token expired before Entra checked it: check the clock of this machine (a fresh token is fetched for every request)".to_owned(),
            FederatedOrigin::Variable { name } => format!("the token in {name} is set once when the job starts and lives as long as the job's timeout (GitLab: 5 min without one): set a `timeout:` on the job, or get the tokens the job needs early"),
            FederatedOrigin::TokenFile { .. } => "the platform has not refreshed the token file: check the service account token projection".to_owned(),
        }),
        // 70021, 700213, 7002137 and anything else about matching: the subject.
        _ => r
            .hint(format!(
                "add a federated credential to app `{app}` with issuer `{issuer}` and subject `{subject}` (audience `{TOKEN_EXCHANGE_AUDIENCE}`), or correct the one that differs"
            ))
            .hint(subject_forms(origin)),
    }
}

pub(super) fn federated(kind: ErrorKind, e: &FederatedError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        FederatedError::GitHubNoIdToken { missing, in_github } => {
            let r = r.cause(format!("{} not set", missing.join(" and ")));
            let r = if *in_github {
                r
            } else {
                r.cause("GITHUB_ACTIONS is not `true`: this does not look like a GitHub Actions job")
            };
            r.hint(GITHUB_PERMISSION)
                .hint("workflows run for pull requests from forks get no OIDC token, whatever the permissions say")
        }
        FederatedError::NoPipelinesRequestUri => r
            .hint("federated_source = \"azure-pipelines\" works only inside an Azure Pipelines job (TF_BUILD and SYSTEM_OIDCREQUESTURI are set there)"),
        FederatedError::NoSystemAccessToken => r.hint(MAP_ACCESS_TOKEN),
        FederatedError::NoServiceConnection => r
            .cause("Azure Pipelines issues an OIDC token per service connection")
            .hint("set service_connection_id in the profile (or ENTRA_AUTH_SERVICE_CONNECTION_ID) to the connection's ID, or run inside an AzureCLI@2 task, which sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID (terraform's ARM_OIDC_AZURE_SERVICE_CONNECTION_ID is read too)"),
        FederatedError::NothingDetected { .. } => r
            .cause("neither GitHub Actions (GITHUB_ACTIONS=true with ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN) nor Azure Pipelines (TF_BUILD with SYSTEM_OIDCREQUESTURI) is in the environment")
            .hint("outside a CI job, name the token: federated_token_file (AZURE_FEDERATED_TOKEN_FILE) or federated_token_env"),
        FederatedError::MissingVariable { name } => r.hint(format!(
            "set {name} to the job's OIDC token (GitLab: declare it under `id_tokens:` with `aud: {TOKEN_EXCHANGE_AUDIENCE}`), or change federated_token_env"
        )),
        FederatedError::EmptyVariable { name } => r
            .cause("an empty value is not a token: usually an `id_tokens:` entry that is not declared for this job")
            .hint(format!("declare {name} under the job's `id_tokens:` (with `aud: {TOKEN_EXCHANGE_AUDIENCE}`)")),
        FederatedError::Expiring { origin, claims, now } => {
            let r = Report::new(
                kind,
                format!("{} expires too soon to be used", origin_name(origin)),
            )
            .cause(presented_line(claims, *now));
            match origin {
                FederatedOrigin::Variable { name } => r.hint(format!(
                    "{name} is set once when the job starts and cannot be renewed: give the job a `timeout:` (GitLab tokens live that long, 5 min without one), or get the tokens it needs early"
                )),
                _ => r.hint("check the clock of this machine: the token service handed out a token that is (nearly) expired"),
            }
        }
        FederatedError::ServiceRefused {
            service,
            status,
            message,
        } => {
            let r = match message {
                Some(message) => r.cause(message.clone()),
                None => r,
            };
            match service {
                CiService::GitHubActions => r.hint("check ACTIONS_ID_TOKEN_REQUEST_TOKEN and ACTIONS_ID_TOKEN_REQUEST_URL: they are the job's own and must not be overwritten or taken from another job (the request token lasts about 6 h)"),
                CiService::AzurePipelines if *status == 404 || *status == 400 => r.hint("check service_connection_id (or AZURESUBSCRIPTION_SERVICE_CONNECTION_ID): the connection must exist in this project, use workload identity federation, and be authorized for this pipeline"),
                CiService::AzurePipelines => r.hint(format!("check SYSTEM_ACCESSTOKEN: it must be this job's $(System.AccessToken); {MAP_ACCESS_TOKEN}")),
            }
        }
        FederatedError::SignInPage { status, to } => {
            let r = if (300..400).contains(status) {
                r.cause(format!(
                    "the reply redirected to {}; it was not followed",
                    redirect_target(to.as_deref())
                ))
            } else {
                r
            };
            r.cause("Azure DevOps did not accept SYSTEM_ACCESSTOKEN")
                .hint(MAP_ACCESS_TOKEN)
                .hint("check that SYSTEM_OIDCREQUESTURI is this job's, unchanged")
        }
        FederatedError::ServiceFailed { attempts, .. } => r
            .cause(format!("after {attempts} attempts"))
            .hint("this is usually temporary: re-run the job"),
        FederatedError::ServiceUnreachable { cause, service, .. } => r.cause(cause.clone()).hint(
            match service {
                CiService::GitHubActions => "check ACTIONS_ID_TOKEN_REQUEST_URL and the runner's network (a proxy must let it through)",
                CiService::AzurePipelines => "check SYSTEM_OIDCREQUESTURI and the agent's network (a proxy must let it through)",
            },
        ),
        FederatedError::ServiceUnusable { reason, .. } => r.cause(reason.clone()),
        FederatedError::Refused {
            origin,
            presented,
            now,
            idp,
        } => refused(kind, origin, presented, *now, idp),
    }
}
