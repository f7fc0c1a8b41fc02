//! Authenticated encryption for the `file` store, shared by tokens and secrets:
//! XChaCha20-Poly1305 under a 256-bit key that is never stored next to the data.
//!
//! Layout (version 1): `b"EACT"` | version byte `1` | 24-byte random nonce | ciphertext+tag.
//! The header and a domain label (`token`, `secret`) are authenticated data, so a flipped bit,
//! a truncated file, a foreign key or a token file passed off as a secret all fail to open.

use std::path::Path;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::adapters::os::atomic_file::write_private;
pub use crate::adapters::os::safe_fs::ReadError;
use crate::adapters::os::safe_fs::{MAX_STATE_FILE, ensure_private_dir, read_regular};

const MAGIC: &[u8; 4] = b"EACT";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 1;

/// A 256-bit key, wiped from memory when dropped.
pub struct KeyMaterial(Zeroizing<[u8; 32]>);

impl KeyMaterial {
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

    /// 32 fresh random bytes.
    ///
    /// # Errors
    /// When the OS has no randomness to give.
    pub fn generate() -> Result<Self, String> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|e| format!("no randomness: {e}"))?;
        Ok(Self(key))
    }

    /// The key as standard base64 (to store it in the OS keyring).
    #[must_use]
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.0.as_ref()))
    }
}

/// Seals and opens byte strings for one domain label.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    #[must_use]
    pub fn new(key: &KeyMaterial) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(&(*key.0).into()),
        }
    }

    fn aad(label: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(HEADER_LEN + label.len());
        aad.extend_from_slice(MAGIC);
        aad.push(VERSION);
        aad.extend_from_slice(label.as_bytes());
        aad
    }

    /// Encrypts `plain` into the file layout above.
    ///
    /// # Errors
    /// Only when the OS has no randomness for the nonce.
    pub fn seal(&self, label: &str, plain: &[u8]) -> Result<Vec<u8>, String> {
        let mut nonce_bytes = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce_bytes)
            .map_err(|e| format!("no randomness for the nonce: {e}"))?;
        let aad = Self::aad(label);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce_bytes),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts and authenticates a sealed file's bytes.
    ///
    /// # Errors
    /// A reason suitable for a warning: truncated, foreign, another version, or tampered/wrong key.
    pub fn open(&self, label: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || &sealed[..MAGIC.len()] != MAGIC {
            return Err("not an entra-auth-cli store file (truncated or foreign)".to_owned());
        }
        if sealed[MAGIC.len()] != VERSION {
            return Err("written by an incompatible version".to_owned());
        }
        let nonce = XNonce::try_from(&sealed[HEADER_LEN..HEADER_LEN + NONCE_LEN])
            .map_err(|_| "bad nonce".to_owned())?;
        let aad = Self::aad(label);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[HEADER_LEN + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                "it does not decrypt with the current key (tampered, or the key changed)".to_owned()
            })
    }
}

/// Reads a sealed file (a regular file, never through a link, never blocking, at most
/// [`MAX_STATE_FILE`] bytes); `Ok(None)` when it does not exist.
///
/// # Errors
/// `Refused` for what is not such a file (an unreadable entry); `Io` for other I/O errors.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, ReadError> {
    read_regular(path, MAX_STATE_FILE)
}

/// Writes `bytes` to `dir/name` atomically, 0600 in a 0700 directory that must be the user's
/// own (`variable` chooses another, for the message).
///
/// # Errors
/// Any I/O error, an unsafe directory, as text.
pub fn write_sealed(
    dir: &Path,
    variable: &'static str,
    name: &str,
    bytes: &[u8],
) -> Result<(), String> {
    ensure_private_dir(dir, variable).map_err(|e| e.to_string())?;
    write_private(&dir.join(name), bytes).map_err(|e| e.to_string())
}

/// Removes a file; a missing file is fine.
///
/// # Errors
/// Any other I/O error, as text.
pub fn remove_optional(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// The most directory entries looked at when listing a store's files.
const MAX_ENTRIES: usize = 100_000;

/// The files in `dir` whose name ends with `suffix` (among its first [`MAX_ENTRIES`] entries);
/// none when `dir` does not exist.
///
/// # Errors
/// Any other I/O error, as text.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    let mut files: Vec<_> = entries
        .take(MAX_ENTRIES)
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Lower-case hex SHA-256 of `text`: file names that reveal nothing.
#[must_use]
pub fn digest_name(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{KeyMaterial, Sealer};

    const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn seal_open_round_trip_and_domain_separation() {
        let s = Sealer::new(&KeyMaterial::parse(KEY_HEX).unwrap());
        let sealed = s.seal("token", b"hello").unwrap();
        assert_eq!(s.open("token", &sealed).unwrap().as_slice(), b"hello");
        assert!(s.open("secret", &sealed).is_err());
        assert!(s.open("token", &sealed[..20]).is_err());
        let other = Sealer::new(&KeyMaterial::parse(&"ff".repeat(32)).unwrap());
        assert!(other.open("token", &sealed).is_err());
    }

    #[test]
    fn key_formats() {
        assert!(KeyMaterial::parse(KEY_HEX).is_ok());
        assert!(KeyMaterial::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_ok());
        let err = KeyMaterial::parse("c2hvcnQ=").err().unwrap();
        assert!(err.contains("32"), "{err}");
        assert!(KeyMaterial::parse("not base64!").is_err());
        let generated = KeyMaterial::generate().unwrap();
        assert!(KeyMaterial::parse(&generated.to_base64()).is_ok());
    }
}
