//! Which credential a confidential-client profile authenticates with, resolved only when a token
//! request is about to be made (never on a cache hit): a client secret, a certificate assertion
//! or a federated token. Explicit `auth_method` wins; otherwise the first available of
//! AZURE_CLIENT_SECRET, a certificate, a federated token file, a stored secret.

use std::path::Path;

use secrecy::SecretString;

use super::error::{AppError, ErrorKind};
use crate::adapters::certificate::{CertificateError, ClientCertificate};
use crate::adapters::client_assertion::CertificateAssertions;
use crate::adapters::federated_token::FederatedTokenFile;
use crate::cli::output::rfc3339;
use crate::domain::flow::AuthMethod;
use crate::domain::profile::Profile;
use crate::ports::assertion::{AssertionError, ClientAssertionSource};
use crate::ports::prompt::Prompt;
use crate::ports::secret_store::{SecretKind, SecretStore};

/// How the app proves who it is.
pub enum ClientCredential {
    Secret(SecretString),
    Assertion(Box<dyn ClientAssertionSource>),
}

/// What credentials can come from.
pub struct CredentialResolver<'a> {
    /// `AZURE_CLIENT_SECRET`: wins over a stored secret.
    pub env_secret: Option<SecretString>,
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`: wins over a stored password.
    pub env_certificate_password: Option<SecretString>,
    pub secrets: &'a dyn SecretStore,
    pub prompt: &'a dyn Prompt,
}

fn assertion_error(error: AssertionError) -> AppError {
    let mut app = AppError::new(ErrorKind::Config, error.message);
    if let Some(hint) = error.hint {
        app = app.hint(hint);
    }
    app
}

impl CredentialResolver<'_> {
    /// Resolves the credential of `profile` at `now` (epoch seconds).
    ///
    /// # Errors
    /// `Config` errors that name the missing or broken credential and how to provide it; all of
    /// them happen before any request.
    pub fn resolve(&self, profile: &Profile, now: i64) -> Result<ClientCredential, AppError> {
        match profile.auth_method {
            Some(AuthMethod::ClientSecret) => self.secret(profile)?.map(ClientCredential::Secret).ok_or_else(|| no_secret(profile)),
            Some(AuthMethod::Certificate) => self.certificate(profile, now),
            Some(AuthMethod::Federated) => self.federated(profile),
            Some(AuthMethod::None) => Err(AppError::new(
                ErrorKind::Usage,
                format!("profile `{}` is a public client (auth_method = \"none\"): client credentials need a secret, certificate or federated token", profile.name),
            )
            .hint("use a user sign-in flow for public clients")),
            Some(AuthMethod::ManagedIdentity) => Err(AppError::new(
                ErrorKind::Usage,
                "managed identity does not use client credentials",
            )),
            None => {
                if let Some(secret) = &self.env_secret {
                    Ok(ClientCredential::Secret(secret.clone()))
                } else if profile.certificate_path.is_some() {
                    self.certificate(profile, now)
                } else if profile.federated_token_file.is_some() {
                    self.federated(profile)
                } else {
                    self.secret(profile)?
                        .map(ClientCredential::Secret)
                        .ok_or_else(|| no_credential(profile))
                }
            }
        }
    }

    /// True when a client secret is stored for `profile` (unreadable counts as no).
    #[must_use]
    pub fn has_stored_secret(&self, profile: &Profile) -> bool {
        matches!(
            self.secrets.get(&profile.name, SecretKind::ClientSecret),
            Ok(Some(_))
        )
    }

    fn secret(&self, profile: &Profile) -> Result<Option<SecretString>, AppError> {
        if let Some(secret) = &self.env_secret {
            return Ok(Some(secret.clone()));
        }
        self.stored(profile, SecretKind::ClientSecret)
    }

    fn stored(
        &self,
        profile: &Profile,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, AppError> {
        self.secrets.get(&profile.name, kind).map_err(|error| {
            AppError::new(
                ErrorKind::Config,
                format!(
                    "cannot read the {} of profile `{}` from the {} store",
                    kind.as_str(),
                    profile.name,
                    self.secrets.backend_name()
                ),
            )
            .cause(error.to_string())
            .hint(
                "set it in the environment instead, or fix the store (see `entra-auth-cli status`)",
            )
        })
    }

    fn federated(&self, profile: &Profile) -> Result<ClientCredential, AppError> {
        let path = profile.federated_token_file.as_deref().ok_or_else(|| {
            AppError::new(ErrorKind::Config, format!("profile `{}` has no federated token file", profile.name))
                .hint("set AZURE_FEDERATED_TOKEN_FILE (the AKS workload identity webhook does) or federated_token_file")
        })?;
        let source = FederatedTokenFile::new(path.into());
        // Fail before any request when the file is missing or empty.
        source.assertion("", 0).map_err(assertion_error)?;
        Ok(ClientCredential::Assertion(Box::new(source)))
    }

    fn certificate(&self, profile: &Profile, now: i64) -> Result<ClientCredential, AppError> {
        let path = profile.certificate_path.as_deref().ok_or_else(|| {
            AppError::new(
                ErrorKind::Config,
                format!("profile `{}` has no certificate_path", profile.name),
            )
            .hint("set certificate_path in the profile, or AZURE_CLIENT_CERTIFICATE_PATH")
        })?;
        let key_path = profile.certificate_key_path.as_deref().map(Path::new);
        let password = match &self.env_certificate_password {
            Some(password) => Some(password.clone()),
            None => self.stored(profile, SecretKind::CertificatePassword)?,
        };
        let loaded = match ClientCertificate::load(Path::new(path), key_path, password.as_ref()) {
            Err(CertificateError::WrongPassword { .. }) => {
                let question = format!("Password for {path}: ");
                match self.prompt.secret(&question).map_err(|e| {
                    AppError::new(ErrorKind::Io, "cannot read the password").cause(e)
                })? {
                    Some(typed) => ClientCertificate::load(Path::new(path), key_path, Some(&typed)),
                    None => Err(CertificateError::WrongPassword {
                        path: path.to_owned(),
                        password_given: password.is_some(),
                    }),
                }
            }
            other => other,
        }
        .map_err(certificate_error)?;
        if now < loaded.not_before {
            return Err(AppError::new(
                ErrorKind::Config,
                format!(
                    "the certificate {path} is not valid until {}",
                    rfc3339(loaded.not_before)
                ),
            )
            .hint("check the system clock, or use a certificate that is valid now"));
        }
        if now > loaded.not_after {
            return Err(AppError::new(
                ErrorKind::Config,
                format!("the certificate {path} expired on {}", rfc3339(loaded.not_after)),
            )
            .hint("create or renew the certificate, upload it to the app registration, and point certificate_path at it"));
        }
        let assertions = CertificateAssertions::new(
            loaded,
            &profile.client_id,
            profile.assertion_algorithm,
            profile.send_certificate_chain,
        )
        .map_err(assertion_error)?;
        Ok(ClientCredential::Assertion(Box::new(assertions)))
    }
}

fn certificate_error(error: CertificateError) -> AppError {
    let message = error.to_string();
    match error {
        CertificateError::WrongPassword { password_given, .. } => {
            let cause = if password_given {
                "the password given does not open the file"
            } else {
                "the file is password-protected and no password was given"
            };
            AppError::new(ErrorKind::Config, message)
                .cause(cause)
                .hint("set AZURE_CLIENT_CERTIFICATE_PASSWORD, or store it with `entra-auth-cli config set-secret -p NAME --certificate-password`")
        }
        CertificateError::Unreadable { .. } => AppError::new(ErrorKind::Config, message)
            .hint("check certificate_path (or AZURE_CLIENT_CERTIFICATE_PATH)"),
        CertificateError::NoPrivateKey { .. } => AppError::new(ErrorKind::Config, message)
            .hint("use a .pfx with its key, a PEM file holding both the certificate and its key, or set certificate_key_path"),
        CertificateError::NoCertificate { .. } | CertificateError::Invalid { .. } => {
            AppError::new(ErrorKind::Config, message)
                .hint("certificate_path must be a PKCS#12 (.pfx/.p12) file or a PEM certificate")
        }
    }
}

fn no_secret(profile: &Profile) -> AppError {
    AppError::new(ErrorKind::Config, format!("profile `{}` has no client secret", profile.name)).hint(format!(
        "store one with `entra-auth-cli config set-secret -p {}` (reads stdin), or set AZURE_CLIENT_SECRET",
        profile.name
    ))
}

fn no_credential(profile: &Profile) -> AppError {
    AppError::new(ErrorKind::Config, format!("profile `{}` has no credential", profile.name))
        .hint(format!(
            "store a client secret with `entra-auth-cli config set-secret -p {}`, or set AZURE_CLIENT_SECRET",
            profile.name
        ))
        .hint("or use a certificate (certificate_path / AZURE_CLIENT_CERTIFICATE_PATH) or a federated token file (AZURE_FEDERATED_TOKEN_FILE)")
}
