//! Reads `config.toml` (SPEC.md "Profiles and configuration") through figment. Reading never
//! writes: an unreadable or invalid file is reported with its path and line and left untouched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Value};
use serde::Deserialize;
use toml::Spanned;

use crate::adapters::os::safe_fs::{MAX_STATE_FILE, ReadError, check_private_dir, read_regular};
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{FieldKind, ProfileSettings, field, field_names};
use crate::ports::store::UnsafeDirectory;

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
    /// The config directory could be changed by another user: nothing in it is read.
    #[error(transparent)]
    UnsafeDirectory(#[from] UnsafeDirectory),
}

/// The text of the config file at `path`, `None` when it does not exist. Read only from a
/// directory that is the user's own and writable by no one else, never through a link at
/// `path`, never blocking, at most [`MAX_STATE_FILE`] bytes.
///
/// # Errors
/// An unsafe directory; a file that cannot be read or is not UTF-8.
pub fn read_config_text(path: &Path) -> Result<Option<String>, ConfigFileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        check_private_dir(dir, EnvVars::ENTRA_AUTH_CONFIG_DIR)?;
    }
    let unreadable = |reason: String| ConfigFileError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    match read_regular(path, MAX_STATE_FILE) {
        Ok(None) => Ok(None),
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| unreadable("it is not UTF-8 text".to_owned())),
        Err(ReadError::Refused(reason)) => Err(unreadable(reason)),
        Err(ReadError::Io(e)) => Err(unreadable(e.to_string())),
    }
}

impl ConfigFile {
    /// Loads `path`; `Ok(None)` when it does not exist.
    ///
    /// # Errors
    /// When it exists but cannot be read, parsed or typed.
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigFileError> {
        match read_config_text(path)? {
            Some(text) => Self::parse(path, &text).map(Some),
            None => Ok(None),
        }
    }

    /// Parses the text of a config file that lives at `path` (used in messages).
    ///
    /// # Errors
    /// Syntax errors carry the line and column; type errors the key.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigFileError> {
        let shown = path.display().to_string();
        // Syntax first, with the toml parser's own line/column report; the top-level keys keep
        // their position for the next check.
        let top = match toml::from_str::<BTreeMap<Spanned<String>, toml::Value>>(text) {
            Ok(top) => top,
            Err(e) => {
                return Err(ConfigFileError::Syntax {
                    path: shown,
                    details: syntax_details(&e),
                });
            }
        };
        let details = top_level_details(text, &top);
        if !details.is_empty() {
            return Err(ConfigFileError::Invalid {
                path: shown,
                details,
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

/// What is wrong with the top-level keys, one item per problem, each with its line: only
/// `store` (a string) and `[profiles.NAME]` tables exist, and a misspelt table such as
/// `[profile.work]` or `[work]` must not be silently ignored.
fn top_level_details(text: &str, top: &BTreeMap<Spanned<String>, toml::Value>) -> Vec<String> {
    let mut details = Vec::new();
    for (key, value) in top {
        let line = line_of(text, key.span().start);
        let name = key.get_ref().as_str();
        match name {
            "profiles" => {}
            "store" if value.is_str() => {}
            "store" => details.push(format!(
                "line {line}: store: expected a string (auto, keyring, file or memory), found {}",
                describe_toml(value)
            )),
            _ if name.eq_ignore_ascii_case("profile") || name.eq_ignore_ascii_case("profiles") => {
                match value.as_table().filter(|t| !t.is_empty()) {
                    Some(tables) => details.extend(tables.keys().map(|profile| {
                        format!(
                            "line {line}: [{name}.{profile}] is not a profile: profiles are written [profiles.{profile}]"
                        )
                    })),
                    None => details.push(format!(
                        "line {line}: unknown setting `{name}`: profiles are written [profiles.NAME]"
                    )),
                }
            }
            _ if value
                .as_table()
                .is_some_and(|t| t.keys().any(|k| field(k).is_some())) =>
            {
                details.push(format!(
                    "line {line}: [{name}] is not a setting: a profile is written [profiles.{name}]"
                ));
            }
            _ => details.push(format!(
                "line {line}: unknown setting `{name}`: config.toml holds `store` and [profiles.NAME] tables"
            )),
        }
    }
    details
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at)
        .map_or(0, |before| before.matches('\n').count())
        .saturating_add(1)
}

fn describe_toml(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("the string {s:?}"),
        toml::Value::Integer(n) => format!("the integer {n}"),
        toml::Value::Float(n) => format!("the number {n}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "an array".to_owned(),
        toml::Value::Table(_) => "a table".to_owned(),
    }
}

/// Types the `[profiles.NAME]` table `dict`. Every problem is one item naming the key as
/// `profiles.NAME.FIELD`, what the field takes and what was found.
///
/// # Errors
/// Unknown fields and values of the wrong type.
pub fn profile_settings(name: &str, dict: &Dict) -> Result<ProfileSettings, Vec<String>> {
    let whole = Value::from(dict.clone()).deserialize::<ProfileSettings>();
    let errors = match whole {
        Ok(settings) => return Ok(settings),
        Err(errors) => errors,
    };
    let mut details = Vec::new();
    for (key, value) in dict {
        let Some(spec) = field(key) else {
            details.push(format!(
                "profiles.{name}.{key}: unknown field (the fields are {})",
                field_names().collect::<Vec<_>>().join(", ")
            ));
            continue;
        };
        let mut one = Dict::new();
        one.insert(key.clone(), value.clone());
        if Value::from(one).deserialize::<ProfileSettings>().is_err() {
            details.push(format!(
                "profiles.{name}.{key}: expected {}, found {}",
                expected(spec.kind),
                describe(value)
            ));
        }
    }
    if details.is_empty() {
        // Not a single field's fault: keep what the deserializer said.
        details = errors.into_iter().map(|e| e.to_string()).collect();
    }
    Err(details)
}

/// True for an unknown key that names a secret (`client_secret`, `clientsecret`, `password`).
#[must_use]
pub fn looks_like_a_secret(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    field(key).is_none() && (lower.contains("secret") || lower.contains("password"))
}

fn expected(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "a string",
        FieldKind::Bool => "true or false",
        FieldKind::Port => "a port number from 1 to 65535",
        FieldKind::Scopes => "a list of strings (or one space-separated string)",
    }
}

/// A figment value as a message shows it: `an integer 5`, `the string "x"`, `a table`.
fn describe(value: &Value) -> String {
    match value {
        Value::String(_, s) => format!("the string {s:?}"),
        Value::Char(_, c) => format!("the character {c:?}"),
        Value::Bool(_, b) => format!("the boolean {b}"),
        Value::Num(..) => match (value.to_i128(), value.to_u128(), value.to_f64()) {
            (Some(n), _, _) => format!("the integer {n}"),
            (None, Some(n), _) => format!("the integer {n}"),
            (None, None, Some(n)) => format!("the number {n}"),
            (None, None, None) => "a number".to_owned(),
        },
        Value::Empty(..) => "nothing".to_owned(),
        Value::Dict(..) => "a table".to_owned(),
        Value::Array(_, items) => {
            match items.iter().find(|item| !matches!(item, Value::String(..))) {
                Some(item) => format!("an array holding {}", describe(item)),
                None => "an array".to_owned(),
            }
        }
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

    fn invalid(text: &str) -> Vec<String> {
        match ConfigFile::parse(Path::new("c.toml"), text) {
            Err(ConfigFileError::Invalid { details, .. }) => details,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_singular_profile_table_suggests_the_plural() {
        let details = invalid("store = \"file\"\n\n[profile.work]\ntenant_id = \"t\"\n");
        assert_eq!(
            details,
            ["line 3: [profile.work] is not a profile: profiles are written [profiles.work]"]
        );
    }

    #[test]
    fn unknown_top_level_keys_are_errors_with_their_line() {
        let details = invalid("stor = \"file\"\n[work]\nclient_id = \"c\"\n");
        assert_eq!(
            details,
            [
                "line 1: unknown setting `stor`: config.toml holds `store` and [profiles.NAME] tables",
                "line 2: [work] is not a setting: a profile is written [profiles.work]",
            ]
        );
        assert_eq!(
            invalid("store = 5\n"),
            [
                "line 1: store: expected a string (auto, keyring, file or memory), found the integer 5"
            ]
        );
    }

    #[test]
    fn a_wrong_type_names_the_profile_and_field() {
        let c = ConfigFile::parse(
            Path::new("c.toml"),
            "[profiles.work]\ntenant_id = 5\nport = \"8080\"\nscopes = [\"a\", 1]\nclient_id = \"c\"\nclientsecret = \"x\"\n",
        )
        .unwrap();
        let (name, dict) = c.profile("work").unwrap();
        let details = super::profile_settings(name, dict).unwrap_err();
        assert_eq!(details.len(), 4, "{details:?}");
        assert!(
            details.contains(
                &"profiles.work.tenant_id: expected a string, found the integer 5".to_owned()
            ),
            "{details:?}"
        );
        assert!(details.contains(&"profiles.work.port: expected a port number from 1 to 65535, found the string \"8080\"".to_owned()), "{details:?}");
        assert!(details.contains(&"profiles.work.scopes: expected a list of strings (or one space-separated string), found an array holding the integer 1".to_owned()), "{details:?}");
        assert!(
            details.iter().any(|d| d.starts_with(
                "profiles.work.clientsecret: unknown field (the fields are tenant_id, client_id,"
            )),
            "{details:?}"
        );
    }

    #[test]
    fn secret_keys_are_recognised_by_name() {
        for key in [
            "client_secret",
            "clientSecret",
            "certificate_password",
            "password",
        ] {
            assert!(super::looks_like_a_secret(key), "{key}");
        }
        for key in ["tenant_id", "certificate_path", "login_hint"] {
            assert!(!super::looks_like_a_secret(key), "{key}");
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
