//! `config export` and `config import` failures.

use super::ErrorKind;
use crate::ports::secret_store::SecretKind;

/// `config export` / `config import`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("{source_name} is not a profile export: {reason}")]
    NotAnExport { source_name: String, reason: String },
    #[error("{source_name} uses export format {version}, which this version cannot read")]
    UnsupportedVersion {
        source_name: String,
        version: String,
    },
    #[error("wrong passphrase or corrupted file")]
    Decrypt,
    #[error("{source_name} decrypted, but its content is invalid: {reason}")]
    Invalid { source_name: String, reason: String },
    #[error("the .NET entra-auth-cli's profiles.json is not usable: {reason}")]
    SeedProfiles { path: String, reason: String },
    #[error("profile `{wanted}` is not in {source_name}")]
    NotInImport {
        wanted: String,
        source_name: String,
        holds: Vec<String>,
    },
    #[error("{source_name} holds no profile")]
    Empty { source_name: String },
    #[error("-n renames one profile, but {source_name} holds {count}")]
    RenameNeedsOne { source_name: String, count: usize },
    #[error("the import holds profile `{name}` twice")]
    Duplicate { name: String },
    #[error("cannot import profile `{name}`: {reason}")]
    InvalidProfile { name: String, reason: String },
    #[error("cannot encrypt the export: {reason}")]
    Seal { reason: String },
    /// A replaced profile's stored secret, meant for its old destination, could not be removed;
    /// nothing was written.
    #[error("cannot remove the stored {} of profile `{profile}`", kind.as_str())]
    SecretNotRemoved {
        profile: String,
        kind: SecretKind,
        cause: String,
    },
}

impl TransferError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::NotAnExport { .. }
            | Self::Empty { .. }
            | Self::RenameNeedsOne { .. }
            | Self::Duplicate { .. } => ErrorKind::Usage,
            Self::NotInImport { .. } => ErrorKind::ProfileNotFound,
            Self::Seal { .. } | Self::SecretNotRemoved { .. } => ErrorKind::Io,
            Self::UnsupportedVersion { .. }
            | Self::Decrypt
            | Self::Invalid { .. }
            | Self::SeedProfiles { .. }
            | Self::InvalidProfile { .. } => ErrorKind::Config,
        }
    }
}
