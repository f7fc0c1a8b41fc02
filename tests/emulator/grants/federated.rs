//! Federated credentials (workload identity): external tokens minted by the emulator's
//! "external IdP" key, and their checks when presented as a `client_assertion`.
//!
//! Checks, in this order: signature under the external-IdP key (700027), `exp` in the future and
//! `nbf` at most 5 min ahead (700024, 401), then some registered credential with the token's
//! exact `iss` and `sub` whose audience is among the token's `aud` (else 70021, 400
//! `invalid_request`). No `jti` replay check: a projected Kubernetes token is presented many
//! times during its life, and Entra accepts that.

use super::super::errors::EntraError;
use super::super::ids;
use super::super::jwt::SigningKey;
use super::super::state::App;
use super::client_assertion::{self, Jwt};
use serde_json::json;

/// The audience Entra expects on external tokens by default.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// An RS256 JWT from the external IdP. A negative `lifetime_secs` gives an already expired token.
pub fn mint(issuer: &str, subject: &str, audience: &str, lifetime_secs: i64) -> String {
    let now = jiff::Timestamp::now().as_second();
    let exp = now + lifetime_secs;
    let issued = if lifetime_secs > 0 { now } else { exp - 3600 };
    let claims = json!({
        "aud": [audience],
        "exp": exp,
        "iat": issued,
        "iss": issuer,
        "jti": ids::new_uuid(),
        "nbf": issued,
        "sub": subject,
    });
    SigningKey::external_idp().sign(&claims)
}

/// Accepts `assertion` for `app` if it is a valid external token matching a federated credential.
pub fn verify(app: &App, jwt: &Jwt<'_>, assertion: &str) -> Result<(), EntraError> {
    SigningKey::external_idp()
        .verify_signature(assertion)
        .map_err(|_| EntraError::external_token_bad_signature())?;
    client_assertion::check_time_range(jwt)?;
    let issuer = jwt.claim_str("iss").unwrap_or_default();
    let subject = jwt.claim_str("sub").unwrap_or_default();
    let audiences = jwt.audiences();
    let matched = app.federated.iter().any(|fic| {
        fic.issuer == issuer && fic.subject == subject && audiences.contains(&fic.audience.as_str())
    });
    if matched {
        Ok(())
    } else {
        Err(EntraError::federated_no_match(
            issuer,
            subject,
            &audiences.join(","),
        ))
    }
}
