//! Reads what the .NET entra-auth-cli (the .NET `entra-auth-cli`) wrote: its encrypted `config export`
//! blobs and its `profiles.json`, mapped onto our profile settings.
//!
//! The `.enc` export, bit for bit: standard base64 (one line, no header) of
//! `salt (32 bytes) ‖ IV (16 bytes) ‖ AES-256-CBC/PKCS7 ciphertext`, the key being
//! PBKDF2-HMAC-SHA256 of the UTF-8 passphrase, 100,000 iterations, 32 bytes. The plaintext is
//! System.Text.Json of `{"Profile": {AuthProfile, camelCase keys}, "ClientSecret": string|null,
//! "CertificatePassword": string|null, "ExportedAt": date}`. There is no MAC: a wrong passphrase
//! or a tampered blob shows as a padding error or as garbage that is not that JSON, and both are
//! reported the same way. `profiles.json` is a bare JSON array of AuthProfile objects (secrets
//! were never in it: they lived in the OS store).

use aes::Aes256;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, KeyIvInit};
use secrecy::SecretString;
use serde_json::{Map, Value};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::domain::profile::{ProfileSettings, ScopeList};
use crate::ports::profile_archive::{ImportError, PortableProfile};

/// PBKDF2 iterations of the seed's `Rfc2898DeriveBytes.Pbkdf2` call.
pub const SEED_PBKDF2_ITERATIONS: u32 = 100_000;
const SALT_LEN: usize = 32;
const IV_LEN: usize = 16;
const BLOCK: usize = 16;

/// The seed's AES key for `passphrase` and `salt`.
fn seed_key(passphrase: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(passphrase, salt, SEED_PBKDF2_ITERATIONS, key.as_mut());
    key
}

/// Decrypts a seed `.enc` blob (already base64-decoded) into the JSON bytes.
///
/// # Errors
/// [`ImportError::Decrypt`] for a wrong passphrase, a truncated blob or a padding failure.
pub fn decrypt(blob: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let body = blob.len().checked_sub(SALT_LEN + IV_LEN);
    if body.is_none_or(|n| n == 0 || n % BLOCK != 0) {
        return Err(ImportError::Decrypt);
    }
    let (salt, rest) = blob.split_at(SALT_LEN);
    let (iv, ciphertext) = rest.split_at(IV_LEN);
    let key = seed_key(passphrase, salt);
    let iv: [u8; IV_LEN] = iv.try_into().map_err(|_| ImportError::Decrypt)?;
    cbc::Decryptor::<Aes256>::new(&(*key).into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| ImportError::Decrypt)
}

/// Parses the decrypted seed JSON into one profile with its secrets.
///
/// # Errors
/// [`ImportError::Decrypt`] when the bytes are not JSON (a wrong passphrase that happened to
/// leave valid padding), [`ImportError::Invalid`] when the JSON lacks a usable `Profile`.
pub fn parse_export(plain: &[u8]) -> Result<PortableProfile, ImportError> {
    let plain = plain.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(plain);
    let wrapper: Value = serde_json::from_slice(plain).map_err(|_| ImportError::Decrypt)?;
    let Some(object) = wrapper.as_object() else {
        return Err(ImportError::Decrypt);
    };
    let profile = match object.get("Profile") {
        Some(Value::Object(profile)) => profile,
        _ => {
            return Err(ImportError::Invalid(
                "the .NET entra-auth-cli export has no `Profile` object".to_owned(),
            ));
        }
    };
    let mut imported = map_profile(profile).map_err(ImportError::Invalid)?;
    imported.client_secret = secret_field(object, "ClientSecret")?;
    imported.certificate_password = secret_field(object, "CertificatePassword")?;
    Ok(imported)
}

/// A wrapper secret: the seed stores it only when it is not blank.
fn secret_field(
    object: &Map<String, Value>,
    key: &str,
) -> Result<Option<SecretString>, ImportError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(SecretString::from(s.clone()))),
        Some(_) => Err(ImportError::Invalid(format!(
            "`{key}` in the .NET entra-auth-cli export is not a string"
        ))),
    }
}

/// Parses the seed's `profiles.json`: a bare array of profiles (a `{"profiles": [...]}` wrapper,
/// which the seed's docs describe, is accepted too).
///
/// # Errors
/// A reason when the text is not JSON or a profile cannot be mapped.
pub fn parse_profiles_json(text: &str) -> Result<Vec<PortableProfile>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = match &value {
        Value::Array(items) => items,
        Value::Object(object) => match field(object, "profiles") {
            Some(Value::Array(items)) => items,
            _ => return Err("expected a JSON array of profiles".to_owned()),
        },
        _ => return Err("expected a JSON array of profiles".to_owned()),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(profile) => {
                map_profile(profile).map_err(|e| format!("profile #{}: {e}", i + 1))
            }
            _ => Err(format!("profile #{} is not a JSON object", i + 1)),
        })
        .collect()
}

/// A key, matched exactly first and then case-insensitively (the seed reads `profiles.json`
/// case-insensitively); JSON `null` counts as absent.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .get(key)
        .or_else(|| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

fn text(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match field(object, key) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(format!("`{key}` is not a string")),
    }
}

/// A .NET enum written by `JsonStringEnumConverter`: its name (any case) or its number.
fn enum_value(
    object: &Map<String, Value>,
    key: &str,
    names: &[&'static str],
) -> Result<Option<&'static str>, String> {
    let found = match field(object, key) {
        None => return Ok(None),
        Some(Value::String(s)) => names.iter().find(|n| n.eq_ignore_ascii_case(s.trim())),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| names.get(i)),
        Some(_) => None,
    };
    found
        .copied()
        .map(Some)
        .ok_or_else(|| format!("`{key}` must be one of {}", names.join(", ")))
}

/// The seed's `AuthenticationMethod` and `OAuth2Flow`, in declaration order (= their numbers).
const SEED_METHODS: [&str; 3] = ["ClientSecret", "Certificate", "PasswordlessCertificate"];
const SEED_FLOWS: [&str; 4] = [
    "AuthorizationCode",
    "ClientCredentials",
    "DeviceCode",
    "InteractiveBrowser",
];

/// Maps one seed `AuthProfile` onto our settings. The seed always used the public cloud
/// (`login.microsoftonline.com`), which is our default, so no authority is written.
fn map_profile(object: &Map<String, Value>) -> Result<PortableProfile, String> {
    let name = match field(object, "name") {
        None => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => return Err("`name` is not a string".to_owned()),
    };
    let mut scopes = Vec::new();
    match field(object, "scopes") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) if !s.trim().is_empty() => scopes.push(s.trim().to_owned()),
                    Value::String(_) => {}
                    _ => return Err("`scopes` must be a list of strings".to_owned()),
                }
            }
        }
        Some(_) => return Err("`scopes` must be a list of strings".to_owned()),
    }
    // The seed's client-credentials call used `{resource}/.default` when there were no scopes.
    if scopes.is_empty()
        && let Some(resource) = text(object, "resource")?
    {
        scopes.push(format!("{resource}/.default"));
    }
    let method = enum_value(object, "authMethod", &SEED_METHODS)?.unwrap_or("ClientSecret");
    let flow = match enum_value(object, "defaultFlow", &SEED_FLOWS)? {
        Some("AuthorizationCode") => Some("authorization-code"),
        Some("ClientCredentials") => Some("client-credentials"),
        Some("DeviceCode") => Some("device-code"),
        Some(_) => Some("interactive"),
        // The seed's inference without a default flow: a passwordless certificate signs a user
        // in with the browser; the others run client credentials, which is our default too.
        None if method == "PasswordlessCertificate" => Some("interactive"),
        None => None,
    };
    let settings = ProfileSettings {
        tenant_id: text(object, "tenantId")?,
        client_id: text(object, "clientId")?,
        scopes: (!scopes.is_empty()).then_some(ScopeList::List(scopes)),
        flow: flow.map(str::to_owned),
        auth_method: Some(
            if method == "ClientSecret" {
                "client-secret"
            } else {
                "certificate"
            }
            .to_owned(),
        ),
        certificate_path: text(object, "certificatePath")?,
        redirect_uri: text(object, "redirectUri")?,
        ..ProfileSettings::default()
    };
    Ok(PortableProfile {
        name,
        settings,
        client_secret: None,
        certificate_password: None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use aes::cipher::BlockModeEncrypt;
    use base64::Engine as _;
    use secrecy::ExposeSecret;

    use super::*;

    /// The seed's encryption, for tests: same layout, fixed salt and IV.
    pub(crate) fn seed_encrypt(plain: &[u8], passphrase: &str) -> String {
        let (salt, iv) = ([7u8; SALT_LEN], [9u8; IV_LEN]);
        let key = seed_key(passphrase.as_bytes(), &salt);
        let ciphertext = cbc::Encryptor::<Aes256>::new(&(*key).into(), &iv.into())
            .encrypt_padded_vec::<Pkcs7>(plain);
        let mut blob = salt.to_vec();
        blob.extend_from_slice(&iv);
        blob.extend_from_slice(&ciphertext);
        base64::engine::general_purpose::STANDARD.encode(blob)
    }

    /// Made with Python's `cryptography` (PBKDF2HMAC SHA256 100k, AES-256-CBC, PKCS7), salt
    /// 0x00..0x1f, IV 0x20..0x2f, passphrase "pässword", plaintext `{"Profile":{"name":"x"}}`.
    const PYTHON_VECTOR: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vFPXEvtb4fKFPVUHz4nlBLyTbqSFB3+/I24en4ltp6c4=";

    #[test]
    fn decrypts_an_independent_implementations_blob() {
        let blob = base64::engine::general_purpose::STANDARD
            .decode(PYTHON_VECTOR)
            .unwrap();
        let plain = decrypt(&blob, "pässword".as_bytes()).unwrap();
        assert_eq!(plain.as_slice(), br#"{"Profile":{"name":"x"}}"#);
        assert!(matches!(
            decrypt(&blob, b"password"),
            Err(ImportError::Decrypt)
        ));
        assert!(matches!(
            decrypt(&blob[..blob.len() - 1], "pässword".as_bytes()),
            Err(ImportError::Decrypt)
        ));
        assert!(matches!(
            decrypt(&blob[..48], b"x"),
            Err(ImportError::Decrypt)
        ));
    }

    #[test]
    fn maps_the_seed_wrapper_and_its_enums() {
        let json = r#"{
  "Profile": {
    "name": "myapp",
    "tenantId": "contoso.onmicrosoft.com",
    "clientId": "3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a",
    "scopes": [],
    "resource": "https://management.azure.com",
    "authMethod": "Certificate",
    "redirectUri": null,
    "certificatePath": "/certs/app.pfx",
    "cacheCertificatePassword": true,
    "defaultFlow": 2,
    "createdAt": "2025-12-26T10:00:00.1234567+00:00",
    "updatedAt": "2025-12-26T10:00:00.1234567+00:00"
  },
  "ClientSecret": "  ",
  "CertificatePassword": "pfx-pass",
  "ExportedAt": "2025-12-27T10:00:00+00:00"
}"#;
        let p = parse_export(json.as_bytes()).unwrap();
        assert_eq!(p.name, "myapp");
        assert_eq!(
            p.settings.scopes,
            Some(ScopeList::List(vec![
                "https://management.azure.com/.default".into()
            ]))
        );
        assert_eq!(p.settings.auth_method.as_deref(), Some("certificate"));
        assert_eq!(p.settings.flow.as_deref(), Some("device-code"));
        assert_eq!(
            p.settings.certificate_path.as_deref(),
            Some("/certs/app.pfx")
        );
        assert!(p.client_secret.is_none(), "blank secrets are not imported");
        assert_eq!(p.certificate_password.unwrap().expose_secret(), "pfx-pass");
    }

    #[test]
    fn garbage_after_decryption_reads_as_a_wrong_passphrase() {
        assert!(matches!(
            parse_export(b"\x93\x01garbage"),
            Err(ImportError::Decrypt)
        ));
        assert!(matches!(
            parse_export(br#"{"profile":{}}"#),
            Err(ImportError::Invalid(_))
        ));
        let round = seed_encrypt(br#"{"Profile":{"name":"r"}}"#, "pw");
        let blob = base64::engine::general_purpose::STANDARD
            .decode(round)
            .unwrap();
        assert_eq!(
            parse_export(&decrypt(&blob, b"pw").unwrap()).unwrap().name,
            "r"
        );
    }

    #[test]
    fn profiles_json_is_read_case_insensitively() {
        let text = r#"[{"Name":"a","TENANTID":"t.example","clientId":"c","scopes":["s"],
            "authMethod":"passwordlesscertificate","cacheCertificatePassword":false}]"#;
        let profiles = parse_profiles_json(text).unwrap();
        assert_eq!(profiles.len(), 1);
        assert_eq!(profiles[0].name, "a");
        assert_eq!(profiles[0].settings.tenant_id.as_deref(), Some("t.example"));
        assert_eq!(profiles[0].settings.flow.as_deref(), Some("interactive"));
        assert!(parse_profiles_json(r#"[{"authMethod":"Magic"}]"#).is_err());
        assert!(parse_profiles_json("{").is_err());
    }
}
