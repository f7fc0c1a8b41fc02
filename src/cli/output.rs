//! Renders a token the way scripts want it: the bare token, JSON or YAML (SPEC.md "Output shape").

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

/// Renders the view; the result always ends with a newline.
///
/// # Errors
/// Only if serialization fails, which would be a bug.
pub fn render(view: &TokenView<'_>, format: OutputFormat) -> Result<String, String> {
    match format {
        OutputFormat::Token => Ok(format!("{}\n", view.access_token)),
        OutputFormat::Json => render_json(view),
        OutputFormat::Yaml => render_yaml(view),
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
    use super::{OutputFormat, TokenView, render};
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
            render(&view, OutputFormat::Token).unwrap(),
            "eyJ0eXAiOiJKV1QifQ.e30.sig\n"
        );
    }

    #[test]
    fn json_snapshot() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Cache, 1_767_018_601);
        insta::assert_snapshot!(render(&view, OutputFormat::Json).unwrap());
    }

    #[test]
    fn yaml_snapshot() {
        let t = token();
        let mut view = TokenView::new(&t, "prod", TokenSource::Network, 1_767_018_601);
        view.refresh_token = Some("rt-value");
        insta::assert_snapshot!(render(&view, OutputFormat::Yaml).unwrap());
    }
}
