//! Renders a token the way scripts want it: the bare token, JSON, YAML or a kubectl
//! `ExecCredential` (SPEC.md "Output shape", "One profile, every tool").

use serde::Serialize;

use crate::domain::token::{Token, TokenSource};

/// The `-o/--output` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// The bare access token and a newline.
    Token,
    /// A JSON object: token_type, access_token, expires_in, expires_on, expires_at, scope, tenant_id, profile, source.
    Json,
    /// The same object as YAML.
    Yaml,
    /// A Kubernetes ExecCredential for kubectl's exec plugin (apiVersion from KUBERNETES_EXEC_INFO, else client.authentication.k8s.io/v1).
    ExecCredential,
}

/// The `client.authentication.k8s.io` version of an `ExecCredential` (kubectl refuses a reply
/// in another version than the one it asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecApiVersion {
    #[default]
    V1,
    V1Beta1,
}

impl ExecApiVersion {
    /// The `apiVersion` text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "client.authentication.k8s.io/v1",
            Self::V1Beta1 => "client.authentication.k8s.io/v1beta1",
        }
    }

    /// The version named `text`, if it is one of ours.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::V1, Self::V1Beta1]
            .into_iter()
            .find(|v| v.as_str() == text)
    }
}

/// The `ExecCredential` kubectl reads from an exec plugin's stdout.
#[derive(Debug, Serialize)]
struct ExecCredential<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    status: ExecCredentialStatus<'a>,
}

#[derive(Debug, Serialize)]
struct ExecCredentialStatus<'a> {
    token: &'a str,
    #[serde(rename = "expirationTimestamp")]
    expiration_timestamp: &'a str,
}

/// The stable, snake_case output object. Field order is the documented order.
#[derive(Debug, Serialize)]
pub struct TokenView<'a> {
    pub token_type: &'a str,
    pub access_token: &'a str,
    pub expires_in: i64,
    pub expires_on: i64,
    pub expires_at: String,
    pub scope: &'a str,
    pub tenant_id: &'a str,
    pub profile: &'a str,
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a str>,
}

impl<'a> TokenView<'a> {
    /// The view of `token` at `now` for `profile`.
    #[must_use]
    pub fn new(token: &'a Token, profile: &'a str, source: TokenSource, now: i64) -> Self {
        Self {
            token_type: &token.token_type,
            access_token: token.secret(),
            expires_in: token.expires_in(now),
            expires_on: token.expires_on,
            expires_at: rfc3339(token.expires_on),
            scope: &token.scope,
            tenant_id: &token.tenant_id,
            profile,
            source: source.as_str(),
            refresh_token: None,
        }
    }
}

pub use crate::domain::token::rfc3339;

/// Renders the view (`exec_api` is the `ExecCredential`'s version, used by that format only);
/// the result always ends with a newline.
///
/// # Errors
/// Only if serialization fails, which would be a bug.
pub fn render(
    view: &TokenView<'_>,
    format: OutputFormat,
    exec_api: ExecApiVersion,
) -> Result<String, String> {
    match format {
        OutputFormat::Token => Ok(format!("{}\n", view.access_token)),
        OutputFormat::Json => render_json(view),
        OutputFormat::Yaml => render_yaml(view),
        OutputFormat::ExecCredential => render_json(&ExecCredential {
            api_version: exec_api.as_str(),
            kind: "ExecCredential",
            status: ExecCredentialStatus {
                token: view.access_token,
                expiration_timestamp: &view.expires_at,
            },
        }),
    }
}

/// Pretty JSON and a newline, for any report.
///
/// # Errors
/// Only if serialization fails, which would be a bug.
pub fn render_json<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| e.to_string())
}

/// The one place YAML is produced, so the YAML crate can be swapped in one spot.
fn render_yaml<T: Serialize>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::{ExecApiVersion, OutputFormat, TokenView, render};
    use crate::domain::token::{Token, TokenSource};

    fn token() -> Token {
        Token {
            access_token: "eyJ0eXAiOiJKV1QifQ.e30.sig".into(),
            token_type: "Bearer".into(),
            expires_on: 1_767_022_200,
            ext_expires_on: None,
            refresh_on: None,
            scope: "https://graph.microsoft.com/.default".into(),
            tenant_id: "7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f".into(),
            cached_at: 1_767_018_601,
        }
    }

    #[test]
    fn token_format_is_the_bare_token() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Network, 1_767_018_601);
        assert_eq!(
            render(&view, OutputFormat::Token, ExecApiVersion::V1).unwrap(),
            "eyJ0eXAiOiJKV1QifQ.e30.sig\n"
        );
    }

    #[test]
    fn json_snapshot() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Cache, 1_767_018_601);
        insta::assert_snapshot!(render(&view, OutputFormat::Json, ExecApiVersion::V1).unwrap());
    }

    #[test]
    fn yaml_snapshot() {
        let t = token();
        let mut view = TokenView::new(&t, "prod", TokenSource::Network, 1_767_018_601);
        view.refresh_token = Some("rt-value");
        insta::assert_snapshot!(render(&view, OutputFormat::Yaml, ExecApiVersion::V1).unwrap());
    }

    #[test]
    fn exec_credential_snapshot() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Network, 1_767_018_601);
        insta::assert_snapshot!(
            render(&view, OutputFormat::ExecCredential, ExecApiVersion::V1).unwrap()
        );
    }

    #[test]
    fn exec_credential_answers_in_the_version_asked() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Cache, 1_767_018_601);
        let text = render(&view, OutputFormat::ExecCredential, ExecApiVersion::V1Beta1).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["apiVersion"], "client.authentication.k8s.io/v1beta1");
        assert_eq!(
            value["status"]["expirationTimestamp"],
            "2025-12-29T15:30:00Z"
        );
    }
}
