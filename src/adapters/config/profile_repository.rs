//! The [`ProfileRepository`] of this build: `config.toml`, read once per process (again after
//! [`ProfileRepository::reload`], and as it was before that after
//! [`ProfileRepository::revert`]) through [`ConfigFile`], merged with the environment and flags
//! in `layers` (figment) and edited through [`ConfigDocument`] (toml_edit, comments kept, atomic
//! saves).

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use crate::adapters::config::layers::{TableLayer, merge, merge_with_table};
use crate::adapters::config::reader::{ConfigFile, looks_like_a_secret, profile_settings};
use crate::adapters::config::writer::ConfigDocument;
use crate::domain::profile::ProfileSettings;
use crate::ports::env::Env;
use crate::ports::profile_repository::{
    LayerError, LayeredSettings, ProfileDocument, ProfileRepoError, ProfileRepository,
    StoredProfile,
};

/// `config.toml` at a path (or nowhere, without a config directory).
pub struct TomlProfileRepository {
    path: Option<PathBuf>,
    /// Text given directly (tests); otherwise the file is read on first use.
    text: Option<String>,
    loaded: RwLock<Option<Arc<Loaded>>>,
    /// What was read before the last reload, for [`ProfileRepository::revert`].
    before_reload: RwLock<Option<Arc<Loaded>>>,
}

/// What reading the file gave.
type Loaded = Result<Option<ConfigFile>, ProfileRepoError>;

impl TomlProfileRepository {
    /// The repository of the file at `path`; `None` when there is no config directory.
    #[must_use]
    pub fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            text: None,
            loaded: RwLock::new(None),
            before_reload: RwLock::new(None),
        }
    }

    /// A read-only repository over `text`, as if it were the file at `path` (tests).
    #[must_use]
    pub fn from_text(path: &str, text: &str) -> Self {
        Self {
            path: Some(PathBuf::from(path)),
            text: Some(text.to_owned()),
            loaded: RwLock::new(None),
            before_reload: RwLock::new(None),
        }
    }

    /// The file as read (on first use, and after a reload); `Ok(None)` when there is none.
    fn loaded(&self) -> Arc<Loaded> {
        if let Some(loaded) = self
            .loaded
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            return Arc::clone(loaded);
        }
        let read = Arc::new(match (&self.path, &self.text) {
            (Some(_), Some(text)) if text.is_empty() => Ok(None),
            (Some(path), Some(text)) => ConfigFile::parse(path, text).map(Some),
            (Some(path), None) => ConfigFile::load(path),
            (None, _) => Ok(None),
        });
        let mut slot = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slot.get_or_insert(read))
    }

    /// The config file's `store` setting (the storage backend), for the composition root.
    ///
    /// # Errors
    /// The file cannot be read or parsed.
    pub fn store_setting(&self) -> Result<Option<String>, ProfileRepoError> {
        let loaded = self.loaded();
        Ok(file(&loaded)?.and_then(|c| c.store.clone()))
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl ProfileRepository for TomlProfileRepository {
    fn location(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.display().to_string())
    }

    fn exists(&self) -> bool {
        matches!(*self.loaded(), Ok(Some(_)))
    }

    fn names(&self) -> Result<Vec<String>, ProfileRepoError> {
        let loaded = self.loaded();
        Ok(file(&loaded)?
            .map(ConfigFile::profile_names)
            .unwrap_or_default())
    }

    fn get(&self, name: &str) -> Result<Option<StoredProfile>, ProfileRepoError> {
        let loaded = self.loaded();
        let Some((written, dict)) = file(&loaded)?.and_then(|c| c.profile(name)) else {
            return Ok(None);
        };
        let settings = profile_settings(written, dict).map_err(|details| {
            ProfileRepoError::InvalidProfile {
                name: written.to_owned(),
                path: self.location().unwrap_or_default(),
                details,
                secret_key: dict.keys().any(|key| looks_like_a_secret(key)),
            }
        })?;
        Ok(Some(StoredProfile {
            name: written.to_owned(),
            settings,
        }))
    }

    fn layered(
        &self,
        name: &str,
        env: &dyn Env,
        flags: &ProfileSettings,
    ) -> Result<LayeredSettings, LayerError> {
        let location = self.location().unwrap_or_default();
        let loaded = self.loaded();
        merge(env, flags, || {
            // Typed on its own first, so a wrong value is reported with its key and line.
            let Some(stored) = self.get(name)? else {
                return Ok(None);
            };
            let table = file(&loaded)?.and_then(|c| c.profile(&stored.name));
            Ok(table.map(|(written, table)| TableLayer {
                path: &location,
                name: written,
                table,
            }))
        })
    }

    fn layered_table(
        &self,
        name: &str,
        env: &dyn Env,
        table: &ProfileSettings,
    ) -> Result<LayeredSettings, LayerError> {
        merge_with_table(env, &self.location().unwrap_or_default(), name, table)
    }

    fn reload(&self) {
        let before = self
            .loaded
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        *self
            .before_reload
            .write()
            .unwrap_or_else(PoisonError::into_inner) = before;
    }

    fn revert(&self) {
        let before = self
            .before_reload
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(before) = before {
            *self.loaded.write().unwrap_or_else(PoisonError::into_inner) = Some(before);
        }
    }

    fn open(&self) -> Result<Box<dyn ProfileDocument>, ProfileRepoError> {
        let path = self.path.as_ref().ok_or(ProfileRepoError::NoLocation)?;
        let document = ConfigDocument::open(path)?;
        Ok(Box::new(document))
    }
}

/// The file in `loaded`, or the error reading it gave.
fn file(loaded: &Loaded) -> Result<Option<&ConfigFile>, ProfileRepoError> {
    loaded.as_ref().map(Option::as_ref).map_err(Clone::clone)
}

impl ProfileDocument for ConfigDocument {
    fn find(&self, name: &str) -> Option<String> {
        ConfigDocument::find(self, name)
    }

    fn put(&mut self, name: &str, settings: &ProfileSettings) {
        self.set_profile(name, settings);
    }

    fn unset(&mut self, name: &str, field: &str) -> bool {
        self.unset_field(name, field)
    }

    fn remove(&mut self, name: &str) -> bool {
        self.remove_profile(name)
    }

    fn rename(&mut self, from: &str, to: &str) -> bool {
        self.rename_profile(from, to)
    }

    fn save(&self) -> Result<(), ProfileRepoError> {
        ConfigDocument::save(self).map_err(|e| ProfileRepoError::Write {
            path: self.path().display().to_string(),
            reason: e.to_string(),
        })
    }
}
