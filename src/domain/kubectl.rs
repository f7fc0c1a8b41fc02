//! kubectl's exec credential plugin protocol (client-go's `ExecCredential`): the
//! `KUBERNETES_EXEC_INFO` variable kubectl sets, read into the `apiVersion` to answer with and
//! whether a person is there (`spec.interactive`), and the `ExecCredential` the plugin prints.

use serde::{Deserialize, Serialize};

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
pub struct ExecCredential<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    status: ExecCredentialStatus<'a>,
}

impl<'a> ExecCredential<'a> {
    /// The answer in version `api` with `token`, expiring at `expiration` (RFC 3339).
    #[must_use]
    pub fn new(api: ExecApiVersion, token: &'a str, expiration: &'a str) -> Self {
        Self {
            api_version: api.as_str(),
            kind: "ExecCredential",
            status: ExecCredentialStatus {
                token,
                expiration_timestamp: expiration,
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct ExecCredentialStatus<'a> {
    token: &'a str,
    #[serde(rename = "expirationTimestamp")]
    expiration_timestamp: &'a str,
}

/// What `KUBERNETES_EXEC_INFO` tells the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecInfo {
    pub api_version: ExecApiVersion,
    /// `spec.interactive`; `None` when not said (then the usual terminal detection applies).
    pub interactive: Option<bool>,
}

#[derive(Deserialize)]
struct RawExecInfo {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
struct RawSpec {
    interactive: Option<bool>,
}

/// Reads `KUBERNETES_EXEC_INFO`: unset or blank is the default (`v1`, interactivity unknown).
///
/// # Errors
/// What is wrong with the value, in one line: not JSON, another `kind`, an `apiVersion` this
/// tool does not speak, or a `spec.interactive` that is not a boolean.
pub fn parse_exec_info(raw: Option<&str>) -> Result<ExecInfo, String> {
    let Some(text) = raw.filter(|t| !t.trim().is_empty()) else {
        return Ok(ExecInfo::default());
    };
    let parsed: RawExecInfo =
        serde_json::from_str(text).map_err(|e| format!("not an ExecCredential JSON: {e}"))?;
    if let Some(kind) = parsed.kind.as_deref()
        && kind != "ExecCredential"
    {
        return Err(format!("`kind` is `{kind}`, expected `ExecCredential`"));
    }
    let api_version = match parsed.api_version.as_deref() {
        None | Some("") => ExecApiVersion::default(),
        Some(name) => ExecApiVersion::parse(name).ok_or_else(|| {
            format!(
                "`apiVersion` `{name}` is not supported (use `{}` or `{}`)",
                ExecApiVersion::V1.as_str(),
                ExecApiVersion::V1Beta1.as_str()
            )
        })?,
    };
    Ok(ExecInfo {
        api_version,
        interactive: parsed.spec.and_then(|s| s.interactive),
    })
}

#[cfg(test)]
mod tests {
    use super::ExecApiVersion;
    use super::{ExecInfo, parse_exec_info};

    #[test]
    fn unset_or_blank_is_v1_with_unknown_interactivity() {
        assert_eq!(parse_exec_info(None), Ok(ExecInfo::default()));
        assert_eq!(parse_exec_info(Some("  ")), Ok(ExecInfo::default()));
        assert_eq!(ExecInfo::default().api_version, ExecApiVersion::V1);
    }

    #[test]
    fn reads_what_client_go_sends() {
        let v1 = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;
        assert_eq!(
            parse_exec_info(Some(v1)),
            Ok(ExecInfo {
                api_version: ExecApiVersion::V1,
                interactive: Some(false)
            })
        );
        let beta = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":true,"cluster":{"server":"https://x"}}}"#;
        assert_eq!(
            parse_exec_info(Some(beta)),
            Ok(ExecInfo {
                api_version: ExecApiVersion::V1Beta1,
                interactive: Some(true)
            })
        );
        assert_eq!(parse_exec_info(Some("{}")), Ok(ExecInfo::default()));
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        for bad in [
            "not json",
            "[]",
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
            r#"{"apiVersion":7}"#,
            r#"{"kind":"Pod"}"#,
            r#"{"spec":{"interactive":"no"}}"#,
        ] {
            assert!(parse_exec_info(Some(bad)).is_err(), "{bad}");
        }
    }
}
