//! Renders a token the way scripts want it: the bare token, JSON, YAML, a kubectl
//! `ExecCredential` or the Azure CLI's `az account get-access-token` object (SPEC.md "Output
//! shape", "One profile, every tool"); the tools' shapes themselves are in `crate::domain`.

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::domain::az_cli::AzAccessToken;
use crate::domain::jwt::unverified_string_claim;
pub use crate::domain::kubectl::ExecApiVersion;
use crate::domain::kubectl::ExecCredential;
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
    /// What `az account get-access-token` prints: accessToken, expiresOn (local time), expires_on, subscription (AZURE_SUBSCRIPTION_ID; left out when unset), tenant, tokenType.
    Az,
}

/// What some formats need besides the token: the `ExecCredential` version, and for `az` the
/// subscription to report and the local time zone.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub exec_api: ExecApiVersion,
    pub az_subscription: Option<String>,
    pub time_zone: TimeZone,
}

impl Default for RenderOptions {
    /// `ExecCredential` v1, no subscription, UTC.
    fn default() -> Self {
        Self {
            exec_api: ExecApiVersion::default(),
            az_subscription: None,
            time_zone: TimeZone::UTC,
        }
    }
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

/// Renders the view (`options` hold what single formats need); the result always ends with a
/// newline.
///
/// # Errors
/// Only if serialization fails, which would be a bug.
pub fn render(
    view: &TokenView<'_>,
    format: OutputFormat,
    options: &RenderOptions,
) -> Result<String, String> {
    match format {
        OutputFormat::Token => Ok(format!("{}\n", view.access_token)),
        OutputFormat::Json => render_json(view),
        OutputFormat::Yaml => render_yaml(view),
        OutputFormat::ExecCredential => render_json(&ExecCredential::new(
            options.exec_api,
            view.access_token,
            &view.expires_at,
        )),
        OutputFormat::Az => {
            // The token's own tenant (a GUID) as az reports it, else the profile's.
            let tid = unverified_string_claim(view.access_token, "tid");
            let az = AzAccessToken::new(
                view.access_token,
                view.expires_on,
                tid.as_deref().unwrap_or(view.tenant_id),
                options.az_subscription.as_deref(),
                &options.time_zone,
            )
            .ok_or("the expiry is not a valid time")?;
            render_json(&az)
        }
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
    use super::{ExecApiVersion, OutputFormat, RenderOptions, TokenView, render};
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
            render(&view, OutputFormat::Token, &RenderOptions::default()).unwrap(),
            "eyJ0eXAiOiJKV1QifQ.e30.sig\n"
        );
    }

    #[test]
    fn json_snapshot() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Cache, 1_767_018_601);
        insta::assert_snapshot!(
            render(&view, OutputFormat::Json, &RenderOptions::default()).unwrap()
        );
    }

    #[test]
    fn yaml_snapshot() {
        let t = token();
        let mut view = TokenView::new(&t, "prod", TokenSource::Network, 1_767_018_601);
        view.refresh_token = Some("rt-value");
        insta::assert_snapshot!(
            render(&view, OutputFormat::Yaml, &RenderOptions::default()).unwrap()
        );
    }

    #[test]
    fn exec_credential_snapshot() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Network, 1_767_018_601);
        insta::assert_snapshot!(
            render(
                &view,
                OutputFormat::ExecCredential,
                &RenderOptions::default()
            )
            .unwrap()
        );
    }

    #[test]
    fn exec_credential_answers_in_the_version_asked() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Cache, 1_767_018_601);
        let text = render(
            &view,
            OutputFormat::ExecCredential,
            &RenderOptions {
                exec_api: ExecApiVersion::V1Beta1,
                ..RenderOptions::default()
            },
        )
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["apiVersion"], "client.authentication.k8s.io/v1beta1");
        assert_eq!(
            value["status"]["expirationTimestamp"],
            "2025-12-29T15:30:00Z"
        );
    }

    #[test]
    fn az_snapshot() {
        let t = token();
        let view = TokenView::new(&t, "default", TokenSource::Network, 1_767_018_601);
        let options = RenderOptions {
            az_subscription: Some("0b1f6471-1bf0-4dda-aec3-111122223333".into()),
            time_zone: jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap(),
            ..RenderOptions::default()
        };
        insta::assert_snapshot!(render(&view, OutputFormat::Az, &options).unwrap());
    }

    #[test]
    fn az_tenant_is_the_token_tid_and_subscription_is_optional() {
        let mut t = token();
        // {"tid":"11111111-2222-3333-4444-555555555555"}
        t.access_token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiIxMTExMTExMS0yMjIyLTMzMzMtNDQ0NC01NTU1NTU1NTU1NTUifQ.sig"
            .to_owned()
            .into();
        let view = TokenView::new(&t, "default", TokenSource::Cache, 1_767_018_601);
        let text = render(&view, OutputFormat::Az, &RenderOptions::default()).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["tenant"], "11111111-2222-3333-4444-555555555555");
        assert_eq!(value["expires_on"], 1_767_022_200);
        assert_eq!(value["expiresOn"], "2025-12-29 15:30:00.000000");
        assert!(value.get("subscription").is_none());
    }
}
