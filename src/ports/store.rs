//! The token cache, secret store and locks chosen for this run, with the story of the choice.

use super::lock::ProfileLocks;
use super::secret_store::SecretStore;
use super::token_cache::TokenCache;

/// Why the stores were chosen (for notices and `status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// `keyring`, `file` or `memory`.
    pub backend: &'static str,
    /// Where the choice came from: `ENTRA_AUTH_STORE=file`, `store = "file" in config.toml`, `auto`.
    pub requested: String,
    /// Why this backend, in a sentence.
    pub reason: String,
    /// Set when `auto` settled for something weaker than the OS keyring without the user
    /// having chosen it (the memory store): one short line, shown at most once per cache
    /// directory ([`StoreProvider::take_fallback_notice`]). The raw cause is in `reason`.
    pub fallback_notice: Option<String>,
    /// `auto` fell back to memory while the encrypted file store holds sealed secrets that this
    /// run cannot open (no `ENTRA_AUTH_CACHE_KEY`); such a secret reads as
    /// `SecretStoreError::Locked`, not as missing.
    pub locked_file_store: bool,
    /// The `keyring` store's fast tier: what it is and who can read it, or why there is none
    /// (`None` for the other stores).
    pub fast_tier: Option<String>,
}

/// The stores of this run.
#[derive(Clone, Copy)]
pub struct Stores<'a> {
    pub tokens: &'a dyn TokenCache,
    pub secrets: &'a dyn SecretStore,
    /// Cross-process locks; `None` for the memory store, which shares nothing.
    pub locks: Option<&'a dyn ProfileLocks>,
    pub info: &'a StoreInfo,
}

impl Stores<'_> {
    /// True when nothing outlives this process (the memory store).
    #[must_use]
    pub fn is_ephemeral(&self) -> bool {
        self.info.backend == "memory"
    }
}

/// Why no store could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreSelectionError {
    /// `ENTRA_AUTH_STORE` or the config's `store` names no backend.
    #[error("{origin} is `{value}`, which is not a storage backend")]
    UnknownBackend { origin: String, value: String },
    /// `ENTRA_AUTH_CACHE_KEY` is set but blank (never taken as unset).
    #[error("ENTRA_AUTH_CACHE_KEY is set but empty")]
    EmptyCacheKey,
    /// `ENTRA_AUTH_CACHE_KEY` does not parse.
    #[error("ENTRA_AUTH_CACHE_KEY is not a valid cache key")]
    BadCacheKey { reason: String },
    /// The keyring was asked for and does not answer.
    #[error("{requested}, but the OS keyring is unavailable")]
    KeyringUnavailable { requested: String, cause: String },
    /// The file store has no key: no `ENTRA_AUTH_CACHE_KEY` and no keyring to keep one.
    #[error(
        "the file store needs a key: ENTRA_AUTH_CACHE_KEY is not set and the OS keyring cannot keep one"
    )]
    FileStoreNeedsKey { cause: String },
    /// No directory for the file store.
    #[error("no {what} directory for the file store")]
    NoDirectory {
        what: &'static str,
        variable: &'static str,
    },
    /// The cache, lock or secrets directory could be changed by someone else.
    #[error(transparent)]
    UnsafeDirectory(#[from] UnsafeDirectory),
}

/// A directory the tool refuses to keep tokens, secrets, locks or its configuration in,
/// because another user could change what is in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to use {path}: it {problem}")]
pub struct UnsafeDirectory {
    pub path: String,
    pub problem: DirectoryProblem,
    /// The variable that chooses another directory (`ENTRA_AUTH_CACHE_DIR`, ...).
    pub variable: &'static str,
}

/// What is wrong with an [`UnsafeDirectory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryProblem {
    #[error("belongs to another user (uid {uid})")]
    OwnedByAnother { uid: u32 },
    #[error("is writable by other users (mode {mode:03o})")]
    WritableByOthers { mode: u32 },
    #[error("is not a directory")]
    NotADirectory,
}

/// Chooses the stores once per process, on first use (a command that needs none never probes
/// the keyring). Error contract: the same error on every call when no store can be used.
pub trait StoreProvider: Send + Sync {
    fn stores(&self) -> Result<Stores<'_>, StoreSelectionError>;

    /// The fallback notice of the chosen stores when it is to be shown now, and records that it
    /// was: at most once per cache directory, never while notices are hidden (`-q`). `None`
    /// before [`StoreProvider::stores`] chose the stores.
    fn take_fallback_notice(&self) -> Option<String>;
}
