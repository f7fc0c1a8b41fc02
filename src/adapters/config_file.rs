//! Reads `config.toml` (SPEC.md "Profiles and configuration") through figment. Reading never
//! writes: an unreadable or invalid file is reported with its path and line and left untouched.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Value};
use serde::Deserialize;

/// The parsed configuration file.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// `store = "..."`, the storage backend setting.
    pub store: Option<String>,
    /// `[profiles.NAME]` tables, in file order of names (sorted), still untyped: they are typed
    /// after merging with the environment and flags.
    pub profiles: Vec<(String, Dict)>,
}

#[derive(Deserialize)]
struct Document {
    store: Option<String>,
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Value>,
}

/// Why the configuration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read config file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("config file {path} is not valid TOML")]
    Syntax { path: String, details: Vec<String> },
    #[error("config file {path} has an invalid value")]
    Invalid { path: String, details: Vec<String> },
    /// Another process kept the file's edit lock for `waited`.
    #[error("config file {path} is being changed by another process")]
    Busy {
        path: String,
        lock: String,
        waited: std::time::Duration,
    },
    /// The edit lock file cannot be created or locked.
    #[error("cannot lock {lock}: {reason}")]
    Lock { lock: String, reason: String },
}

impl ConfigFile {
    /// Loads `path`; `Ok(None)` when it does not exist.
    ///
    /// # Errors
    /// When it exists but cannot be read, parsed or typed.
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ConfigFileError::Unreadable {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        Self::parse(path, &text).map(Some)
    }

    /// Parses the text of a config file that lives at `path` (used in messages).
    ///
    /// # Errors
    /// Syntax errors carry the line and column; type errors the key.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigFileError> {
        let shown = path.display().to_string();
        // Syntax first, with the toml parser's own line/column report.
        if let Err(e) = text.parse::<toml::Table>() {
            return Err(ConfigFileError::Syntax {
                path: shown,
                details: syntax_details(&e),
            });
        }
        let document: Document =
            Figment::from(Toml::string(text))
                .extract()
                .map_err(|e| ConfigFileError::Invalid {
                    path: shown.clone(),
                    details: e.into_iter().map(|e| e.to_string()).collect(),
                })?;
        let mut profiles = Vec::with_capacity(document.profiles.len());
        for (name, value) in document.profiles {
            match value {
                Value::Dict(_, dict) => profiles.push((name, dict)),
                _ => {
                    return Err(ConfigFileError::Invalid {
                        path: shown,
                        details: vec![format!(
                            "`profiles.{name}` must be a table: write it as [profiles.{name}]"
                        )],
                    });
                }
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            store: document.store,
            profiles,
        })
    }

    /// The profile named `name`, compared case-insensitively; returns the name as written.
    #[must_use]
    pub fn profile(&self, name: &str) -> Option<(&str, &Dict)> {
        self.profiles
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, d)| (n.as_str(), d))
    }

    /// Every profile name, as written.
    #[must_use]
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// `TOML parse error at line 3, column 7` plus the parser's explanation, one item per line.
fn syntax_details(error: &toml::de::Error) -> Vec<String> {
    error
        .to_string()
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('|'))
        .filter(|l| {
            !l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{ConfigFile, ConfigFileError};
    use std::path::Path;

    #[test]
    fn profiles_and_store() {
        let c = ConfigFile::parse(
            Path::new("c.toml"),
            "store = \"file\"\n[profiles.Prod]\ntenant_id = \"t\"\nscopes = [\"a\"]\n",
        )
        .unwrap();
        assert_eq!(c.store.as_deref(), Some("file"));
        assert_eq!(c.profile("prod").unwrap().0, "Prod");
        assert!(c.profile("dev").is_none());
        assert_eq!(c.profile_names(), ["Prod"]);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err =
            ConfigFile::parse(Path::new("c.toml"), "[profiles.a]\ntenant_id = \n").unwrap_err();
        match err {
            ConfigFileError::Syntax { path, details } => {
                assert_eq!(path, "c.toml");
                assert!(details.join(" ").contains("line 2"), "{details:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_profile_that_is_not_a_table_is_invalid() {
        assert!(matches!(
            ConfigFile::parse(Path::new("c.toml"), "profiles = { a = 1 }\n"),
            Err(ConfigFileError::Invalid { .. })
        ));
    }
}
