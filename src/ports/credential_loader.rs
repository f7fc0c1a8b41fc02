//! Loading what proves an app's identity from files: a certificate with its private key (for
//! signed client assertions) and a federated token file (workload identity).

use secrecy::SecretString;

use super::assertion::{AssertionError, ClientAssertionSource};
use crate::domain::flow::AssertionAlgorithm;

/// Where a certificate is and how its assertions are signed.
#[derive(Debug, Clone, Copy)]
pub struct CertificateSpec<'a> {
    pub path: &'a str,
    /// A separate PEM private key, if any.
    pub key_path: Option<&'a str>,
    pub client_id: &'a str,
    pub algorithm: AssertionAlgorithm,
    /// Send `x5c` (the chain) in assertions.
    pub send_chain: bool,
}

/// A certificate ready to sign, with its validity window (epoch seconds).
pub struct LoadedCertificate {
    pub not_before: i64,
    pub not_after: i64,
    pub assertions: Box<dyn ClientAssertionSource>,
}

/// Why a certificate could not be used. Messages name the file and never include secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    /// The PKCS#12 file is encrypted and the password (or its absence) does not open it.
    #[error("wrong password for {path}")]
    WrongPassword { path: String, password_given: bool },
    #[error("{path} contains no private key")]
    NoPrivateKey { path: String },
    #[error("{path} contains no certificate")]
    NoCertificate { path: String },
    #[error("{path} is not a usable certificate file: {reason}")]
    Invalid { path: String, reason: String },
    /// The key cannot sign, or does not belong to the certificate.
    #[error("{}", .0.message)]
    Key(AssertionError),
}

/// Loads credentials. Error contract: every failure is local (files, keys), never network.
#[cfg_attr(test, mockall::automock)]
pub trait CredentialLoader: Send + Sync {
    /// Loads the certificate and proves its key matches.
    fn certificate<'a>(
        &self,
        spec: &CertificateSpec<'a>,
        password: Option<&'a SecretString>,
    ) -> Result<LoadedCertificate, CertificateError>;
    /// A source that reads the federated token file on every request.
    fn federated_token_file(&self, path: &str) -> Box<dyn ClientAssertionSource>;
}
