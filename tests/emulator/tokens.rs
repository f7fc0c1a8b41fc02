//! Access-token minting shared by the grants: claims shaped like an Entra v2 token, signed with the emulator key.

use super::ids;
use super::responses::TokenResponse;
use super::state::Shared;
use serde_json::json;

/// Entra backdates `iat`/`nbf` by five minutes to absorb clock skew.
const BACKDATE_SECS: i64 = 300;

/// An app-only (client credentials) token request.
pub struct AppToken<'a> {
    pub tenant_id: &'a str,
    pub client_id: &'a str,
    /// The service principal's object id: `oid` and `sub`.
    pub object_id: &'a str,
    /// The resource: the scope without `/.default`.
    pub audience: &'a str,
    /// `1` for a secret, `2` for a certificate or assertion.
    pub azpacr: &'a str,
}

/// A signed app-only access token and its 200 body (no `scope`, no `refresh_token`).
pub fn issue_app_token(shared: &Shared, spec: &AppToken<'_>) -> TokenResponse {
    let lifetime = shared.token_lifetime_secs();
    let now = jiff::Timestamp::now().as_second();
    let claims = json!({
        "aud": spec.audience,
        "iss": format!("{}/{}/v2.0", shared.authority, spec.tenant_id),
        "iat": now - BACKDATE_SECS,
        "nbf": now - BACKDATE_SECS,
        "exp": now + i64::try_from(lifetime).unwrap_or(i64::MAX / 2),
        "aio": ids::random_b64url(48),
        "azp": spec.client_id,
        "azpacr": spec.azpacr,
        "appid": spec.client_id,
        "idp": format!("{}/{}/v2.0", shared.authority, spec.tenant_id),
        "idtyp": "app",
        "oid": spec.object_id,
        "sub": spec.object_id,
        "rh": format!("0.{}.", ids::random_b64url(24)),
        "roles": [],
        "tid": spec.tenant_id,
        "uti": ids::random_b64url(16),
        "ver": "2.0",
    });
    TokenResponse {
        token_type: "Bearer",
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: shared.key.sign(&claims),
        ..TokenResponse::default()
    }
}
