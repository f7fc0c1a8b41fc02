//! Randomness the flows need: request ids, assertion ids, PKCE verifiers, `state` and `nonce`.

use base64::Engine as _;

/// A random UUID v4 (`client-request-id`, assertion `jti`).
#[must_use]
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        return "00000000-0000-4000-8000-000000000000".to_owned();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// 32 random bytes as base64url without padding (43 characters): PKCE verifiers, `state`,
/// `nonce`.
///
/// # Panics
/// Never in practice: only if the OS has no randomness at all.
#[must_use]
pub fn url_safe_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The [`crate::ports::random::Random`] of this build: the operating system's generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl crate::ports::random::Random for OsRandom {
    fn uuid_v4(&self) -> String {
        uuid_v4()
    }

    fn url_safe_token(&self) -> String {
        url_safe_token()
    }
}

#[cfg(test)]
mod tests {
    use super::{url_safe_token, uuid_v4};

    #[test]
    fn shapes_and_uniqueness() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, uuid_v4());
        assert_eq!(url_safe_token().len(), 43);
        assert_ne!(url_safe_token(), url_safe_token());
    }
}
