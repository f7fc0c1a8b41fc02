//! Claims requests (CAE and claims challenges): parsing what a user pastes from a resource's
//! `WWW-Authenticate` header (base64 of a JSON object, or the object itself) and merging the
//! client capabilities in, as MSAL does (`{"access_token":{"xms_cc":{"values":[...]}}}`,
//! deep-merged; the challenge wins where both set the same key).

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

/// The longest claims text accepted (a real challenge is a few hundred bytes).
pub const MAX_CLAIMS_BYTES: usize = 16 * 1024;

/// Deepest nesting accepted in a claims object.
const MAX_DEPTH: usize = 16;

/// A claims request: a JSON object, sent as the `claims` parameter of a token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims(Map<String, Value>);

/// Why claims text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("the claims are longer than {max} bytes")]
    TooLong { max: usize },
    #[error("the claims are empty")]
    Empty,
    #[error("the claims are neither JSON nor base64: {cause}")]
    NotBase64 { cause: String },
    #[error("the decoded claims are not JSON: {cause}")]
    NotJson { cause: String },
    #[error("the claims are JSON but not an object")]
    NotAnObject,
    #[error("the claims are nested more than {max} levels deep")]
    TooDeep { max: usize },
}

/// Standard or URL-safe alphabet, padding optional.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

impl Claims {
    /// Parses a claims challenge: a JSON object, or its base64 (standard or URL-safe, with or
    /// without padding).
    ///
    /// # Errors
    /// Too long, empty, not base64 nor JSON, or JSON that is not an object.
    pub fn parse(text: &str) -> Result<Self, ClaimsError> {
        if text.len() > MAX_CLAIMS_BYTES {
            return Err(ClaimsError::TooLong {
                max: MAX_CLAIMS_BYTES,
            });
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(ClaimsError::Empty);
        }
        let json = if text.starts_with('{') || text.starts_with('[') || text.starts_with('"') {
            text.as_bytes().to_vec()
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD
                .decode(&compact)
                .or_else(|_| URL_SAFE.decode(&compact))
                .map_err(|e| ClaimsError::NotBase64 {
                    cause: e.to_string(),
                })?
        };
        // serde_json refuses nesting past 128 levels itself, so this never overflows the stack.
        let value: Value = serde_json::from_slice(&json).map_err(|e| ClaimsError::NotJson {
            cause: e.to_string(),
        })?;
        if depth(&value) > MAX_DEPTH {
            return Err(ClaimsError::TooDeep { max: MAX_DEPTH });
        }
        match value {
            Value::Object(map) => Ok(Self(map)),
            _ => Err(ClaimsError::NotAnObject),
        }
    }

    /// The claims that declare client capabilities: `{"access_token":{"xms_cc":{"values":[..]}}}`;
    /// `None` when there are none.
    #[must_use]
    pub fn capabilities(capabilities: &[String]) -> Option<Self> {
        if capabilities.is_empty() {
            return None;
        }
        let values = serde_json::json!({ "values": capabilities });
        let mut access_token = Map::new();
        access_token.insert("xms_cc".to_owned(), values);
        let mut map = Map::new();
        map.insert("access_token".to_owned(), Value::Object(access_token));
        Some(Self(map))
    }

    /// The capabilities merged with a challenge: objects deep-merged, and where both set the
    /// same non-object key the challenge wins.
    #[must_use]
    pub fn merge(capabilities: Option<Self>, challenge: Option<Self>) -> Option<Self> {
        match (capabilities, challenge) {
            (Some(Self(mut base)), Some(Self(top))) => {
                merge_into(&mut base, top);
                Some(Self(base))
            }
            (one, None) | (None, one) => one,
        }
    }

    /// The `claims` form parameter: compact JSON.
    #[must_use]
    pub fn to_param(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

fn merge_into(base: &mut Map<String, Value>, top: Map<String, Value>) {
    for (key, value) in top {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(inner)), Value::Object(top_inner)) => merge_into(inner, top_inner),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};

    use super::{Claims, ClaimsError, MAX_CLAIMS_BYTES};

    const KEY_VAULT: &str =
        "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==";
    const DECODED: &str = r#"{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}"#;

    #[test]
    fn a_key_vault_challenge_decodes() {
        assert_eq!(Claims::parse(KEY_VAULT).unwrap().to_param(), DECODED);
        assert_eq!(Claims::parse(DECODED).unwrap().to_param(), DECODED);
    }

    #[test]
    fn every_base64_flavour_is_accepted() {
        // `?` and `>` force the URL-safe alphabet to differ from the standard one.
        let json = r#"{"a":"??>>"}"#;
        for encoded in [
            STANDARD.encode(json),
            STANDARD.encode(json).trim_end_matches('=').to_owned(),
            URL_SAFE.encode(json),
            URL_SAFE_NO_PAD.encode(json),
            format!("  {}\n", STANDARD.encode(json)),
        ] {
            assert_eq!(
                Claims::parse(&encoded).unwrap().to_param(),
                json,
                "{encoded}"
            );
        }
    }

    #[test]
    fn malformed_claims_say_why() {
        assert_eq!(Claims::parse("  "), Err(ClaimsError::Empty));
        assert!(matches!(
            Claims::parse("not base64!"),
            Err(ClaimsError::NotBase64 { .. })
        ));
        assert!(matches!(
            Claims::parse(&STANDARD.encode("nope")),
            Err(ClaimsError::NotJson { .. })
        ));
        assert!(matches!(
            Claims::parse("{broken"),
            Err(ClaimsError::NotJson { .. })
        ));
        assert_eq!(Claims::parse("[1]"), Err(ClaimsError::NotAnObject));
        assert_eq!(
            Claims::parse(&STANDARD.encode("\"s\"")),
            Err(ClaimsError::NotAnObject)
        );
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_CLAIMS_BYTES));
        assert!(matches!(
            Claims::parse(&long),
            Err(ClaimsError::TooLong { .. })
        ));
        let deep = format!(
            "{}{}",
            "{\"a\":".repeat(100),
            "1".to_owned() + &"}".repeat(100)
        );
        assert!(matches!(
            Claims::parse(&deep),
            Err(ClaimsError::TooDeep { .. })
        ));
        let deeper = "[".repeat(10_000);
        assert!(Claims::parse(&deeper).is_err());
    }

    #[test]
    fn capabilities_are_xms_cc() {
        assert_eq!(Claims::capabilities(&[]), None);
        let caps = Claims::capabilities(&["cp1".into()]).unwrap();
        assert_eq!(
            caps.to_param(),
            r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#
        );
    }

    #[test]
    fn capabilities_merge_deeply_with_the_challenge() {
        // MSAL Go's expectation (confidential_test.go).
        let caps = Claims::capabilities(&["cp1".into(), "cp2".into()]);
        let challenge =
            Claims::parse(r#"{"access_token":{"nbf":{"essential":true,"value":"42"}}}"#);
        let merged = Claims::merge(caps.clone(), challenge.ok()).unwrap();
        assert_eq!(
            merged.to_param(),
            r#"{"access_token":{"nbf":{"essential":true,"value":"42"},"xms_cc":{"values":["cp1","cp2"]}}}"#
        );
        // The challenge wins on a conflict; other top-level keys are kept.
        let challenge =
            Claims::parse(r#"{"access_token":{"xms_cc":{"values":["x"]}},"id_token":{"a":1}}"#);
        assert_eq!(
            Claims::merge(caps.clone(), challenge.ok())
                .unwrap()
                .to_param(),
            r#"{"access_token":{"xms_cc":{"values":["x"]}},"id_token":{"a":1}}"#
        );
        assert_eq!(Claims::merge(caps.clone(), None), caps);
        assert_eq!(Claims::merge(None, None), None);
    }
}
