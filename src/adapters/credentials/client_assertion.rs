//! Certificate client assertions (protocol.md §2): PS256 with `x5t#S256` by default, RS256 with
//! `x5t` on request, optional `x5c`; `aud` = token URL, `iss` = `sub` = client id, fresh `jti`,
//! `nbf` = `iat` = now, `exp` = now + 10 min.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use secrecy::SecretString;
use serde::Serialize;

use crate::adapters::credentials::certificate::ClientCertificate;
use crate::domain::flow::AssertionAlgorithm;
use crate::ports::assertion::{AssertionError, ClientAssertionSource};

/// Lifetime of an assertion.
const LIFETIME_SECS: i64 = 600;

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

/// Signs assertions with a loaded certificate.
pub struct CertificateAssertions {
    certificate: ClientCertificate,
    key: EncodingKey,
    client_id: String,
    algorithm: AssertionAlgorithm,
    send_chain: bool,
}

impl CertificateAssertions {
    /// Prepares signing and proves the private key belongs to the certificate (a test signature
    /// verified with the certificate's public key).
    ///
    /// # Errors
    /// The key does not parse, or does not match the certificate.
    pub fn new(
        certificate: ClientCertificate,
        client_id: &str,
        algorithm: AssertionAlgorithm,
        send_chain: bool,
    ) -> Result<Self, AssertionError> {
        let key = EncodingKey::from_rsa_pem(certificate.key_pem.as_bytes()).map_err(|e| {
            AssertionError {
                message: format!(
                    "the certificate's private key cannot be used for RSA signatures ({e})"
                ),
                hint: Some(
                    "use an RSA key in PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 PEM, or a .pfx"
                        .to_owned(),
                ),
            }
        })?;
        let probe = b"entra-auth-cli key check";
        let signature = jsonwebtoken::crypto::sign(probe, &key, Algorithm::RS256).map_err(|e| {
            AssertionError {
                message: format!("signing with the certificate's private key failed ({e})"),
                hint: None,
            }
        })?;
        let public = DecodingKey::from_rsa_raw_components(
            &certificate.public_modulus,
            &certificate.public_exponent,
        );
        let matches = jsonwebtoken::crypto::verify(&signature, probe, &public, Algorithm::RS256)
            .unwrap_or(false);
        if !matches {
            return Err(AssertionError {
                message: format!(
                    "the private key does not belong to the certificate `{}`",
                    certificate.subject
                ),
                hint: Some("point certificate_key_path (or the PEM file) at the key the certificate was issued for".to_owned()),
            });
        }
        Ok(Self {
            certificate,
            key,
            client_id: client_id.to_owned(),
            algorithm,
            send_chain,
        })
    }

    /// The loaded certificate.
    #[must_use]
    pub fn certificate(&self) -> &ClientCertificate {
        &self.certificate
    }
}

impl ClientAssertionSource for CertificateAssertions {
    fn kind(&self) -> &'static str {
        "certificate"
    }

    fn assertion(&self, audience: &str, now: i64) -> Result<SecretString, AssertionError> {
        let mut header = match self.algorithm {
            AssertionAlgorithm::Ps256 => {
                let mut h = Header::new(Algorithm::PS256);
                h.x5t_s256 = Some(self.certificate.thumbprint_sha256());
                h
            }
            AssertionAlgorithm::Rs256 => {
                let mut h = Header::new(Algorithm::RS256);
                h.x5t = Some(self.certificate.thumbprint_sha1());
                h
            }
        };
        header.typ = Some("JWT".to_owned());
        if self.send_chain {
            header.x5c = Some(self.certificate.x5c());
        }
        let jti = crate::adapters::os::random::uuid_v4().map_err(|e| AssertionError {
            message: format!("cannot make the client assertion's id: {e}"),
            hint: None,
        })?;
        let claims = Claims {
            aud: audience,
            iss: &self.client_id,
            sub: &self.client_id,
            jti,
            nbf: now,
            iat: now,
            exp: now + LIFETIME_SECS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(SecretString::from)
            .map_err(|e| AssertionError {
                message: format!("signing the client assertion failed ({e})"),
                hint: None,
            })
    }
}
