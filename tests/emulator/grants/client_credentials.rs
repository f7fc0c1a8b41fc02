//! `grant_type=client_credentials` with a client secret (body or Basic): validation order,
//! scope rules (one `{resource}/.default`) and the app-only token.

use super::super::errors::EntraError;
use super::super::state::TenantRef;
use super::super::tokens::{self, AppToken};
use super::client_auth::{self, ClientCredential};
use super::{GrantOutcome, GrantRequest};

/// OIDC scopes some libraries (MSAL Go) append to every request; Entra ignores them here.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

pub fn handle(req: &GrantRequest<'_>) -> GrantOutcome {
    let tenant_id = match req.tenant {
        TenantRef::Known(id) => id.as_str(),
        TenantRef::MultiTenant(_) => return Err(EntraError::grant_not_on_multi_tenant()),
        TenantRef::Unknown => return Err(EntraError::tenant_not_found(req.tenant_segment)),
    };
    let auth = client_auth::extract(req);
    if auth.client_id.is_none() {
        return Err(EntraError::missing_parameter("client_id"));
    }
    let scope = req.required("scope")?;
    let resource = resource_of(scope)?;
    let app = client_auth::authenticate_confidential(req, &auth, tenant_id)?;
    let azpacr = match auth.credential {
        ClientCredential::Assertion { .. } => "2",
        _ => "1",
    };
    Ok(tokens::issue_app_token(
        req.shared,
        &AppToken {
            tenant_id,
            client_id: &app.client_id,
            object_id: &app.object_id,
            audience: resource,
            azpacr,
        },
    ))
}

/// The resource of a client-credentials scope: exactly one `{resource}/.default`.
fn resource_of(scope: &str) -> Result<&str, EntraError> {
    let items: Vec<&str> = scope
        .split(' ')
        .filter(|s| !s.is_empty() && !OIDC_SCOPES.contains(s))
        .collect();
    match items.as_slice() {
        [one] => match one.strip_suffix("/.default") {
            Some(resource) if !resource.is_empty() => Ok(resource),
            _ => Err(EntraError::scope_needs_default(scope)),
        },
        [] => Err(EntraError::scope_needs_default(scope)),
        many if many.iter().all(|s| s.ends_with("/.default")) => {
            Err(EntraError::scope_too_many_resources(scope))
        }
        _ => Err(EntraError::scope_needs_default(scope)),
    }
}
