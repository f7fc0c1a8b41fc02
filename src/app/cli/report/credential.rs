//! Wording of `error::credential`: secrets, certificates, federated tokens, passwords.

use super::Report;
use crate::app::usecases::error::{CredentialError, ErrorKind};
use crate::domain::token::rfc3339;
use crate::ports::credential_loader::CertificateError;
use crate::ports::secret_store::SecretKind;

pub(super) fn certificate(kind: ErrorKind, e: &CertificateError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        CertificateError::WrongPassword { password_given, .. } => r
            .cause(if *password_given {
                "the password given does not open the file"
            } else {
                "the file is password-protected and no password was given"
            })
            .hint("set AZURE_CLIENT_CERTIFICATE_PASSWORD, or store it with `entra-auth-cli config set-secret -p NAME --certificate-password`"),
        CertificateError::Unreadable { .. } => {
            r.hint("check certificate_path (or AZURE_CLIENT_CERTIFICATE_PATH)")
        }
        CertificateError::NoPrivateKey { .. } => r.hint("use a .pfx with its key, a PEM file holding both the certificate and its key, or set certificate_key_path"),
        CertificateError::NoCertificate { .. } | CertificateError::Invalid { .. } => {
            r.hint("certificate_path must be a PKCS#12 (.pfx/.p12) file or a PEM certificate")
        }
        CertificateError::Key(assertion) => {
            let r = Report::new(kind, assertion.message.clone());
            match &assertion.hint {
                Some(hint) => r.hint(hint.clone()),
                None => r,
            }
        }
    }
}

pub(super) fn credential(kind: ErrorKind, e: &CredentialError) -> Report {
    match e {
        CredentialError::NoSecret { profile } => Report::new(kind, e.to_string()).hint(format!(
            "store one with `entra-auth-cli config set-secret -p {profile}` (reads stdin), or set AZURE_CLIENT_SECRET"
        )),
        CredentialError::NoCredential { profile } => Report::new(kind, e.to_string())
            .hint(format!(
                "store a client secret with `entra-auth-cli config set-secret -p {profile}`, or set AZURE_CLIENT_SECRET"
            ))
            .hint("or use a certificate (certificate_path / AZURE_CLIENT_CERTIFICATE_PATH) or a federated token file (AZURE_FEDERATED_TOKEN_FILE)"),
        CredentialError::EmptySecretVariable { var } => Report::new(kind, e.to_string())
            .cause("an empty value is not taken as unset: it is usually a secret that did not expand (a CI secret that is missing on this run)")
            .hint(format!(
                "set {var} to the client secret's Value, or unset it to use a secret stored with `entra-auth-cli config set-secret`"
            )),
        CredentialError::EmptyPasswordVariable { var, .. } => Report::new(kind, e.to_string())
            .cause("the empty password does not open the file")
            .hint(format!(
                "set {var} to the certificate's password, or unset it to use one stored with `entra-auth-cli config set-secret --certificate-password`"
            )),
        CredentialError::PublicClient { profile } => Report::new(
            kind,
            format!("profile `{profile}` is a public client (auth_method = \"none\"): client credentials need a secret, certificate or federated token"),
        )
        .hint("use a user sign-in flow for public clients"),
        CredentialError::NoFederatedFile { .. } => Report::new(kind, e.to_string())
            .hint("set AZURE_FEDERATED_TOKEN_FILE (the AKS workload identity webhook does) or federated_token_file"),
        CredentialError::NoCertificatePath { .. } => Report::new(kind, e.to_string())
            .hint("set certificate_path in the profile, or AZURE_CLIENT_CERTIFICATE_PATH"),
        CredentialError::SecretForAnotherDestination {
            profile,
            kind: secret,
            stored_for,
            now,
        } => {
            let flag = match secret {
                SecretKind::ClientSecret => "",
                SecretKind::CertificatePassword => " --certificate-password",
            };
            Report::new(kind, e.to_string())
                .cause(format!("it was stored for {stored_for}"))
                .cause(format!("the profile now sends its credentials to {now}"))
                .hint(format!(
                    "if the profile is meant to use this app's credentials there, store the secret again: entra-auth-cli config set-secret -p {profile}{flag}"
                ))
                .hint("a secret left behind by a removed profile of the same name is never sent elsewhere")
        }
        CredentialError::StoreRead { cause, .. } => Report::new(kind, e.to_string())
            .cause(cause.clone())
            .hint("set it in the environment instead, or fix the store (see `entra-auth-cli status`)"),
        CredentialError::LockedFileStore {
            profile,
            kind: secret,
            ..
        } => {
            let (what, variable) = match secret {
                SecretKind::ClientSecret => ("client secret", "AZURE_CLIENT_SECRET"),
                SecretKind::CertificatePassword => {
                    ("certificate password", "AZURE_CLIENT_CERTIFICATE_PASSWORD")
                }
            };
            Report::new(
                kind,
                format!(
                    "the encrypted file store holds a {what} for profile `{profile}`, but ENTRA_AUTH_CACHE_KEY is not set"
                ),
            )
            .cause("no OS keyring answers, so `auto` fell back to the memory store, which cannot open the file store")
            .hint("export the ENTRA_AUTH_CACHE_KEY the secret was stored with (from wherever you keep it), then run the command again")
            .hint(format!("or set {variable} for this run"))
        }
        CredentialError::PasswordPrompt(cause) => {
            Report::new(kind, "cannot read the password").cause(cause.to_string())
        }
        CredentialError::Certificate(e) => certificate(kind, e),
        CredentialError::NotYetValid { path, not_before } => Report::new(
            kind,
            format!("the certificate {path} is not valid until {}", rfc3339(*not_before)),
        )
        .hint("check the system clock, or use a certificate that is valid now"),
        CredentialError::Expired { path, not_after } => Report::new(
            kind,
            format!("the certificate {path} expired on {}", rfc3339(*not_after)),
        )
        .hint("create or renew the certificate, upload it to the app registration, and point certificate_path at it"),
        CredentialError::Assertion(assertion) => {
            let r = Report::new(kind, assertion.message.clone());
            match &assertion.hint {
                Some(hint) => r.hint(hint.clone()),
                None => r,
            }
        }
    }
}
