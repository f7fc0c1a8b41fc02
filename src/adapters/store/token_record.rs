//! The serialized form of a cached token, shared by the `file` and `keyring` stores. The record
//! carries its own cache key, so an entry stored under another key's name is detected.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::domain::account::Account;
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

#[derive(Serialize, Deserialize)]
struct AccountWire {
    identity: String,
    home_account_id: String,
    username: Option<String>,
    refresh_token: String,
    updated_at: i64,
}

/// JSON bytes of an account under `identity`; wiped from memory when dropped.
#[must_use]
pub fn encode_account(identity: &str, account: &Account) -> Zeroizing<Vec<u8>> {
    let wire = AccountWire {
        identity: identity.to_owned(),
        home_account_id: account.home_account_id.clone(),
        username: account.username.clone(),
        refresh_token: account.refresh_token.expose_secret().to_owned(),
        updated_at: account.updated_at,
    };
    let bytes = Zeroizing::new(serde_json::to_vec(&wire).unwrap_or_default());
    drop(Zeroizing::new(wire.refresh_token));
    bytes
}

/// Reads an account record back: `(identity, account)`.
///
/// # Errors
/// A reason for a warning when the bytes are not an account record.
pub fn decode_account(bytes: &[u8]) -> Result<(String, Account), String> {
    let wire: AccountWire =
        serde_json::from_slice(bytes).map_err(|_| "its content is malformed".to_owned())?;
    Ok((
        wire.identity,
        Account {
            home_account_id: wire.home_account_id,
            username: wire.username,
            refresh_token: SecretString::from(wire.refresh_token),
            updated_at: wire.updated_at,
        },
    ))
}

/// Decodes an account and checks it belongs to `expected` identity.
///
/// # Errors
/// As [`decode_account`], or when it was stored for another identity.
pub fn decode_account_for(expected: &str, bytes: &[u8]) -> Result<Account, String> {
    let (identity, account) = decode_account(bytes)?;
    if identity == expected {
        Ok(account)
    } else {
        Err("it belongs to another app".to_owned())
    }
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
