//! Delegated scopes: splitting, the OIDC scopes, and which resource a user token is for.
//!
//! Rules (Entra, protocol.md §1.1 and §7.6): the access token is for the resource of the first
//! resource scope; other resources' scopes are ignored (consent only). `{resource}/{name}` splits at
//! the last `/` (so `https://management.core.windows.net//.default` is the resource
//! `https://management.core.windows.net/`); a bare name (`User.Read`) is a Microsoft Graph scope.
//! `.default` grants `user_impersonation`. Only OIDC scopes → a Graph token with those names.
//! The response's `scope` lists full `{resource}/{name}` values, never `openid`, `profile`,
//! `email` or `offline_access` (as recorded: `https://vault.azure.net/user_impersonation
//! https://vault.azure.net/.default`).

use super::super::errors::EntraError;

/// The OpenID Connect scopes; never a resource's.
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];
/// The resource of bare scope names.
pub const GRAPH: &str = "https://graph.microsoft.com";

/// The scopes of a space-separated `scope` value, in order, without empties.
pub fn split(scope: &str) -> Vec<String> {
    scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// True if `scopes` contains `name` (case-insensitive).
pub fn has(scopes: &[String], name: &str) -> bool {
    scopes.iter().any(|s| s.eq_ignore_ascii_case(name))
}

fn is_oidc(scope: &str) -> bool {
    OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(scope))
}

/// What one token grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenScopes {
    /// The access token's `aud`.
    pub resource: String,
    /// The access token's `scp` entries.
    pub scp: Vec<String>,
    /// The response's `scope` entries.
    pub granted: Vec<String>,
}

/// The resource and scopes of a user token for `scopes`, or `invalid_scope` (70011).
pub fn for_token(scopes: &[String]) -> Result<TokenScopes, EntraError> {
    let mut resource_scopes = Vec::new();
    for scope in scopes.iter().filter(|s| !is_oidc(s)) {
        let (resource, name) = match scope.rsplit_once('/') {
            Some((resource, name)) => (resource.to_owned(), name.to_owned()),
            None => (GRAPH.to_owned(), scope.clone()),
        };
        if resource.is_empty() || name.is_empty() {
            return Err(EntraError::invalid_user_scope(scope));
        }
        resource_scopes.push((resource, name));
    }
    let Some((resource, _)) = resource_scopes.first().cloned() else {
        let names: Vec<String> = scopes
            .iter()
            .filter(|s| is_oidc(s) && !s.eq_ignore_ascii_case("offline_access"))
            .cloned()
            .collect();
        return Ok(TokenScopes {
            resource: GRAPH.to_owned(),
            scp: names.clone(),
            granted: names,
        });
    };
    let mut scp: Vec<String> = Vec::new();
    let mut default = false;
    for (_, name) in resource_scopes.iter().filter(|(r, _)| *r == resource) {
        if name == ".default" {
            default = true;
        } else if !scp.contains(name) {
            scp.push(name.clone());
        }
    }
    if default && !scp.iter().any(|n| n == "user_impersonation") {
        scp.push("user_impersonation".to_owned());
    }
    let mut granted: Vec<String> = scp.iter().map(|n| format!("{resource}/{n}")).collect();
    if default {
        granted.push(format!("{resource}/.default"));
    }
    Ok(TokenScopes {
        resource,
        scp,
        granted,
    })
}
