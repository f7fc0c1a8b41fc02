//! Federated credentials (workload identity): the assertion is a token another identity provider
//! issued, read from a file on EVERY request because the platform rotates it (AKS projects
//! `AZURE_FEDERATED_TOKEN_FILE` and refreshes it in place).

use std::path::PathBuf;

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::adapters::os::safe_fs::read_named_file;
use crate::ports::assertion::{AssertionError, ClientAssertionSource};

/// The most bytes read from the token file (a projected service account token is about 1 KB).
const MAX_TOKEN_FILE: u64 = 1024 * 1024;

/// Reads the token file each time an assertion is needed; never caches it.
pub struct FederatedTokenFile {
    path: PathBuf,
}

impl FederatedTokenFile {
    #[must_use]
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl ClientAssertionSource for FederatedTokenFile {
    fn kind(&self) -> &'static str {
        "federated"
    }

    fn assertion(&self, _audience: &str, _now: i64) -> Result<SecretString, AssertionError> {
        let text = read_named_file(&self.path, MAX_TOKEN_FILE)
            .and_then(|bytes| String::from_utf8(bytes).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text")))
            .map(Zeroizing::new)
            .map_err(|e| AssertionError {
            message: format!("cannot read the federated token file {}: {e}", self.path.display()),
            hint: Some("check AZURE_FEDERATED_TOKEN_FILE (or federated_token_file) and that the workload identity volume is mounted".to_owned()),
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(AssertionError {
                message: format!("the federated token file {} is empty", self.path.display()),
                hint: Some(
                    "the platform writes this file; check the service account token projection"
                        .to_owned(),
                ),
            });
        }
        Ok(SecretString::from(token.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::FederatedTokenFile;
    use crate::ports::assertion::ClientAssertionSource;
    use secrecy::ExposeSecret;

    #[test]
    fn reads_the_file_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let source = FederatedTokenFile::new(path.clone());
        assert!(
            source
                .assertion("", 0)
                .unwrap_err()
                .message
                .contains("cannot read")
        );
        std::fs::write(&path, "  \n").unwrap();
        assert!(
            source
                .assertion("", 0)
                .unwrap_err()
                .message
                .contains("is empty")
        );
        std::fs::write(&path, "first\n").unwrap();
        assert_eq!(source.assertion("", 0).unwrap().expose_secret(), "first");
        std::fs::write(&path, "rotated").unwrap();
        assert_eq!(source.assertion("", 0).unwrap().expose_secret(), "rotated");
    }
}
