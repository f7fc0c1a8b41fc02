//! Reads `config.toml` (SPEC.md "Profiles and configuration"): toml_edit parses it (the one
//! TOML parser, also the writer's), each `[profiles.NAME]` table becomes figment values for
//! `layers` to merge, and every problem names its line or key. Reading never writes: an
//! unreadable or invalid file is reported with its path and left untouched.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Value};
use toml_edit::{ImDocument, Item, TableLike};

use crate::adapters::os::safe_fs::{MAX_STATE_FILE, ReadError, check_private_dir, read_regular};
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{FieldKind, ProfileSettings, field, field_names};
use crate::ports::profile_repository::ProfileRepoError;

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

/// The text of the config file at `path`, `None` when it does not exist. Read only from a
/// directory that is the user's own and writable by no one else, never through a link at
/// `path`, never blocking, at most [`MAX_STATE_FILE`] bytes.
///
/// # Errors
/// An unsafe directory; a file that cannot be read or is not UTF-8.
pub fn read_config_text(path: &Path) -> Result<Option<String>, ProfileRepoError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        check_private_dir(dir, EnvVars::ENTRA_AUTH_CONFIG_DIR)?;
    }
    let unreadable = |reason: String| ProfileRepoError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    match read_regular(path, MAX_STATE_FILE) {
        Ok(None) => Ok(None),
        Ok(Some(bytes)) => String::from_utf8(bytes).map(Some).map_err(|error| {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            ProfileRepoError::NotText {
                path: path.display().to_string(),
                line: valid
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    .saturating_add(1),
            }
        }),
        Err(ReadError::Refused(reason)) => Err(unreadable(reason)),
        Err(ReadError::Io(e)) => Err(unreadable(e.to_string())),
    }
}

impl ConfigFile {
    /// Loads `path`; `Ok(None)` when it does not exist.
    ///
    /// # Errors
    /// When it exists but cannot be read, parsed or typed.
    pub fn load(path: &Path) -> Result<Option<Self>, ProfileRepoError> {
        match read_config_text(path)? {
            Some(text) => Self::parse(path, &text).map(Some),
            None => Ok(None),
        }
    }

    /// Parses the text of a config file that lives at `path` (used in messages).
    ///
    /// # Errors
    /// Syntax errors carry the line and column; type errors the key.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ProfileRepoError> {
        let shown = path.display().to_string();
        let document = ImDocument::parse(text).map_err(|e| ProfileRepoError::Syntax {
            path: shown.clone(),
            details: syntax_details(&e.to_string()),
        })?;
        let root = document.as_table();
        let details = top_level_details(text, root);
        if !details.is_empty() {
            return Err(ProfileRepoError::Invalid {
                path: shown,
                details,
            });
        }
        let store = root.get("store").and_then(Item::as_str).map(str::to_owned);
        let mut profiles = Vec::new();
        if let Some(tables) = root.get("profiles") {
            let Some(tables) = tables.as_table_like() else {
                return Err(ProfileRepoError::Invalid {
                    path: shown,
                    details: vec![format!(
                        "`profiles` must hold tables: write each profile as [profiles.NAME], found {}",
                        describe_item(tables)
                    )],
                });
            };
            for (name, item) in tables.iter() {
                match item.as_table_like() {
                    Some(table) => profiles.push((name.to_owned(), dict_of(table))),
                    None => {
                        return Err(ProfileRepoError::Invalid {
                            path: shown,
                            details: vec![format!(
                                "`profiles.{name}` must be a table: write it as [profiles.{name}]"
                            )],
                        });
                    }
                }
            }
        }
        profiles.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            path: path.to_path_buf(),
            store,
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
fn top_level_details(text: &str, root: &toml_edit::Table) -> Vec<String> {
    let mut details = Vec::new();
    for (name, value) in root.iter() {
        let line = line_of(
            text,
            root.key(name)
                .and_then(toml_edit::Key::span)
                .map_or(0, |span| span.start),
        );
        match name {
            "profiles" => {}
            "store" if value.is_str() => {}
            "store" => details.push(format!(
                "line {line}: store: expected a string (auto, keyring, file or memory), found {}",
                describe_item(value)
            )),
            _ if name.eq_ignore_ascii_case("profile") || name.eq_ignore_ascii_case("profiles") => {
                match value.as_table_like().filter(|t| !t.is_empty()) {
                    Some(tables) => details.extend(tables.iter().map(|(profile, _)| {
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
                .as_table_like()
                .is_some_and(|t| t.iter().any(|(k, _)| field(k).is_some())) =>
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

/// A TOML item as a message shows it: `the integer 5`, `the string "x"`, `a table`.
fn describe_item(item: &Item) -> String {
    match item {
        Item::Value(toml_edit::Value::String(s)) => format!("the string {:?}", s.value()),
        Item::Value(toml_edit::Value::Integer(n)) => format!("the integer {}", n.value()),
        Item::Value(toml_edit::Value::Float(n)) => format!("the number {}", n.value()),
        Item::Value(toml_edit::Value::Boolean(b)) => format!("the boolean {}", b.value()),
        Item::Value(toml_edit::Value::Datetime(d)) => format!("the date {}", d.value()),
        Item::Value(toml_edit::Value::Array(_)) | Item::ArrayOfTables(_) => "an array".to_owned(),
        Item::Value(toml_edit::Value::InlineTable(_)) | Item::Table(_) => "a table".to_owned(),
        Item::None => "nothing".to_owned(),
    }
}

/// A table's entries as figment values, for `layers` to merge and type.
fn dict_of(table: &dyn TableLike) -> Dict {
    table
        .iter()
        .filter_map(|(key, item)| Some((key.to_owned(), value_of_item(item)?)))
        .collect()
}

fn value_of_item(item: &Item) -> Option<Value> {
    match item {
        Item::None => None,
        Item::Value(value) => Some(value_of(value)),
        Item::Table(table) => Some(Value::from(dict_of(table))),
        Item::ArrayOfTables(tables) => Some(Value::from(
            tables
                .iter()
                .map(|t| Value::from(dict_of(t)))
                .collect::<Vec<_>>(),
        )),
    }
}

/// A TOML value as figment holds it. A date stays a date-shaped table, as figment's own TOML
/// provider gives it, so that no text field accepts it.
fn value_of(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::from(s.value().clone()),
        toml_edit::Value::Integer(n) => Value::from(*n.value()),
        toml_edit::Value::Float(n) => Value::from(*n.value()),
        toml_edit::Value::Boolean(b) => Value::from(*b.value()),
        toml_edit::Value::Datetime(d) => {
            let mut dict = Dict::new();
            dict.insert(
                "$__toml_private_datetime".to_owned(),
                Value::from(d.value().to_string()),
            );
            Value::from(dict)
        }
        toml_edit::Value::Array(items) => {
            Value::from(items.iter().map(value_of).collect::<Vec<_>>())
        }
        toml_edit::Value::InlineTable(table) => Value::from(dict_of(table)),
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
fn syntax_details(error: &str) -> Vec<String> {
    error
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
    use super::ConfigFile;
    use crate::ports::profile_repository::ProfileRepoError;
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
            ProfileRepoError::Syntax { path, details } => {
                assert_eq!(path, "c.toml");
                assert!(details.join(" ").contains("line 2"), "{details:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    fn invalid(text: &str) -> Vec<String> {
        match ConfigFile::parse(Path::new("c.toml"), text) {
            Err(ProfileRepoError::Invalid { details, .. }) => details,
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
            Err(ProfileRepoError::Invalid { .. })
        ));
    }
}
