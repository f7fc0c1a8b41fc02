//! Which credential a confidential-client profile authenticates with, resolved only when a token
//! request is about to be made (never on a cache hit): a client secret, a certificate assertion
//! or a federated token. Explicit `auth_method` (or `federated_source`) wins; otherwise the first
//! available of AZURE_CLIENT_SECRET, a certificate, a federated token variable or file, a stored
//! secret, the token service of the CI the job runs in.

use secrecy::{ExposeSecret, SecretString};

use crate::app::usecases::error::{CredentialError, Error, FederatedOrigin};
use crate::app::usecases::token::federated::{self, FederatedCredential};
use crate::domain::ci::FederatedSource;
use crate::domain::credential::{CertificateCredential, Credential};
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::Profile;
use crate::domain::secret_binding::{SecretDestination, StoredSecret, unbind};
use crate::ports::assertion::ClientAssertionSource;
use crate::ports::credential_loader::{CertificateError, CertificateSpec, CredentialLoader};
use crate::ports::env::Env;
use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};
use crate::ports::terminal::Terminal;

/// How the app proves who it is, ready for a request.
pub enum ClientCredential {
    Secret(SecretString),
    /// A certificate's signed assertion.
    Assertion(Box<dyn ClientAssertionSource>),
    /// A token from another identity provider (file, variable or CI token service).
    Federated(FederatedCredential),
}

impl ClientCredential {
    /// True for a federated token that can be had afresh (a file the platform rotates, a CI
    /// token service): obtained again and retried once when Entra says it expired. A variable
    /// holds the same token all along.
    #[must_use]
    pub fn is_federated(&self) -> bool {
        matches!(self, Self::Federated(f) if !matches!(f.origin, FederatedOrigin::Variable { .. }))
    }
}

/// What credentials can come from.
pub struct CredentialResolver<'a> {
    /// `AZURE_CLIENT_SECRET`: wins over a stored secret.
    pub env_secret: Option<SecretString>,
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`: wins over a stored password, even when set but
    /// empty (a PFX may have an empty password; when it does not open the file, the error
    /// says the variable is empty).
    pub env_certificate_password: Option<SecretString>,
    pub secrets: &'a dyn SecretStore,
    pub loader: &'a dyn CredentialLoader,
    /// The CI variables (detection, request URLs and tokens, a token variable).
    pub env: &'a dyn Env,
    /// Asks for a certificate password when none opens the file (only when a person is there).
    pub terminal: &'a dyn Terminal,
}

impl CredentialResolver<'_> {
    /// Resolves the credential of `profile` at `now` (epoch seconds).
    ///
    /// # Errors
    /// Errors that name the missing or broken credential; all of them happen before any request.
    pub fn resolve(
        &self,
        profile: &Profile,
        credential: &Credential,
        now: i64,
    ) -> Result<ClientCredential, Error> {
        let name = || profile.name.clone();
        Ok(match credential {
            Credential::ClientSecret => self
                .secret(profile)?
                .map(ClientCredential::Secret)
                .ok_or_else(|| CredentialError::NoSecret { profile: name() })?,
            Credential::Certificate(certificate) => self.certificate(profile, certificate, now)?,
            Credential::Federated(source) => self.federated(profile, source)?,
            Credential::PublicClient | Credential::ManagedIdentity(_) => {
                return Err(CredentialError::PublicClient { profile: name() }.into());
            }
            Credential::Auto {
                certificate,
                federated,
            } => {
                if let Some(secret) = &self.env_secret {
                    ClientCredential::Secret(secret.clone())
                } else if let Some(certificate) = certificate {
                    self.certificate(profile, certificate, now)?
                } else if let Some(source) = federated {
                    self.federated(profile, source)?
                } else if let Some(secret) = self.stored(profile, SecretKind::ClientSecret)? {
                    ClientCredential::Secret(secret)
                } else if federated::detect(self.env).is_some()
                    || federated::in_github_actions(self.env)
                {
                    // In a CI job with nothing else: its token service (a GitHub job without
                    // `id-token: write` gets the error that says to add it).
                    self.federated(profile, &FederatedSource::Detected)?
                } else {
                    return Err(CredentialError::NoCredential { profile: name() }.into());
                }
            }
        })
    }

    /// True when the profile has an app credential (so client credentials is its flow). Only
    /// an auto profile with nothing else asks the secret store.
    #[must_use]
    pub fn has_app_credential(&self, profile: &Profile, credential: &Credential) -> bool {
        match credential {
            Credential::PublicClient => false,
            Credential::Auto {
                certificate: None,
                federated: None,
            } => {
                // A secret sealed in a file store this run cannot open (no key, another key, a
                // damaged file) still makes an app: resolving it then says why it cannot be
                // read (not "sign in"). In a CI job (even a GitHub job without
                // `id-token: write`) nobody can sign in: the CI's token.
                self.env_secret.is_some()
                    || federated::detect(self.env).is_some()
                    || federated::in_github_actions(self.env)
                    || matches!(
                        self.secrets.get(&profile.name, SecretKind::ClientSecret),
                        Ok(Some(_))
                            | Err(SecretStoreError::Locked { .. }
                                | SecretStoreError::Unreadable { .. })
                    )
            }
            _ => true,
        }
    }

    fn secret(&self, profile: &Profile) -> Result<Option<SecretString>, CredentialError> {
        if let Some(secret) = &self.env_secret {
            return Ok(Some(secret.clone()));
        }
        self.stored(profile, SecretKind::ClientSecret)
    }

    /// The stored secret of `kind`, when it was stored for where `profile` sends it now (or
    /// before secrets were bound to a destination).
    fn stored(
        &self,
        profile: &Profile,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, CredentialError> {
        let Some(stored) = self.stored_value(profile, kind)? else {
            return Ok(None);
        };
        let now = SecretDestination::of(profile);
        match unbind(&stored) {
            StoredSecret::Unbound(secret) => Ok(Some(secret)),
            StoredSecret::Bound {
                destination,
                secret,
            } if destination.same_as(&now) => Ok(Some(secret)),
            StoredSecret::Bound { destination, .. } => {
                Err(CredentialError::SecretForAnotherDestination {
                    profile: profile.name.clone(),
                    kind,
                    stored_for: destination.to_string(),
                    now: now.to_string(),
                })
            }
            StoredSecret::Malformed => Err(CredentialError::StoreRead {
                profile: profile.name.clone(),
                kind,
                backend: self.secrets.backend_name(),
                cause: "the stored value's destination is malformed".to_owned(),
            }),
        }
    }

    fn stored_value(
        &self,
        profile: &Profile,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, CredentialError> {
        self.secrets
            .get(&profile.name, kind)
            .map_err(|error| match error {
                SecretStoreError::Locked { location } => CredentialError::LockedFileStore {
                    profile: profile.name.clone(),
                    kind,
                    location,
                },
                other => CredentialError::StoreRead {
                    profile: profile.name.clone(),
                    kind,
                    backend: self.secrets.backend_name(),
                    cause: other.to_string(),
                },
            })
    }

    /// True when `AZURE_CLIENT_CERTIFICATE_PASSWORD` is set but blank.
    fn blank_env_password(&self) -> bool {
        self.env_certificate_password
            .as_ref()
            .is_some_and(|p| p.expose_secret().trim().is_empty())
    }

    fn federated(
        &self,
        profile: &Profile,
        source: &FederatedSource,
    ) -> Result<ClientCredential, Error> {
        federated::resolve(source, profile, self.env, self.loader).map(ClientCredential::Federated)
    }

    fn certificate(
        &self,
        profile: &Profile,
        certificate: &CertificateCredential,
        now: i64,
    ) -> Result<ClientCredential, CredentialError> {
        let spec = CertificateSpec {
            path: &certificate.path,
            key_path: certificate.key_path.as_deref(),
            client_id: &profile.client_id,
            algorithm: certificate.algorithm,
            send_chain: certificate.send_chain,
        };
        let password = match &self.env_certificate_password {
            Some(password) => Some(password.clone()),
            None => self.stored(profile, SecretKind::CertificatePassword)?,
        };
        let loaded = match self.loader.certificate(&spec, password.as_ref()) {
            Err(CertificateError::WrongPassword { path, .. }) => {
                let question = format!("Password for {path}: ");
                match self
                    .terminal
                    .secret(&question)
                    .map_err(CredentialError::PasswordPrompt)?
                {
                    Some(typed) => self.loader.certificate(&spec, Some(&typed)),
                    None => Err(CertificateError::WrongPassword {
                        path,
                        password_given: password.is_some(),
                    }),
                }
            }
            other => other,
        }
        .map_err(|error| match error {
            CertificateError::WrongPassword { path, .. } if self.blank_env_password() => {
                CredentialError::EmptyPasswordVariable {
                    var: EnvVars::AZURE_CLIENT_CERTIFICATE_PASSWORD,
                    path,
                }
            }
            other => CredentialError::Certificate(other),
        })?;
        if now < loaded.not_before {
            return Err(CredentialError::NotYetValid {
                path: certificate.path.clone(),
                not_before: loaded.not_before,
            });
        }
        if now > loaded.not_after {
            return Err(CredentialError::Expired {
                path: certificate.path.clone(),
                not_after: loaded.not_after,
            });
        }
        Ok(ClientCredential::Assertion(loaded.assertions))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::{ExposeSecret, SecretString};

    use super::{ClientCredential, CredentialResolver};
    use crate::app::usecases::error::{CredentialError, Error};
    use crate::domain::profile::{Profile, ProfileSettings, test_profile};
    use crate::ports::assertion::{AssertionError, MockClientAssertionSource};
    use crate::ports::credential_loader::{
        CertificateError, LoadedCertificate, MockCredentialLoader,
    };
    use crate::ports::secret_store::{MockSecretStore, SecretKind};
    use crate::ports::terminal::MockTerminal;

    /// Profile `p` (tenant `t`, client `c`) with `settings`.
    fn profile(settings: ProfileSettings) -> Profile {
        test_profile("p", settings)
    }

    fn store(secret: Option<&'static str>) -> MockSecretStore {
        let mut store = MockSecretStore::new();
        store.expect_backend_name().return_const("memory");
        store.expect_get().returning(move |_, kind| {
            Ok(secret
                .filter(|_| kind == SecretKind::ClientSecret)
                .map(SecretString::from))
        });
        store
    }

    fn silent_terminal() -> MockTerminal {
        let mut t = MockTerminal::new();
        t.expect_secret().never();
        t
    }

    fn federated_source(result: Result<&'static str, &'static str>) -> MockClientAssertionSource {
        let mut source = MockClientAssertionSource::new();
        source.expect_kind().return_const("federated");
        source.expect_assertion().returning(move |_, _| {
            result.map(SecretString::from).map_err(|m| AssertionError {
                message: m.to_owned(),
                hint: None,
            })
        });
        source
    }

    fn resolver<'a>(
        secrets: &'a MockSecretStore,
        loader: &'a MockCredentialLoader,
        terminal: &'a MockTerminal,
        env_secret: Option<SecretString>,
        env_certificate_password: Option<SecretString>,
    ) -> CredentialResolver<'a> {
        CredentialResolver {
            env_secret,
            env_certificate_password,
            secrets,
            loader,
            env: Box::leak(Box::new(crate::ports::env::MapEnv::default())),
            terminal,
        }
    }

    /// The credential error of a resolution (any other error fails the test).
    fn cred<T>(result: Result<T, Error>) -> Result<T, CredentialError> {
        result.map_err(|error| match error {
            Error::Credential(e) => e,
            other => panic!("not a credential error: {other:?}"),
        })
    }

    fn secret_of(credential: ClientCredential) -> String {
        match credential {
            ClientCredential::Secret(s) => s.expose_secret().to_owned(),
            ClientCredential::Assertion(a) => format!("assertion:{}", a.kind()),
            ClientCredential::Federated(_) => "assertion:federated".to_owned(),
        }
    }

    #[test]
    fn auto_prefers_the_environment_secret_over_everything() {
        let p = profile(ProfileSettings {
            certificate_path: Some("/c.pfx".into()),
            ..ProfileSettings::default()
        });
        let secrets = store(Some("stored"));
        let mut loader = MockCredentialLoader::new();
        loader.expect_certificate().never();
        let terminal = silent_terminal();
        let resolver = resolver(&secrets, &loader, &terminal, Some("from-env".into()), None);
        let credential = p.credential().unwrap();
        assert_eq!(
            secret_of(cred(resolver.resolve(&p, &credential, 0)).unwrap()),
            "from-env"
        );
    }

    #[test]
    fn auto_then_federated_file_then_stored_secret_then_nothing() {
        let terminal = silent_terminal();
        let mut loader = MockCredentialLoader::new();
        loader
            .expect_federated_token_file()
            .times(1)
            .returning(|_| Box::new(federated_source(Ok("jwt"))));
        let secrets = store(Some("stored"));
        let resolver = resolver(&secrets, &loader, &terminal, None, None);
        let federated = profile(ProfileSettings {
            federated_token_file: Some("/t".into()),
            ..ProfileSettings::default()
        });
        let c = federated.credential().unwrap();
        assert_eq!(
            secret_of(cred(resolver.resolve(&federated, &c, 0)).unwrap()),
            "assertion:federated"
        );
        let plain = profile(ProfileSettings::default());
        let c = plain.credential().unwrap();
        assert_eq!(
            secret_of(cred(resolver.resolve(&plain, &c, 0)).unwrap()),
            "stored"
        );
        assert!(resolver.has_app_credential(&plain, &c));

        let empty = store(None);
        let resolver = CredentialResolver {
            secrets: &empty,
            ..resolver
        };
        assert!(matches!(
            cred(resolver.resolve(&plain, &c, 0)),
            Err(CredentialError::NoCredential { .. })
        ));
        assert!(
            !resolver.has_app_credential(&plain, &c),
            "nothing: a user sign-in"
        );
    }

    #[test]
    fn a_secret_locked_in_the_file_store_is_an_app_credential_that_says_so() {
        let terminal = silent_terminal();
        let loader = MockCredentialLoader::new();
        let mut secrets = MockSecretStore::new();
        secrets.expect_backend_name().return_const("memory");
        secrets.expect_get().returning(|_, _| {
            Err(crate::ports::secret_store::SecretStoreError::Locked {
                location: "/c/secrets/x.secret".into(),
            })
        });
        let resolver = resolver(&secrets, &loader, &terminal, None, None);
        let p = profile(ProfileSettings::default());
        let c = p.credential().unwrap();
        assert!(
            resolver.has_app_credential(&p, &c),
            "client credentials, not a sign-in"
        );
        assert_eq!(
            cred(resolver.resolve(&p, &c, 0)).err(),
            Some(CredentialError::LockedFileStore {
                profile: "p".into(),
                kind: SecretKind::ClientSecret,
                location: "/c/secrets/x.secret".into(),
            })
        );
    }

    #[test]
    fn an_empty_federated_file_fails_before_any_request() {
        let terminal = silent_terminal();
        let mut loader = MockCredentialLoader::new();
        loader.expect_federated_token_file().returning(|_| {
            Box::new(federated_source(Err(
                "the federated token file /t is empty",
            )))
        });
        let secrets = store(None);
        let resolver = resolver(&secrets, &loader, &terminal, None, None);
        let p = profile(ProfileSettings {
            auth_method: Some("federated".into()),
            federated_token_file: Some("/t".into()),
            ..ProfileSettings::default()
        });
        let c = p.credential().unwrap();
        assert!(matches!(
            cred(resolver.resolve(&p, &c, 0)),
            Err(CredentialError::Assertion(e)) if e.message.contains("empty")
        ));
    }

    fn loaded(not_before: i64, not_after: i64) -> LoadedCertificate {
        let mut source = MockClientAssertionSource::new();
        source.expect_kind().return_const("certificate");
        LoadedCertificate {
            not_before,
            not_after,
            assertions: Box::new(source),
        }
    }

    /// A profile whose credential is the certificate `/c.pfx`.
    fn certificate_profile() -> Profile {
        profile(ProfileSettings {
            auth_method: Some("certificate".into()),
            certificate_path: Some("/c.pfx".into()),
            ..ProfileSettings::default()
        })
    }

    #[test]
    fn a_wrong_certificate_password_asks_the_person_once() {
        let mut terminal = MockTerminal::new();
        terminal
            .expect_secret()
            .times(1)
            .returning(|_| Ok(Some("typed".into())));
        let mut loader = MockCredentialLoader::new();
        loader
            .expect_certificate()
            .times(2)
            .returning(
                |spec, password| match password.map(ExposeSecret::expose_secret) {
                    Some("typed") => Ok(loaded(0, 100)),
                    _ => Err(CertificateError::WrongPassword {
                        path: spec.path.to_owned(),
                        password_given: password.is_some(),
                    }),
                },
            );
        let secrets = store(None);
        let resolver = resolver(&secrets, &loader, &terminal, None, None);
        let p = certificate_profile();
        let c = p.credential().unwrap();
        assert_eq!(
            secret_of(cred(resolver.resolve(&p, &c, 50)).unwrap()),
            "assertion:certificate"
        );
    }

    #[test]
    fn a_blank_password_variable_that_does_not_open_the_file_is_named() {
        let mut terminal = MockTerminal::new();
        terminal.expect_secret().returning(|_| Ok(None));
        let mut loader = MockCredentialLoader::new();
        loader.expect_certificate().returning(|spec, password| {
            Err(CertificateError::WrongPassword {
                path: spec.path.to_owned(),
                password_given: password.is_some(),
            })
        });
        let secrets = store(None);
        let p = certificate_profile();
        let c = p.credential().unwrap();
        let blank = resolver(&secrets, &loader, &terminal, None, Some("".into()));
        assert_eq!(
            cred(blank.resolve(&p, &c, 50)).err(),
            Some(CredentialError::EmptyPasswordVariable {
                var: "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                path: "/c.pfx".into()
            })
        );
        let wrong = resolver(&secrets, &loader, &terminal, None, Some("pw".into()));
        assert!(matches!(
            cred(wrong.resolve(&p, &c, 50)),
            Err(CredentialError::Certificate(
                CertificateError::WrongPassword { .. }
            ))
        ));
    }

    #[test]
    fn certificate_validity_is_checked_before_any_request() {
        let terminal = silent_terminal();
        let mut loader = MockCredentialLoader::new();
        loader
            .expect_certificate()
            .returning(|_, _| Ok(loaded(10, 20)));
        let secrets = store(None);
        let resolver = resolver(&secrets, &loader, &terminal, None, Some("pw".into()));
        let p = profile(ProfileSettings {
            certificate_path: Some("/c.pem".into()),
            ..ProfileSettings::default()
        });
        let c = p.credential().unwrap();
        assert!(matches!(
            cred(resolver.resolve(&p, &c, 5)),
            Err(CredentialError::NotYetValid { not_before: 10, .. })
        ));
        assert!(matches!(
            cred(resolver.resolve(&p, &c, 25)),
            Err(CredentialError::Expired { not_after: 20, .. })
        ));
    }
}
