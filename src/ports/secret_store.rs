//! Where per-profile secrets live (client secrets, certificate passwords). Never `config.toml`.

use secrecy::SecretString;

/// Which secret of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    ClientSecret,
    CertificatePassword,
}

impl SecretKind {
    /// The suffix of the keyring entry name `profile:NAME:<suffix>`, also shown by `status`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "secret",
            Self::CertificatePassword => "cert-password",
        }
    }

    /// Parses [`SecretKind::as_str`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "secret" => Some(Self::ClientSecret),
            "cert-password" => Some(Self::CertificatePassword),
            _ => None,
        }
    }
}

/// A secret store failure. `Unavailable` means the backend itself cannot be used (no keyring,
/// locked keyring, timeout); `Unreadable` means one entry is corrupt or sealed with another key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretStoreError {
    #[error("the secret store is unavailable: {0}")]
    Unavailable(String),
    #[error("secret entry {location} is unreadable: {reason}")]
    Unreadable { location: String, reason: String },
    #[error("secret store I/O failed at {location}: {reason}")]
    Io { location: String, reason: String },
    /// The entry is sealed in the encrypted file store, and this run has no key to open it
    /// (`auto` fell back to memory without `ENTRA_AUTH_CACHE_KEY`).
    #[error("the secret is sealed in the file store ({location}) and no key opens it here")]
    Locked { location: String },
    /// A write was refused: the file store already holds secrets, and none of them opens with
    /// this run's key (another `ENTRA_AUTH_CACHE_KEY`). Writing would leave the store with
    /// secrets under two keys, one of them lost to whoever holds the other.
    #[error(
        "the file store at {location} holds secrets sealed with another key than this ENTRA_AUTH_CACHE_KEY; nothing was stored: set the key they were stored with, or remove them first (`entra-auth-cli config delete`, or delete the files)"
    )]
    OtherKey { location: String },
}

/// Secrets by profile name and kind. Error contract: a missing secret is `Ok(None)`; `set`
/// replaces atomically; `delete` of a missing secret is `Ok(())`.
#[cfg_attr(test, mockall::automock)]
pub trait SecretStore: Send + Sync {
    /// `keyring`, `file` or `memory`.
    fn backend_name(&self) -> &'static str;
    fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretStoreError>;
    fn set(
        &self,
        profile: &str,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<(), SecretStoreError>;
    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), SecretStoreError>;
    /// Every stored secret's profile and kind (never the values).
    fn list(&self) -> Result<Vec<(String, SecretKind)>, SecretStoreError>;
}
