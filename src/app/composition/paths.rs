//! Where the config file and the cache live (SPEC.md "Profiles and configuration").

use std::path::PathBuf;

use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;

const APP_DIR: &str = "entra-auth-cli";

/// The directories the CLI uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
}

impl Paths {
    /// Resolves both directories from the environment:
    /// `$ENTRA_AUTH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/entra-auth-cli`, else the platform
    /// directory; likewise `$ENTRA_AUTH_CACHE_DIR` / `$XDG_CACHE_HOME`.
    #[must_use]
    pub fn resolve(env: &dyn Env) -> Self {
        let config_dir = env
            .non_empty(EnvVars::ENTRA_AUTH_CONFIG_DIR)
            .map(PathBuf::from)
            .or_else(|| {
                env.non_empty(EnvVars::XDG_CONFIG_HOME)
                    .map(|d| PathBuf::from(d).join(APP_DIR))
            })
            .or_else(|| platform_config_dir(env).map(|d| d.join(APP_DIR)));
        let cache_dir = env
            .non_empty(EnvVars::ENTRA_AUTH_CACHE_DIR)
            .map(PathBuf::from)
            .or_else(|| {
                env.non_empty(EnvVars::XDG_CACHE_HOME)
                    .map(|d| PathBuf::from(d).join(APP_DIR))
            })
            .or_else(|| platform_cache_dir(env).map(|d| d.join(APP_DIR)));
        Self {
            config_dir,
            cache_dir,
        }
    }

    /// `config.toml` inside the config directory.
    #[must_use]
    pub fn config_file(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("config.toml"))
    }
}

fn platform_config_dir(env: &dyn Env) -> Option<PathBuf> {
    if cfg!(windows) {
        env.non_empty("APPDATA").map(PathBuf::from)
    } else {
        env.non_empty("HOME")
            .map(|h| PathBuf::from(h).join(".config"))
    }
}

fn platform_cache_dir(env: &dyn Env) -> Option<PathBuf> {
    if cfg!(windows) {
        env.non_empty("LOCALAPPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        env.non_empty("HOME")
            .map(|h| PathBuf::from(h).join("Library").join("Caches"))
    } else {
        env.non_empty("HOME")
            .map(|h| PathBuf::from(h).join(".cache"))
    }
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::Paths;
    use crate::ports::env::MapEnv;
    use std::path::PathBuf;

    #[test]
    fn explicit_then_xdg_then_home() {
        let p = Paths::resolve(&MapEnv::from_pairs([
            ("ENTRA_AUTH_CONFIG_DIR", "/c"),
            ("XDG_CONFIG_HOME", "/x"),
            ("XDG_CACHE_HOME", "/xc"),
            ("HOME", "/h"),
        ]));
        assert_eq!(p.config_file(), Some(PathBuf::from("/c/config.toml")));
        assert_eq!(p.cache_dir, Some(PathBuf::from("/xc/entra-auth-cli")));
        let p = Paths::resolve(&MapEnv::from_pairs([("HOME", "/h")]));
        assert_eq!(
            p.config_dir,
            Some(PathBuf::from("/h/.config/entra-auth-cli"))
        );
        assert_eq!(p.cache_dir, Some(PathBuf::from("/h/.cache/entra-auth-cli")));
        assert_eq!(Paths::resolve(&MapEnv::default()).config_dir, None);
    }
}
