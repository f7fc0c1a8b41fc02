//! Where profiles are kept (`config.toml`): reading them, and editing them in place so that
//! comments and unrelated content survive and a save is atomic.

use crate::domain::profile::{FieldTextError, ProfileSettings};
use crate::ports::env::Env;

/// One `[profiles.NAME]` table, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProfile {
    /// The name as written in the file (names match case-insensitively).
    pub name: String,
    pub settings: ProfileSettings,
}

/// Where one field of a resolved profile was set: the layers, lowest first, are the file, the
/// `AZURE_*` variables, the `ENTRA_AUTH_*` variables and the flags (README "Layering").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSource {
    /// `[profiles.NAME]` in the file at this path.
    File(String),
    /// The environment variable of this name (`AZURE_TENANT_ID`, `ENTRA_AUTH_PORT`, ...).
    Env(String),
    /// A command-line flag (or a front-end's override).
    Flag,
}

impl std::fmt::Display for FieldSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "the file {path}"),
            Self::Env(var) => write!(f, "{var}"),
            Self::Flag => f.write_str("a flag"),
        }
    }
}

impl FieldSource {
    /// The short label `config show` and `status` print: `config file`, the variable's name, or
    /// `flag`.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::File(_) => "config file".to_owned(),
            Self::Env(var) => var.clone(),
            Self::Flag => "flag".to_owned(),
        }
    }
}

/// A profile's settings with every layer merged, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayeredSettings {
    /// The table's name as written; `None` when the file has no table of that name (the
    /// environment alone may then make the `default` profile).
    pub table: Option<String>,
    pub settings: ProfileSettings,
    /// The layer that set each set field, in declaration order.
    pub sources: Vec<(&'static str, FieldSource)>,
    /// `AZURE_*` variables that were NOT applied: a named profile's file sets that field, and
    /// the Azure SDK variables describe "the" credential of the environment, not that profile.
    pub ignored: Vec<IgnoredVariable>,
}

/// An `AZURE_*` variable left out of a named profile whose file sets the same field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredVariable {
    /// `AZURE_CLIENT_ID`, ...
    pub var: String,
    /// The profile field it would have set.
    pub field: &'static str,
}

/// Why the layers could not be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerError {
    #[error(transparent)]
    Repo(#[from] ProfileRepoError),
    /// An environment variable holds text that is not a value of its field's kind.
    #[error("{var} {error}")]
    EnvVar { var: String, error: FieldTextError },
}

/// Why profiles could not be read or written. The file is never modified by a failed read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileRepoError {
    /// There is no place for the file (no config directory).
    #[error("no config directory")]
    NoLocation,
    /// The config directory could be changed by another user: the file is not read.
    #[error(transparent)]
    UnsafeDirectory(#[from] crate::ports::store::UnsafeDirectory),
    #[error("cannot read config file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    /// Bytes that are not UTF-8, first on `line`.
    #[error("config file {path} is not UTF-8 text (line {line})")]
    NotText { path: String, line: usize },
    #[error("config file {path} is not valid TOML")]
    Syntax { path: String, details: Vec<String> },
    #[error("config file {path} has an invalid value")]
    Invalid { path: String, details: Vec<String> },
    /// One profile's table has a value of the wrong type or an unknown key.
    #[error("profile `{name}` has an invalid setting")]
    InvalidProfile {
        name: String,
        path: String,
        details: Vec<String>,
        /// An unknown key names a secret (`client_secret`, `password`, ...): secrets never go
        /// in `config.toml`.
        secret_key: bool,
    },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    /// Another process is editing the file (its edit lock `lock` was held for `waited`).
    #[error("config file {path} is being changed by another entra-auth-cli process")]
    Busy {
        path: String,
        lock: String,
        waited: std::time::Duration,
    },
}

/// An open, editable copy of the profiles; nothing changes on disk until [`ProfileDocument::save`].
/// While it is open, no other process can open the same file for editing (a read-modify-write
/// never loses another's update); dropping it lets the next one in.
pub trait ProfileDocument {
    /// The name of profile `name` as written, if it exists.
    fn find(&self, name: &str) -> Option<String>;
    /// Writes the set fields of `settings` into `[profiles.NAME]` (creating it); fields not set
    /// are left as they are.
    fn put(&mut self, name: &str, settings: &ProfileSettings);
    /// Removes one field of a profile.
    fn unset(&mut self, name: &str, field: &str) -> bool;
    fn remove(&mut self, name: &str) -> bool;
    fn rename(&mut self, from: &str, to: &str) -> bool;
    /// Saves atomically (private file and directory).
    ///
    /// # Errors
    /// `Write`; the previous file is then untouched.
    fn save(&self) -> Result<(), ProfileRepoError>;
}

/// The profile store. Error contract: a missing file is no profiles, not an error; a file that
/// cannot be read or parsed is an error and is left alone.
pub trait ProfileRepository: Send + Sync {
    /// The file, for messages (`None`: no config directory).
    fn location(&self) -> Option<String>;
    /// True when the file exists.
    fn exists(&self) -> bool;
    /// Every profile name, as written.
    ///
    /// # Errors
    /// The file cannot be read or parsed.
    fn names(&self) -> Result<Vec<String>, ProfileRepoError>;
    /// Profile `name` (case-insensitive), typed.
    ///
    /// # Errors
    /// The file cannot be read, or the profile's table is invalid.
    fn get(&self, name: &str) -> Result<Option<StoredProfile>, ProfileRepoError>;
    /// Profile `name` as it runs: its table (if any), then the `AZURE_*` and `ENTRA_AUTH_*`
    /// variables of `env`, then `flags`, each layer overriding the fields it sets.
    ///
    /// # Errors
    /// An environment variable that does not type (checked first, `AZURE_*` before
    /// `ENTRA_AUTH_*`), then what `get` reports.
    fn layered(
        &self,
        name: &str,
        env: &dyn Env,
        flags: &ProfileSettings,
    ) -> Result<LayeredSettings, LayerError>;
    /// [`ProfileRepository::layered`] for a table that is not in the file yet (`table`: the
    /// profile as it is being written), with no flags.
    ///
    /// # Errors
    /// An environment variable that does not type; the merged fields do not type.
    fn layered_table(
        &self,
        name: &str,
        env: &dyn Env,
        table: &ProfileSettings,
    ) -> Result<LayeredSettings, LayerError>;
    /// Forgets what was read, so the next call reads the file again (`serve` on SIGHUP).
    fn reload(&self) {}
    /// Puts back what was read before the last [`ProfileRepository::reload`] (`serve`, when the
    /// profile read again cannot be used and the one in use is kept).
    fn revert(&self) {}
    /// Opens the file for editing (a missing file is an empty document), waiting (bounded) for
    /// another process's document on the same file to be dropped.
    ///
    /// # Errors
    /// No location, the file cannot be read or parsed, or `Busy`.
    fn open(&self) -> Result<Box<dyn ProfileDocument>, ProfileRepoError>;
}
