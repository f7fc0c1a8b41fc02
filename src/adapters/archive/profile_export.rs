//! Profile exports: our authenticated, versioned format (written by `config export`, read by
//! `config import`), and the sniffing that hands the .NET entra-auth-cli's blobs to `seed_import`.
//!
//! Format v1, text, exactly:
//! - line 1: `ENTRA-AUTH-CLI-EXPORT v1` and LF. These 25 bytes are the AEAD associated data, so
//!   the version cannot be changed without the tag failing;
//! - line 2: standard base64 (padded, one line) of `salt (16) ‖ nonce (24) ‖ ciphertext ‖ tag
//!   (16)`, and LF. Cipher XChaCha20-Poly1305; key Argon2id (v1.3) of the UTF-8 passphrase with
//!   the salt, m = 64 MiB, t = 3, p = 1, 32 bytes. Salt and nonce are fresh random bytes.
//!
//! The plaintext is JSON: `{"version":1,"profiles":[{"name":"…","settings":{…`config.toml`
//! field names…},"secrets":{"client_secret":"…","certificate_password":"…"}}]}`, secrets only
//! when exported. Reading is strict (unknown keys are errors), and a wrong passphrase, a
//! truncated or a tampered file all fail the same authentication check.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::adapters::archive::seed_import;
use crate::domain::profile::ProfileSettings;

/// The first line of a v1 export, with its LF: the authenticated data.
pub const HEADER_V1: &str = "ENTRA-AUTH-CLI-EXPORT v1\n";
const MAGIC: &str = "ENTRA-AUTH-CLI-EXPORT";
/// Argon2id cost of v1: memory in KiB, passes, lanes.
pub const ARGON2_M_KIB: u32 = 64 * 1024;
pub const ARGON2_T: u32 = 3;
pub const ARGON2_P: u32 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

pub use crate::ports::profile_archive::{ExportFormat, ImportError, PortableProfile};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDocument {
    version: u32,
    profiles: Vec<WireProfile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireProfile {
    name: String,
    settings: ProfileSettings,
    #[serde(default)]
    secrets: WireSecrets,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    certificate_password: Option<String>,
}

impl Drop for WireSecrets {
    fn drop(&mut self) {
        self.client_secret.zeroize();
        self.certificate_password.zeroize();
    }
}

fn v1_key(passphrase: &SecretString, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, String> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(32))
        .map_err(|e| format!("argon2 parameters: {e}"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose_secret().as_bytes(), salt, key.as_mut())
        .map_err(|e| format!("argon2: {e}"))?;
    Ok(key)
}

/// Encrypts `profiles` into a v1 export (the whole text, ending with LF).
///
/// # Errors
/// Only when the OS has no randomness or the KDF cannot allocate its memory.
pub fn seal(profiles: &[PortableProfile], passphrase: &SecretString) -> Result<String, String> {
    let document = WireDocument {
        version: 1,
        profiles: profiles
            .iter()
            .map(|p| WireProfile {
                name: p.name.clone(),
                settings: p.settings.clone(),
                secrets: WireSecrets {
                    client_secret: p
                        .client_secret
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned()),
                    certificate_password: p
                        .certificate_password
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned()),
                },
            })
            .collect(),
    };
    let plain = Zeroizing::new(serde_json::to_vec(&document).map_err(|e| e.to_string())?);
    let mut salt_nonce = [0u8; SALT_LEN + NONCE_LEN];
    getrandom::fill(&mut salt_nonce).map_err(|e| format!("no randomness: {e}"))?;
    let (salt, nonce) = salt_nonce.split_at(SALT_LEN);
    let key = v1_key(passphrase, salt)?;
    let nonce = XNonce::try_from(nonce).map_err(|_| "bad nonce length".to_owned())?;
    let sealed = XChaCha20Poly1305::new(&(*key).into())
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: HEADER_V1.as_bytes(),
            },
        )
        .map_err(|_| "encryption failed".to_owned())?;
    let mut blob = salt_nonce.to_vec();
    blob.extend_from_slice(&sealed);
    Ok(format!(
        "{HEADER_V1}{}\n",
        base64::engine::general_purpose::STANDARD.encode(blob)
    ))
}

/// What `input` looks like, without a passphrase (so garbage fails before any prompt).
///
/// # Errors
/// [`ImportError::NotAnExport`] or [`ImportError::UnsupportedVersion`].
pub fn sniff(input: &[u8]) -> Result<ExportFormat, ImportError> {
    let text = trimmed(input);
    if text.starts_with(MAGIC.as_bytes()) {
        let line = text.split(|b| *b == b'\n').next().unwrap_or_default();
        let line = String::from_utf8_lossy(line);
        let version = line[MAGIC.len()..].trim_end_matches('\r');
        let version = version.strip_prefix(' ').unwrap_or(version);
        return if version == "v1" {
            Ok(ExportFormat::V1)
        } else {
            Err(ImportError::UnsupportedVersion(version.to_owned()))
        };
    }
    if text.is_empty() {
        return Err(ImportError::NotAnExport("the input is empty".to_owned()));
    }
    if matches!(text.first(), Some(b'[' | b'{')) {
        return Err(ImportError::NotAnExport(
            "this is JSON, not an encrypted export (the .NET entra-auth-cli's profiles.json is read with --from-seed)".to_owned(),
        ));
    }
    if text
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b) || b.is_ascii_whitespace())
    {
        Ok(ExportFormat::SeedEnc)
    } else {
        Err(ImportError::NotAnExport(
            "neither an entra-auth-cli export nor the .NET entra-auth-cli's base64 export"
                .to_owned(),
        ))
    }
}

/// The input without a UTF-8 BOM and surrounding whitespace.
fn trimmed(input: &[u8]) -> &[u8] {
    input
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(input)
        .trim_ascii()
}

fn base64_body(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
        .map(Zeroizing::new)
}

/// Decrypts and parses an export of either format.
///
/// # Errors
/// See [`ImportError`]; nothing is returned unless the whole content is readable.
pub fn open(
    input: &[u8],
    passphrase: &SecretString,
) -> Result<(ExportFormat, Vec<PortableProfile>), ImportError> {
    let format = sniff(input)?;
    let text = trimmed(input);
    let profiles = match format {
        ExportFormat::V1 => open_v1(text, passphrase)?,
        ExportFormat::SeedEnc => {
            let blob = base64_body(text).ok_or_else(|| {
                ImportError::NotAnExport(
                    "the .NET entra-auth-cli's export is not valid base64".to_owned(),
                )
            })?;
            let plain = seed_import::decrypt(&blob, passphrase.expose_secret().as_bytes())?;
            vec![seed_import::parse_export(&plain)?]
        }
    };
    Ok((format, profiles))
}

fn open_v1(text: &[u8], passphrase: &SecretString) -> Result<Vec<PortableProfile>, ImportError> {
    let body = text
        .iter()
        .position(|b| *b == b'\n')
        .map_or(&[][..], |i| &text[i + 1..]);
    let blob = base64_body(body).ok_or(ImportError::Decrypt)?;
    if blob.len() < SALT_LEN + NONCE_LEN + TAG_LEN {
        return Err(ImportError::Decrypt);
    }
    let (salt, rest) = blob.split_at(SALT_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let key = v1_key(passphrase, salt).map_err(ImportError::Invalid)?;
    let nonce = XNonce::try_from(nonce).map_err(|_| ImportError::Decrypt)?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new(&(*key).into())
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: HEADER_V1.as_bytes(),
                },
            )
            .map_err(|_| ImportError::Decrypt)?,
    );
    let document: WireDocument =
        serde_json::from_slice(&plain).map_err(|e| ImportError::Invalid(e.to_string()))?;
    if document.version != 1 {
        return Err(ImportError::UnsupportedVersion(format!(
            "v1 with document version {}",
            document.version
        )));
    }
    Ok(document
        .profiles
        .into_iter()
        .map(|mut p| PortableProfile {
            name: std::mem::take(&mut p.name),
            settings: std::mem::take(&mut p.settings),
            client_secret: p.secrets.client_secret.take().map(SecretString::from),
            certificate_password: p
                .secrets
                .certificate_password
                .take()
                .map(SecretString::from),
        })
        .collect())
}

/// The [`ProfileArchive`] of this build: v1 exports, and the .NET entra-auth-cli's formats for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportArchive;

impl crate::ports::profile_archive::ProfileArchive for ExportArchive {
    fn seal(
        &self,
        profiles: &[PortableProfile],
        passphrase: &SecretString,
    ) -> Result<String, String> {
        seal(profiles, passphrase)
    }

    fn sniff(&self, input: &[u8]) -> Result<ExportFormat, ImportError> {
        sniff(input)
    }

    fn open(
        &self,
        input: &[u8],
        passphrase: &SecretString,
    ) -> Result<(ExportFormat, Vec<PortableProfile>), ImportError> {
        open(input, passphrase)
    }

    fn seed_profiles(&self, text: &str) -> Result<Vec<PortableProfile>, String> {
        seed_import::parse_profiles_json(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::profile::ScopeList;

    fn profile() -> PortableProfile {
        PortableProfile {
            name: "prod".into(),
            settings: ProfileSettings {
                tenant_id: Some("contoso.onmicrosoft.com".into()),
                scopes: Some(ScopeList::List(vec!["api://x/.default".into()])),
                port: Some(8400),
                ..ProfileSettings::default()
            },
            client_secret: Some(SecretString::from("s3cret")),
            certificate_password: None,
        }
    }

    fn pass(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn round_trip_with_the_exact_layout() {
        let text = seal(&[profile()], &pass("correct horse")).unwrap();
        let (header, body) = text.split_at(HEADER_V1.len());
        assert_eq!(header, "ENTRA-AUTH-CLI-EXPORT v1\n");
        assert!(body.ends_with('\n') && !body.trim_end().contains('\n'));
        let blob = base64::engine::general_purpose::STANDARD
            .decode(body.trim_end())
            .unwrap();
        // salt + nonce + JSON + tag
        assert!(blob.len() > SALT_LEN + NONCE_LEN + TAG_LEN + 40);
        assert!(!text.contains("s3cret") && !text.contains("contoso"));

        let (format, profiles) = open(text.as_bytes(), &pass("correct horse")).unwrap();
        assert_eq!(format, ExportFormat::V1);
        assert_eq!(profiles.len(), 1);
        assert_eq!(profiles[0].name, "prod");
        assert_eq!(profiles[0].settings, profile().settings);
        assert_eq!(
            profiles[0].client_secret.as_ref().unwrap().expose_secret(),
            "s3cret"
        );
        assert!(profiles[0].certificate_password.is_none());
    }

    #[test]
    fn wrong_passphrase_truncation_tampering_and_header_edits_fail_alike() {
        let text = seal(&[profile()], &pass("pw")).unwrap();
        assert_eq!(
            open(text.as_bytes(), &pass("pW")).unwrap_err(),
            ImportError::Decrypt
        );
        let truncated = &text[..text.len() - 10];
        assert_eq!(
            open(truncated.as_bytes(), &pass("pw")).unwrap_err(),
            ImportError::Decrypt
        );
        let mut tampered = text.clone().into_bytes();
        let i = HEADER_V1.len() + 60;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            open(&tampered, &pass("pw")).unwrap_err(),
            ImportError::Decrypt
        );
        assert_eq!(
            open(HEADER_V1.as_bytes(), &pass("pw")).unwrap_err(),
            ImportError::Decrypt
        );
        let v2 = text.replacen("v1", "v2", 1);
        assert!(matches!(
            open(v2.as_bytes(), &pass("pw")).unwrap_err(),
            ImportError::UnsupportedVersion(v) if v == "v2"
        ));
    }

    #[test]
    fn sniffing_tells_the_formats_apart() {
        assert_eq!(
            sniff(b"\xEF\xBB\xBF QUJD\n").unwrap(),
            ExportFormat::SeedEnc
        );
        assert!(matches!(sniff(b"[{}]"), Err(ImportError::NotAnExport(_))));
        assert!(matches!(sniff(b"  "), Err(ImportError::NotAnExport(_))));
        assert!(matches!(
            sniff(b"hello world!"),
            Err(ImportError::NotAnExport(_))
        ));
    }

    #[test]
    fn reads_the_seed_format_through_the_same_entry_point() {
        let plain = br#"{"Profile":{"name":"legacy","tenantId":"t.example","clientId":"c","scopes":["s"],"authMethod":"ClientSecret"},"ClientSecret":"abc","CertificatePassword":null,"ExportedAt":"2025-12-27T10:00:00+00:00"}"#;
        let blob = crate::adapters::archive::seed_import::tests::seed_encrypt(plain, "pw");
        let (format, profiles) = open(blob.as_bytes(), &pass("pw")).unwrap();
        assert_eq!(format, ExportFormat::SeedEnc);
        assert_eq!(profiles[0].name, "legacy");
        assert_eq!(
            profiles[0].client_secret.as_ref().unwrap().expose_secret(),
            "abc"
        );
        assert_eq!(
            open(blob.as_bytes(), &pass("nope")).unwrap_err(),
            ImportError::Decrypt
        );
    }
}
