//! `client_assertion` authentication: intake (type, JWT shape, recording the JOSE header), the
//! choice between a certificate and a federated assertion, and the certificate checks of
//! protocol.md §2.3.
//!
//! Which path: if the header's `x5t#S256`, `x5t` or `x5c` leaf names one of the app's registered
//! certificates, it is a certificate assertion. Otherwise, if the app has federated credentials,
//! it is an external token (`federated`); GitHub's tokens carry an `x5t` of GitHub's own key, so
//! a mere thumbprint header does not decide. Otherwise the key is unknown: AADSTS700027.
//!
//! Certificate checks, in this order: `alg` PS256 or RS256 (either thumbprint header goes with
//! either `alg`), signature under the certificate's RSA key, `iss` = `sub` (50048) = `client_id`
//! (700021), `aud` = this emulator's token URL for the tenant (GUID, a domain or the path segment
//! as sent; v2.0 or v1 path; 700023), `exp` in the future and `nbf` at most 5 min ahead (700024),
//! `jti` present and never seen (700027). A `jti` is only remembered once everything else passed.

use super::super::errors::EntraError;
use super::super::state::App;
use super::super::x509::{self, Certificate};
use super::GrantRequest;
use super::federated;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, crypto};
use serde_json::Value;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How far in the future `nbf` may be (clock skew).
const NBF_SKEW_SECS: i64 = 300;

/// A compact JWS split and decoded, signature not yet checked.
pub struct Jwt<'a> {
    pub header: Value,
    pub claims: Value,
    /// `header.payload`, what the signature covers.
    pub signing_input: &'a str,
    pub signature: &'a str,
}

impl<'a> Jwt<'a> {
    pub fn parse(token: &'a str) -> Result<Jwt<'a>, EntraError> {
        let malformed = |reason: &str| EntraError::assertion_malformed(reason);
        let (signing_input, signature) = token
            .rsplit_once('.')
            .ok_or_else(|| malformed("not a compact JWS"))?;
        let (header, claims) = signing_input
            .split_once('.')
            .ok_or_else(|| malformed("not a compact JWS"))?;
        let decode = |part: &str, what: &str| -> Result<Value, EntraError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| malformed(&format!("the {what} is not base64url")))?;
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|_| malformed(&format!("the {what} is not JSON")))?;
            if value.is_object() {
                Ok(value)
            } else {
                Err(malformed(&format!("the {what} is not a JSON object")))
            }
        };
        Ok(Jwt {
            header: decode(header, "header")?,
            claims: decode(claims, "payload")?,
            signing_input,
            signature,
        })
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim (integer or float seconds).
    pub fn claim_time(&self, name: &str) -> Option<i64> {
        let value = self.claims.get(name)?;
        value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
    }

    /// `aud` as a list (a string or an array of strings).
    pub fn audiences(&self) -> Vec<&str> {
        match self.claims.get("aud") {
            Some(Value::String(aud)) => vec![aud.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// Authenticates `app` by the assertion the request carried.
pub fn authenticate(
    req: &GrantRequest<'_>,
    app: &App,
    tenant_id: &str,
    assertion_type: &str,
    assertion: &str,
) -> Result<(), EntraError> {
    if assertion_type.is_empty() {
        return Err(EntraError::missing_parameter("client_assertion_type"));
    }
    if assertion_type != JWT_BEARER {
        return Err(EntraError::assertion_type_unsupported(assertion_type));
    }
    let jwt = Jwt::parse(assertion)?;
    req.shared.set_last_assertion_header(jwt.header.clone());
    if let Some(certificate) = registered_certificate(app, &jwt) {
        verify_certificate_assertion(req, app, tenant_id, &jwt, certificate)
    } else if !app.federated.is_empty() {
        federated::verify(req.shared, app, &jwt, assertion)
    } else {
        Err(EntraError::assertion_key_unknown(
            &presented_thumbprint(&jwt),
            &app.client_id,
        ))
    }
}

/// The app's certificate that the header's `x5t#S256`, `x5t` or `x5c` leaf names.
fn registered_certificate<'c>(app: &'c App, jwt: &Jwt<'_>) -> Option<&'c Certificate> {
    let s256 = jwt.header_str("x5t#S256");
    let sha1 = jwt.header_str("x5t");
    let leaf = jwt
        .header
        .get("x5c")
        .and_then(|chain| chain.get(0))
        .and_then(Value::as_str)
        .and_then(x509::decode_x5c);
    app.certificates.iter().find(|cert| {
        s256.is_some_and(|t| cert.matches(t, true))
            || sha1.is_some_and(|t| cert.matches(t, false))
            || leaf.as_deref() == Some(cert.der.as_slice())
    })
}

/// The thumbprint Entra would print: the `x5t` (else `x5t#S256`) bytes in uppercase hex.
fn presented_thumbprint(jwt: &Jwt<'_>) -> String {
    ["x5t", "x5t#S256"]
        .iter()
        .filter_map(|name| jwt.header_str(name))
        .map(|t| x509::decode_thumbprint(t).map_or_else(|| t.to_owned(), |b| x509::hex_upper(&b)))
        .next()
        .unwrap_or_else(|| "none".to_owned())
}

fn verify_certificate_assertion(
    req: &GrantRequest<'_>,
    app: &App,
    tenant_id: &str,
    jwt: &Jwt<'_>,
    certificate: &Certificate,
) -> Result<(), EntraError> {
    let alg = match jwt.header_str("alg") {
        Some("PS256") => Algorithm::PS256,
        Some("RS256") => Algorithm::RS256,
        other => return Err(EntraError::assertion_alg_unsupported(other.unwrap_or(""))),
    };
    let thumbprint = x509::hex_upper(&certificate.sha1);
    let valid = crypto::verify(
        jwt.signature,
        jwt.signing_input.as_bytes(),
        &certificate.public_key,
        alg,
    )
    .unwrap_or(false);
    if !valid {
        return Err(EntraError::assertion_bad_signature(&thumbprint));
    }
    let client_id = app.client_id.as_str();
    let iss = jwt.claim_str("iss").unwrap_or_default();
    let sub = jwt.claim_str("sub").unwrap_or_default();
    if iss != sub {
        return Err(EntraError::assertion_subject_mismatch(client_id));
    }
    if !iss.eq_ignore_ascii_case(client_id) {
        return Err(EntraError::assertion_wrong_client());
    }
    check_audience(req, tenant_id, jwt)?;
    check_time_range(jwt)?;
    let jti = jwt
        .claim_str("jti")
        .filter(|j| !j.is_empty())
        .ok_or_else(EntraError::assertion_missing_jti)?;
    if !req.shared.first_use_of_jti(jti) {
        return Err(EntraError::assertion_replayed());
    }
    Ok(())
}

/// `aud` must be this emulator's token URL for the tenant.
fn check_audience(
    req: &GrantRequest<'_>,
    tenant_id: &str,
    jwt: &Jwt<'_>,
) -> Result<(), EntraError> {
    let authority = req.shared.authority.to_ascii_lowercase();
    let mut names = req.shared.tenant_names(tenant_id);
    names.push(req.tenant_segment.to_ascii_lowercase());
    let accepted: Vec<String> = names
        .iter()
        .flat_map(|name| {
            [
                format!("{authority}/{name}/oauth2/v2.0/token"),
                format!("{authority}/{name}/oauth2/token"),
            ]
        })
        .collect();
    let audiences = jwt.audiences();
    let ok = audiences.iter().any(|aud| {
        let aud = aud.trim_end_matches('/').to_ascii_lowercase();
        accepted.contains(&aud)
    });
    if ok {
        Ok(())
    } else {
        Err(EntraError::assertion_wrong_audience(
            &audiences.join(" "),
            &format!("{}/{tenant_id}/oauth2/v2.0/token", req.shared.authority),
        ))
    }
}

/// `exp` in the future (required) and `nbf` (optional) at most `NBF_SKEW_SECS` ahead.
pub fn check_time_range(jwt: &Jwt<'_>) -> Result<(), EntraError> {
    check_time_range_at(jwt, jiff::Timestamp::now().as_second())
}

/// [`check_time_range`] at `now` (epoch seconds).
pub fn check_time_range_at(jwt: &Jwt<'_>, now: i64) -> Result<(), EntraError> {
    let exp = jwt
        .claim_time("exp")
        .ok_or_else(|| EntraError::assertion_malformed("the 'exp' claim is missing"))?;
    let nbf = jwt.claim_time("nbf");
    if exp <= now || nbf.is_some_and(|nbf| nbf > now + NBF_SKEW_SECS) {
        return Err(EntraError::assertion_time_range(now, nbf, exp));
    }
    Ok(())
}
