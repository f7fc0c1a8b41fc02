//! Chooses where tokens and secrets live (`ENTRA_AUTH_STORE` or the config's `store`):
//! `keyring`, `file` or `memory`, and `auto` = keyring, else file (only with a key), else
//! memory. Never silently weaker: when `auto` settles for memory it says so in one line, once
//! per cache directory (the file store with a key the user set is their evident choice, so it
//! says nothing); `status` and `-v` give the raw cause; an explicit choice that cannot be
//! honoured is an error. Never plaintext.

use std::path::PathBuf;

use super::paths::Paths;
use crate::adapters::os::safe_fs::check_private_dir;
use crate::adapters::store::file_lock::FileLocks;
use crate::adapters::store::file_secret_store::{FileSecretStore, holds_sealed_secrets};
use crate::adapters::store::file_token_cache::FileTokenCache;
use crate::adapters::store::keyring_store::{FastTierReport, KeyringStore};
use crate::adapters::store::locked_file_secrets::LockedFileAwareSecrets;
use crate::adapters::store::memory_store::{MemorySecretStore, MemoryTokenCache};
use crate::adapters::store::sealed_file::KeyMaterial;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;
use crate::ports::lock::ProfileLocks;
use crate::ports::secret_store::SecretStore;
use crate::ports::store::{StoreInfo, StoreSelectionError, Stores};
use crate::ports::token_cache::TokenCache;

/// The backend the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChoice {
    Auto,
    Keyring,
    File,
    Memory,
}

impl StoreChoice {
    fn parse(text: &str, origin: &str) -> Result<Self, StoreSelectionError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "keyring" => Ok(Self::Keyring),
            "file" => Ok(Self::File),
            "memory" => Ok(Self::Memory),
            _ => Err(StoreSelectionError::UnknownBackend {
                origin: origin.to_owned(),
                value: text.to_owned(),
            }),
        }
    }
}

/// The chosen stores and the story of the choice.
pub struct Storage {
    pub tokens: Box<dyn TokenCache>,
    pub secrets: Box<dyn SecretStore>,
    /// Cross-process locks; `None` for the memory store, which shares nothing.
    pub locks: Option<Box<dyn ProfileLocks>>,
    pub info: StoreInfo,
}

impl Storage {
    /// The stores, borrowed as the use cases see them.
    #[must_use]
    pub fn as_stores(&self) -> Stores<'_> {
        Stores {
            tokens: self.tokens.as_ref(),
            secrets: self.secrets.as_ref(),
            locks: self.locks.as_deref(),
            info: &self.info,
        }
    }
}

/// `ENTRA_AUTH_CACHE_KEY`, parsed. Set but blank is an error, never "unset": a key that did
/// not expand would otherwise silently mean another store.
fn env_key(env: &dyn Env) -> Result<Option<KeyMaterial>, StoreSelectionError> {
    env.var(EnvVars::ENTRA_AUTH_CACHE_KEY)
        .map(|text| {
            if text.trim().is_empty() {
                return Err(StoreSelectionError::EmptyCacheKey);
            }
            KeyMaterial::parse(&text).map_err(|reason| StoreSelectionError::BadCacheKey { reason })
        })
        .transpose()
}

fn dir(
    dir: Option<&PathBuf>,
    what: &'static str,
    variable: &'static str,
) -> Result<PathBuf, StoreSelectionError> {
    dir.cloned()
        .ok_or(StoreSelectionError::NoDirectory { what, variable })
}

fn locks(paths: &Paths) -> Option<Box<dyn ProfileLocks>> {
    paths
        .cache_dir
        .as_ref()
        .map(|d| Box::new(FileLocks::new(d.join("locks"))) as Box<dyn ProfileLocks>)
}

fn info(backend: &'static str, requested: String, reason: String) -> StoreInfo {
    StoreInfo {
        backend,
        requested,
        reason,
        fallback_notice: None,
        locked_file_store: false,
        fast_tier: None,
    }
}

/// Where the file store keeps secrets.
fn secrets_dir(config_dir: &std::path::Path) -> PathBuf {
    config_dir.join("secrets")
}

/// The one line `auto` says when it settles for memory. Short: the raw cause (often a long
/// D-Bus error) is in `status` and in the `-v` log.
pub const MEMORY_FALLBACK_NOTICE: &str = "no OS keyring and no ENTRA_AUTH_CACHE_KEY: tokens are not kept between runs (see `entra-auth-cli status`)";

/// The marker, in the cache directory, that the memory fallback notice was shown there.
const NOTICE_MARKER: &str = "memory-fallback-noticed";

/// Whether the memory fallback notice is due in `cache_dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeDue {
    /// The first time there (a marker now says it was shown).
    First,
    /// Shown before.
    Shown,
    /// No marker can be written (a read-only HOME): shown every time, saying why.
    Always,
}

/// Whether the notice is due for `cache_dir` (it leaves a marker there the first time). A
/// marker that cannot be written means "show it": better said twice than never, with how to
/// make it stop.
#[must_use]
pub fn notice_due_in(cache_dir: &std::path::Path) -> NoticeDue {
    match crate::adapters::os::atomic_file::create_marker(cache_dir, NOTICE_MARKER) {
        Ok(true) => NoticeDue::First,
        Ok(false) => NoticeDue::Shown,
        Err(_) => NoticeDue::Always,
    }
}

/// The keyring store and its fast tier; `reason` says why the keyring, when it answered the
/// probe just now.
fn keyring_storage(
    (store, tier): (KeyringStore, FastTierReport),
    paths: &Paths,
    requested: String,
    reason: &str,
) -> Storage {
    let reason = if tier.remembered {
        format!(
            "{reason} (it answered within the last {} min, as the kernel keyring remembers)",
            crate::adapters::store::kernel_keyring::MAX_TTL.as_secs() / 60
        )
    } else {
        reason.to_owned()
    };
    let mut info = info("keyring", requested, reason);
    info.fast_tier = Some(tier.description);
    Storage {
        tokens: Box::new(store.clone()),
        secrets: Box::new(store),
        locks: locks(paths),
        info,
    }
}

fn file_storage(
    key: &KeyMaterial,
    paths: &Paths,
    requested: String,
    reason: String,
) -> Result<Storage, StoreSelectionError> {
    let cache_dir = dir(paths.cache_dir.as_ref(), "cache", "ENTRA_AUTH_CACHE_DIR")?;
    let config_dir = dir(paths.config_dir.as_ref(), "config", "ENTRA_AUTH_CONFIG_DIR")?;
    Ok(Storage {
        tokens: Box::new(FileTokenCache::new(cache_dir, key)),
        secrets: Box::new(FileSecretStore::new(secrets_dir(&config_dir), key)),
        locks: locks(paths),
        info: info("file", requested, reason),
    })
}

fn memory_storage(requested: String, reason: String) -> Storage {
    Storage {
        tokens: Box::new(MemoryTokenCache::default()),
        secrets: Box::new(MemorySecretStore::default()),
        locks: None,
        info: info("memory", requested, reason),
    }
}

/// Picks the stores. `config_store` is the config file's `store` setting.
///
/// # Errors
/// The setting is unknown, an explicit backend is unavailable, the file store has no (or a
/// malformed) key, or a directory is missing or could be changed by another user.
pub fn select_storage(
    env: &dyn Env,
    config_store: Option<&str>,
    paths: &Paths,
) -> Result<Storage, StoreSelectionError> {
    let storage = choose_storage(env, config_store, paths)?;
    check_directories(&storage, paths)?;
    Ok(storage)
}

/// The directories the chosen stores keep files in must be the user's own and writable by no
/// one else: the cache directory and its locks (keyring and file stores), the secrets under
/// the config directory (file store).
fn check_directories(storage: &Storage, paths: &Paths) -> Result<(), StoreSelectionError> {
    let mut dirs = Vec::new();
    if storage.locks.is_some()
        && let Some(cache) = &paths.cache_dir
    {
        dirs.push((cache.clone(), EnvVars::ENTRA_AUTH_CACHE_DIR));
        dirs.push((cache.join("locks"), EnvVars::ENTRA_AUTH_CACHE_DIR));
    }
    if storage.info.backend == "file"
        && let Some(config) = &paths.config_dir
    {
        dirs.push((config.clone(), EnvVars::ENTRA_AUTH_CONFIG_DIR));
        dirs.push((secrets_dir(config), EnvVars::ENTRA_AUTH_CONFIG_DIR));
    }
    for (dir, variable) in dirs {
        check_private_dir(&dir, variable)?;
    }
    Ok(())
}

fn choose_storage(
    env: &dyn Env,
    config_store: Option<&str>,
    paths: &Paths,
) -> Result<Storage, StoreSelectionError> {
    let (choice, requested) = match env.non_empty(EnvVars::ENTRA_AUTH_STORE) {
        Some(value) => (
            StoreChoice::parse(&value, EnvVars::ENTRA_AUTH_STORE)?,
            format!("{}={value}", EnvVars::ENTRA_AUTH_STORE),
        ),
        None => match config_store {
            Some(value) => (
                StoreChoice::parse(value, "the config's `store` setting")?,
                format!("store = \"{value}\" in config.toml"),
            ),
            None => (StoreChoice::Auto, "auto (the default)".to_owned()),
        },
    };
    let key = env_key(env)?;
    match choice {
        StoreChoice::Memory => Ok(memory_storage(
            requested,
            "asked for: nothing is persisted".to_owned(),
        )),
        StoreChoice::Keyring => match KeyringStore::probe_with_fast_tier() {
            Ok(store) => Ok(keyring_storage(
                store,
                paths,
                requested,
                "asked for, and the OS keyring answers",
            )),
            Err(cause) => Err(StoreSelectionError::KeyringUnavailable { requested, cause }),
        },
        StoreChoice::File => {
            if let Some(key) = key {
                return file_storage(
                    &key,
                    paths,
                    requested,
                    "asked for; key from ENTRA_AUTH_CACHE_KEY".to_owned(),
                );
            }
            match KeyringStore::probe().and_then(|store| store.file_store_key()) {
                Ok(key) => file_storage(
                    &key,
                    paths,
                    requested,
                    "asked for; key kept in the OS keyring".to_owned(),
                ),
                Err(cause) => Err(StoreSelectionError::FileStoreNeedsKey { cause }),
            }
        }
        StoreChoice::Auto => match KeyringStore::probe_with_fast_tier() {
            Ok(store) => Ok(keyring_storage(
                store,
                paths,
                requested,
                "the OS keyring answers",
            )),
            Err(cause) => {
                tracing::debug!("the OS keyring is unavailable: {cause}");
                if let Some(key) = key {
                    // The user set the key: using the file store is what they chose, so no
                    // notice (`status` still says why).
                    file_storage(
                        &key,
                        paths,
                        requested,
                        format!(
                            "the OS keyring is unavailable ({cause}); ENTRA_AUTH_CACHE_KEY is set"
                        ),
                    )
                } else {
                    let mut storage = memory_storage(
                        requested,
                        format!(
                            "the OS keyring is unavailable ({cause}) and ENTRA_AUTH_CACHE_KEY is not set"
                        ),
                    );
                    storage.info.fallback_notice = Some(MEMORY_FALLBACK_NOTICE.to_owned());
                    lock_aware(&mut storage, paths);
                    Ok(storage)
                }
            }
        },
    }
}

/// When the file store holds sealed secrets this memory fallback cannot open, reads of them
/// say "locked" instead of "missing".
fn lock_aware(storage: &mut Storage, paths: &Paths) {
    let Some(dir) = paths.config_dir.as_deref().map(secrets_dir) else {
        return;
    };
    if holds_sealed_secrets(&dir) {
        storage.secrets = Box::new(LockedFileAwareSecrets::new(dir));
        storage.info.locked_file_store = true;
    }
}

#[cfg(test)]
mod tests {
    // Only choices that never probe the OS keyring: unit tests must not touch a real keyring
    // (tests/it/storage.rs covers `auto` and `keyring` against a private Secret Service).
    use super::select_storage;
    use crate::app::composition::paths::Paths;
    use crate::ports::env::MapEnv;
    use crate::ports::store::StoreSelectionError;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn paths() -> Paths {
        Paths {
            config_dir: Some("/tmp/never-written/config".into()),
            cache_dir: Some("/tmp/never-written/cache".into()),
        }
    }

    #[test]
    fn explicit_memory_is_quiet_and_has_no_locks() {
        let env = MapEnv::from_pairs([("ENTRA_AUTH_STORE", "memory")]);
        let s = select_storage(&env, Some("file"), &paths()).unwrap();
        assert_eq!(s.info.backend, "memory");
        assert!(s.info.fallback_notice.is_none());
        assert!(s.locks.is_none());
        assert_eq!(
            s.info.requested, "ENTRA_AUTH_STORE=memory",
            "the environment wins over the config"
        );
    }

    #[test]
    fn explicit_file_with_a_key_uses_files_and_locks() {
        let env = MapEnv::from_pairs([("ENTRA_AUTH_CACHE_KEY", KEY)]);
        let s = select_storage(&env, Some("file"), &paths()).unwrap();
        assert_eq!(s.info.backend, "file");
        assert_eq!(s.tokens.backend_name(), "file");
        assert_eq!(s.secrets.backend_name(), "file");
        assert!(s.locks.is_some());
        assert!(s.info.reason.contains("ENTRA_AUTH_CACHE_KEY"));
    }

    #[test]
    fn a_bad_key_or_backend_is_an_error_not_a_fallback() {
        let env = MapEnv::from_pairs([
            ("ENTRA_AUTH_CACHE_KEY", "short"),
            ("ENTRA_AUTH_STORE", "memory"),
        ]);
        let e = select_storage(&env, None, &paths()).err().unwrap();
        assert!(
            matches!(e, StoreSelectionError::BadCacheKey { .. }),
            "{e:?}"
        );
        assert!(
            !format!("{e:?}").contains("short"),
            "the key value is never echoed"
        );
        for blank in ["", " "] {
            let env = MapEnv::from_pairs([("ENTRA_AUTH_CACHE_KEY", blank)]);
            let e = select_storage(&env, Some("memory"), &paths()).err();
            assert_eq!(e, Some(StoreSelectionError::EmptyCacheKey), "{blank:?}");
        }
        let env = MapEnv::from_pairs([("ENTRA_AUTH_STORE", "plaintext")]);
        let e = select_storage(&env, None, &paths()).err().unwrap();
        assert!(
            matches!(e, StoreSelectionError::UnknownBackend { value, .. } if value == "plaintext")
        );
    }
}
