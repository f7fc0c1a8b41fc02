//! Parsing the token endpoint's success body (protocol.md §1.1), leniently: numbers may arrive as
//! strings, `scope` may be absent.

use secrecy::SecretString;
use serde::Deserialize;

use super::token::Token;

/// A number that may be sent as a JSON number or as a numeric string (v1 endpoints, IMDS).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Lenient {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Lenient {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            #[allow(clippy::cast_possible_truncation)]
            Self::Float(f) if f.is_finite() => Some(*f as i64),
            Self::Float(_) => None,
            Self::Text(t) => t.trim().parse().ok(),
        }
    }
}

#[derive(Deserialize)]
struct Wire {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<Lenient>,
    expires_on: Option<Lenient>,
    ext_expires_in: Option<Lenient>,
    refresh_in: Option<Lenient>,
    scope: Option<String>,
}

/// The user-flow fields of a token response, besides the access token.
#[derive(Debug, Default)]
pub struct UserTokenExtras {
    pub refresh_token: Option<SecretString>,
    pub id_token: Option<String>,
    pub client_info: Option<String>,
}

#[derive(Deserialize)]
struct ExtrasWire {
    refresh_token: Option<String>,
    id_token: Option<String>,
    client_info: Option<String>,
}

/// Reads `refresh_token`, `id_token` and `client_info` from a success body (all optional).
#[must_use]
pub fn parse_user_extras(body: &[u8]) -> UserTokenExtras {
    let Ok(wire) = serde_json::from_slice::<ExtrasWire>(body) else {
        return UserTokenExtras::default();
    };
    UserTokenExtras {
        refresh_token: wire
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        id_token: wire.id_token.filter(|t| !t.is_empty()),
        client_info: wire.client_info.filter(|t| !t.is_empty()),
    }
}

/// Why a 2xx body is not a usable token response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenResponseError {
    #[error("the response is not JSON")]
    NotJson,
    #[error("the response has no `access_token`")]
    NoAccessToken,
    #[error("the response has neither `expires_in` nor `expires_on`")]
    NoExpiry,
    #[error("token_type `{0}` is not Bearer")]
    NotBearer(String),
}

/// Turns a 2xx token response body into a [`Token`], received at `now` (epoch seconds), for a
/// request of `requested_scope` in `tenant_id`.
///
/// # Errors
/// When the body is not JSON or lacks a token or an expiry.
pub fn parse_token_response(
    body: &[u8],
    now: i64,
    requested_scope: &str,
    tenant_id: &str,
) -> Result<Token, TokenResponseError> {
    let wire: Wire = serde_json::from_slice(body).map_err(|_| TokenResponseError::NotJson)?;
    let access_token = wire
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or(TokenResponseError::NoAccessToken)?;
    let token_type = wire.token_type.unwrap_or_else(|| "Bearer".to_owned());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(TokenResponseError::NotBearer(token_type));
    }
    let expires_on = match (
        wire.expires_in.and_then(|v| v.as_i64()),
        wire.expires_on.and_then(|v| v.as_i64()),
    ) {
        (Some(seconds), _) => now + seconds,
        (None, Some(epoch)) => epoch,
        (None, None) => return Err(TokenResponseError::NoExpiry),
    };
    Ok(Token {
        access_token: SecretString::from(access_token),
        token_type: "Bearer".to_owned(),
        expires_on,
        ext_expires_on: wire
            .ext_expires_in
            .and_then(|v| v.as_i64())
            .map(|s| now + s),
        refresh_on: wire.refresh_in.and_then(|v| v.as_i64()).map(|s| now + s),
        scope: wire
            .scope
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| requested_scope.to_owned()),
        tenant_id: tenant_id.to_owned(),
        cached_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::{TokenResponseError, parse_token_response};

    #[test]
    fn entra_client_credentials_body() {
        let body = br#"{"token_type":"Bearer","expires_in":86399,"ext_expires_in":86399,"access_token":"abc"}"#;
        let t = parse_token_response(body, 1_000, "api://x/.default", "tid").unwrap();
        assert_eq!(t.secret(), "abc");
        assert_eq!(t.expires_on, 1_000 + 86_399);
        assert_eq!(t.ext_expires_on, Some(1_000 + 86_399));
        assert_eq!(t.scope, "api://x/.default");
        assert_eq!(t.refresh_on, None);
    }

    #[test]
    fn numbers_as_strings_and_refresh_in() {
        let body = br#"{"token_type":"bearer","expires_in":"3599","refresh_in":"1800","access_token":"a","scope":"A B"}"#;
        let t = parse_token_response(body, 10, "x", "t").unwrap();
        assert_eq!(t.expires_on, 3_609);
        assert_eq!(t.refresh_on, Some(1_810));
        assert_eq!(t.scope, "A B");
    }

    #[test]
    fn expires_on_epoch_when_no_expires_in() {
        let body = br#"{"access_token":"a","expires_on":"5000"}"#;
        assert_eq!(
            parse_token_response(body, 10, "x", "t").unwrap().expires_on,
            5_000
        );
    }

    #[test]
    fn garbage_is_reported_not_panicked() {
        assert_eq!(
            parse_token_response(b"<html>", 0, "", "").unwrap_err(),
            TokenResponseError::NotJson
        );
        assert_eq!(
            parse_token_response(b"{}", 0, "", "").unwrap_err(),
            TokenResponseError::NoAccessToken
        );
        assert_eq!(
            parse_token_response(br#"{"access_token":"a"}"#, 0, "", "").unwrap_err(),
            TokenResponseError::NoExpiry
        );
        assert!(matches!(
            parse_token_response(
                br#"{"access_token":"a","expires_in":1,"token_type":"pop"}"#,
                0,
                "",
                ""
            ),
            Err(TokenResponseError::NotBearer(_))
        ));
    }
}
