//! The `file` token cache: one file per cache key, encrypted and authenticated with
//! XChaCha20-Poly1305 under a 256-bit key that is never stored next to the data.
//!
//! File layout (version 1): `b"EACT"` | version byte `1` | 24-byte random nonce | ciphertext+tag.
//! The header and the cache key text are authenticated data, so a file copied under another
//! key's name, a flipped bit or a foreign key all fail to open.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::atomic_file::{create_private_dir, write_private};
use crate::domain::cache_key::CacheKey;
use crate::domain::token::Token;
use crate::ports::token_cache::{CacheError, TokenCache};

const MAGIC: &[u8; 4] = b"EACT";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + 1;

/// A 256-bit cache key, wiped from memory when dropped.
pub struct CacheKeyMaterial(Zeroizing<[u8; 32]>);

impl CacheKeyMaterial {
    /// Parses 32 bytes given as standard base64 or as 64 hex digits (`ENTRA_AUTH_CACHE_KEY`).
    ///
    /// # Errors
    /// A message that says what was expected; it never repeats the value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes: Zeroizing<Vec<u8>> = if text.len() == 64
            && text.chars().all(|c| c.is_ascii_hexdigit())
        {
            Zeroizing::new(
                (0..32)
                    .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or(0))
                    .collect(),
            )
        } else {
            Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| "it is neither 64 hex digits nor standard base64".to_owned())?,
            )
        };
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| format!("it decodes to {} bytes; exactly 32 are needed", bytes.len()))?;
        Ok(Self(Zeroizing::new(array)))
    }
}

/// Encrypted token files under one directory.
pub struct FileTokenCache {
    dir: PathBuf,
    cipher: XChaCha20Poly1305,
}

/// What is sealed inside a cache file.
#[derive(Serialize, Deserialize)]
struct Record {
    key: String,
    access_token: String,
    token_type: String,
    expires_on: i64,
    ext_expires_on: Option<i64>,
    refresh_on: Option<i64>,
    scope: String,
    tenant_id: String,
    cached_at: i64,
}

impl FileTokenCache {
    /// A cache in `dir` (created 0700 on first write) sealed with `key`.
    #[must_use]
    pub fn new(dir: PathBuf, key: &CacheKeyMaterial) -> Self {
        let cipher = XChaCha20Poly1305::new(&(*key.0).into());
        Self { dir, cipher }
    }

    fn path_for(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.token", key.digest_hex()))
    }

    fn aad(key: &CacheKey) -> Vec<u8> {
        let mut aad = Vec::with_capacity(HEADER_LEN + key.as_str().len());
        aad.extend_from_slice(MAGIC);
        aad.push(VERSION);
        aad.extend_from_slice(key.as_str().as_bytes());
        aad
    }

    fn open(&self, key: &CacheKey, path: &Path, sealed: &[u8]) -> Result<Token, CacheError> {
        let unreadable = |reason: &str| CacheError::Unreadable {
            location: path.display().to_string(),
            reason: reason.to_owned(),
        };
        if sealed.len() < HEADER_LEN + NONCE_LEN + 16 || &sealed[..MAGIC.len()] != MAGIC {
            return Err(unreadable(
                "not an entra-auth-cli cache file (truncated or foreign)",
            ));
        }
        if sealed[MAGIC.len()] != VERSION {
            return Err(unreadable("written by an incompatible version"));
        }
        let nonce = XNonce::try_from(&sealed[HEADER_LEN..HEADER_LEN + NONCE_LEN])
            .map_err(|_| unreadable("bad nonce"))?;
        let aad = Self::aad(key);
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(&nonce, Payload { msg: &sealed[HEADER_LEN + NONCE_LEN..], aad: &aad })
                .map_err(|_| {
                    unreadable("it does not decrypt with the current cache key (tampered, or ENTRA_AUTH_CACHE_KEY changed)")
                })?,
        );
        let record: Record =
            serde_json::from_slice(&plain).map_err(|_| unreadable("its content is malformed"))?;
        if record.key != key.as_str() {
            return Err(unreadable("it belongs to another cache key"));
        }
        Ok(Token {
            access_token: SecretString::from(record.access_token),
            token_type: record.token_type,
            expires_on: record.expires_on,
            ext_expires_on: record.ext_expires_on,
            refresh_on: record.refresh_on,
            scope: record.scope,
            tenant_id: record.tenant_id,
            cached_at: record.cached_at,
        })
    }
}

impl TokenCache for FileTokenCache {
    fn backend_name(&self) -> &'static str {
        "file"
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Token>, CacheError> {
        let path = self.path_for(key);
        match std::fs::read(&path) {
            Ok(sealed) => self.open(key, &path, &sealed).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CacheError::Io {
                location: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    fn store(&self, key: &CacheKey, token: &Token) -> Result<(), CacheError> {
        let path = self.path_for(key);
        let io = |e: std::io::Error| CacheError::Io {
            location: path.display().to_string(),
            reason: e.to_string(),
        };
        let record = Record {
            key: key.as_str().to_owned(),
            access_token: token.access_token.expose_secret().to_owned(),
            token_type: token.token_type.clone(),
            expires_on: token.expires_on,
            ext_expires_on: token.ext_expires_on,
            refresh_on: token.refresh_on,
            scope: token.scope.clone(),
            tenant_id: token.tenant_id.clone(),
            cached_at: token.cached_at,
        };
        let plain = Zeroizing::new(serde_json::to_vec(&record).map_err(|e| CacheError::Io {
            location: path.display().to_string(),
            reason: e.to_string(),
        })?);
        drop(Zeroizing::new(record.access_token));
        let mut nonce_bytes = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce_bytes).map_err(|e| CacheError::Io {
            location: path.display().to_string(),
            reason: format!("no randomness for the nonce: {e}"),
        })?;
        let nonce = XNonce::from(nonce_bytes);
        let aad = Self::aad(key);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .map_err(|_| CacheError::Io {
                location: path.display().to_string(),
                reason: "encryption failed".to_owned(),
            })?;
        let mut file = Vec::with_capacity(HEADER_LEN + NONCE_LEN + sealed.len());
        file.extend_from_slice(MAGIC);
        file.push(VERSION);
        file.extend_from_slice(&nonce_bytes);
        file.extend_from_slice(&sealed);
        create_private_dir(&self.dir).map_err(io)?;
        write_private(&path, &file).map_err(io)
    }

    fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        let path = self.path_for(key);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CacheError::Io {
                location: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CacheKeyMaterial, FileTokenCache};
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
        FileTokenCache::new(dir.to_path_buf(), &CacheKeyMaterial::parse(hex).unwrap())
    }

    #[test]
    fn round_trips_and_is_not_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), KEY_HEX);
        assert!(c.load(&key("s")).unwrap().is_none());
        c.store(&key("s"), &token()).unwrap();
        let back = c.load(&key("s")).unwrap().unwrap();
        assert_eq!(back.secret(), "eyJ.secret-token.sig");
        assert_eq!(back.expires_on, 2_000);
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains("secret-token"));
        }
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
        assert!(
            c.load(&key("s")).unwrap().is_some(),
            "a valid write replaced the bad file"
        );
    }

    #[test]
    fn key_formats() {
        assert!(CacheKeyMaterial::parse(KEY_HEX).is_ok());
        assert!(CacheKeyMaterial::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_ok());
        let err = CacheKeyMaterial::parse("c2hvcnQ=").err().unwrap();
        assert!(err.contains("32"), "{err}");
        assert!(CacheKeyMaterial::parse("not base64!").is_err());
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
