//! Authorization codes: issued by `/authorize`, bound to tenant, client, redirect URI, scopes,
//! PKCE challenge and nonce; valid 10 minutes; redeemed at most once.
//!
//! Redemption order: unknown → 9002313, already redeemed → 54005, expired → 70008, then the
//! caller's checks (tenant, client, redirect URI, PKCE); a failed check leaves the code unredeemed.

use super::super::errors::EntraError;
use super::super::ids;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a code can be redeemed (Entra: about 10 minutes).
pub const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// What a code stands for.
#[derive(Clone, Debug)]
pub struct AuthCode {
    pub tenant_id: String,
    pub client_id: String,
    /// Exactly as sent to `/authorize`.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// BASE64URL(SHA256(verifier)), S256 only.
    pub code_challenge: String,
    pub nonce: Option<String>,
}

struct Entry {
    code: AuthCode,
    expires_at: Instant,
    redeemed: bool,
}

#[derive(Default)]
pub struct CodeStore {
    codes: HashMap<String, Entry>,
}

impl CodeStore {
    /// Stores `code` and returns its opaque value.
    pub fn issue(&mut self, code: AuthCode) -> String {
        let value = format!("1.A{}", ids::random_b64url(96));
        self.codes.insert(
            value.clone(),
            Entry {
                code,
                expires_at: Instant::now() + CODE_LIFETIME,
                redeemed: false,
            },
        );
        value
    }

    /// Redeems `value` if it exists, is unused and unexpired, and `check` accepts it.
    pub fn redeem(
        &mut self,
        value: &str,
        check: impl FnOnce(&AuthCode) -> Result<(), EntraError>,
    ) -> Result<AuthCode, EntraError> {
        let entry = self
            .codes
            .get_mut(value)
            .ok_or_else(EntraError::malformed_grant)?;
        if entry.redeemed {
            return Err(EntraError::code_redeemed());
        }
        if Instant::now() >= entry.expires_at {
            return Err(EntraError::code_expired());
        }
        check(&entry.code)?;
        entry.redeemed = true;
        Ok(entry.code.clone())
    }
}

/// The S256 challenge of a PKCE verifier: BASE64URL-NOPAD(SHA256(ASCII(verifier))).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
