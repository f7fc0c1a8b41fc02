//! The `file` secret store: one sealed file per profile secret (see `sealed_file`), named by a
//! digest of `profile:NAME:KIND`, 0600 in a 0700 directory under the config directory.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::adapters::store::sealed_file::{
    KeyMaterial, ReadError, Sealer, digest_name, files_with_suffix, read_optional, remove_optional,
    write_sealed,
};
use crate::domain::env_vars::EnvVars;
use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};

const LABEL: &str = "secret";
const SUFFIX: &str = ".secret";

#[derive(Serialize, Deserialize)]
struct Record {
    profile: String,
    kind: String,
    value: String,
}

/// Encrypted secret files under one directory.
pub struct FileSecretStore {
    dir: PathBuf,
    sealer: Sealer,
}

/// The entry name used by every backend: `profile:NAME:KIND`, with the name lower-cased since
/// profile names match case-insensitively.
#[must_use]
pub fn entry_name(profile: &str, kind: SecretKind) -> String {
    format!("profile:{}:{}", profile.to_lowercase(), kind.as_str())
}

impl FileSecretStore {
    #[must_use]
    pub fn new(dir: PathBuf, key: &KeyMaterial) -> Self {
        Self {
            dir,
            sealer: Sealer::new(key),
        }
    }

    fn file_name(profile: &str, kind: SecretKind) -> String {
        format!("{}{SUFFIX}", digest_name(&entry_name(profile, kind)))
    }

    fn io(&self, reason: String) -> SecretStoreError {
        SecretStoreError::Io {
            location: self.dir.display().to_string(),
            reason,
        }
    }

    /// Refuses a write when the store holds sealed secrets and not one of them opens with this
    /// key: they were stored under another `ENTRA_AUTH_CACHE_KEY` (one that opens is enough:
    /// a damaged file is reported where it is read).
    fn check_key(&self) -> Result<(), SecretStoreError> {
        let files = files_with_suffix(&self.dir, SUFFIX).unwrap_or_default();
        let mut sealed = 0_usize;
        for path in files {
            let Ok(Some(bytes)) = read_optional(&path) else {
                continue;
            };
            if self.sealer.open(LABEL, &bytes).is_ok() {
                return Ok(());
            }
            sealed += 1;
        }
        if sealed == 0 {
            Ok(())
        } else {
            Err(SecretStoreError::OtherKey {
                location: self.dir.display().to_string(),
            })
        }
    }

    fn open(&self, bytes: &[u8]) -> Result<Record, String> {
        let plain = self.sealer.open(LABEL, bytes)?;
        serde_json::from_slice(&plain).map_err(|_| "its content is malformed".to_owned())
    }
}

/// The sealed file that holds `profile`'s `kind` secret in the file store at `dir`, when there
/// is one. Needs no key: the file name is a digest of the entry name.
#[must_use]
pub fn sealed_secret(dir: &Path, profile: &str, kind: SecretKind) -> Option<PathBuf> {
    let path = dir.join(FileSecretStore::file_name(profile, kind));
    path.is_file().then_some(path)
}

/// True when the file store at `dir` holds any sealed secret (needs no key).
#[must_use]
pub fn holds_sealed_secrets(dir: &Path) -> bool {
    files_with_suffix(dir, SUFFIX).is_ok_and(|files| !files.is_empty())
}

impl SecretStore for FileSecretStore {
    fn backend_name(&self) -> &'static str {
        "file"
    }

    fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretStoreError> {
        let path = self.dir.join(Self::file_name(profile, kind));
        let unreadable = |reason: String| SecretStoreError::Unreadable {
            location: path.display().to_string(),
            reason,
        };
        let bytes = match read_optional(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(None),
            Err(ReadError::Refused(reason)) => return Err(unreadable(reason)),
            Err(ReadError::Io(e)) => return Err(self.io(e.to_string())),
        };
        let record = self.open(&bytes).map_err(unreadable)?;
        if record.profile != profile.to_lowercase() || record.kind != kind.as_str() {
            return Err(unreadable("it belongs to another profile".to_owned()));
        }
        Ok(Some(SecretString::from(record.value)))
    }

    fn set(
        &self,
        profile: &str,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<(), SecretStoreError> {
        self.check_key()?;
        let record = Record {
            profile: profile.to_lowercase(),
            kind: kind.as_str().to_owned(),
            value: secret.expose_secret().to_owned(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&record).unwrap_or_default());
        drop(Zeroizing::new(record.value));
        let sealed = self.sealer.seal(LABEL, &plain).map_err(|e| self.io(e))?;
        write_sealed(
            &self.dir,
            EnvVars::ENTRA_AUTH_CONFIG_DIR,
            &Self::file_name(profile, kind),
            &sealed,
        )
        .map_err(|e| self.io(e))
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), SecretStoreError> {
        remove_optional(&self.dir.join(Self::file_name(profile, kind))).map_err(|e| self.io(e))
    }

    fn list(&self) -> Result<Vec<(String, SecretKind)>, SecretStoreError> {
        let mut found = Vec::new();
        for path in files_with_suffix(&self.dir, SUFFIX).map_err(|e| self.io(e))? {
            let Ok(Some(bytes)) = read_optional(&path) else {
                continue;
            };
            let Ok(record) = self.open(&bytes) else {
                continue;
            };
            if let Some(kind) = SecretKind::parse(&record.kind) {
                found.push((record.profile, kind));
            }
        }
        found.sort();
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::FileSecretStore;
    use crate::adapters::store::sealed_file::KeyMaterial;
    use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};
    use secrecy::{ExposeSecret, SecretString};

    #[test]
    fn set_get_list_delete() {
        let dir = tempfile::tempdir().unwrap();
        let key = KeyMaterial::parse(&"11".repeat(32)).unwrap();
        let store = FileSecretStore::new(dir.path().join("secrets"), &key);
        assert!(
            store
                .get("Prod", SecretKind::ClientSecret)
                .unwrap()
                .is_none()
        );
        store
            .set(
                "Prod",
                SecretKind::ClientSecret,
                &SecretString::from("s3cret"),
            )
            .unwrap();
        let got = store
            .get("prod", SecretKind::ClientSecret)
            .unwrap()
            .unwrap();
        assert_eq!(got.expose_secret(), "s3cret");
        assert!(
            store
                .get("prod", SecretKind::CertificatePassword)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.list().unwrap(),
            [("prod".to_owned(), SecretKind::ClientSecret)]
        );
        let other = FileSecretStore::new(
            dir.path().join("secrets"),
            &KeyMaterial::parse(&"22".repeat(32)).unwrap(),
        );
        assert!(matches!(
            other.get("prod", SecretKind::ClientSecret),
            Err(SecretStoreError::Unreadable { .. })
        ));
        store.delete("PROD", SecretKind::ClientSecret).unwrap();
        assert!(
            store
                .get("prod", SecretKind::ClientSecret)
                .unwrap()
                .is_none()
        );
        let left: Vec<_> = std::fs::read_dir(dir.path().join("secrets"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}
