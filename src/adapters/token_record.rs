//! The serialized form of a cached token, shared by the `file` and `keyring` stores. The record
//! carries its own cache key, so an entry stored under another key's name is detected.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::domain::cache_key::CacheKey;
use crate::domain::token::Token;

#[derive(Serialize, Deserialize)]
struct Record {
    key: String,
    access_token: String,
    token_type: String,
    expires_on: i64,
    ext_expires_on: Option<i64>,
    refresh_on: Option<i64>,
    scope: String,
    tenant_id: String,
    cached_at: i64,
}

/// JSON bytes of `token` under `key`; wiped from memory when dropped.
#[must_use]
pub fn encode(key: &CacheKey, token: &Token) -> Zeroizing<Vec<u8>> {
    let record = Record {
        key: key.as_str().to_owned(),
        access_token: token.access_token.expose_secret().to_owned(),
        token_type: token.token_type.clone(),
        expires_on: token.expires_on,
        ext_expires_on: token.ext_expires_on,
        refresh_on: token.refresh_on,
        scope: token.scope.clone(),
        tenant_id: token.tenant_id.clone(),
        cached_at: token.cached_at,
    };
    let bytes = Zeroizing::new(serde_json::to_vec(&record).unwrap_or_default());
    drop(Zeroizing::new(record.access_token));
    bytes
}

/// Reads a record back.
///
/// # Errors
/// A reason for a warning when the bytes are not a record.
pub fn decode(bytes: &[u8]) -> Result<(CacheKey, Token), String> {
    let record: Record =
        serde_json::from_slice(bytes).map_err(|_| "its content is malformed".to_owned())?;
    let key =
        CacheKey::parse(&record.key).ok_or_else(|| "its cache key is malformed".to_owned())?;
    Ok((
        key,
        Token {
            access_token: SecretString::from(record.access_token),
            token_type: record.token_type,
            expires_on: record.expires_on,
            ext_expires_on: record.ext_expires_on,
            refresh_on: record.refresh_on,
            scope: record.scope,
            tenant_id: record.tenant_id,
            cached_at: record.cached_at,
        },
    ))
}

/// Decodes and checks that the record belongs to `expected`.
///
/// # Errors
/// As [`decode`], or when the record was stored for another key.
pub fn decode_for(expected: &CacheKey, bytes: &[u8]) -> Result<Token, String> {
    let (key, token) = decode(bytes)?;
    if &key == expected {
        Ok(token)
    } else {
        Err("it belongs to another cache key".to_owned())
    }
}
