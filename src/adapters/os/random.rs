//! Randomness the flows need: request ids, assertion ids, PKCE verifiers, `state` and `nonce`.
//! A failing generator is an error, never a fallback value.

use base64::Engine as _;

use crate::ports::random::RandomError;

fn fill(bytes: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(bytes).map_err(|e| RandomError {
        cause: e.to_string(),
    })
}

/// A UUID v4 from 16 random bytes (version and variant bits set).
fn format_uuid_v4(mut b: [u8; 16]) -> String {
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

/// A random UUID v4 (`client-request-id`, assertion `jti`).
///
/// # Errors
/// The operating system's generator failed.
pub fn uuid_v4() -> Result<String, RandomError> {
    let mut b = [0u8; 16];
    fill(&mut b)?;
    Ok(format_uuid_v4(b))
}

/// 32 random bytes as base64url without padding (43 characters): PKCE verifiers, `state`,
/// `nonce`.
///
/// # Errors
/// The operating system's generator failed.
pub fn url_safe_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The [`crate::ports::random::Random`] of this build: the operating system's generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl crate::ports::random::Random for OsRandom {
    fn uuid_v4(&self) -> Result<String, RandomError> {
        uuid_v4()
    }

    fn url_safe_token(&self) -> Result<String, RandomError> {
        url_safe_token()
    }
}

#[cfg(test)]
mod tests {
    use super::{format_uuid_v4, url_safe_token, uuid_v4};

    #[test]
    fn shapes_and_uniqueness() {
        let id = uuid_v4().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, uuid_v4().unwrap());
        assert_eq!(url_safe_token().unwrap().len(), 43);
        assert_ne!(url_safe_token().unwrap(), url_safe_token().unwrap());
    }

    #[test]
    fn version_and_variant_bits_are_set() {
        assert_eq!(
            format_uuid_v4([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            format_uuid_v4([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }
}
