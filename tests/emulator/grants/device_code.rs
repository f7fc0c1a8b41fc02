//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (or msal-node's short
//! `device_code`): one poll of a device code (`users::device` has the order of answers).
//!
//! Order: client authentication (`user_client`), `device_code` required (900144), then the poll.
//! A success has the body of an authorization-code redemption for the scopes given to
//! `/devicecode` (a `scope` sent with the poll is ignored, as Entra does).

use super::super::users::user_tokens::{self, UserGrant};
use super::{GrantOutcome, GrantRequest, user_client};

pub fn handle(req: &GrantRequest<'_>) -> GrantOutcome {
    let (_, app) = user_client::authenticate(req)?;
    let device_code = req.required("device_code")?;
    let grant = req
        .shared
        .users
        .lock()
        .devices
        .poll(device_code, &app.client_id)?;
    let refresh_token = user_tokens::refresh_token_for_sign_in(
        req.shared,
        &grant.tenant_id,
        &grant.client_id,
        &grant.scopes,
    );
    user_tokens::issue(
        req.shared,
        &UserGrant {
            tenant_id: &grant.tenant_id,
            client_id: &grant.client_id,
            public_client: app.public_client,
            scopes: &grant.scopes,
            nonce: None,
            client_info: user_client::wants_client_info(req),
            refresh_token,
            acrs: user_tokens::requested_acrs(req.form),
        },
    )
}
