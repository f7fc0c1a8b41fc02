//! Chooses the token cache backend (`ENTRA_AUTH_STORE` or the config's `store`), and says so when
//! `auto` has to settle for something weaker. Never silently degrades, never plaintext.

use super::env_vars::EnvVars;
use super::error::{AppError, ErrorKind};
use super::paths::Paths;
use crate::adapters::file_cache::{CacheKeyMaterial, FileTokenCache};
use crate::adapters::memory_cache::MemoryTokenCache;
use crate::ports::env::Env;
use crate::ports::token_cache::TokenCache;

/// The backend the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChoice {
    Auto,
    File,
    Memory,
}

impl StoreChoice {
    fn parse(text: &str, origin: &str) -> Result<Self, AppError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "file" => Ok(Self::File),
            "memory" => Ok(Self::Memory),
            _ => Err(AppError::new(
                ErrorKind::Config,
                format!("{origin} is `{text}`, which is not a storage backend"),
            )
            .hint("use one of: auto, file, memory")),
        }
    }
}

/// The chosen cache, and the one-line notice to show when `auto` fell back.
pub struct SelectedStore {
    pub cache: Box<dyn TokenCache>,
    pub fallback_notice: Option<String>,
}

const KEY_HINT: &str = "generate a key with `openssl rand -base64 32` and export it as ENTRA_AUTH_CACHE_KEY (keep it in your secret manager, not next to the cache)";

/// Picks the backend. `config_store` is the config file's `store` setting.
///
/// # Errors
/// A `Config` error when the setting is unknown, the file store has no (or a malformed) key, or
/// there is no cache directory.
pub fn select_token_cache(
    env: &dyn Env,
    config_store: Option<&str>,
    paths: &Paths,
) -> Result<SelectedStore, AppError> {
    let choice = match env.non_empty(EnvVars::ENTRA_AUTH_STORE) {
        Some(value) => StoreChoice::parse(&value, EnvVars::ENTRA_AUTH_STORE)?,
        None => match config_store {
            Some(value) => StoreChoice::parse(value, "the config's `store` setting")?,
            None => StoreChoice::Auto,
        },
    };
    let key = env
        .non_empty(EnvVars::ENTRA_AUTH_CACHE_KEY)
        .map(|text| {
            CacheKeyMaterial::parse(&text).map_err(|reason| {
                AppError::new(
                    ErrorKind::Config,
                    "ENTRA_AUTH_CACHE_KEY is not a valid cache key",
                )
                .cause(reason)
                .hint(KEY_HINT)
            })
        })
        .transpose()?;
    let memory = || SelectedStore {
        cache: Box::new(MemoryTokenCache::default()),
        fallback_notice: None,
    };
    match (choice, key) {
        (StoreChoice::Memory, _) => Ok(memory()),
        (StoreChoice::File | StoreChoice::Auto, Some(key)) => {
            let dir = paths.cache_dir.clone().ok_or_else(|| {
                AppError::new(ErrorKind::Config, "no cache directory for the file store")
                    .hint("set ENTRA_AUTH_CACHE_DIR (or HOME / XDG_CACHE_HOME)")
            })?;
            Ok(SelectedStore {
                cache: Box::new(FileTokenCache::new(dir, &key)),
                fallback_notice: None,
            })
        }
        (StoreChoice::File, None) => Err(AppError::new(
            ErrorKind::Config,
            "the file store needs a key, and ENTRA_AUTH_CACHE_KEY is not set",
        )
        .hint(KEY_HINT)),
        (StoreChoice::Auto, None) => Ok(SelectedStore {
            fallback_notice: Some(
                "tokens are cached in memory only (ENTRA_AUTH_CACHE_KEY is not set, so the encrypted file store is off); set it to reuse tokens across runs, or ENTRA_AUTH_STORE=memory to silence this".to_owned(),
            ),
            ..memory()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::select_token_cache;
    use crate::adapters::process_env::MapEnv;
    use crate::app::error::ErrorKind;
    use crate::app::paths::Paths;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn paths() -> Paths {
        Paths {
            config_dir: None,
            cache_dir: Some("/tmp/never-written".into()),
        }
    }

    #[test]
    fn auto_uses_file_with_a_key_and_says_so_without_one() {
        let s = select_token_cache(
            &MapEnv::from_pairs([("ENTRA_AUTH_CACHE_KEY", KEY)]),
            None,
            &paths(),
        )
        .unwrap();
        assert_eq!(s.cache.backend_name(), "file");
        assert!(s.fallback_notice.is_none());
        let s = select_token_cache(&MapEnv::default(), None, &paths()).unwrap();
        assert_eq!(s.cache.backend_name(), "memory");
        assert!(s.fallback_notice.unwrap().contains("ENTRA_AUTH_CACHE_KEY"));
    }

    #[test]
    fn explicit_memory_is_quiet_and_explicit_file_needs_a_key() {
        let s = select_token_cache(
            &MapEnv::from_pairs([("ENTRA_AUTH_STORE", "memory")]),
            None,
            &paths(),
        )
        .unwrap();
        assert!(s.fallback_notice.is_none());
        let e = select_token_cache(&MapEnv::default(), Some("file"), &paths())
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Config);
    }

    #[test]
    fn a_bad_key_or_backend_is_an_error_not_a_fallback() {
        let e = select_token_cache(
            &MapEnv::from_pairs([("ENTRA_AUTH_CACHE_KEY", "short")]),
            None,
            &paths(),
        )
        .err()
        .unwrap();
        assert!(
            !e.render().contains("short"),
            "the key value is never echoed"
        );
        let e = select_token_cache(
            &MapEnv::from_pairs([("ENTRA_AUTH_STORE", "plaintext")]),
            None,
            &paths(),
        )
        .err()
        .unwrap();
        assert!(e.hints[0].contains("auto, file, memory"));
    }
}
