//! Client authentication for the user grants (authorization code, refresh token, device code):
//! a public client must present no credential (700025, 401); any other app authenticates as a
//! confidential client (secret, Basic or assertion; 7000218 when it sends none).

use super::super::errors::EntraError;
use super::super::state::App;
use super::super::users;
use super::GrantRequest;
use super::client_auth::{self, ClientCredential};

/// The tenant the user signs into and the authenticated app.
pub fn authenticate(req: &GrantRequest<'_>) -> Result<(String, App), EntraError> {
    let auth = client_auth::extract(req);
    let client_id = auth
        .client_id
        .as_deref()
        .ok_or_else(|| EntraError::missing_parameter("client_id"))?;
    let (tenant_id, app) =
        users::resolve_app(req.shared, req.tenant, req.tenant_segment, client_id)?;
    if !app.public_client {
        let app = client_auth::authenticate_confidential(req, &auth, &tenant_id)?;
        return Ok((tenant_id, app));
    }
    match auth.credential {
        ClientCredential::None => Ok((tenant_id, app)),
        _ => Err(EntraError::public_client_with_credential()),
    }
}

/// `client_info=1` was sent.
pub fn wants_client_info(req: &GrantRequest<'_>) -> bool {
    req.param("client_info") == Some("1")
}
