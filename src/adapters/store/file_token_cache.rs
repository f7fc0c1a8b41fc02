//! The `file` token cache: one sealed file per cache key (see `sealed_file` for the format),
//! named by the key's digest, 0600 in a 0700 directory.

use std::path::{Path, PathBuf};

use crate::adapters::store::sealed_file::{
    KeyMaterial, ReadError, Sealer, digest_name, files_with_suffix, read_optional, remove_optional,
    write_sealed,
};
use crate::adapters::store::token_record;
use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::env_vars::EnvVars;
use crate::domain::token::Token;
use crate::ports::token_cache::{CacheError, TokenCache};

const LABEL: &str = "token";
const SUFFIX: &str = ".token";
const ACCOUNT_LABEL: &str = "account";
const ACCOUNT_SUFFIX: &str = ".account";

/// Encrypted token files under one directory.
pub struct FileTokenCache {
    dir: PathBuf,
    sealer: Sealer,
}

impl FileTokenCache {
    /// A cache in `dir` (created 0700 on first write) sealed with `key`.
    #[must_use]
    pub fn new(dir: PathBuf, key: &KeyMaterial) -> Self {
        Self {
            dir,
            sealer: Sealer::new(key),
        }
    }

    fn file_name(key: &CacheKey) -> String {
        format!("{}{SUFFIX}", key.digest_hex())
    }

    fn account_file(identity: &str) -> String {
        format!("{}{ACCOUNT_SUFFIX}", digest_name(identity))
    }

    fn path_for(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(Self::file_name(key))
    }

    /// The record in the sealed file at `path` (sealed with `label`), `None` when there is no
    /// file; one that cannot be opened or decoded is unreadable.
    fn load_sealed<T>(
        &self,
        path: &Path,
        label: &str,
        decode: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<Option<T>, CacheError> {
        let Some(sealed) = read(path)? else {
            return Ok(None);
        };
        self.sealer
            .open(label, &sealed)
            .and_then(|plain| decode(&plain))
            .map(Some)
            .map_err(|reason| CacheError::Unreadable {
                location: path.display().to_string(),
                reason,
            })
    }

    /// Every record in the files ending in `suffix` (sealed with `label`); files that cannot be
    /// read, opened or decoded are passed over, and so is a file renamed onto another record's
    /// name (`file_name` of what it holds): it is not that record's entry.
    fn list_sealed<K, V>(
        &self,
        suffix: &str,
        label: &str,
        decode: impl Fn(&[u8]) -> Result<(K, V), String>,
        file_name: impl Fn(&K) -> String,
    ) -> Result<Vec<(K, V)>, CacheError> {
        let mut entries = Vec::new();
        for path in files_with_suffix(&self.dir, suffix).map_err(self.io(None))? {
            let Ok(Some(sealed)) = read_optional(&path) else {
                continue;
            };
            let Ok(plain) = self.sealer.open(label, &sealed) else {
                continue;
            };
            let Ok((key, value)) = decode(&plain) else {
                continue;
            };
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == file_name(&key))
            {
                entries.push((key, value));
            }
        }
        Ok(entries)
    }

    fn io(&self, key: Option<&CacheKey>) -> impl Fn(String) -> CacheError + '_ {
        let location = key.map_or_else(
            || self.dir.display().to_string(),
            |k| self.path_for(k).display().to_string(),
        );
        move |reason| CacheError::Io {
            location: location.clone(),
            reason,
        }
    }
}

/// Reads a cache file: what is not a regular file of a sane size is an unreadable entry (a
/// warning and a miss), other failures are I/O errors.
fn read(path: &Path) -> Result<Option<Vec<u8>>, CacheError> {
    let location = || path.display().to_string();
    read_optional(path).map_err(|e| match e {
        ReadError::Refused(reason) => CacheError::Unreadable {
            location: location(),
            reason,
        },
        ReadError::Io(e) => CacheError::Io {
            location: location(),
            reason: e.to_string(),
        },
    })
}

impl TokenCache for FileTokenCache {
    fn backend_name(&self) -> &'static str {
        "file"
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Token>, CacheError> {
        self.load_sealed(&self.path_for(key), LABEL, |plain| {
            token_record::decode_for(key, plain)
        })
    }

    fn store(&self, key: &CacheKey, token: &Token) -> Result<(), CacheError> {
        let plain = token_record::encode(key, token);
        let sealed = self
            .sealer
            .seal(LABEL, &plain)
            .map_err(self.io(Some(key)))?;
        write_sealed(
            &self.dir,
            EnvVars::ENTRA_AUTH_CACHE_DIR,
            &Self::file_name(key),
            &sealed,
        )
        .map_err(self.io(Some(key)))
    }

    fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        remove_optional(&self.path_for(key)).map_err(self.io(Some(key)))
    }

    fn list(&self) -> Result<Vec<(CacheKey, Token)>, CacheError> {
        self.list_sealed(SUFFIX, LABEL, token_record::decode, Self::file_name)
    }

    fn load_account(&self, identity: &str) -> Result<Option<Account>, CacheError> {
        let path = self.dir.join(Self::account_file(identity));
        self.load_sealed(&path, ACCOUNT_LABEL, |plain| {
            token_record::decode_account_for(identity, plain)
        })
    }

    fn store_account(&self, identity: &str, account: &Account) -> Result<(), CacheError> {
        let plain = token_record::encode_account(identity, account);
        let sealed = self
            .sealer
            .seal(ACCOUNT_LABEL, &plain)
            .map_err(self.io(None))?;
        write_sealed(
            &self.dir,
            EnvVars::ENTRA_AUTH_CACHE_DIR,
            &Self::account_file(identity),
            &sealed,
        )
        .map_err(self.io(None))
    }

    fn remove_account(&self, identity: &str) -> Result<(), CacheError> {
        remove_optional(&self.dir.join(Self::account_file(identity))).map_err(self.io(None))
    }

    fn list_accounts(&self) -> Result<Vec<(String, Account)>, CacheError> {
        self.list_sealed(
            ACCOUNT_SUFFIX,
            ACCOUNT_LABEL,
            token_record::decode_account,
            |identity: &String| Self::account_file(identity),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::FileTokenCache;
    use crate::adapters::store::sealed_file::KeyMaterial;
    use crate::domain::cache_key::{APP_ACCOUNT, CacheKey};
    use crate::domain::profile::ProfileSettings;
    use crate::domain::scopes::Scopes;
    use crate::domain::token::Token;
    use crate::ports::token_cache::{CacheError, TokenCache};

    const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key(scope: &str) -> CacheKey {
        let p = ProfileSettings {
            tenant_id: Some("t".into()),
            client_id: Some("c".into()),
            ..ProfileSettings::default()
        }
        .validate("p")
        .unwrap();
        CacheKey::new(&p, APP_ACCOUNT, &Scopes::parse(scope).unwrap())
    }

    fn token() -> Token {
        Token {
            access_token: "eyJ.secret-token.sig".into(),
            token_type: "Bearer".into(),
            expires_on: 2_000,
            ext_expires_on: Some(3_000),
            refresh_on: None,
            scope: "s/.default".into(),
            tenant_id: "t".into(),
            cached_at: 1_000,
        }
    }

    fn cache(dir: &std::path::Path, hex: &str) -> FileTokenCache {
        FileTokenCache::new(dir.to_path_buf(), &KeyMaterial::parse(hex).unwrap())
    }

    #[test]
    fn round_trips_lists_and_is_not_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), KEY_HEX);
        assert!(c.load(&key("s")).unwrap().is_none());
        assert!(c.list().unwrap().is_empty());
        c.store(&key("s"), &token()).unwrap();
        let back = c.load(&key("s")).unwrap().unwrap();
        assert_eq!(back.secret(), "eyJ.secret-token.sig");
        assert_eq!(back.expires_on, 2_000);
        let listed = c.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].0, key("s"));
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains("secret-token"));
        }
        c.remove(&key("s")).unwrap();
        c.remove(&key("s")).unwrap();
        assert!(c.load(&key("s")).unwrap().is_none());
    }

    #[test]
    fn wrong_key_bit_flip_truncation_and_swapped_files_are_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), KEY_HEX);
        c.store(&key("s"), &token()).unwrap();
        let other = cache(dir.path(), &"ff".repeat(32));
        assert!(matches!(
            other.load(&key("s")),
            Err(CacheError::Unreadable { .. })
        ));
        assert!(other.list().unwrap().is_empty());

        let path = c.path_for(&key("s"));
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            c.load(&key("s")),
            Err(CacheError::Unreadable { .. })
        ));

        std::fs::write(&path, &bytes[..10]).unwrap();
        assert!(matches!(
            c.load(&key("s")),
            Err(CacheError::Unreadable { .. })
        ));

        c.store(&key("s"), &token()).unwrap();
        std::fs::copy(&path, c.path_for(&key("other"))).unwrap();
        assert!(matches!(
            c.load(&key("other")),
            Err(CacheError::Unreadable { .. })
        ));
        assert_eq!(
            c.list().unwrap().len(),
            1,
            "the copy is not listed as a second entry"
        );
        assert!(
            c.load(&key("s")).unwrap().is_some(),
            "a valid write replaced the bad file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_and_directory_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        let c = cache(&dir, KEY_HEX);
        c.store(&key("s"), &token()).unwrap();
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        let file_mode = std::fs::metadata(c.path_for(&key("s")))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(file_mode, 0o600);
    }
}
