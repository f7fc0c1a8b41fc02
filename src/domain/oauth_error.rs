//! The IdP's error body (protocol.md §3.1), parsed leniently, and the hints a user needs for the
//! AADSTS codes a CLI meets most (protocol.md §3.3).

use serde::Deserialize;

/// An OAuth/Entra error response. Every field is optional: non-Entra servers send less.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OAuthError {
    #[serde(default)]
    pub error: String,
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<i64>,
    pub timestamp: Option<String>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub suberror: Option<String>,
}

impl OAuthError {
    /// Parses a JSON error body; `None` when the body is not a JSON object with an `error`.
    #[must_use]
    pub fn parse(body: &[u8]) -> Option<Self> {
        let parsed: Self = serde_json::from_slice(body).ok()?;
        (!parsed.error.is_empty()).then_some(parsed)
    }

    /// The AADSTS number: the first of `error_codes`, else the `AADSTSn:` prefix of the description.
    #[must_use]
    pub fn aadsts(&self) -> Option<i64> {
        if let Some(code) = self.error_codes.first() {
            return Some(*code);
        }
        let description = self.error_description.as_deref()?;
        let rest = description.trim_start().strip_prefix("AADSTS")?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// The first line of the description, without Entra's trace/correlation/timestamp suffix.
    #[must_use]
    pub fn summary(&self) -> Option<String> {
        let description = self.error_description.as_deref()?;
        let first = description.lines().next()?.trim();
        (!first.is_empty()).then(|| first.to_owned())
    }

    /// Hints for the user, specific to the AADSTS code where one is known, else to the `error`.
    /// `client_id` and `tenant_id` make the hints concrete.
    #[must_use]
    pub fn hints(&self, client_id: &str, tenant_id: &str) -> Vec<String> {
        let by_code = match self.aadsts() {
            Some(7_000_215) => Some(format!(
                "the client secret was rejected: use the secret's Value (not its Secret ID) and check that it belongs to app `{client_id}`"
            )),
            Some(7_000_222) => Some(
                "the client secret has expired: create a new secret in the app registration".to_owned(),
            ),
            Some(7_000_218) => Some(format!(
                "app `{client_id}` is a confidential client and no credential was sent: for an app's own token give the profile its secret (`entra-auth-cli config set-secret -p NAME`, or AZURE_CLIENT_SECRET); for a person's sign-in (device code, browser) allow public client flows in the app registration (Authentication > Allow public client flows)"
            )),
            Some(700_016) => Some(format!(
                "application `{client_id}` was not found in tenant `{tenant_id}`: check the client ID, the tenant and the cloud (authority host)"
            )),
            Some(90_002) => Some(format!(
                "tenant `{tenant_id}` was not found: check the tenant ID and the cloud (authority host)"
            )),
            Some(1_002_012 | 70_011 | 700_022 | 28_002 | 28_003) => Some(
                "for app-only tokens use exactly one scope of the form `<resource>/.default`, e.g. `https://graph.microsoft.com/.default`".to_owned(),
            ),
            Some(9_001_023 | 90_124 | 90_130 | 50_194) => {
                Some("use a tenant-specific authority (a tenant ID or domain, not `common`)".to_owned())
            }
            Some(500_011 | 650_057) => Some(format!(
                "the resource is not available to app `{client_id}` in tenant `{tenant_id}`: check the scope and the app's API permissions"
            )),
            Some(53_003 | 530_032 | 530_035 | 53_000 | 53_001) => Some(
                "blocked by your organisation's Conditional Access policy: give the trace and correlation IDs to your administrator".to_owned(),
            ),
            Some(50_196) => Some(
                "too many identical token requests: the token cache may not be working (see ENTRA_AUTH_STORE)".to_owned(),
            ),
            _ => None,
        };
        if let Some(hint) = by_code {
            return vec![hint];
        }
        let by_error = match self.error.as_str() {
            "invalid_client" => {
                "check the client secret or certificate configured for this profile"
            }
            "unauthorized_client" => {
                "check the client ID, the tenant and the cloud (authority host)"
            }
            "invalid_scope" => "check the scope: app-only tokens need `<resource>/.default`",
            "invalid_request" => "check the profile's tenant, client ID and scopes",
            _ => return Vec::new(),
        };
        vec![by_error.to_owned()]
    }
}

#[cfg(test)]
mod tests {
    use super::OAuthError;

    const ENTRA: &[u8] = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2025-01-01 00:00:00Z","error_codes":[7000215],"timestamp":"2025-01-01 00:00:00Z","trace_id":"t-1","correlation_id":"c-1","error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#;

    #[test]
    fn parses_the_entra_shape() {
        let e = OAuthError::parse(ENTRA).unwrap();
        assert_eq!(e.error, "invalid_client");
        assert_eq!(e.aadsts(), Some(7_000_215));
        assert_eq!(
            e.summary().unwrap(),
            "AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(e.trace_id.as_deref(), Some("t-1"));
        assert!(e.hints("app", "t")[0].contains("Secret ID"));
    }

    #[test]
    fn a_missing_credential_hint_fits_both_an_app_and_a_person() {
        let e = OAuthError::parse(br#"{"error":"invalid_client","error_description":"AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}"#).unwrap();
        let hint = &e.hints("app-1", "t")[0];
        assert!(hint.contains("config set-secret"), "{hint}");
        assert!(hint.contains("Allow public client flows"), "{hint}");
        assert!(hint.contains("app-1"), "{hint}");
    }

    #[test]
    fn code_from_description_when_no_error_codes() {
        let e = OAuthError::parse(br#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant x not found."}"#).unwrap();
        assert_eq!(e.aadsts(), Some(90_002));
    }

    #[test]
    fn minimal_and_garbage_bodies() {
        let e = OAuthError::parse(br#"{"error":"invalid_grant"}"#).unwrap();
        assert_eq!(e.aadsts(), None);
        assert_eq!(e.summary(), None);
        assert!(e.hints("a", "t").is_empty());
        assert!(OAuthError::parse(b"Too Many Requests").is_none());
        assert!(OAuthError::parse(b"{}").is_none());
        assert!(OAuthError::parse(br#"{"error":42}"#).is_none());
    }
}
