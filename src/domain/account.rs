//! The signed-in user of a profile: who they are (from `client_info` or the `id_token`) and the
//! refresh token that lets the CLI get new access tokens silently.

use base64::Engine as _;
use secrecy::SecretString;

use super::jwt::unverified_claims;

/// A cached account. One per app identity (authority, tenant, client): a CLI profile signs in
/// one user at a time. `Debug` never shows the refresh token.
#[derive(Debug, Clone)]
pub struct Account {
    /// `uid.utid` (MSAL's home account id): the object id and tenant of the user.
    pub home_account_id: String,
    /// `preferred_username` / `upn`, for messages and `status`.
    pub username: Option<String>,
    /// Rotated on every use; replaced atomically under the identity lock.
    pub refresh_token: SecretString,
    pub updated_at: i64,
}

/// The account part of a token response: `client_info` (preferred) or the `id_token` claims.
#[must_use]
pub fn home_account_id(client_info: Option<&str>, id_token: Option<&str>) -> Option<String> {
    if let Some(info) = client_info {
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(info.trim_end_matches('='))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
        if let Some(value) = decoded
            && let (Some(uid), Some(utid)) = (value["uid"].as_str(), value["utid"].as_str())
        {
            return Some(format!("{uid}.{utid}"));
        }
    }
    let claims = unverified_claims(id_token?)?;
    let oid = claims["oid"].as_str().or_else(|| claims["sub"].as_str())?;
    let tid = claims["tid"].as_str().unwrap_or("unknown");
    Some(format!("{oid}.{tid}"))
}

/// The user's display name from the `id_token`, if any.
#[must_use]
pub fn username(id_token: Option<&str>) -> Option<String> {
    let claims = unverified_claims(id_token?)?;
    ["preferred_username", "upn", "email", "name", "sub"]
        .iter()
        .find_map(|claim| claims[*claim].as_str().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::{home_account_id, username};

    #[test]
    fn client_info_wins_then_id_token() {
        // {"uid":"u1","utid":"t1"}
        let info = "eyJ1aWQiOiJ1MSIsInV0aWQiOiJ0MSJ9";
        assert_eq!(home_account_id(Some(info), None).as_deref(), Some("u1.t1"));
        // payload {"oid":"o2","tid":"t2","preferred_username":"bob@x"}
        let id_token =
            "e30.eyJvaWQiOiJvMiIsInRpZCI6InQyIiwicHJlZmVycmVkX3VzZXJuYW1lIjoiYm9iQHgifQ.sig";
        assert_eq!(
            home_account_id(None, Some(id_token)).as_deref(),
            Some("o2.t2")
        );
        assert_eq!(
            home_account_id(Some("garbage"), Some(id_token)).as_deref(),
            Some("o2.t2")
        );
        assert_eq!(username(Some(id_token)).as_deref(), Some("bob@x"));
        assert_eq!(home_account_id(None, None), None);
    }
}
