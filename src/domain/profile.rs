//! Profiles: the raw settings merged from file, environment and flags, and the validated
//! profile the flows run with.

use serde::{Deserialize, Serialize};

use super::authority::{Authority, Cloud};
use super::flow::{AssertionAlgorithm, AuthMethod, Flow};
use super::scopes::Scopes;

/// Every field of `[profiles.NAME]`, all optional: one layer of configuration, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<ScopeList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_key_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertion_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_certificate_chain: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federated_token_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mi_res_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
}

/// `scopes` may be written as a list (`["A", "B"]`) or as one space/comma separated string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ScopeList {
    List(Vec<String>),
    Text(String),
}

impl ScopeList {
    fn into_items(self) -> Vec<String> {
        match self {
            Self::List(items) => items,
            Self::Text(text) => vec![text],
        }
    }
}

/// A profile ready to run: required fields present and every value validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The name as written in the config (or `default` for an environment-only profile).
    pub name: String,
    pub tenant_id: String,
    pub client_id: String,
    /// The scopes requested when the command line gives none.
    pub scopes: Scopes,
    /// The configured flow, if any (the use case picks a default otherwise).
    pub flow: Option<Flow>,
    pub auth_method: Option<AuthMethod>,
    pub authority: Authority,
    pub cloud: Cloud,
    pub certificate_path: Option<String>,
    /// A separate PEM file with the certificate's private key.
    pub certificate_key_path: Option<String>,
    pub assertion_algorithm: AssertionAlgorithm,
    /// Send `x5c` (the certificate chain) in assertions, for subject-name/issuer auto-rollover.
    pub send_certificate_chain: bool,
    pub federated_token_file: Option<String>,
    /// User-assigned managed identity selectors (the client id selector is `client_id`).
    pub object_id: Option<String>,
    pub mi_res_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub port: Option<u16>,
    pub login_hint: Option<String>,
}

/// Why a profile could not be validated. `field` names the setting; the app adds where it
/// could have come from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("profile `{profile}` has no `{field}`")]
    MissingField {
        profile: String,
        field: &'static str,
    },
    #[error("profile `{profile}` has an invalid `{field}`: {reason}")]
    InvalidField {
        profile: String,
        field: &'static str,
        reason: String,
    },
}

impl ProfileSettings {
    /// Validates the merged settings into a runnable profile.
    ///
    /// # Errors
    /// The first missing or invalid field.
    pub fn validate(self, name: &str) -> Result<Profile, ProfileError> {
        let invalid = |field: &'static str, reason: String| ProfileError::InvalidField {
            profile: name.to_owned(),
            field,
            reason,
        };
        let missing = |field: &'static str| ProfileError::MissingField {
            profile: name.to_owned(),
            field,
        };
        let auth_method = self
            .auth_method
            .map(|m| m.parse::<AuthMethod>())
            .transpose()
            .map_err(|r| invalid("auth_method", r))?;
        // A managed identity needs neither: the platform knows both.
        let managed = auth_method == Some(AuthMethod::ManagedIdentity);
        let tenant_id = match non_empty(self.tenant_id) {
            Some(t) => t,
            None if managed => String::new(),
            None => return Err(missing("tenant_id")),
        };
        if !tenant_id.is_empty() {
            check_tenant(&tenant_id).map_err(|r| invalid("tenant_id", r))?;
        }
        let client_id = match non_empty(self.client_id) {
            Some(c) => c,
            None if managed => String::new(),
            None => return Err(missing("client_id")),
        };
        check_client_id(&client_id).map_err(|r| invalid("client_id", r))?;
        let assertion_algorithm = match self.assertion_algorithm.as_deref() {
            Some(text) => {
                AssertionAlgorithm::parse(text).map_err(|r| invalid("assertion_algorithm", r))?
            }
            None => AssertionAlgorithm::Ps256,
        };
        let cloud = match self.cloud.as_deref() {
            Some(text) => Cloud::parse(text).map_err(|r| invalid("cloud", r))?,
            None => Cloud::Public,
        };
        let authority = match non_empty(self.authority_host) {
            Some(host) => Authority::parse(&host).map_err(|r| invalid("authority_host", r))?,
            None => Authority::parse(cloud.authority_host()).map_err(|r| invalid("cloud", r))?,
        };
        let scopes = match self.scopes {
            Some(list) => {
                Scopes::from_items(list.into_items()).map_err(|r| invalid("scopes", r))?
            }
            None => Scopes::parse(cloud.default_graph_scope()).map_err(|r| invalid("scopes", r))?,
        };
        let flow = self
            .flow
            .map(|f| f.parse::<Flow>())
            .transpose()
            .map_err(|r| invalid("flow", r))?;
        Ok(Profile {
            name: name.to_owned(),
            tenant_id,
            client_id,
            scopes,
            flow,
            auth_method,
            authority,
            cloud,
            certificate_path: non_empty(self.certificate_path),
            certificate_key_path: non_empty(self.certificate_key_path),
            assertion_algorithm,
            send_certificate_chain: self.send_certificate_chain.unwrap_or(false),
            federated_token_file: non_empty(self.federated_token_file),
            object_id: non_empty(self.object_id),
            mi_res_id: non_empty(self.mi_res_id),
            redirect_uri: non_empty(self.redirect_uri),
            port: self.port,
            login_hint: non_empty(self.login_hint),
        })
    }
}

/// True for a GUID such as `3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a`.
#[must_use]
pub fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(len, part)| part.len() == *len && part.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Checks a tenant as `config create` wants it: a GUID, a domain (`contoso.onmicrosoft.com`),
/// or `common` / `organizations` / `consumers`.
///
/// # Errors
/// What to write instead.
pub fn validate_tenant_for_create(tenant: &str) -> Result<(), String> {
    let lower = tenant.to_ascii_lowercase();
    let domain = tenant.contains('.')
        && !tenant.starts_with('.')
        && !tenant.ends_with('.')
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if is_guid(tenant)
        || domain
        || matches!(lower.as_str(), "common" | "organizations" | "consumers")
    {
        Ok(())
    } else {
        Err(format!(
            "`{tenant}` is not a tenant: use the directory (tenant) ID, a GUID, or a domain such as contoso.onmicrosoft.com"
        ))
    }
}

/// Checks a client id as `config create` wants it: a GUID.
///
/// # Errors
/// What to write instead.
pub fn validate_client_id_for_create(client_id: &str) -> Result<(), String> {
    if is_guid(client_id) {
        Ok(())
    } else {
        Err(format!(
            "`{client_id}` is not an application (client) ID: copy the GUID from the app registration's Overview page"
        ))
    }
}

/// Checks a profile name: 1–64 characters from letters, digits, `.`, `_` and `-`, not starting
/// with `.` (names become keyring entries, file names in exports and shell arguments).
///
/// # Errors
/// What is wrong with the name.
pub fn validate_profile_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a profile name cannot be empty".to_owned());
    }
    if name.len() > 64 {
        return Err(format!(
            "profile name `{}...` is longer than 64 characters",
            &name[..16.min(name.len())]
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c)))
    {
        let shown = if bad.is_control() {
            format!("{:?}", bad)
        } else {
            format!("`{bad}`")
        };
        return Err(format!(
            "profile name `{}` contains {shown}: use letters, digits, `.`, `_` and `-`",
            name.escape_debug()
        ));
    }
    if name.starts_with('.') {
        return Err(format!("profile name `{name}` cannot start with `.`"));
    }
    Ok(())
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A tenant is a GUID, a domain (`contoso.onmicrosoft.com`) or `common`/`organizations`/
/// `consumers`: letters, digits, `.` and `-` only, since it becomes a URL path segment.
fn check_tenant(tenant: &str) -> Result<(), String> {
    if tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "`{tenant}` is not a tenant ID or domain (expected a GUID or a name such as contoso.onmicrosoft.com)"
        ))
    }
}

fn check_client_id(client_id: &str) -> Result<(), String> {
    if client_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c))
    {
        Ok(())
    } else {
        Err(format!(
            "`{client_id}` is not an application (client) ID (expected a GUID)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{ProfileError, ProfileSettings, ScopeList};

    fn minimal() -> ProfileSettings {
        ProfileSettings {
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a".into()),
            ..ProfileSettings::default()
        }
    }

    #[test]
    fn create_time_validation() {
        assert!(super::validate_tenant_for_create("contoso.onmicrosoft.com").is_ok());
        assert!(super::validate_tenant_for_create("7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f").is_ok());
        assert!(super::validate_tenant_for_create("organizations").is_ok());
        assert!(super::validate_tenant_for_create("contoso").is_err());
        assert!(
            super::validate_client_id_for_create("3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a").is_ok()
        );
        assert!(super::validate_client_id_for_create("my-app").is_err());
    }

    #[test]
    fn profile_names_are_safe() {
        for ok in ["default", "prod-eu", "App_1.test"] {
            assert!(super::validate_profile_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a/b",
            "..",
            "a\\b",
            "tab\there",
            "new\nline",
            "sp ace",
            &"x".repeat(65),
        ] {
            assert!(super::validate_profile_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn defaults_to_public_cloud_and_graph() {
        let p = minimal().validate("default").unwrap();
        assert_eq!(p.authority.as_str(), "https://login.microsoftonline.com");
        assert_eq!(
            p.scopes.to_request_param(),
            "https://graph.microsoft.com/.default"
        );
        assert_eq!(p.flow, None);
    }

    #[test]
    fn cloud_picks_host_and_graph_scope() {
        let mut s = minimal();
        s.cloud = Some("usgov".into());
        let p = s.validate("gov").unwrap();
        assert_eq!(p.authority.as_str(), "https://login.microsoftonline.us");
        assert_eq!(
            p.scopes.to_request_param(),
            "https://graph.microsoft.us/.default"
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let mut s = minimal();
        s.tenant_id = Some("  ".into());
        assert_eq!(
            s.validate("p").unwrap_err(),
            ProfileError::MissingField {
                profile: "p".into(),
                field: "tenant_id"
            }
        );
        let mut s = minimal();
        s.client_id = None;
        assert!(matches!(
            s.validate("p").unwrap_err(),
            ProfileError::MissingField {
                field: "client_id",
                ..
            }
        ));
    }

    #[test]
    fn tenant_cannot_escape_the_url_path() {
        let mut s = minimal();
        s.tenant_id = Some("evil/../x".into());
        assert!(matches!(
            s.validate("p").unwrap_err(),
            ProfileError::InvalidField {
                field: "tenant_id",
                ..
            }
        ));
    }

    #[test]
    fn scopes_as_text_or_list() {
        let mut s = minimal();
        s.scopes = Some(ScopeList::Text("a b".into()));
        assert_eq!(
            s.clone().validate("p").unwrap().scopes.to_request_param(),
            "a b"
        );
        s.scopes = Some(ScopeList::List(vec!["a".into(), "b, c".into()]));
        assert_eq!(s.validate("p").unwrap().scopes.to_request_param(), "a b c");
    }

    #[test]
    fn bad_flow_and_authority_are_invalid_fields() {
        let mut s = minimal();
        s.flow = Some("password".into());
        assert!(matches!(
            s.validate("p").unwrap_err(),
            ProfileError::InvalidField { field: "flow", .. }
        ));
        let mut s = minimal();
        s.authority_host = Some("http://example.com".into());
        assert!(matches!(
            s.validate("p").unwrap_err(),
            ProfileError::InvalidField {
                field: "authority_host",
                ..
            }
        ));
    }
}
