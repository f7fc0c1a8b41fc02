//! How a profile proves who it is, as one type: a client secret, a certificate, a federated
//! token (from a file, a variable, or the CI's token service), a managed identity, a public client
//! (user sign-in only), or "auto" (the first that is available). Secrets are never part of it:
//! they come from the environment or the secret store when a request is made.

use super::ci::{FederatedSource, SourceKind};
use super::flow::{AssertionAlgorithm, AuthMethod};
use super::profile::{Profile, ProfileError};

/// A certificate for signed client assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateCredential {
    pub path: String,
    /// A separate PEM private key, if any.
    pub key_path: Option<String>,
    pub algorithm: AssertionAlgorithm,
    /// Send `x5c` (the chain) in assertions.
    pub send_chain: bool,
}

/// Which managed identity: the system-assigned one, or a user-assigned one by one selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagedIdentitySelector {
    System,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

/// The profile's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A client secret, from `AZURE_CLIENT_SECRET` or the secret store.
    ClientSecret,
    Certificate(CertificateCredential),
    /// A token from another identity provider (a file, a variable or a CI's token service),
    /// obtained afresh for every token request.
    Federated(FederatedSource),
    ManagedIdentity(ManagedIdentitySelector),
    /// A public client: user sign-in only.
    PublicClient,
    /// No `auth_method`: `AZURE_CLIENT_SECRET`, else the certificate, else the federated token
    /// (variable or file), else a stored secret, else the token service of the CI the job runs
    /// in; with none of them, a user sign-in.
    Auto {
        certificate: Option<CertificateCredential>,
        federated: Option<FederatedSource>,
    },
}

impl Credential {
    /// True when the profile is a managed identity.
    #[must_use]
    pub fn is_managed_identity(&self) -> bool {
        matches!(self, Self::ManagedIdentity(_))
    }

    /// The `auth_method` this credential corresponds to (`None` for auto).
    #[must_use]
    pub fn auth_method(&self) -> Option<AuthMethod> {
        match self {
            Self::ClientSecret => Some(AuthMethod::ClientSecret),
            Self::Certificate(_) => Some(AuthMethod::Certificate),
            Self::Federated(_) => Some(AuthMethod::Federated),
            Self::ManagedIdentity(_) => Some(AuthMethod::ManagedIdentity),
            Self::PublicClient => Some(AuthMethod::None),
            Self::Auto { .. } => None,
        }
    }
}

fn certificate_of(profile: &Profile) -> Option<CertificateCredential> {
    profile
        .certificate_path
        .as_ref()
        .map(|path| CertificateCredential {
            path: path.clone(),
            key_path: profile.certificate_key_path.clone(),
            algorithm: profile.assertion_algorithm,
            send_chain: profile.send_certificate_chain,
        })
}

impl Profile {
    /// The credential the profile's fields describe.
    ///
    /// # Errors
    /// A certificate or federated profile without its file; a managed identity selected in
    /// more than one way.
    pub fn credential(&self) -> Result<Credential, ProfileError> {
        let missing = |field: &'static str| ProfileError::MissingField {
            profile: self.name.clone(),
            field,
        };
        Ok(match self.auth_method {
            Some(AuthMethod::ClientSecret) => Credential::ClientSecret,
            Some(AuthMethod::Certificate) => Credential::Certificate(
                certificate_of(self).ok_or_else(|| missing("certificate_path"))?,
            ),
            Some(AuthMethod::Federated) => Credential::Federated(
                self.federated_source()?
                    .or_else(|| self.configured_federated())
                    .unwrap_or(FederatedSource::Detected),
            ),
            Some(AuthMethod::ManagedIdentity) => {
                Credential::ManagedIdentity(self.managed_identity_selector()?)
            }
            Some(AuthMethod::None) => Credential::PublicClient,
            // A source named explicitly wins over the guessing of auto.
            None => match self.federated_source()? {
                Some(source) => Credential::Federated(source),
                None => Credential::Auto {
                    certificate: certificate_of(self),
                    federated: self.configured_federated(),
                },
            },
        })
    }

    /// The token variable, else the token file, when the profile names one.
    fn configured_federated(&self) -> Option<FederatedSource> {
        self.federated_token_env
            .clone()
            .map(FederatedSource::Variable)
            .or_else(|| self.federated_token_file.clone().map(FederatedSource::File))
    }

    /// The source `federated_source` names, with the field it needs.
    fn federated_source(&self) -> Result<Option<FederatedSource>, ProfileError> {
        let missing = |field: &'static str| ProfileError::MissingField {
            profile: self.name.clone(),
            field,
        };
        Ok(match self.federated_source {
            None => None,
            Some(SourceKind::GitHubActions) => Some(FederatedSource::GitHubActions),
            Some(SourceKind::AzurePipelines) => Some(FederatedSource::AzurePipelines),
            Some(SourceKind::Detect) => Some(FederatedSource::Detected),
            Some(SourceKind::Variable) => Some(FederatedSource::Variable(
                self.federated_token_env
                    .clone()
                    .ok_or_else(|| missing("federated_token_env"))?,
            )),
            Some(SourceKind::File) => Some(FederatedSource::File(
                self.federated_token_file
                    .clone()
                    .ok_or_else(|| missing("federated_token_file"))?,
            )),
        })
    }

    fn managed_identity_selector(&self) -> Result<ManagedIdentitySelector, ProfileError> {
        let given: Vec<ManagedIdentitySelector> = [
            Some(self.client_id.clone())
                .filter(|c| !c.is_empty())
                .map(ManagedIdentitySelector::ClientId),
            self.object_id
                .clone()
                .map(ManagedIdentitySelector::ObjectId),
            self.mi_res_id
                .clone()
                .map(ManagedIdentitySelector::ResourceId),
        ]
        .into_iter()
        .flatten()
        .collect();
        match given.as_slice() {
            [] => Ok(ManagedIdentitySelector::System),
            [one] => Ok(one.clone()),
            _ => Err(ProfileError::InvalidField {
                profile: self.name.clone(),
                field: "mi_res_id",
                reason: "a user-assigned identity is selected in more than one way: keep exactly one of client_id, object_id and mi_res_id (or none for the system-assigned identity)".to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Credential, ManagedIdentitySelector};
    use crate::domain::ci::FederatedSource;
    use crate::domain::profile::{ProfileError, ProfileSettings, test_profile};

    /// Profile `p` (tenant `t`, client `c`) with `settings`.
    fn profile(settings: ProfileSettings) -> crate::domain::profile::Profile {
        test_profile("p", settings)
    }

    #[test]
    fn explicit_methods_and_auto() {
        let p = profile(ProfileSettings {
            auth_method: Some("certificate".into()),
            certificate_path: Some("/c.pfx".into()),
            ..ProfileSettings::default()
        });
        assert!(matches!(p.credential(), Ok(Credential::Certificate(c)) if c.path == "/c.pfx"));
        let p = profile(ProfileSettings {
            auth_method: Some("federated".into()),
            ..ProfileSettings::default()
        });
        assert_eq!(
            p.credential(),
            Ok(Credential::Federated(FederatedSource::Detected)),
            "federated with neither file nor variable: the CI's token service"
        );
        let p = profile(ProfileSettings {
            federated_source: Some("env".into()),
            ..ProfileSettings::default()
        });
        assert!(matches!(
            p.credential(),
            Err(ProfileError::MissingField {
                field: "federated_token_env",
                ..
            })
        ));
        let p = profile(ProfileSettings {
            federated_token_file: Some("/t".into()),
            ..ProfileSettings::default()
        });
        assert_eq!(
            p.credential(),
            Ok(Credential::Auto {
                certificate: None,
                federated: Some(FederatedSource::File("/t".into()))
            })
        );
        let p = profile(ProfileSettings {
            federated_token_file: Some("/t".into()),
            federated_token_env: Some("GITLAB_OIDC".into()),
            auth_method: Some("federated".into()),
            ..ProfileSettings::default()
        });
        assert_eq!(
            p.credential(),
            Ok(Credential::Federated(FederatedSource::Variable(
                "GITLAB_OIDC".into()
            )))
        );
        // An explicit source wins over the file auto would use.
        let p = profile(ProfileSettings {
            federated_token_file: Some("/t".into()),
            federated_source: Some("github-actions".into()),
            ..ProfileSettings::default()
        });
        assert_eq!(
            p.credential(),
            Ok(Credential::Federated(FederatedSource::GitHubActions))
        );
    }

    #[test]
    fn managed_identity_takes_one_selector() {
        let p = profile(ProfileSettings {
            auth_method: Some("managed-identity".into()),
            ..ProfileSettings::default()
        });
        assert_eq!(
            p.credential(),
            Ok(Credential::ManagedIdentity(
                ManagedIdentitySelector::ClientId("c".into())
            ))
        );
        let p = profile(ProfileSettings {
            auth_method: Some("managed-identity".into()),
            object_id: Some("o".into()),
            ..ProfileSettings::default()
        });
        assert!(
            p.credential().is_err(),
            "client_id and object_id both select"
        );
    }
}
