//! Edits `config.toml` in place with toml_edit, so comments, key order and unrelated content
//! survive, and saves it atomically (0600 file, 0700 directory). A file that cannot be read or
//! parsed is reported, never overwritten.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

use super::atomic_file::{create_private_dir, write_private};
use super::config_file::ConfigFileError;
use crate::domain::profile::{ProfileSettings, ScopeList};

/// An editable config file.
pub struct ConfigDocument {
    path: PathBuf,
    doc: DocumentMut,
}

impl ConfigDocument {
    /// Opens `path` for editing; a missing file is an empty document.
    ///
    /// # Errors
    /// When the file exists but cannot be read or is not valid TOML (it is then left alone).
    pub fn open(path: &Path) -> Result<Self, ConfigFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(ConfigFileError::Unreadable {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|e| ConfigFileError::Syntax {
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
        let mut put = |key: &str, item: Option<Item>| {
            if let Some(item) = item {
                if let Some(existing) = table.get_mut(key)
                    && let (Some(old), Some(new)) = (existing.as_value_mut(), item.as_value())
                {
                    let decor = old.decor().clone();
                    *old = new.clone();
                    *old.decor_mut() = decor;
                    return;
                }
                table.insert(key, item);
            }
        };
        let text = |v: &Option<String>| v.as_ref().map(|s| value(s.as_str()));
        put("tenant_id", text(&settings.tenant_id));
        put("client_id", text(&settings.client_id));
        put(
            "scopes",
            settings.scopes.as_ref().map(|list| {
                let items: Vec<String> = match list {
                    ScopeList::List(items) => items.clone(),
                    ScopeList::Text(text) => text
                        .split([' ', ','])
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                };
                let mut array = toml_edit::Array::new();
                for item in items {
                    array.push(item);
                }
                value(array)
            }),
        );
        put("flow", text(&settings.flow));
        put("auth_method", text(&settings.auth_method));
        put("certificate_path", text(&settings.certificate_path));
        put("certificate_key_path", text(&settings.certificate_key_path));
        put("assertion_algorithm", text(&settings.assertion_algorithm));
        put(
            "send_certificate_chain",
            settings.send_certificate_chain.map(value),
        );
        put("federated_token_file", text(&settings.federated_token_file));
        put("object_id", text(&settings.object_id));
        put("mi_res_id", text(&settings.mi_res_id));
        put("authority_host", text(&settings.authority_host));
        put("cloud", text(&settings.cloud));
        put("redirect_uri", text(&settings.redirect_uri));
        put("port", settings.port.map(|p| value(i64::from(p))));
        put("login_hint", text(&settings.login_hint));
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
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir)?;
        }
        write_private(&self.path, self.doc.to_string().as_bytes())
    }

    /// The path being edited.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::ConfigDocument;
    use crate::domain::profile::{ProfileSettings, ScopeList};

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
        let mut doc = ConfigDocument::open(&path).unwrap();
        assert!(doc.rename_profile("DEV", "staging"));
        assert!(doc.remove_profile("prod"));
        assert!(!doc.remove_profile("prod"));
        assert_eq!(doc.names(), ["staging"]);
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
