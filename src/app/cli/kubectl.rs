//! kubectl's exec credential plugin input: the `KUBERNETES_EXEC_INFO` variable client-go sets
//! (an `ExecCredential` JSON), read into the `apiVersion` to answer with and whether a person is
//! there (`spec.interactive`).

use serde::Deserialize;

use super::output::ExecApiVersion;

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
    use super::{ExecInfo, parse_exec_info};
    use crate::app::cli::output::ExecApiVersion;

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
