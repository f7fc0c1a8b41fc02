//! Profile edits: create, edit, rename, delete, set-secret.

use super::ErrorKind;
use crate::ports::secret_store::SecretKind;
use crate::ports::terminal::TerminalError;

/// Why a profile name was being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameUse {
    Create,
    RenameTo,
    DiscoverCreate,
    /// An imported profile; `renamed` when the name came from `-n`.
    Import {
        renamed: bool,
    },
}

/// Which secret-bearing step failed after the profile was already written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWrite {
    Created,
    Edited,
    Imported,
    Deleted,
    Renamed,
}

/// Creating, editing, renaming and deleting profiles, and their secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("invalid profile name: {reason}")]
    BadName {
        name: String,
        reason: String,
        used_for: NameUse,
    },
    #[error("profile `{name}` already exists")]
    Exists {
        name: String,
        location: String,
        used_for: NameUse,
    },
    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("{field} is required")]
    MissingField { field: &'static str },
    #[error("unknown field `{field}`")]
    UnknownField { field: String },
    #[error("nothing to change")]
    NothingToChange,
    #[error("deleting profile `{name}` needs confirmation")]
    NeedsConfirmation { name: String },
    #[error("not deleted")]
    NotConfirmed,
    /// Secrets were to be stored (`import`: by `config import`) in a store that forgets them.
    #[error("the {backend} store keeps nothing between runs")]
    EphemeralStore {
        backend: &'static str,
        reason: String,
        import: bool,
    },
    #[error("a secret of profile `{profile}` could not be read: {cause}")]
    SecretRead { profile: String, cause: String },
    /// The profile was written, but a secret step failed.
    #[error("profile `{profile}`: a secret could not be stored or removed: {cause}")]
    SecretAfterWrite {
        profile: String,
        kind: SecretKind,
        step: AfterWrite,
        cause: String,
    },
    #[error("cannot read from the terminal: {0}")]
    Terminal(TerminalError),
    #[error("cannot list or remove cached tokens: {cause}")]
    Cache { cause: String },
}

impl EditError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::BadName { .. }
            | Self::Exists { .. }
            | Self::InvalidField { .. }
            | Self::MissingField { .. }
            | Self::UnknownField { .. }
            | Self::NothingToChange
            | Self::NeedsConfirmation { .. }
            | Self::NotConfirmed => ErrorKind::Usage,
            Self::EphemeralStore { .. } => ErrorKind::Config,
            Self::SecretRead { .. }
            | Self::SecretAfterWrite { .. }
            | Self::Terminal(_)
            | Self::Cache { .. } => ErrorKind::Io,
        }
    }
}
