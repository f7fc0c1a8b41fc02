//! PKCE (RFC 7636) S256: the verifier stays here, its hash goes to /authorize.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A code verifier made from 32 random bytes (43 base64url characters).
#[must_use]
pub fn verifier_from(random: &[u8; 32]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
}

/// `BASE64URL-NOPAD(SHA256(verifier))`.
#[must_use]
pub fn s256_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::s256_challenge;

    #[test]
    fn s256_matches_an_independent_implementation() {
        // Python: base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=")
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K1uhbHnz6kpdm3xcKK3ZVNbD1M"),
            "DA4wveZktr4jM5ylQhZeLraAKXfAJE69zhkRcguCP-8"
        );
        assert_eq!(super::verifier_from(&[0u8; 32]).len(), 43);
    }
}
