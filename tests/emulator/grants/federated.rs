//! Federated credentials (workload identity): external tokens, and their checks when presented
//! as a `client_assertion`, as Entra makes them.
//!
//! Checks, in this order:
//! 1. some registered credential has the token's exact `iss` (else 700211: Entra never fetches
//!    keys for an issuer nobody registered);
//! 2. the issuer's keys: this emulator's own for its own issuer (`{authority}/{tenant}/v2.0`, the
//!    Entra-issued Azure Pipelines tokens); for a loopback issuer (the CI emulators) found by OIDC
//!    discovery (`{iss}/.well-known/openid-configuration` → `jwks_uri`, 50166 when that fails);
//!    for any other issuer the "external IdP" test key stands in for keys nobody can fetch here;
//! 3. the RS256 signature under the key named by `kid` (700027);
//! 4. `exp` in the future and `nbf` at most 5 min ahead, against the emulator's clock with its
//!    offset (700024, 401);
//! 5. a credential with that issuer and the exact `sub` (7002138 when only the case differs,
//!    else 700213), whose audience is among the token's `aud` (else 700212).
//!
//! No `jti` replay check: one CI or Kubernetes token is presented many times during its life,
//! and Entra accepts that.

use super::super::errors::EntraError;
use super::super::ids;
use super::super::jwt::SigningKey;
use super::super::oidc_fetch;
use super::super::state::{App, Shared};
use super::client_assertion::{self, Jwt};
use serde_json::{Value, json};

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
pub fn verify(
    shared: &Shared,
    app: &App,
    jwt: &Jwt<'_>,
    assertion: &str,
) -> Result<(), EntraError> {
    let issuer = jwt.claim_str("iss").unwrap_or_default();
    let subject = jwt.claim_str("sub").unwrap_or_default();
    let audiences = jwt.audiences();
    let same_issuer: Vec<_> = app
        .federated
        .iter()
        .filter(|fic| fic.issuer == issuer)
        .collect();
    if same_issuer.is_empty() {
        return Err(EntraError::federated_issuer_mismatch(issuer));
    }
    check_signature(shared, issuer, jwt, assertion)?;
    client_assertion::check_time_range_at(jwt, shared.now())?;
    let same_subject: Vec<_> = same_issuer
        .iter()
        .filter(|fic| fic.subject == subject)
        .collect();
    if same_subject.is_empty() {
        return Err(
            if same_issuer
                .iter()
                .any(|fic| fic.subject.eq_ignore_ascii_case(subject))
            {
                EntraError::federated_subject_case_mismatch(subject)
            } else {
                EntraError::federated_subject_mismatch(subject)
            },
        );
    }
    if same_subject
        .iter()
        .any(|fic| audiences.contains(&fic.audience.as_str()))
    {
        Ok(())
    } else {
        Err(EntraError::federated_audience_mismatch(
            &audiences.join(","),
        ))
    }
}

fn check_signature(
    shared: &Shared,
    issuer: &str,
    jwt: &Jwt<'_>,
    assertion: &str,
) -> Result<(), EntraError> {
    let bad = |_| EntraError::external_token_bad_signature();
    if issuer.starts_with(&format!("{}/", shared.authority)) {
        return shared
            .key
            .verify_signature(assertion)
            .map(|_| ())
            .map_err(bad);
    }
    if !oidc_fetch::is_loopback(issuer) {
        return SigningKey::external_idp()
            .verify_signature(assertion)
            .map(|_| ())
            .map_err(bad);
    }
    let keys = oidc_fetch::issuer_keys(issuer)
        .map_err(|reason| EntraError::federated_keys_unavailable(issuer, &reason))?;
    let kid = jwt.header_str("kid");
    let key: &Value = keys
        .iter()
        .find(|key| kid.is_some() && key.get("kid").and_then(Value::as_str) == kid)
        .ok_or_else(EntraError::external_token_bad_signature)?;
    SigningKey::verify_with_jwk(key, assertion).map_err(bad)
}
