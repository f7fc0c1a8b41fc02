//! TLS for the loopback HTTPS servers of the tests (rustls with aws-lc-rs).

use std::path::Path;

/// A rustls server configuration (aws-lc-rs, safe defaults, no client auth) for the PEM
/// certificate chain and key in `cert` and `key`: the loopback HTTPS servers of the tests.
pub fn tls_server_config(cert: &Path, key: &Path) -> std::sync::Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, PrivateKeyDer::from_pem_file(key).unwrap())
    .unwrap();
    std::sync::Arc::new(config)
}
