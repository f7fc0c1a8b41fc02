//! The emulator's token-signing key and the "external IdP" key of federated tests (committed
//! TEST-ONLY RSA-2048 keys), JWKS, RS256 signing and verification.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::sync::OnceLock;

/// PKCS#1 PEM, generated with `openssl genrsa -traditional 2048`. It signs emulator tokens only;
/// it protects nothing and must never be trusted outside tests.
const TEST_ONLY_KEY_PEM: &str = include_str!("TEST_ONLY_signing_key.pem");
/// A second PKCS#1 key (same recipe) standing for an external IdP (Kubernetes, GitHub) whose
/// tokens federated clients present; distinct so Entra-issued tokens never pass as external ones.
const TEST_ONLY_EXTERNAL_IDP_KEY_PEM: &str = include_str!("TEST_ONLY_external_idp_key.pem");

/// The CI token services' issuer keys (same recipe, one per issuer, so a token signed by one
/// service never passes for another's).
const TEST_ONLY_GITHUB_KEY_PEM: &str = include_str!("TEST_ONLY_github_key.pem");
const TEST_ONLY_AZURE_DEVOPS_KEY_PEM: &str = include_str!("TEST_ONLY_azure_devops_key.pem");
const TEST_ONLY_GITLAB_KEY_PEM: &str = include_str!("TEST_ONLY_gitlab_key.pem");

pub struct SigningKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// RFC 7638 thumbprint of the public key, base64url.
    pub kid: String,
    /// Modulus and exponent, base64url without padding.
    pub n: String,
    pub e: String,
}

impl SigningKey {
    /// The process-wide test key (parsed once).
    pub fn test_only() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::from_pkcs1_pem(TEST_ONLY_KEY_PEM))
    }

    /// The process-wide external-IdP test key (parsed once).
    pub fn external_idp() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::from_pkcs1_pem(TEST_ONLY_EXTERNAL_IDP_KEY_PEM))
    }

    /// GitHub Actions' token service key (parsed once).
    pub fn github() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::from_pkcs1_pem(TEST_ONLY_GITHUB_KEY_PEM))
    }

    /// Azure DevOps' (vstoken) key (parsed once).
    pub fn azure_devops() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::from_pkcs1_pem(TEST_ONLY_AZURE_DEVOPS_KEY_PEM))
    }

    /// GitLab's key (parsed once).
    pub fn gitlab() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::from_pkcs1_pem(TEST_ONLY_GITLAB_KEY_PEM))
    }

    /// The key set of an OIDC issuer that is not Entra (plain RS256 keys).
    pub fn issuer_jwks(&self) -> Value {
        json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": self.kid,
                "n": self.n,
                "e": self.e,
            }]
        })
    }

    fn from_pkcs1_pem(pem: &str) -> SigningKey {
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(body)
            .expect("the test key PEM is valid base64");
        let encoding = EncodingKey::from_rsa_der(&der);
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .expect("the test key is an RSA private key");
        let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
            unreachable!("an RSA key gives RSA parameters")
        };
        let thumbprint_input = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, rsa.e, rsa.n);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input.as_bytes()));
        let decoding = DecodingKey::from_rsa_components(&rsa.n, &rsa.e)
            .expect("the modulus and exponent are base64url");
        SigningKey {
            encoding,
            decoding,
            kid,
            n: rsa.n,
            e: rsa.e,
        }
    }

    /// The key set in Entra's v2 shape (no `x5t`/`x5c`: there is no certificate).
    pub fn jwks(&self, authority: &str) -> Value {
        json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "kid": self.kid,
                "n": self.n,
                "e": self.e,
                "cloud_instance_name": "microsoftonline.com",
                "issuer": format!("{authority}/{{tenantid}}/v2.0"),
            }]
        })
    }

    /// Signs `claims` as an RS256 JWT with `typ: JWT` and this key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("RS256 signing works")
    }

    /// Checks alg RS256, `kid`, signature, `exp` and `nbf` (no leeway); returns the claims.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| format!("bad header: {e}"))?;
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(format!("unknown kid {:?}", header.kid));
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Value>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| format!("invalid token: {e}"))
    }

    /// Checks the RS256 signature of `token` under the JWK `key` (`n`, `e`), whatever its `kid`.
    pub fn verify_with_jwk(key: &Value, token: &str) -> Result<(), String> {
        let n = key
            .get("n")
            .and_then(Value::as_str)
            .ok_or("the key has no `n`")?;
        let e = key
            .get("e")
            .and_then(Value::as_str)
            .ok_or("the key has no `e`")?;
        let decoding =
            DecodingKey::from_rsa_components(n, e).map_err(|e| format!("unusable key: {e}"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &decoding, &validation)
            .map(|_| ())
            .map_err(|e| format!("invalid signature: {e}"))
    }

    /// Checks `kid` and the RS256 signature only (no time or audience checks); returns the claims.
    pub fn verify_signature(&self, token: &str) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| format!("bad header: {e}"))?;
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(format!("unknown kid {:?}", header.kid));
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| format!("invalid signature: {e}"))
    }
}
