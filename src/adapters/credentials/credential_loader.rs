//! The [`CredentialLoader`] of this build: certificates from PFX/PEM files (checked that the key
//! matches, ready to sign assertions) and federated token files read on every request.

use std::path::Path;

use secrecy::SecretString;

use crate::adapters::credentials::certificate::ClientCertificate;
use crate::adapters::credentials::client_assertion::CertificateAssertions;
use crate::adapters::credentials::federated_token::FederatedTokenFile;
use crate::ports::assertion::ClientAssertionSource;
use crate::ports::credential_loader::{
    CertificateError, CertificateSpec, CredentialLoader, LoadedCertificate,
};

/// Loads credentials from the file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileCredentialLoader;

impl CredentialLoader for FileCredentialLoader {
    fn certificate<'a>(
        &self,
        spec: &CertificateSpec<'a>,
        password: Option<&'a SecretString>,
    ) -> Result<LoadedCertificate, CertificateError> {
        let certificate =
            ClientCertificate::load(Path::new(spec.path), spec.key_path.map(Path::new), password)?;
        let (not_before, not_after) = (certificate.not_before, certificate.not_after);
        let assertions = CertificateAssertions::new(
            certificate,
            spec.client_id,
            spec.algorithm,
            spec.send_chain,
        )
        .map_err(CertificateError::Key)?;
        Ok(LoadedCertificate {
            not_before,
            not_after,
            assertions: Box::new(assertions),
        })
    }

    fn federated_token_file(&self, path: &str) -> Box<dyn ClientAssertionSource> {
        Box::new(FederatedTokenFile::new(path.into()))
    }
}
