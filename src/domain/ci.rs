//! Secretless CI: where a federated credential's token comes from (a token file, a variable, or
//! the token service of GitHub Actions or Azure Pipelines), which CI a job runs in (detected from
//! the variables the runner sets), the URLs of each service's job-facing API, and what a CI
//! token says about the job (`iss`, `sub`, `aud`, `exp`: decoded locally, never shown whole).

use super::env_vars::EnvVars;
use super::jwt::{numeric_date, unverified_claims};

/// The audience Entra expects on a federated token unless its federated credential lists another.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The Azure DevOps REST version of the `oidctoken` call (what every azure-identity SDK sends).
pub const PIPELINES_API_VERSION: &str = "7.1";

/// A CI token with less time left than this is never presented: a fresh one is fetched instead.
pub const MIN_ASSERTION_LIFETIME_SECS: i64 = 60;

/// Where a federated credential's token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FederatedSource {
    /// A file the platform keeps fresh (Kubernetes, AKS workload identity), read on every request.
    File(String),
    /// An environment variable holding the token (GitLab `id_tokens`, any CI that injects one).
    Variable(String),
    /// GitHub Actions' ID token service (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`).
    GitHubActions,
    /// Azure Pipelines' `oidctoken` service (`SYSTEM_OIDCREQUESTURI` + `SYSTEM_ACCESSTOKEN`).
    AzurePipelines,
    /// The token service of the CI the job runs in, detected when the request is made.
    Detected,
}

/// The `federated_source` values a profile may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    GitHubActions,
    AzurePipelines,
    Variable,
    File,
    Detect,
}

impl SourceKind {
    /// Parses `github-actions`, `azure-pipelines`, `env`, `file` or `detect` (any case, `_`/`-`).
    ///
    /// # Errors
    /// Names the accepted values.
    pub fn parse(text: &str) -> Result<Self, String> {
        let normal: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        match normal.as_str() {
            "githubactions" | "github" => Ok(Self::GitHubActions),
            "azurepipelines" | "azuredevops" => Ok(Self::AzurePipelines),
            "env" | "variable" | "gitlab" => Ok(Self::Variable),
            "file" => Ok(Self::File),
            "detect" | "auto" => Ok(Self::Detect),
            _ => Err(format!(
                "unknown federated_source `{text}`: expected github-actions, azure-pipelines, env, file or detect"
            )),
        }
    }
}

/// A CI whose token service can be called from inside a running job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiService {
    GitHubActions,
    AzurePipelines,
}

impl CiService {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::GitHubActions => "GitHub Actions",
            Self::AzurePipelines => "Azure Pipelines",
        }
    }
}

/// A CI found in the environment, and the variables that showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub service: CiService,
    /// The variables that decided, e.g. `GITHUB_ACTIONS=true, ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set`.
    pub reason: String,
}

fn set(get: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    get(name).is_some_and(|v| !v.trim().is_empty())
}

/// True inside any GitHub Actions job (`GITHUB_ACTIONS=true`), with or without `id-token` rights.
#[must_use]
pub fn in_github_actions(get: &dyn Fn(&str) -> Option<String>) -> bool {
    get(EnvVars::GITHUB_ACTIONS).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// True inside an Azure Pipelines job that can ask for OIDC tokens (`TF_BUILD` and
/// `SYSTEM_OIDCREQUESTURI`).
#[must_use]
pub fn in_azure_pipelines(get: &dyn Fn(&str) -> Option<String>) -> bool {
    set(get, EnvVars::TF_BUILD) && set(get, EnvVars::SYSTEM_OIDCREQUESTURI)
}

/// The CI whose token service this job can call, if any: GitHub Actions when `GITHUB_ACTIONS=true`
/// and both request variables are set (the job has `permissions: id-token: write`), else Azure
/// Pipelines when `TF_BUILD` and `SYSTEM_OIDCREQUESTURI` are set.
#[must_use]
pub fn detect(get: &dyn Fn(&str) -> Option<String>) -> Option<Detection> {
    if in_github_actions(get)
        && set(get, EnvVars::ACTIONS_ID_TOKEN_REQUEST_URL)
        && set(get, EnvVars::ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    {
        return Some(Detection {
            service: CiService::GitHubActions,
            reason: "GITHUB_ACTIONS=true, and ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set".to_owned(),
        });
    }
    if in_azure_pipelines(get) {
        return Some(Detection {
            service: CiService::AzurePipelines,
            reason: "TF_BUILD and SYSTEM_OIDCREQUESTURI are set".to_owned(),
        });
    }
    None
}

/// GitHub's request: the runner's URL (which already has a query, `?api-version=2.0`) with
/// `audience` added as a query parameter.
///
/// # Errors
/// The URL does not parse (what is wrong, never the URL's query).
pub fn github_request_url(base: &str, audience: &str) -> Result<String, String> {
    let mut url = url::Url::parse(base.trim()).map_err(|e| e.to_string())?;
    url.query_pairs_mut().append_pair("audience", audience);
    Ok(url.into())
}

/// Azure Pipelines' request: `SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID`
/// (either parameter kept when the URL already carries it).
///
/// # Errors
/// The URL does not parse.
pub fn pipelines_request_url(base: &str, service_connection_id: &str) -> Result<String, String> {
    let mut url = url::Url::parse(base.trim()).map_err(|e| e.to_string())?;
    let has = |name: &str| url.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let (version, connection) = (has("api-version"), has("serviceConnectionId"));
    {
        let mut query = url.query_pairs_mut();
        if !version {
            query.append_pair("api-version", PIPELINES_API_VERSION);
        }
        if !connection {
            query.append_pair("serviceConnectionId", service_connection_id);
        }
    }
    Ok(url.into())
}

/// `scheme://host[:port]` of a URL, for messages (never its path or query, which may identify a
/// job or carry a secret).
#[must_use]
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url.trim()).map_or_else(
        |_| "(an unparsable URL)".to_owned(),
        |u| {
            let host = u.host_str().unwrap_or("");
            match u.port() {
                Some(port) => format!("{}://{host}:{port}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        },
    )
}

/// What a CI token says about the job: the claims Entra matches against a federated credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresentedClaims {
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audiences: Vec<String>,
    pub expires: Option<i64>,
}

impl PresentedClaims {
    /// The claims of `token`, read without verifying it (empty when it is not a JWT).
    #[must_use]
    pub fn of(token: &str) -> Self {
        let Some(claims) = unverified_claims(token) else {
            return Self::default();
        };
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let audiences = match claims.get("aud") {
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            Some(serde_json::Value::Array(many)) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Self {
            issuer: text("iss"),
            subject: text("sub"),
            audiences,
            expires: claims.get("exp").and_then(numeric_date),
        }
    }

    /// Seconds left at `now` (negative once expired); `None` without `exp`.
    #[must_use]
    pub fn seconds_left(&self, now: i64) -> Option<i64> {
        self.expires.map(|exp| exp.saturating_sub(now))
    }
}

#[cfg(test)]
mod tests {
    use super::{CiService, PresentedClaims, SourceKind, detect, github_request_url, origin_of};
    use super::{TOKEN_EXCHANGE_AUDIENCE, pipelines_request_url};
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn github_needs_the_flag_and_both_request_variables() {
        let full = [
            ("GITHUB_ACTIONS", "true"),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "http://x/idtoken?api-version=2.0",
            ),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
        ];
        let found = detect(&env(&full)).unwrap();
        assert_eq!(found.service, CiService::GitHubActions);
        assert!(found.reason.contains("GITHUB_ACTIONS=true"));
        assert_eq!(detect(&env(&full[..2])), None, "no id-token permission");
        assert_eq!(detect(&env(&full[1..])), None, "not GitHub");
        let pipelines = [("TF_BUILD", "True"), ("SYSTEM_OIDCREQUESTURI", "http://x")];
        assert_eq!(
            detect(&env(&pipelines)).unwrap().service,
            CiService::AzurePipelines
        );
        assert_eq!(detect(&env(&pipelines[..1])), None);
        let both: Vec<_> = full.iter().chain(&pipelines).copied().collect();
        assert_eq!(
            detect(&env(&both)).unwrap().service,
            CiService::GitHubActions
        );
    }

    #[test]
    fn request_urls() {
        assert_eq!(
            github_request_url(
                "http://127.0.0.1:9/idtoken?api-version=2.0",
                TOKEN_EXCHANGE_AUDIENCE
            )
            .unwrap(),
            "http://127.0.0.1:9/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"
        );
        assert_eq!(
            pipelines_request_url("http://h/o/p/_apis/x/oidctoken", "sc 1").unwrap(),
            "http://h/o/p/_apis/x/oidctoken?api-version=7.1&serviceConnectionId=sc+1"
        );
        assert_eq!(
            pipelines_request_url("http://h/t?api-version=7.1-preview.1", "s").unwrap(),
            "http://h/t?api-version=7.1-preview.1&serviceConnectionId=s"
        );
        assert!(github_request_url("not a url", "a").is_err());
        assert_eq!(
            origin_of("https://h.example:8443/p?secret=1"),
            "https://h.example:8443"
        );
    }

    #[test]
    fn presented_claims_are_decoded_without_the_token() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            r#"{"iss":"https://i","sub":"repo:o/r:ref:refs/heads/main","aud":["a","b"],"exp":100}"#,
        );
        let claims = PresentedClaims::of(&format!("e30.{payload}.sig"));
        assert_eq!(claims.issuer.as_deref(), Some("https://i"));
        assert_eq!(
            claims.subject.as_deref(),
            Some("repo:o/r:ref:refs/heads/main")
        );
        assert_eq!(claims.audiences, ["a", "b"]);
        assert_eq!(claims.seconds_left(40), Some(60));
        assert_eq!(PresentedClaims::of("garbage"), PresentedClaims::default());
    }

    #[test]
    fn source_kinds() {
        assert_eq!(
            SourceKind::parse("GitHub-Actions"),
            Ok(SourceKind::GitHubActions)
        );
        assert_eq!(
            SourceKind::parse("azure_pipelines"),
            Ok(SourceKind::AzurePipelines)
        );
        assert_eq!(SourceKind::parse("env"), Ok(SourceKind::Variable));
        assert!(
            SourceKind::parse("jenkins")
                .unwrap_err()
                .contains("github-actions")
        );
    }
}
