//! Credential failures: the secret, certificate, federated token or password a profile needs.

use super::ErrorKind;
use crate::ports::assertion::AssertionError;
use crate::ports::credential_loader::CertificateError;
use crate::ports::secret_store::SecretKind;
use crate::ports::terminal::TerminalError;

/// The app credential of a client-credentials profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("profile `{profile}` has no client secret")]
    NoSecret { profile: String },
    #[error("profile `{profile}` has no credential")]
    NoCredential { profile: String },
    /// A secret variable (`AZURE_CLIENT_SECRET`) is set but blank: a secret that did not
    /// expand, never taken as "unset".
    #[error("{var} is set but empty")]
    EmptySecretVariable { var: &'static str },
    /// The certificate needs a password and the password variable is set but blank.
    #[error("{var} is set but empty, and the certificate {path} needs a password")]
    EmptyPasswordVariable { var: &'static str, path: String },
    #[error("profile `{profile}` is a public client")]
    PublicClient { profile: String },
    #[error("profile `{profile}` has no federated token file")]
    NoFederatedFile { profile: String },
    #[error("profile `{profile}` has no certificate_path")]
    NoCertificatePath { profile: String },
    #[error("cannot read the {} of profile `{profile}` from the {backend} store", kind.as_str())]
    StoreRead {
        profile: String,
        kind: SecretKind,
        backend: &'static str,
        cause: String,
    },
    /// The secret is sealed in the encrypted file store, which this run cannot open: `auto`
    /// fell back to memory because no keyring answers and `ENTRA_AUTH_CACHE_KEY` is not set.
    #[error("the {} of profile `{profile}` is in the file store, which is locked", kind.as_str())]
    LockedFileStore {
        profile: String,
        kind: SecretKind,
        location: String,
    },
    /// The stored secret was stored for another authority, tenant or client than the one the
    /// profile now sends to (a profile of the same name removed by hand, re-created, imported
    /// or edited): it is not sent.
    #[error("the stored {} of profile `{profile}` was stored for another destination, and is not sent to this one", kind.as_str())]
    SecretForAnotherDestination {
        profile: String,
        kind: SecretKind,
        stored_for: String,
        now: String,
    },
    #[error("cannot read the password: {0}")]
    PasswordPrompt(TerminalError),
    #[error(transparent)]
    Certificate(CertificateError),
    #[error("the certificate {path} is not valid yet")]
    NotYetValid { path: String, not_before: i64 },
    #[error("the certificate {path} has expired")]
    Expired { path: String, not_after: i64 },
    #[error(transparent)]
    Assertion(AssertionError),
}

impl CredentialError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::PublicClient { .. } => ErrorKind::Usage,
            Self::PasswordPrompt(_) => ErrorKind::Io,
            _ => ErrorKind::Config,
        }
    }
}
