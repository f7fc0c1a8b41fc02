//! Edits `config.toml` in place with toml_edit, so comments, key order and unrelated content
//! survive, and saves it atomically (0600 file, 0700 directory). A file that cannot be read or
//! parsed is reported, never overwritten. From open to drop, a document holds an OS lock on
//! `config.toml.lock`, so concurrent edits happen one after the other and none is lost.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::adapters::config::reader::read_config_text;
use crate::adapters::os::atomic_file::write_private;
use crate::adapters::os::safe_fs::{check_private_dir, ensure_private_dir};
use crate::adapters::store::file_lock::lock_file;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{FieldValue, ProfileSettings};
use crate::ports::lock::LockError;
use crate::ports::profile_repository::ProfileRepoError;

/// How long an edit waits for another process's (which may be at a prompt).
const EDIT_LOCK_WAIT: Duration = Duration::from_secs(30);

/// An editable config file.
pub struct ConfigDocument {
    path: PathBuf,
    doc: DocumentMut,
    /// The edit lock, released when the document is dropped.
    _lock: File,
}

/// `config.toml.lock` next to `config.toml`.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map_or_else(|| OsString::from("config.toml"), ToOwned::to_owned);
    name.push(".lock");
    path.with_file_name(name)
}

impl ConfigDocument {
    /// Opens `path` for editing; a missing file is an empty document. Waits up to 30 s for
    /// another process's document on the same file.
    ///
    /// # Errors
    /// When the file exists but cannot be read or is not valid TOML (it is then left alone);
    /// `Busy` when another process holds the edit lock, `Write` (naming the lock file) when it
    /// cannot be created or locked.
    pub fn open(path: &Path) -> Result<Self, ProfileRepoError> {
        Self::open_waiting(path, EDIT_LOCK_WAIT)
    }

    fn open_waiting(path: &Path, wait: Duration) -> Result<Self, ProfileRepoError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            check_private_dir(dir, EnvVars::ENTRA_AUTH_CONFIG_DIR)?;
        }
        let lock = lock_path(path);
        let lock = lock_file(&lock, EnvVars::ENTRA_AUTH_CONFIG_DIR, wait).map_err(|e| match e {
            LockError::TimedOut { location, waited } => ProfileRepoError::Busy {
                path: path.display().to_string(),
                lock: location,
                waited,
            },
            LockError::Io { location, reason } => ProfileRepoError::Write {
                path: location,
                reason,
            },
        })?;
        let text = read_config_text(path)?.unwrap_or_default();
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|e| ProfileRepoError::Syntax {
                path: path.display().to_string(),
                details: e
                    .to_string()
                    .lines()
                    .map(str::to_owned)
                    .filter(|l| !l.trim().is_empty())
                    .collect(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            doc,
            _lock: lock,
        })
    }

    fn profiles(&self) -> Option<&Table> {
        self.doc.get("profiles").and_then(Item::as_table)
    }

    fn profiles_mut(&mut self) -> &mut Table {
        if !self.doc.contains_key("profiles") || self.doc["profiles"].as_table().is_none() {
            let mut table = Table::new();
            table.set_implicit(true);
            self.doc["profiles"] = Item::Table(table);
        }
        self.doc["profiles"]
            .as_table_mut()
            .unwrap_or_else(|| unreachable!())
    }

    /// The name of profile `name` as written (names match case-insensitively).
    #[must_use]
    pub fn find(&self, name: &str) -> Option<String> {
        self.profiles()?
            .iter()
            .map(|(k, _)| k.to_owned())
            .find(|k| k.eq_ignore_ascii_case(name))
    }

    /// Every profile name, in file order.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.profiles()
            .map(|t| t.iter().map(|(k, _)| k.to_owned()).collect())
            .unwrap_or_default()
    }

    /// Writes `settings` into `[profiles.NAME]`: set fields are replaced in place (keeping their
    /// position and comments), unset fields are left as they are.
    pub fn set_profile(&mut self, name: &str, settings: &ProfileSettings) {
        let table = self
            .profiles_mut()
            .entry(name)
            .or_insert_with(|| Item::Table(Table::new()));
        let Some(table) = table.as_table_mut() else {
            return;
        };
        for (key, field_value) in settings.entries() {
            let item = toml_item(field_value);
            if let Some(existing) = table.get_mut(key)
                && let (Some(old), Some(new)) = (existing.as_value_mut(), item.as_value())
            {
                let decor = old.decor().clone();
                *old = new.clone();
                *old.decor_mut() = decor;
                continue;
            }
            table.insert(key, item);
        }
    }

    /// Removes a field of a profile (for `config edit --unset`).
    pub fn unset_field(&mut self, name: &str, field: &str) -> bool {
        self.profiles_mut()
            .get_mut(name)
            .and_then(Item::as_table_mut)
            .is_some_and(|t| t.remove(field).is_some())
    }

    /// Removes `[profiles.NAME]`; false when it did not exist.
    pub fn remove_profile(&mut self, name: &str) -> bool {
        match self.find(name) {
            Some(written) => self.profiles_mut().remove(&written).is_some(),
            None => false,
        }
    }

    /// Renames a profile, keeping its content and comments.
    pub fn rename_profile(&mut self, from: &str, to: &str) -> bool {
        let Some(written) = self.find(from) else {
            return false;
        };
        let Some(item) = self.profiles_mut().remove(&written) else {
            return false;
        };
        self.profiles_mut().insert(to, item);
        true
    }

    /// Saves atomically with mode 0600, creating the directory (0700) if needed.
    ///
    /// # Errors
    /// I/O errors; the previous file is then untouched.
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            ensure_private_dir(dir, EnvVars::ENTRA_AUTH_CONFIG_DIR)?;
        }
        write_private(&self.path, self.doc.to_string().as_bytes())
    }

    /// The path being edited.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A field's value as TOML: text as strings, ports as integers, scopes as arrays.
fn toml_item(field_value: FieldValue) -> Item {
    match field_value {
        FieldValue::Text(text) => value(text),
        FieldValue::Bool(flag) => value(flag),
        FieldValue::Port(port) => value(i64::from(port)),
        FieldValue::List(items) => value(items.into_iter().collect::<toml_edit::Array>()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ConfigDocument, ProfileRepoError};
    use crate::domain::profile::{FIELDS, FieldKind, ProfileSettings, ScopeList};

    #[test]
    fn an_open_document_keeps_other_editors_out_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config").join("config.toml");
        let mut first = ConfigDocument::open(&path).unwrap();
        assert!(dir.path().join("config/config.toml.lock").exists());
        let busy = ConfigDocument::open_waiting(&path, Duration::ZERO)
            .err()
            .expect("locked");
        assert!(
            matches!(&busy, ProfileRepoError::Busy { lock, .. } if lock.ends_with("config.toml.lock")),
            "{busy:?}"
        );
        first.set_profile(
            "a",
            &ProfileSettings {
                tenant_id: Some("t".into()),
                ..ProfileSettings::default()
            },
        );
        first.save().unwrap();
        drop(first);
        // The next editor sees the saved state.
        let second = ConfigDocument::open_waiting(&path, Duration::ZERO).unwrap();
        assert_eq!(second.names(), ["a"]);
    }

    #[test]
    fn edits_keep_comments_and_unrelated_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# my settings\nstore = \"file\"\n\n[profiles.Prod]\n# the prod tenant\ntenant_id = \"old\" # inline\nclient_id = \"c\"\n",
        )
        .unwrap();
        let mut doc = ConfigDocument::open(&path).unwrap();
        assert_eq!(doc.find("prod").as_deref(), Some("Prod"));
        doc.set_profile(
            "Prod",
            &ProfileSettings {
                tenant_id: Some("new".into()),
                scopes: Some(ScopeList::Text("a b".into())),
                ..ProfileSettings::default()
            },
        );
        doc.set_profile(
            "dev",
            &ProfileSettings {
                tenant_id: Some("t".into()),
                ..ProfileSettings::default()
            },
        );
        doc.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my settings\nstore = \"file\""),
            "{text}"
        );
        assert!(
            text.contains("# the prod tenant\ntenant_id = \"new\" # inline"),
            "{text}"
        );
        assert!(text.contains("scopes = [\"a\", \"b\"]"), "{text}");
        assert!(text.contains("[profiles.dev]"), "{text}");
        drop(doc);
        let mut doc = ConfigDocument::open(&path).unwrap();
        assert!(doc.rename_profile("DEV", "staging"));
        assert!(doc.remove_profile("prod"));
        assert!(!doc.remove_profile("prod"));
        assert_eq!(doc.names(), ["staging"]);
    }

    /// `[profiles.NAME]` of `text`, read back as settings by the reader.
    fn reparse(text: &str, name: &str) -> ProfileSettings {
        let file = crate::adapters::config::reader::ConfigFile::parse(
            std::path::Path::new("config.toml"),
            text,
        )
        .unwrap();
        let (written, table) = file.profile(name).unwrap();
        crate::adapters::config::reader::profile_settings(written, table).unwrap()
    }

    #[test]
    fn every_field_round_trips_with_its_type_and_comments_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[profiles.p]\n# fixed port\nport = 1 # was one\nflow = \"interactive\"\n",
        )
        .unwrap();
        let mut settings = ProfileSettings::default();
        for spec in FIELDS {
            let text = match spec.kind {
                FieldKind::Text => "some text",
                FieldKind::Bool => "true",
                FieldKind::Port => "8400",
                FieldKind::Scopes => "a b,c",
            };
            settings.set_text(spec.name, text).unwrap();
        }
        let mut doc = ConfigDocument::open(&path).unwrap();
        doc.set_profile("p", &settings);
        doc.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                "[profiles.p]\n# fixed port\nport = 8400 # was one\nflow = \"some text\"\n"
            ),
            "{text}"
        );
        assert!(text.contains("send_certificate_chain = true\n"), "{text}");
        assert!(text.contains("scopes = [\"a\", \"b\", \"c\"]\n"), "{text}");
        let back = reparse(&text, "p");
        assert_eq!(back.entries(), settings.entries());
        assert_eq!(
            back.scopes,
            Some(ScopeList::List(vec!["a".into(), "b".into(), "c".into()]))
        );
    }

    #[test]
    fn invalid_files_are_not_opened_for_editing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[profiles.a\n").unwrap();
        assert!(ConfigDocument::open(&path).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[profiles.a\n");
    }
}
