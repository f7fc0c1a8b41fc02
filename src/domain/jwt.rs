//! Reading a JWT's claims without verifying it: for display and for fields such as `tid` that
//! the token response does not carry. Never used to make a trust decision.

use base64::Engine as _;

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

#[cfg(test)]
mod tests {
    use super::{unverified_claims, unverified_string_claim};

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
}
