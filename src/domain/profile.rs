//! Profiles: the one declaration of the profile fields (`profile_fields!`: `config.toml` keys,
//! their types, the environment variables that set them), the raw settings merged from file,
//! environment and flags, and the validated profile the flows run with. Field kinds live in
//! `profile_field`, name and identifier rules in `profile_rules` (both re-exported here).

use serde::{Deserialize, Serialize};

use super::authority::{Authority, Cloud};
use super::ci::{SourceKind, TOKEN_EXCHANGE_AUDIENCE};
use super::container_registry::validate_listed;
use super::env_vars::EnvVars;
use super::flow::{AssertionAlgorithm, AuthMethod, Flow};
use super::git_credential::GitHost;
use super::scopes::Scopes;

use super::profile_field::FieldType;
pub use super::profile_field::{FieldKind, FieldSpec, FieldTextError, FieldValue, ScopeList};
use super::profile_rules::{check_client_id_syntax, check_tenant_syntax};
pub use super::profile_rules::{
    is_guid, validate_client_id_for_create, validate_profile_name, validate_tenant_for_create,
};

/// Declares every profile field once and generates from that list: [`ProfileSettings`] (the
/// serde struct of `[profiles.NAME]`), [`FIELDS`] (name, kind, `AZURE_*` variable, description)
/// and the field-wise methods of `ProfileSettings` (`set_text`, `unset`, `entries`).
///
/// Each entry is `name: Type, [azure VAR,] "one-line description";` where `Type` implements
/// `FieldType` (its kind, how environment text parses into it, its plain value) and `VAR`
/// names an [`EnvVars`] constant. `ENTRA_AUTH_<NAME>` sets every field (see [`entra_env_name`]).
macro_rules! profile_fields {
    (@azure) => { None };
    (@azure $var:ident) => { Some(EnvVars::$var) };
    ($( $name:ident : $ty:ty, $(azure $var:ident,)? $about:literal; )*) => {
        /// Every field of `[profiles.NAME]`, all optional: one layer of configuration, before
        /// validation. Declared in `profile_fields!`.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ProfileSettings {
            $(
                #[doc = $about]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        /// Every profile field, in declaration (and `config.toml` writing) order.
        pub const FIELDS: &[FieldSpec] = &[
            $(
                FieldSpec {
                    name: stringify!($name),
                    kind: <$ty as FieldType>::KIND,
                    azure_env: profile_fields!(@azure $($var)?),
                    about: $about,
                },
            )*
        ];

        impl ProfileSettings {
            /// Sets `field` from environment-variable text, typed by the field's kind.
            ///
            /// # Errors
            /// An unknown field, or text that is not a value of the field's kind.
            pub fn set_text(&mut self, field: &str, text: &str) -> Result<(), FieldTextError> {
                match field {
                    $( stringify!($name) => self.$name = Some(FieldType::from_text(text)?), )*
                    _ => return Err(FieldTextError::UnknownField(field.to_owned())),
                }
                Ok(())
            }

            /// These settings with every field `upper` sets replaced by `upper`'s (a table
            /// with an edit laid over it).
            #[must_use]
            pub fn overlay(self, upper: ProfileSettings) -> ProfileSettings {
                ProfileSettings {
                    $( $name: upper.$name.or(self.$name), )*
                }
            }

            /// Clears `field`; true when it was set (false for an unknown field too).
            pub fn unset(&mut self, field: &str) -> bool {
                match field {
                    $( stringify!($name) => self.$name.take().is_some(), )*
                    _ => false,
                }
            }

            /// The set fields and their plain values, in declaration order.
            #[must_use]
            pub fn entries(&self) -> Vec<(&'static str, FieldValue)> {
                let mut entries = Vec::new();
                $(
                    if let Some(value) = &self.$name {
                        entries.push((stringify!($name), FieldType::to_value(value)));
                    }
                )*
                entries
            }
        }
    };
}

profile_fields! {
    tenant_id: String, azure AZURE_TENANT_ID,
        "Directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com";
    client_id: String, azure AZURE_CLIENT_ID,
        "Application (client) ID (a GUID)";
    scopes: ScopeList,
        "Default scopes: a list, or one space- or comma-separated string";
    flow: String,
        "client-credentials, interactive, device-code or authorization-code";
    auth_method: String,
        "client-secret, certificate, federated, managed-identity or none";
    certificate_path: String, azure AZURE_CLIENT_CERTIFICATE_PATH,
        "Certificate file (.pfx/.p12 or PEM)";
    certificate_key_path: String,
        "Separate PEM private key of the certificate";
    assertion_algorithm: String,
        "Client assertion signature: PS256 (default) or RS256";
    send_certificate_chain: bool, azure AZURE_CLIENT_SEND_CERTIFICATE_CHAIN,
        "Send the certificate chain (x5c) in client assertions";
    federated_token_file: String, azure AZURE_FEDERATED_TOKEN_FILE,
        "Workload identity token file, re-read on every request";
    federated_source: String,
        "Where the federated token comes from: github-actions, azure-pipelines, env, file or detect (default: the token file or variable set, else the CI detected)";
    federated_token_env: String,
        "Environment variable holding the federated token (a GitLab `id_tokens` entry), read on every request";
    federated_audience: String,
        "Audience of the CI token requested (default api://AzureADTokenExchange)";
    service_connection_id: String,
        "Azure Pipelines service connection whose OIDC token is used (else AZURESUBSCRIPTION_SERVICE_CONNECTION_ID or ARM_OIDC_AZURE_SERVICE_CONNECTION_ID)";
    object_id: String,
        "Object ID of a user-assigned managed identity";
    mi_res_id: String,
        "Resource ID of a user-assigned managed identity";
    authority_host: String, azure AZURE_AUTHORITY_HOST,
        "Authority host, e.g. https://login.microsoftonline.us";
    cloud: String,
        "public, usgov or china";
    redirect_uri: String,
        "Redirect URI for the browser sign-in";
    port: u16,
        "Fixed loopback port for the browser sign-in";
    login_hint: String,
        "Username to pre-fill at sign-in";
    client_capabilities: ScopeList,
        "Client capabilities sent with every token request (xms_cc), e.g. cp1 for CAE";
    git_hosts: ScopeList,
        "Hosts besides Azure DevOps that git-credential answers (https; http only on loopback), e.g. git.contoso.com or 127.0.0.1:8080";
    container_registries: ScopeList,
        "Registries besides *.azurecr.io/.cn/.us that get this profile's ACR token (host[:port]; http only for loopback)";
}

/// The names of every profile field, in declaration order.
pub fn field_names() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|spec| spec.name)
}

/// The field called `name` (exactly as written in `config.toml`).
#[must_use]
pub fn field(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|spec| spec.name == name)
}

/// `(AZURE_* variable, field)` for every field an Azure SDK variable sets.
pub fn azure_profile_fields() -> impl Iterator<Item = (&'static str, &'static str)> {
    FIELDS
        .iter()
        .filter_map(|spec| spec.azure_env.map(|var| (var, spec.name)))
}

/// `ENTRA_AUTH_<FIELD>`, the variable that sets `field` (e.g. `ENTRA_AUTH_TENANT_ID`).
#[must_use]
pub fn entra_env_name(field: &str) -> String {
    format!(
        "{}{}",
        EnvVars::ENTRA_AUTH_FIELD_PREFIX,
        field.to_ascii_uppercase()
    )
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
    /// `federated_source`, when the profile names one.
    pub federated_source: Option<SourceKind>,
    /// The variable holding the federated token (GitLab `id_tokens`).
    pub federated_token_env: Option<String>,
    /// The audience asked of a CI token service (`api://AzureADTokenExchange` by default).
    pub federated_audience: String,
    /// The Azure Pipelines service connection (the profile's; the environment's is read later).
    pub service_connection_id: Option<String>,
    /// User-assigned managed identity selectors (the client id selector is `client_id`).
    pub object_id: Option<String>,
    pub mi_res_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub port: Option<u16>,
    pub login_hint: Option<String>,
    /// Client capabilities (`cp1`: the client handles CAE claims challenges), sent as `xms_cc`
    /// claims with every token request.
    pub client_capabilities: Vec<String>,
    /// Hosts (`name` or `name:port`, as git writes them) that `git-credential` answers besides
    /// Azure DevOps's.
    pub git_hosts: Vec<String>,
    /// Registries (host[:port], lowercase) besides ACR's own domains that `docker-credential`
    /// serves this profile's ACR tokens to.
    pub container_registries: Vec<String>,
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
            check_tenant_syntax(&tenant_id).map_err(|r| invalid("tenant_id", r))?;
        }
        let client_id = match non_empty(self.client_id) {
            Some(c) => c,
            None if managed => String::new(),
            None => return Err(missing("client_id")),
        };
        check_client_id_syntax(&client_id).map_err(|r| invalid("client_id", r))?;
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
        let federated_source = non_empty(self.federated_source)
            .map(|text| SourceKind::parse(&text))
            .transpose()
            .map_err(|r| invalid("federated_source", r))?;
        let flow = self
            .flow
            .map(|f| f.parse::<Flow>())
            .transpose()
            .map_err(|r| invalid("flow", r))?;
        let git_hosts = match self.git_hosts.map(|l| l.to_value()) {
            Some(FieldValue::List(items)) => items,
            _ => Vec::new(),
        };
        for host in &git_hosts {
            GitHost::parse(host).map_err(|r| invalid("git_hosts", format!("`{host}` {r}")))?;
        }
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
            federated_source,
            federated_token_env: non_empty(self.federated_token_env),
            federated_audience: non_empty(self.federated_audience)
                .unwrap_or_else(|| TOKEN_EXCHANGE_AUDIENCE.to_owned()),
            service_connection_id: non_empty(self.service_connection_id),
            object_id: non_empty(self.object_id),
            mi_res_id: non_empty(self.mi_res_id),
            redirect_uri: non_empty(self.redirect_uri),
            port: self.port,
            login_hint: non_empty(self.login_hint),
            client_capabilities: match self.client_capabilities.map(|l| l.to_value()) {
                Some(FieldValue::List(items)) => items,
                _ => Vec::new(),
            },
            git_hosts,
            container_registries: match self.container_registries.map(|l| l.to_value()) {
                Some(FieldValue::List(items)) => items
                    .into_iter()
                    .map(|entry| {
                        validate_listed(&entry)
                            .map(|()| entry.trim().to_ascii_lowercase())
                            .map_err(|r| invalid("container_registries", r))
                    })
                    .collect::<Result<_, _>>()?,
                _ => Vec::new(),
            },
        })
    }
}

impl Profile {
    /// Checks the tenant as a token request needs it: what `config create` accepts (a GUID, a
    /// domain, or `common` / `organizations` / `consumers`), so that `contoso` or a pasted
    /// display name fails here instead of at the identity provider. A loopback authority (a
    /// local emulator or test server) may name its tenants freely. Managed identities have no
    /// tenant.
    ///
    /// # Errors
    /// `InvalidField` for `tenant_id`, saying what to write instead.
    pub fn check_tenant(&self) -> Result<(), ProfileError> {
        if self.tenant_id.is_empty() || self.authority.is_loopback() {
            return Ok(());
        }
        validate_tenant_for_create(&self.tenant_id).map_err(|reason| ProfileError::InvalidField {
            profile: self.name.clone(),
            field: "tenant_id",
            reason,
        })
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Tests: `settings` with tenant `t` and client `c`, validated as profile `name`.
#[cfg(test)]
#[must_use]
pub fn test_profile(name: &str, settings: ProfileSettings) -> Profile {
    ProfileSettings {
        tenant_id: Some("t".into()),
        client_id: Some("c".into()),
        ..settings
    }
    .validate(name)
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::{
        FIELDS, FieldKind, FieldTextError, FieldValue, ProfileError, ProfileSettings, ScopeList,
    };

    /// A sample environment text of each kind.
    fn sample(kind: FieldKind) -> &'static str {
        match kind {
            FieldKind::Text => "x",
            FieldKind::Bool => "yes",
            FieldKind::Port => "8400",
            FieldKind::Scopes => "a, b",
        }
    }

    /// Every field set from text.
    fn populated() -> ProfileSettings {
        let mut settings = ProfileSettings::default();
        for spec in FIELDS {
            settings.set_text(spec.name, sample(spec.kind)).unwrap();
        }
        settings
    }

    /// The keys of a JSON object in the order they are written.
    struct KeysInOrder(Vec<String>);

    impl<'de> serde::Deserialize<'de> for KeysInOrder {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = KeysInOrder;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<KeysInOrder, A::Error> {
                    let mut keys = Vec::new();
                    while let Some((key, serde::de::IgnoredAny)) = map.next_entry::<String, _>()? {
                        keys.push(key);
                    }
                    Ok(KeysInOrder(keys))
                }
            }
            deserializer.deserialize_map(Visitor)
        }
    }

    #[test]
    fn the_struct_serializes_exactly_the_declared_fields_in_order() {
        let json = serde_json::to_string(&populated()).unwrap();
        let KeysInOrder(keys) = serde_json::from_str(&json).unwrap();
        let names: Vec<&str> = super::field_names().collect();
        assert_eq!(keys, names);
        let back: ProfileSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, populated());
        assert!(serde_json::from_str::<ProfileSettings>(r#"{"tenantid": "x"}"#).is_err());
    }

    #[test]
    fn azure_variables_and_their_fields() {
        let pairs: Vec<(&str, &str)> = super::azure_profile_fields().collect();
        assert_eq!(
            pairs,
            [
                ("AZURE_TENANT_ID", "tenant_id"),
                ("AZURE_CLIENT_ID", "client_id"),
                ("AZURE_CLIENT_CERTIFICATE_PATH", "certificate_path"),
                (
                    "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
                    "send_certificate_chain"
                ),
                ("AZURE_FEDERATED_TOKEN_FILE", "federated_token_file"),
                ("AZURE_AUTHORITY_HOST", "authority_host"),
            ]
        );
        assert_eq!(super::entra_env_name("tenant_id"), "ENTRA_AUTH_TENANT_ID");
        assert_eq!(super::field("port").unwrap().kind, FieldKind::Port);
        assert!(super::field("Port").is_none());
        assert!(FIELDS.iter().all(|spec| !spec.about.is_empty()));
    }

    #[test]
    fn set_text_types_by_kind() {
        let mut s = ProfileSettings::default();
        s.set_text("port", " 8400 ").unwrap();
        s.set_text("send_certificate_chain", "TRUE").unwrap();
        s.set_text("scopes", "a b").unwrap();
        s.set_text("login_hint", " me ").unwrap();
        assert_eq!(s.port, Some(8400));
        assert_eq!(s.send_certificate_chain, Some(true));
        assert_eq!(s.scopes, Some(ScopeList::Text("a b".into())));
        assert_eq!(s.login_hint.as_deref(), Some(" me "));
        for no in ["0", "false", "No"] {
            s.set_text("send_certificate_chain", no).unwrap();
            assert_eq!(s.send_certificate_chain, Some(false), "{no}");
        }
    }

    #[test]
    fn set_text_rejects_values_of_the_wrong_kind() {
        let mut s = ProfileSettings::default();
        for bad in ["http", "0", "65536", "-1", ""] {
            assert_eq!(
                s.set_text("port", bad),
                Err(FieldTextError::NotAPort),
                "{bad}"
            );
        }
        assert_eq!(
            s.set_text("send_certificate_chain", "maybe"),
            Err(FieldTextError::NotABool)
        );
        assert_eq!(
            s.set_text("tenantid", "x"),
            Err(FieldTextError::UnknownField("tenantid".into()))
        );
        assert_eq!(s, ProfileSettings::default());
        assert_eq!(
            FieldTextError::NotAPort.to_string(),
            "is not a port number: use a number from 1 to 65535"
        );
        assert_eq!(FieldTextError::NotABool.to_string(), "is not true or false");
    }

    #[test]
    fn unset_clears_one_field() {
        let mut s = populated();
        assert!(s.unset("port"));
        assert!(!s.unset("port"));
        assert!(!s.unset("nope"));
        assert_eq!(s.port, None);
        assert_eq!(s.entries().len(), FIELDS.len() - 1);
    }

    #[test]
    fn entries_are_the_set_fields_in_order_with_plain_values() {
        let s = ProfileSettings {
            port: Some(8400),
            tenant_id: Some("t".into()),
            scopes: Some(ScopeList::Text(" a,b  c,".into())),
            send_certificate_chain: Some(true),
            ..ProfileSettings::default()
        };
        assert_eq!(
            s.entries(),
            [
                ("tenant_id", FieldValue::Text("t".into())),
                (
                    "scopes",
                    FieldValue::List(vec!["a".into(), "b".into(), "c".into()])
                ),
                ("send_certificate_chain", FieldValue::Bool(true)),
                ("port", FieldValue::Port(8400)),
            ]
        );
        let names: Vec<&str> = populated().entries().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, super::field_names().collect::<Vec<_>>());
    }

    fn minimal() -> ProfileSettings {
        ProfileSettings {
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a".into()),
            ..ProfileSettings::default()
        }
    }

    #[test]
    fn run_time_tenants_are_what_create_accepts_except_on_loopback() {
        let with = |tenant: &str, host: Option<&str>| {
            ProfileSettings {
                tenant_id: Some(tenant.into()),
                authority_host: host.map(Into::into),
                ..minimal()
            }
            .validate("p")
            .unwrap()
            .check_tenant()
        };
        for ok in [
            "contoso.onmicrosoft.com",
            "7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f",
            "common",
            "Organizations",
            "consumers",
        ] {
            assert_eq!(with(ok, None), Ok(()), "{ok}");
        }
        match with("contoso", None) {
            Err(ProfileError::InvalidField { field, reason, .. }) => {
                assert_eq!(field, "tenant_id");
                assert!(reason.contains("contoso.onmicrosoft.com"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // A local emulator (tests/peers use `tenant-a`) names its tenants freely.
        assert_eq!(with("tenant-a", Some("http://127.0.0.1:8080")), Ok(()));
        let managed = ProfileSettings {
            auth_method: Some("managed-identity".into()),
            ..ProfileSettings::default()
        }
        .validate("mi")
        .unwrap();
        assert_eq!(managed.check_tenant(), Ok(()));
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
