//! The 200 body of the user grants (authorization code, refresh token, device code): a delegated
//! access token for the default user, an `id_token` when `openid` was asked for, the refresh token
//! the grant decided on, and `client_info` when `client_info=1` was sent.
//!
//! Access token: `aud` = the resource, `scp` = the granted names, `oid`/`sub`/`tid`/`upn`/`name`/
//! `preferred_username` of the user, `azp` = `appid` = the client, `azpacr` 0 for a public client.
//! ID token: `aud` = the client, `iss`, `tid`, `oid`, `sub`, `preferred_username`, `name`, `nonce`
//! (when the code carried one), valid one hour.

use super::super::errors::EntraError;
use super::super::ids;
use super::super::responses::TokenResponse;
use super::super::state::Shared;
use super::super::{USER_DISPLAY_NAME, USER_NAME, USER_OBJECT_ID};
use super::refresh::RefreshGrant;
use super::scopes;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// Entra backdates `iat`/`nbf` by five minutes to absorb clock skew.
const BACKDATE_SECS: i64 = 300;
/// ID tokens live one hour.
const ID_TOKEN_LIFETIME_SECS: i64 = 3600;

/// One successful user grant.
pub struct UserGrant<'a> {
    pub tenant_id: &'a str,
    pub client_id: &'a str,
    /// A public client (`azpacr` 0) or a confidential one (`azpacr` 1).
    pub public_client: bool,
    /// The effective scopes (OIDC ones included).
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    /// `client_info=1` was sent.
    pub client_info: bool,
    pub refresh_token: Option<String>,
    /// The authentication contexts the request's `claims` asked for (a claims challenge met):
    /// the token's `acrs` claim, as Entra issues it.
    pub acrs: Vec<String>,
}

/// The `acrs` a token request's `claims` parameter asks for (`access_token.acrs.value` or
/// `.values`), for [`UserGrant::acrs`].
pub fn requested_acrs(form: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    let Some(claims) = form
        .get("claims")
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
    else {
        return Vec::new();
    };
    let acrs = &claims["access_token"]["acrs"];
    let values = acrs["values"].as_array().cloned().unwrap_or_default();
    acrs.get("value")
        .into_iter()
        .chain(values.iter())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The token response for `grant`, or `invalid_scope` if its scopes name no valid resource.
pub fn issue(shared: &Shared, grant: &UserGrant<'_>) -> Result<TokenResponse, EntraError> {
    let granted = scopes::for_token(grant.scopes)?;
    let lifetime = shared.token_lifetime_secs();
    let now = jiff::Timestamp::now().as_second();
    let issuer = format!("{}/{}/v2.0", shared.authority, grant.tenant_id);
    let mut claims = json!({
        "aud": granted.resource,
        "iss": issuer,
        "iat": now - BACKDATE_SECS,
        "nbf": now - BACKDATE_SECS,
        "exp": now + i64::try_from(lifetime).unwrap_or(i64::MAX / 2),
        "aio": ids::random_b64url(48),
        "azp": grant.client_id,
        "azpacr": if grant.public_client { "0" } else { "1" },
        "appid": grant.client_id,
        "name": USER_DISPLAY_NAME,
        "oid": USER_OBJECT_ID,
        "preferred_username": USER_NAME,
        "rh": format!("0.{}.", ids::random_b64url(24)),
        "scp": granted.scp.join(" "),
        "sid": ids::new_uuid(),
        "sub": pairwise_sub(grant.client_id),
        "tid": grant.tenant_id,
        "upn": USER_NAME,
        "uti": ids::random_b64url(16),
        "ver": "2.0",
    });
    if !grant.acrs.is_empty() {
        claims["acrs"] = json!(grant.acrs);
    }
    let id_token = scopes::has(grant.scopes, "openid").then(|| {
        let mut id = json!({
            "aud": grant.client_id,
            "iss": issuer,
            "iat": now - BACKDATE_SECS,
            "nbf": now - BACKDATE_SECS,
            "exp": now + ID_TOKEN_LIFETIME_SECS,
            "name": USER_DISPLAY_NAME,
            "oid": USER_OBJECT_ID,
            "preferred_username": USER_NAME,
            "rh": format!("0.{}.", ids::random_b64url(24)),
            "sub": pairwise_sub(grant.client_id),
            "tid": grant.tenant_id,
            "uti": ids::random_b64url(16),
            "ver": "2.0",
        });
        if let Some(nonce) = grant.nonce {
            id["nonce"] = json!(nonce);
        }
        shared.key.sign(&id)
    });
    Ok(TokenResponse {
        token_type: "Bearer",
        scope: Some(granted.granted.join(" ")),
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: shared.key.sign(&claims),
        refresh_token: grant.refresh_token.clone(),
        id_token,
        client_info: grant.client_info.then(|| client_info(grant.tenant_id)),
        ..TokenResponse::default()
    })
}

/// A new refresh-token chain if `offline_access` is among `scopes` (a sign-in), else none.
pub fn refresh_token_for_sign_in(
    shared: &Shared,
    tenant_id: &str,
    client_id: &str,
    scopes: &[String],
) -> Option<String> {
    scopes::has(scopes, "offline_access").then(|| {
        shared.users.lock().refresh.issue_new_chain(RefreshGrant {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            scopes: scopes.to_vec(),
        })
    })
}

/// base64url(`{"uid":"<oid>","utid":"<tid>"}`), unpadded, as Entra sends it.
pub fn client_info(tenant_id: &str) -> String {
    let json = json!({ "uid": USER_OBJECT_ID, "utid": tenant_id });
    URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Entra's `sub` is pairwise: stable per user and app, different across apps.
fn pairwise_sub(client_id: &str) -> String {
    let digest = Sha256::digest(format!("sub|{USER_OBJECT_ID}|{client_id}").as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..32])
}
