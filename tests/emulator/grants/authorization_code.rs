//! `grant_type=authorization_code`: redeem a code from `/authorize` with PKCE.
//!
//! Order: client authentication (`user_client`), `code` and `redirect_uri` required (900144),
//! a `scope` sent here must be valid (70011), then the code: unknown (9002313), already redeemed
//! (54005), expired (70008), issued in another tenant (700005) or to another client (70000),
//! `redirect_uri` not exactly the one sent to `/authorize` (500112), `code_verifier` missing or
//! not matching the S256 challenge (501481). The tokens cover the `scope` sent here, else the
//! code's scopes; a refresh token comes back when they include `offline_access`.

use super::super::errors::EntraError;
use super::super::users::codes::s256;
use super::super::users::scopes;
use super::super::users::user_tokens::{self, UserGrant};
use super::{GrantOutcome, GrantRequest, user_client};

pub fn handle(req: &GrantRequest<'_>) -> GrantOutcome {
    let (tenant_id, app) = user_client::authenticate(req)?;
    let code = req.required("code")?;
    let redirect_uri = req.required("redirect_uri")?;
    let verifier = req.param("code_verifier");
    let requested = req.param("scope").map(scopes::split);
    if let Some(requested) = &requested {
        scopes::for_token(requested)?;
    }
    let grant = req.shared.users.lock().codes.redeem(code, |c| {
        if !c.tenant_id.eq_ignore_ascii_case(&tenant_id) {
            return Err(EntraError::code_other_tenant());
        }
        if !c.client_id.eq_ignore_ascii_case(&app.client_id) {
            return Err(EntraError::grant_invalid());
        }
        if c.redirect_uri != redirect_uri {
            return Err(EntraError::redirect_mismatch(redirect_uri, &c.redirect_uri));
        }
        match verifier {
            Some(v) if s256(v) == c.code_challenge => Ok(()),
            _ => Err(EntraError::pkce_mismatch()),
        }
    })?;
    let scopes = requested.unwrap_or_else(|| grant.scopes.clone());
    let refresh_token =
        user_tokens::refresh_token_for_sign_in(req.shared, &tenant_id, &app.client_id, &scopes);
    user_tokens::issue(
        req.shared,
        &UserGrant {
            tenant_id: &tenant_id,
            client_id: &app.client_id,
            public_client: app.public_client,
            scopes: &scopes,
            nonce: grant.nonce.as_deref(),
            client_info: user_client::wants_client_info(req),
            refresh_token,
            acrs: user_tokens::requested_acrs(req.form),
        },
    )
}
