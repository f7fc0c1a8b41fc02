//! Reading a JWT without verifying it: its claims for display and for fields such as `tid` that
//! the token response does not carry, and the full offline decoding behind `inspect` (header,
//! claims, time claims, validity at a given instant). Never used to make a trust decision.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

/// The payload of a compact JWS as JSON, when it is one.
#[must_use]
pub fn unverified_claims(token: &str) -> Option<serde_json::Value> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

/// One string claim of an unverified JWT.
#[must_use]
pub fn unverified_string_claim(token: &str, name: &str) -> Option<String> {
    unverified_claims(token)?
        .get(name)?
        .as_str()
        .map(str::to_owned)
}

/// The largest input `decode` accepts, in bytes. Real Entra tokens stay well under 16 KiB even
/// with many group claims; anything bigger is not a token, and the bound keeps decoding cheap.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Claims that are NumericDates (seconds since the epoch) by definition (RFC 7519, OIDC Core).
const TIME_CLAIMS: [&str; 4] = ["exp", "nbf", "iat", "auth_time"];

/// `xms_*` integers in this range (2000-01-01 .. 2100-01-01) are taken for epoch times (e.g.
/// `xms_tcdt`, the tenant's creation time); other `xms_*` numbers are left alone.
const PLAUSIBLE_EPOCHS: std::ops::Range<i64> = 946_684_800..4_102_444_800;

/// Lenient base64url: with or without `=` padding, non-canonical trailing bits allowed.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One of the three parts of a compact JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtPart {
    Header,
    Payload,
    Signature,
}

impl std::fmt::Display for JwtPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Header => "header (part 1)",
            Self::Payload => "payload (part 2)",
            Self::Signature => "signature (part 3)",
        })
    }
}

/// Why an input is not a decodable JWT. `Display` is the one-line message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Nothing but whitespace (or a bare `Bearer`).
    Empty,
    /// More than [`MAX_TOKEN_BYTES`].
    TooLarge,
    /// Five dot-separated parts: a compact JWE.
    Encrypted,
    /// Not three dot-separated parts; `parts` is how many there were.
    WrongShape { parts: usize },
    /// A part is not base64url.
    Base64 { part: JwtPart },
    /// A decoded part is not JSON; `detail` is the parser's message (position, no content).
    NotJson { part: JwtPart, detail: String },
    /// A decoded part is JSON but not an object.
    NotObject { part: JwtPart },
}

impl std::fmt::Display for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("no token: the input is empty"),
            Self::TooLarge => write!(
                f,
                "the input is larger than {} KiB: too large for a token",
                MAX_TOKEN_BYTES / 1024
            ),
            Self::Encrypted => f.write_str(
                "this looks like an encrypted token (JWE); it cannot be decoded without the key",
            ),
            Self::WrongShape { .. } => {
                f.write_str("not a JWT: expected three base64url parts separated by dots")
            }
            Self::Base64 { part } => write!(f, "not a JWT: the {part} is not valid base64url"),
            Self::NotJson { part, .. } => write!(f, "not a JWT: the {part} is not JSON"),
            Self::NotObject { part } => {
                write!(f, "not a JWT: the {part} is JSON but not an object")
            }
        }
    }
}

impl std::error::Error for JwtError {}

/// A decoded, NOT verified, compact JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims set.
    pub claims: Map<String, Value>,
    /// Length of the decoded signature in bytes (0: no signature).
    pub signature_len: usize,
}

/// What the time claims say about a token at one instant. Says nothing about its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// `exp`, when it is a usable NumericDate.
    pub expires_on: Option<i64>,
    /// `nbf`, when it is a usable NumericDate.
    pub not_before: Option<i64>,
    /// `iat`, when it is a usable NumericDate.
    pub issued_at: Option<i64>,
    /// Seconds from now to `exp`; negative once expired.
    pub expires_in: Option<i64>,
    /// `now` is at or after `exp` (RFC 7519 §4.1.4).
    pub expired: bool,
    /// `now` is before `nbf`.
    pub not_yet_valid: bool,
}

impl Validity {
    /// Neither expired nor before `nbf`. A token without `exp` is not expired.
    #[must_use]
    pub fn valid(&self) -> bool {
        !self.expired && !self.not_yet_valid
    }
}

/// The token inside user input: surrounding whitespace and a leading `Bearer ` (any case, as
/// copied from an `Authorization` header) removed.
#[must_use]
pub fn strip_input(input: &str) -> &str {
    let text = input.trim();
    match text.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim_start(),
        None if text.eq_ignore_ascii_case("bearer") => "",
        _ => text,
    }
}

/// Decodes `input` (see [`strip_input`]) as a compact JWS, without verifying anything.
///
/// # Errors
/// A [`JwtError`] saying why the input is not a JWT; never panics, whatever the input.
pub fn decode(input: &str) -> Result<DecodedJwt, JwtError> {
    if input.len() > MAX_TOKEN_BYTES {
        return Err(JwtError::TooLarge);
    }
    let token = strip_input(input);
    if token.is_empty() {
        return Err(JwtError::Empty);
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(if parts.len() == 5 {
            JwtError::Encrypted
        } else {
            JwtError::WrongShape { parts: parts.len() }
        });
    };
    let header = json_object(header, JwtPart::Header)?;
    let claims = json_object(payload, JwtPart::Payload)?;
    let signature_len = BASE64URL
        .decode(signature)
        .map_err(|_| JwtError::Base64 {
            part: JwtPart::Signature,
        })?
        .len();
    Ok(DecodedJwt {
        header,
        claims,
        signature_len,
    })
}

fn json_object(segment: &str, part: JwtPart) -> Result<Map<String, Value>, JwtError> {
    let bytes = BASE64URL
        .decode(segment)
        .map_err(|_| JwtError::Base64 { part })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JwtError::NotObject { part }),
        Err(e) => Err(JwtError::NotJson {
            part,
            detail: e.to_string(),
        }),
    }
}

/// A JSON NumericDate as whole epoch seconds, when it is one a calendar can show.
#[must_use]
pub fn numeric_date(value: &Value) -> Option<i64> {
    let seconds = match value.as_i64() {
        Some(n) => n,
        None => {
            let f = value.as_f64().filter(|f| f.is_finite())?.floor();
            if f.abs() > 1e15 {
                return None;
            }
            #[allow(clippy::cast_possible_truncation)]
            let n = f as i64;
            n
        }
    };
    jiff::Timestamp::from_second(seconds).ok().map(|_| seconds)
}

impl DecodedJwt {
    /// The header's `alg`, when it is a string.
    #[must_use]
    pub fn algorithm(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// `alg: none` or no signature: anyone could have written this token.
    #[must_use]
    pub fn is_unsigned(&self) -> bool {
        self.signature_len == 0
            || self
                .algorithm()
                .is_some_and(|alg| alg.eq_ignore_ascii_case("none"))
    }

    /// The claims that hold epoch times (`exp`, `nbf`, `iat`, `auth_time`, and `xms_*` integers
    /// that look like dates), in claim order, with their epoch seconds.
    #[must_use]
    pub fn time_claims(&self) -> Vec<(&str, i64)> {
        self.claims
            .iter()
            .filter_map(|(name, value)| {
                if TIME_CLAIMS.contains(&name.as_str()) {
                    numeric_date(value).map(|t| (name.as_str(), t))
                } else if name.starts_with("xms_") {
                    value
                        .as_i64()
                        .filter(|t| PLAUSIBLE_EPOCHS.contains(t))
                        .map(|t| (name.as_str(), t))
                } else {
                    None
                }
            })
            .collect()
    }

    /// What `exp`/`nbf`/`iat` say at `now` (epoch seconds).
    #[must_use]
    pub fn validity(&self, now: i64) -> Validity {
        let date = |name: &str| self.claims.get(name).and_then(numeric_date);
        let expires_on = date("exp");
        let not_before = date("nbf");
        Validity {
            expires_on,
            not_before,
            issued_at: date("iat"),
            expires_in: expires_on.map(|exp| exp.saturating_sub(now)),
            expired: expires_on.is_some_and(|exp| now >= exp),
            not_yet_valid: not_before.is_some_and(|nbf| now < nbf),
        }
    }
}

/// Strategies shared by the property tests of the decoder and of its renderers.
#[cfg(test)]
pub(crate) mod strategies {
    use base64::Engine as _;
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Any JSON value, biased towards the awkward: extreme numbers, control characters.
    pub fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            prop_oneof![
                Just(i64::MIN),
                Just(i64::MAX),
                Just(-1),
                Just(0),
                Just(1_767_022_200),
                Just(253_402_300_800)
            ]
            .prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            "[\\x00-\\x1f\\x7f\u{202e}a]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(".{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A claims (or header) object that mixes the time claims with anything.
    pub fn json_object() -> impl Strategy<Value = Map<String, Value>> {
        let name = prop_oneof![
            Just("exp".to_owned()),
            Just("nbf".to_owned()),
            Just("iat".to_owned()),
            Just("auth_time".to_owned()),
            Just("xms_tcdt".to_owned()),
            Just("alg".to_owned()),
            "[a-z_]{1,8}",
            ".{0,6}",
        ];
        prop::collection::btree_map(name, json_value(), 0..8).prop_map(|m| m.into_iter().collect())
    }

    /// Well-formed tokens with arbitrary JSON objects inside, and an optional signature.
    pub fn jwt_of_objects() -> impl Strategy<Value = String> {
        (
            json_object(),
            json_object(),
            prop::collection::vec(any::<u8>(), 0..40),
        )
            .prop_map(|(header, claims, sig)| {
                format!(
                    "{}.{}.{}",
                    b64(json!(header).to_string().as_bytes()),
                    b64(json!(claims).to_string().as_bytes()),
                    b64(&sig)
                )
            })
    }

    /// Near-JWTs: 1 to 7 segments (0 to 6 dots), each random base64url, base64url of random
    /// bytes, base64url of JSON, or junk.
    pub fn near_jwt() -> impl Strategy<Value = String> {
        let segment = prop_oneof![
            "[A-Za-z0-9_-]{0,40}",
            prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| b64(&b)),
            json_value().prop_map(|v| b64(v.to_string().as_bytes())),
            json_object().prop_map(|m| b64(json!(m).to_string().as_bytes())),
            "[A-Za-z0-9+/=_ -]{0,12}",
            ".{0,8}",
        ];
        (
            prop::collection::vec(segment, 1..=7),
            prop_oneof![Just(""), Just("Bearer "), Just("bearer  "), Just(" \n")],
            prop_oneof![Just(""), Just("\n"), Just(" \r\n\t")],
        )
            .prop_map(|(parts, prefix, suffix)| format!("{prefix}{}{suffix}", parts.join(".")))
    }
}

#[cfg(test)]
mod tests {
    use super::strategies::{jwt_of_objects, near_jwt};
    use super::{
        JwtError, JwtPart, MAX_TOKEN_BYTES, decode, strip_input, unverified_claims,
        unverified_string_claim,
    };
    use proptest::prelude::*;

    // {"alg":"RS256","typ":"JWT"} . {"aud":"api","exp":1767022200,"iat":1767018300,"nbf":1767018300} . "sig"
    const SIGNED: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcGkiLCJleHAiOjE3NjcwMjIyMDAsImlhdCI6MTc2NzAxODMwMCwibmJmIjoxNzY3MDE4MzAwfQ.c2ln";

    #[test]
    fn reads_claims_and_refuses_non_jwts() {
        // {"alg":"none"} . {"tid":"t-1","n":1} . sig
        let token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0LTEiLCJuIjoxfQ.c2ln";
        assert_eq!(
            unverified_string_claim(token, "tid").as_deref(),
            Some("t-1")
        );
        assert_eq!(unverified_string_claim(token, "n"), None);
        assert!(unverified_claims("opaque-token").is_none());
        assert!(unverified_claims("a.b.c.d").is_none());
        assert!(unverified_claims("a.!!!.c").is_none());
    }

    #[test]
    fn decodes_header_claims_and_signature() {
        let jwt = decode(SIGNED).unwrap();
        assert_eq!(jwt.algorithm(), Some("RS256"));
        assert_eq!(jwt.claims["aud"], "api");
        assert_eq!(jwt.signature_len, 3);
        assert!(!jwt.is_unsigned());
        assert_eq!(
            jwt.time_claims(),
            vec![
                ("exp", 1_767_022_200),
                ("iat", 1_767_018_300),
                ("nbf", 1_767_018_300)
            ]
        );
    }

    #[test]
    fn tolerates_whitespace_and_a_bearer_prefix() {
        assert_eq!(strip_input("  Bearer  abc \n"), "abc");
        assert_eq!(strip_input("BEARER abc"), "abc");
        assert_eq!(strip_input("Bearerabc"), "Bearerabc");
        assert_eq!(strip_input("Bearer\tabc"), "abc");
        assert_eq!(strip_input("bearer"), "");
        assert_eq!(strip_input("é"), "é");
        let expected = decode(SIGNED).unwrap();
        for input in [
            format!("{SIGNED}\n"),
            format!("Bearer {SIGNED}\r\n"),
            format!("bearer {SIGNED}  "),
        ] {
            assert_eq!(decode(&input).unwrap(), expected, "{input:?}");
        }
    }

    #[test]
    fn validity_at_each_side_of_nbf_and_exp() {
        let jwt = decode(SIGNED).unwrap();
        let before = jwt.validity(1_767_018_299);
        assert!(before.not_yet_valid && !before.expired && !before.valid());
        let during = jwt.validity(1_767_018_300);
        assert!(during.valid());
        assert_eq!(during.expires_in, Some(3900));
        let at_exp = jwt.validity(1_767_022_200);
        assert!(at_exp.expired && !at_exp.valid());
        assert_eq!(at_exp.expires_in, Some(0));
        assert_eq!(jwt.validity(1_767_022_260).expires_in, Some(-60));
    }

    #[test]
    fn unsigned_tokens_decode_and_say_so() {
        // {"alg":"none"} . {"sub":"x"} . (empty)
        let none = decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.").unwrap();
        assert!(none.is_unsigned());
        assert_eq!(none.signature_len, 0);
        let stripped = format!("{}.", SIGNED.rsplit_once('.').unwrap().0);
        assert!(decode(&stripped).unwrap().is_unsigned());
    }

    #[test]
    fn each_kind_of_non_jwt_has_its_error() {
        assert_eq!(decode(""), Err(JwtError::Empty));
        assert_eq!(decode(" Bearer \n"), Err(JwtError::Empty));
        assert_eq!(decode("a.b.c.d.e"), Err(JwtError::Encrypted));
        assert_eq!(decode("opaque"), Err(JwtError::WrongShape { parts: 1 }));
        assert_eq!(decode("a.b"), Err(JwtError::WrongShape { parts: 2 }));
        assert_eq!(
            decode("a!.e30.c2ln"),
            Err(JwtError::Base64 {
                part: JwtPart::Header
            })
        );
        assert_eq!(
            decode("e30.e30.c2ln!"),
            Err(JwtError::Base64 {
                part: JwtPart::Signature
            })
        );
        // "hello" is base64url "aGVsbG8"; "[1]" is "WzFd"
        assert!(matches!(
            decode("e30.aGVsbG8.c2ln"),
            Err(JwtError::NotJson {
                part: JwtPart::Payload,
                ..
            })
        ));
        assert_eq!(
            decode("WzFd.e30.c2ln"),
            Err(JwtError::NotObject {
                part: JwtPart::Header
            })
        );
        let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(decode(&huge), Err(JwtError::TooLarge));
        assert_eq!(
            JwtError::Encrypted.to_string(),
            "this looks like an encrypted token (JWE); it cannot be decoded without the key"
        );
    }

    #[test]
    fn odd_time_claims_never_overflow() {
        // {"alg":"RS256"} . {"exp":9223372036854775807,"nbf":-1e300,"iat":1.5e9,"xms_tcdt":1600000000,"xms_x":7}
        let claims = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"exp":9223372036854775807,"nbf":-1e300,"iat":1.5e9,"xms_tcdt":1600000000,"xms_x":7}"#,
        );
        let jwt = decode(&format!("eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln")).unwrap();
        assert_eq!(
            jwt.time_claims(),
            vec![("iat", 1_500_000_000), ("xms_tcdt", 1_600_000_000)]
        );
        let validity = jwt.validity(i64::MIN);
        assert_eq!(validity.expires_on, None);
        assert!(validity.valid());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(input in ".{0,300}", now in any::<i64>()) {
            if let Ok(jwt) = decode(&input) {
                let _ = (jwt.time_claims(), jwt.validity(now), jwt.is_unsigned());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn near_jwts_never_panic(input in near_jwt(), now in any::<i64>()) {
            match decode(&input) {
                Ok(jwt) => {
                    let _ = (jwt.time_claims(), jwt.validity(now), jwt.is_unsigned());
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }

        #[test]
        fn well_formed_tokens_always_decode(token in jwt_of_objects(), now in any::<i64>()) {
            let jwt = decode(&token).unwrap();
            let validity = jwt.validity(now);
            prop_assert_eq!(validity.valid(), !validity.expired && !validity.not_yet_valid);
            for (_, epoch) in jwt.time_claims() {
                prop_assert!(jiff::Timestamp::from_second(epoch).is_ok());
            }
        }
    }
}
