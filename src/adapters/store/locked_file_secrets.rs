//! The secret store of an `auto` run that fell back to memory while the encrypted file store
//! holds sealed secrets it has no key for (`ENTRA_AUTH_CACHE_KEY` unset in a new shell): secrets
//! live in memory for this run, and a secret the file store holds for the profile is reported as
//! locked instead of missing.

use std::path::PathBuf;

use secrecy::SecretString;

use crate::adapters::store::file_secret_store::sealed_secret;
use crate::adapters::store::memory_store::MemorySecretStore;
use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};

/// Memory secrets, aware of the sealed file store directory beside them.
pub struct LockedFileAwareSecrets {
    memory: MemorySecretStore,
    sealed_dir: PathBuf,
}

impl LockedFileAwareSecrets {
    /// `sealed_dir` is the file store's secrets directory.
    #[must_use]
    pub fn new(sealed_dir: PathBuf) -> Self {
        Self {
            memory: MemorySecretStore::default(),
            sealed_dir,
        }
    }
}

impl SecretStore for LockedFileAwareSecrets {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretStoreError> {
        if let Some(secret) = self.memory.get(profile, kind)? {
            return Ok(Some(secret));
        }
        match sealed_secret(&self.sealed_dir, profile, kind) {
            Some(path) => Err(SecretStoreError::Locked {
                location: path.display().to_string(),
            }),
            None => Ok(None),
        }
    }

    fn set(
        &self,
        profile: &str,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<(), SecretStoreError> {
        self.memory.set(profile, kind, secret)
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), SecretStoreError> {
        self.memory.delete(profile, kind)
    }

    fn list(&self) -> Result<Vec<(String, SecretKind)>, SecretStoreError> {
        self.memory.list()
    }
}

#[cfg(test)]
mod tests {
    use super::LockedFileAwareSecrets;
    use crate::adapters::store::file_secret_store::FileSecretStore;
    use crate::adapters::store::sealed_file::KeyMaterial;
    use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};

    #[test]
    fn a_sealed_secret_of_the_profile_is_locked_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let key = KeyMaterial::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        FileSecretStore::new(dir.path().to_path_buf(), &key)
            .set("Prod", SecretKind::ClientSecret, &"s".into())
            .unwrap();
        let store = LockedFileAwareSecrets::new(dir.path().to_path_buf());
        assert!(matches!(
            store.get("prod", SecretKind::ClientSecret),
            Err(SecretStoreError::Locked { location }) if location.starts_with(&dir.path().display().to_string())
        ));
        assert!(matches!(
            store.get("prod", SecretKind::CertificatePassword),
            Ok(None)
        ));
        assert!(matches!(
            store.get("dev", SecretKind::ClientSecret),
            Ok(None)
        ));
        assert!(crate::adapters::store::file_secret_store::holds_sealed_secrets(dir.path()));
    }
}
