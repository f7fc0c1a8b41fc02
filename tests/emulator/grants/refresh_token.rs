//! `grant_type=refresh_token`: rotation, replay detection and revocation (`users::refresh`).
//!
//! Order: client authentication (`user_client`), `refresh_token` required (900144), a `scope`
//! sent here must be valid (70011; it may name any resource: refresh tokens are not bound to
//! one), then the token (see `users::refresh`). Every success returns a new refresh token; the
//! tokens cover the `scope` sent here, else the scopes of the original sign-in; an `id_token`
//! comes back when they include `openid`.

use super::super::users::scopes;
use super::super::users::user_tokens::{self, UserGrant};
use super::{GrantOutcome, GrantRequest, user_client};

pub fn handle(req: &GrantRequest<'_>) -> GrantOutcome {
    let (tenant_id, app) = user_client::authenticate(req)?;
    let token = req.required("refresh_token")?;
    let requested = req.param("scope").map(scopes::split);
    if let Some(requested) = &requested {
        scopes::for_token(requested)?;
    }
    let (grant, next) = req
        .shared
        .users
        .lock()
        .refresh
        .rotate(token, &app.client_id)?;
    let scopes = requested.unwrap_or(grant.scopes);
    user_tokens::issue(
        req.shared,
        &UserGrant {
            tenant_id: &tenant_id,
            client_id: &app.client_id,
            public_client: app.public_client,
            scopes: &scopes,
            nonce: None,
            client_info: user_client::wants_client_info(req),
            refresh_token: Some(next),
            acrs: user_tokens::requested_acrs(req.form),
        },
    )
}
