//! docker's client configuration file (`config.json`), which `docker-credential configure`
//! edits.

/// A failure to read or replace the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerConfigFileError {
    /// Neither `DOCKER_CONFIG` nor `HOME` says where it is.
    #[error("neither DOCKER_CONFIG nor HOME is set")]
    NoLocation,
    #[error("cannot read {location}: {cause}")]
    Read { location: String, cause: String },
    #[error("cannot write {location}: {cause}")]
    Write { location: String, cause: String },
}

/// The file. Error contract: a missing file reads as `Ok(None)`; `replace` is atomic (the old
/// content or the new one, never a mix) and creates the directory when missing.
#[cfg_attr(test, mockall::automock)]
pub trait DockerConfigFile: Send + Sync {
    /// Where it is, for messages.
    ///
    /// # Errors
    /// `NoLocation`.
    fn location(&self) -> Result<String, DockerConfigFileError>;
    /// Its bytes, at most `limit` + 1 of them (more means "too large").
    ///
    /// # Errors
    /// `NoLocation`, `Read`.
    fn read(&self, limit: usize) -> Result<Option<Vec<u8>>, DockerConfigFileError>;
    /// Replaces it atomically.
    ///
    /// # Errors
    /// `NoLocation`, `Write`; the old file is then untouched.
    fn replace(&self, bytes: &[u8]) -> Result<(), DockerConfigFileError>;
}
