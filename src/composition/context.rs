//! What every command starts from: the directories and the parsed `config.toml`.

use std::path::PathBuf;

use super::paths::Paths;
use super::storage::{Storage, select_storage};
use crate::adapters::config_file::{ConfigFile, ConfigFileError};
use crate::domain::profile::{Profile, ProfileSettings};
use crate::ports::env::Env;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::resolve_profile;

/// Directories, config file path and its content (when it exists).
pub struct Context {
    pub paths: Paths,
    pub config_path: Option<PathBuf>,
    pub config: Option<ConfigFile>,
}

impl Context {
    /// Resolves the directories and reads `config.toml`.
    ///
    /// # Errors
    /// A `Config` error naming the file (and line) when it exists but cannot be used.
    pub fn load(env: &dyn Env) -> Result<Self, AppError> {
        let paths = Paths::resolve(env);
        let config_path = paths.config_file();
        let config = match &config_path {
            Some(path) => ConfigFile::load(path).map_err(config_error)?,
            None => None,
        };
        Ok(Self {
            paths,
            config_path,
            config,
        })
    }

    /// Resolves profile `name` from this context's config, the environment and `flags`.
    ///
    /// # Errors
    /// See [`resolve_profile`].
    pub fn resolve_profile(
        &self,
        env: &dyn Env,
        name: &str,
        flags: &ProfileSettings,
    ) -> Result<Profile, AppError> {
        resolve_profile(
            self.config.as_ref(),
            self.config_path.as_deref(),
            env,
            name,
            flags,
        )
    }

    /// The stores chosen by the environment and the config's `store` setting.
    ///
    /// # Errors
    /// See [`select_storage`].
    pub fn storage(&self, env: &dyn Env) -> Result<Storage, AppError> {
        select_storage(
            env,
            self.config.as_ref().and_then(|c| c.store.as_deref()),
            &self.paths,
        )
    }
}

/// The error for a config file that exists but cannot be used; it is never modified.
#[must_use]
pub fn config_error(error: ConfigFileError) -> AppError {
    let message = error.to_string();
    match error {
        ConfigFileError::Unreadable { reason, .. } => AppError::new(ErrorKind::Config, message)
            .cause(reason)
            .hint("fix the file's permissions; it was not modified"),
        ConfigFileError::Syntax { details, .. } | ConfigFileError::Invalid { details, .. } => {
            details
                .into_iter()
                .fold(AppError::new(ErrorKind::Config, message), AppError::cause)
                .hint("fix the file and retry; it was not modified")
        }
    }
}
