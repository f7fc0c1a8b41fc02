//! Passphrase-encrypted profile exports (ours, and the .NET entra-auth-cli's) and the .NET entra-auth-cli's
//! `profiles.json`: the formats `config export` writes and `config import` reads.

use secrecy::SecretString;

use crate::domain::profile::ProfileSettings;

/// One profile as an export carries it.
#[derive(Debug)]
pub struct PortableProfile {
    pub name: String,
    pub settings: ProfileSettings,
    pub client_secret: Option<SecretString>,
    pub certificate_password: Option<SecretString>,
}

/// What kind of file an import was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Ours, `ENTRA-AUTH-CLI-EXPORT v1`.
    V1,
    /// The .NET entra-auth-cli's base64 AES-256-CBC blob (no authentication).
    SeedEnc,
}

/// Why an export could not be read. `Decrypt` covers wrong passphrases and damaged files alike:
/// the cryptography cannot tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("not a profile export: {0}")]
    NotAnExport(String),
    #[error("export format version `{0}` is not supported by this build (it reads v1)")]
    UnsupportedVersion(String),
    #[error("wrong passphrase or corrupted file")]
    Decrypt,
    #[error("the export's content is invalid: {0}")]
    Invalid(String),
}

/// Seals and opens exports. Error contract: `sniff` needs no passphrase and rejects what is not
/// an export before anyone is asked for one.
pub trait ProfileArchive: Send + Sync {
    /// An export of `profiles` (text, ends with a newline).
    ///
    /// # Errors
    /// Only if key derivation or encryption fails.
    fn seal(
        &self,
        profiles: &[PortableProfile],
        passphrase: &SecretString,
    ) -> Result<String, String>;
    /// Which format `input` is, without decrypting it.
    ///
    /// # Errors
    /// `NotAnExport`, `UnsupportedVersion`.
    fn sniff(&self, input: &[u8]) -> Result<ExportFormat, ImportError>;
    /// Decrypts and parses an export.
    ///
    /// # Errors
    /// See [`ImportError`].
    fn open(
        &self,
        input: &[u8],
        passphrase: &SecretString,
    ) -> Result<(ExportFormat, Vec<PortableProfile>), ImportError>;
    /// Parses the .NET entra-auth-cli's `profiles.json`.
    ///
    /// # Errors
    /// A reason when it is not that file.
    fn seed_profiles(&self, text: &str) -> Result<Vec<PortableProfile>, String>;
}
