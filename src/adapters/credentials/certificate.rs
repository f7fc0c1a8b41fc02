//! Loads a client certificate and its private key: PKCS#12 (`.pfx`/`.p12`, OpenSSL 3 AES/PBKDF2
//! and `-legacy` RC2/3DES, with or without password) or PEM (certificate + PKCS#8/PKCS#1 key, in
//! one file or two). Checks validity dates and that the key belongs to the certificate.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A certificate ready to sign client assertions. `Debug` never shows the key.
pub struct ClientCertificate {
    /// DER certificates, leaf first.
    pub chain_der: Vec<Vec<u8>>,
    /// The private key as PEM (`PRIVATE KEY` or `RSA PRIVATE KEY`).
    pub key_pem: Zeroizing<String>,
    pub not_before: i64,
    pub not_after: i64,
    pub subject: String,
    /// RSA modulus and exponent of the leaf, to check the key matches.
    pub public_modulus: Vec<u8>,
    pub public_exponent: Vec<u8>,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

pub use crate::ports::credential_loader::CertificateError;

impl ClientCertificate {
    /// `base64url(SHA-256(DER))`, for the `x5t#S256` header.
    #[must_use]
    pub fn thumbprint_sha256(&self) -> String {
        b64url(&Sha256::digest(&self.chain_der[0]))
    }

    /// `base64url(SHA-1(DER))`, for the legacy `x5t` header.
    #[must_use]
    pub fn thumbprint_sha1(&self) -> String {
        b64url(&Sha1::digest(&self.chain_der[0]))
    }

    /// The chain as standard base64 DER, leaf first, for the `x5c` header.
    #[must_use]
    pub fn x5c(&self) -> Vec<String> {
        self.chain_der
            .iter()
            .map(|der| base64::engine::general_purpose::STANDARD.encode(der))
            .collect()
    }

    /// Loads `certificate_path` (PFX or PEM); `key_path` is a separate PEM key file, if any.
    ///
    /// # Errors
    /// See [`CertificateError`].
    pub fn load(
        certificate_path: &Path,
        key_path: Option<&Path>,
        password: Option<&SecretString>,
    ) -> Result<Self, CertificateError> {
        let bytes = read(certificate_path)?;
        let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
        if is_pem {
            let key_bytes = match key_path {
                Some(path) => Some((path.to_path_buf(), read(path)?)),
                None => None,
            };
            from_pem(certificate_path, &bytes, key_bytes)
        } else {
            from_pkcs12(certificate_path, &bytes, password)
        }
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The most bytes read from a certificate or key file (a PFX with its chain is a few KB).
const MAX_CERTIFICATE_FILE: u64 = 4 * 1024 * 1024;

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, CertificateError> {
    crate::adapters::os::safe_fs::read_named_file(path, MAX_CERTIFICATE_FILE)
        .map(Zeroizing::new)
        .map_err(|e| CertificateError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

fn pem_text(label: &str, der: &[u8]) -> Zeroizing<String> {
    let body = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let mut text = Zeroizing::new(format!("-----BEGIN {label}-----\n"));
    for chunk in body.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(chunk));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn build(
    path: &Path,
    chain_der: Vec<Vec<u8>>,
    key_pem: Zeroizing<String>,
) -> Result<ClientCertificate, CertificateError> {
    let invalid = |reason: String| CertificateError::Invalid {
        path: path.display().to_string(),
        reason,
    };
    let leaf = chain_der
        .first()
        .ok_or_else(|| CertificateError::NoCertificate {
            path: path.display().to_string(),
        })?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| invalid(format!("the certificate does not parse ({e})")))?;
    let validity = cert.validity();
    let (modulus, exponent) = match cert.public_key().parsed() {
        // DER integers carry a leading zero byte when the top bit is set; raw RSA components do not.
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => (
            strip_leading_zeros(rsa.modulus).to_vec(),
            strip_leading_zeros(rsa.exponent).to_vec(),
        ),
        Ok(_) => {
            return Err(invalid(
                "only RSA certificates can sign Entra client assertions".to_owned(),
            ));
        }
        Err(e) => return Err(invalid(format!("its public key does not parse ({e})"))),
    };
    Ok(ClientCertificate {
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        subject: cert.subject().to_string(),
        public_modulus: modulus,
        public_exponent: exponent,
        chain_der,
        key_pem,
    })
}

fn from_pkcs12(
    path: &Path,
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<ClientCertificate, CertificateError> {
    let given = password.map_or("", |p| p.expose_secret());
    let store =
        p12_keystore::KeyStore::from_pkcs12(bytes, given, p12_keystore::Pkcs12ImportPolicy::Strict)
            .map_err(|e| match e {
                p12_keystore::error::Error::MacError(_) => CertificateError::WrongPassword {
                    path: path.display().to_string(),
                    password_given: password.is_some(),
                },
                other => CertificateError::Invalid {
                    path: path.display().to_string(),
                    reason: format!("not a readable PKCS#12 file ({other})"),
                },
            })?;
    let Some((_, chain)) = store.private_key_chain() else {
        return Err(CertificateError::NoPrivateKey {
            path: path.display().to_string(),
        });
    };
    let chain_der = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    build(
        path,
        chain_der,
        pem_text("PRIVATE KEY", chain.key().as_der()),
    )
}

fn from_pem(
    path: &Path,
    bytes: &[u8],
    key_file: Option<(PathBuf, Zeroizing<Vec<u8>>)>,
) -> Result<ClientCertificate, CertificateError> {
    let mut chain_der = Vec::new();
    let mut key_pem = None;
    let mut scan = |source: &Path, data: &[u8]| -> Result<(), CertificateError> {
        for pem in x509_parser::pem::Pem::iter_from_buffer(data) {
            let pem = pem.map_err(|e| CertificateError::Invalid {
                path: source.display().to_string(),
                reason: format!("malformed PEM ({e})"),
            })?;
            match pem.label.as_str() {
                "CERTIFICATE" => chain_der.push(pem.contents),
                "PRIVATE KEY" | "RSA PRIVATE KEY" => {
                    key_pem = Some(pem_text(&pem.label, &Zeroizing::new(pem.contents)));
                }
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(CertificateError::Invalid {
                        path: source.display().to_string(),
                        reason: "the private key is encrypted; decrypt it (`openssl pkcs8 -in key.pem -out plain.pem`) or use a password-protected .pfx".to_owned(),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    };
    scan(path, bytes)?;
    if let Some((key_path, key_bytes)) = &key_file {
        scan(key_path, key_bytes)?;
    }
    let key_pem = key_pem.ok_or_else(|| CertificateError::NoPrivateKey {
        path: key_file.as_ref().map_or_else(
            || path.display().to_string(),
            |(p, _)| p.display().to_string(),
        ),
    })?;
    build(path, chain_der, key_pem)
}
