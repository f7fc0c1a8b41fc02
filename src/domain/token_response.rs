//! Parsing the token endpoint's success body (protocol.md §1.1), leniently: numbers may arrive as
//! strings, `scope` may be absent.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::token::Token;

/// A number that may be sent as a JSON number or as a numeric string (v1 endpoints, IMDS);
/// anything else is `None`.
fn lenient_number(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| {
            #[allow(clippy::cast_possible_truncation)] // saturating, and only finite values
            n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A string field: `Ok(None)` when absent or `null`, `Err` when of another JSON type.
fn string_field<'a>(
    object: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'a str>, TokenResponseError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(TokenResponseError::NotAString { field }),
    }
}

/// A `token_type` worth naming in a message: short and made of plain characters (`pop`, `mac`).
fn nameable_token_type(token_type: &str) -> Option<String> {
    (token_type.len() <= 20
        && token_type
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    .then(|| token_type.to_owned())
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

/// Why a 2xx body is not a usable token response: which field is wrong. Never holds the body
/// or any of its values but a short, plain `token_type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenResponseError {
    /// The body is not a JSON object.
    #[error("the response is not a JSON object")]
    NotJson,
    /// `access_token` is absent, `null` or empty.
    #[error("the response has no `access_token`")]
    NoAccessToken,
    /// A field that must be a string is another JSON type.
    #[error("`{field}` is not a string")]
    NotAString { field: &'static str },
    /// `token_type` is not `Bearer`; the value when it is short and plain (`pop`).
    #[error("`token_type` is not Bearer")]
    NotBearer { token_type: Option<String> },
    /// Neither `expires_in` nor `expires_on` is a number (or a numeric string).
    #[error("the response has neither `expires_in` nor `expires_on`")]
    NoExpiry,
}

/// Turns a 2xx token response body into a [`Token`], received at `now` (epoch seconds), for a
/// request of `requested_scope` in `tenant_id`.
///
/// # Errors
/// [`TokenResponseError`], naming the field that is missing or wrong.
pub fn parse_token_response(
    body: &[u8],
    now: i64,
    requested_scope: &str,
    tenant_id: &str,
) -> Result<Token, TokenResponseError> {
    let object: Map<String, Value> =
        serde_json::from_slice(body).map_err(|_| TokenResponseError::NotJson)?;
    let access_token = string_field(&object, "access_token")?
        .filter(|t| !t.is_empty())
        .ok_or(TokenResponseError::NoAccessToken)?;
    let token_type = string_field(&object, "token_type")?.unwrap_or("Bearer");
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(TokenResponseError::NotBearer {
            token_type: nameable_token_type(token_type),
        });
    }
    let number = |field: &str| lenient_number(object.get(field));
    let expires_on = match (number("expires_in"), number("expires_on")) {
        (Some(seconds), _) => now.saturating_add(seconds),
        (None, Some(epoch)) => epoch,
        (None, None) => return Err(TokenResponseError::NoExpiry),
    };
    let scope = match object.get("scope") {
        Some(Value::String(scope)) if !scope.trim().is_empty() => scope.clone(),
        _ => requested_scope.to_owned(),
    };
    Ok(Token {
        access_token: SecretString::from(access_token.to_owned()),
        token_type: "Bearer".to_owned(),
        expires_on,
        ext_expires_on: number("ext_expires_in").map(|s| now.saturating_add(s)),
        refresh_on: number("refresh_in").map(|s| now.saturating_add(s)),
        scope,
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
            parse_token_response(b"[1]", 0, "", "").unwrap_err(),
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
    }

    #[test]
    fn names_the_wrong_field_without_echoing_values() {
        let err = |body: &str| parse_token_response(body.as_bytes(), 0, "", "").unwrap_err();
        assert_eq!(
            err(r#"{"access_token":"secret-at","expires_in":1,"token_type":"pop"}"#),
            TokenResponseError::NotBearer {
                token_type: Some("pop".into())
            }
        );
        assert_eq!(
            err(
                r#"{"access_token":"secret-at","expires_in":1,"token_type":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig"}"#
            ),
            TokenResponseError::NotBearer { token_type: None },
            "a long or odd token_type is not repeated"
        );
        assert_eq!(
            err(r#"{"access_token":42,"expires_in":1}"#),
            TokenResponseError::NotAString {
                field: "access_token"
            }
        );
        assert_eq!(
            err(r#"{"access_token":"a","token_type":["Bearer"],"expires_in":1}"#),
            TokenResponseError::NotAString {
                field: "token_type"
            }
        );
        assert_eq!(
            err(r#"{"access_token":null,"expires_in":1}"#),
            TokenResponseError::NoAccessToken
        );
        assert_eq!(
            err(r#"{"access_token":"a","expires_in":"soon"}"#),
            TokenResponseError::NoExpiry
        );
    }

    #[test]
    fn huge_lifetimes_saturate_instead_of_overflowing() {
        let body = br#"{"access_token":"a","expires_in":9223372036854775807,"refresh_in":1e300}"#;
        let t = parse_token_response(body, 10, "x", "t").unwrap();
        assert_eq!(t.expires_on, i64::MAX);
        assert_eq!(t.refresh_on, Some(i64::MAX));
    }
}
