//! Profile failures: the file, lookup and validation.

use super::ErrorKind;
use crate::domain::profile::{FieldTextError, ProfileError};
use crate::ports::profile_repository::ProfileRepoError;

/// Profiles: the file, lookup and validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileFailure {
    #[error(transparent)]
    Repo(ProfileRepoError),
    /// No such profile in the file, and the environment does not define it.
    #[error("profile `{name}` not found")]
    NotFound {
        name: String,
        /// The profiles that do exist, as written.
        known: Vec<String>,
        /// The config file (`None`: no config directory).
        location: Option<String>,
        file_exists: bool,
    },
    /// The profile exists only in the environment, so the file has nothing to change.
    #[error("profile `{name}` is not in {location}")]
    NotInFile {
        name: String,
        location: String,
        command: FileCommand,
    },
    /// A field is missing or invalid after merging file, environment and flags.
    #[error("{error}")]
    Invalid {
        error: ProfileError,
        location: Option<String>,
    },
    /// A profile variable from the environment has a value of the wrong type.
    #[error("{var} {error}")]
    EnvVar { var: String, error: FieldTextError },
}

/// The commands that need a profile in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCommand {
    Edit,
    Delete,
    Rename,
    Export,
}

impl ProfileFailure {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } | Self::NotInFile { .. } => ErrorKind::ProfileNotFound,
            Self::Repo(ProfileRepoError::Write { .. } | ProfileRepoError::Busy { .. }) => {
                ErrorKind::Io
            }
            Self::Repo(_) | Self::Invalid { .. } | Self::EnvVar { .. } => ErrorKind::Config,
        }
    }
}
