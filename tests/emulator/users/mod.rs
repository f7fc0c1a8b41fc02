//! User sign-in (delegated) flows: the scriptable `/authorize` behaviour, authorization codes,
//! refresh-token chains and device codes, with their counters and recordings (`UserFlows`, one per
//! emulator, reached as `Shared::users`), and where a user flow's tenant comes from.
//!
//! Modules: `authorize` (the `/authorize` route), `devicecode` (the `/devicecode` and
//! `/devicelogin` routes), `codes`, `refresh` and `device` (the stores), `scopes` (scope parsing),
//! `user_tokens` (the 200 body: access token, id token, `client_info`), `html` (pages),
//! `errors` (the user-flow part of the AADSTS catalogue).

pub mod authorize;
pub mod codes;
pub mod device;
pub mod devicecode;
pub mod errors;
pub mod html;
pub mod refresh;
pub mod scopes;
pub mod user_tokens;

use super::errors::EntraError;
use super::state::{App, RecordedRequest, Shared, TenantRef};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What `/authorize` does with a valid request (the emulator's stand-in for the user).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AuthorizeBehavior {
    /// The user signs in and consents: a code goes back to the redirect URI.
    #[default]
    Approve,
    /// The user (or policy) refuses: `error`, `error_description` and `state` go back.
    Deny { error: String, description: String },
    /// Approves, but echoes a `state` other than the one sent (a CSRF attempt).
    WrongState,
}

/// Everything the user flows remember; lock it with `UserFlows::lock`.
pub struct UserState {
    pub behavior: AuthorizeBehavior,
    pub authorize_requests: usize,
    pub last_authorize: Option<RecordedRequest>,
    pub devicecode_requests: usize,
    pub codes: codes::CodeStore,
    pub refresh: refresh::RefreshStore,
    pub devices: device::DeviceStore,
}

pub struct UserFlows {
    inner: Mutex<UserState>,
}

impl UserFlows {
    pub fn new() -> UserFlows {
        UserFlows {
            inner: Mutex::new(UserState {
                behavior: AuthorizeBehavior::Approve,
                authorize_requests: 0,
                last_authorize: None,
                devicecode_requests: 0,
                codes: codes::CodeStore::default(),
                refresh: refresh::RefreshStore::default(),
                devices: device::DeviceStore::default(),
            }),
        }
    }

    /// The state; never hold the guard across another lock or an `await`.
    pub fn lock(&self) -> MutexGuard<'_, UserState> {
        // A panicking test thread must not make the emulator unusable for the next assertion.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for UserFlows {
    fn default() -> Self {
        UserFlows::new()
    }
}

/// The tenant a user flow signs into and the app: a registered tenant's own app, or on
/// `common`/`organizations`/`consumers` the tenant that registers the app (the user's home tenant).
pub fn resolve_app(
    shared: &Shared,
    tenant: &TenantRef,
    tenant_segment: &str,
    client_id: &str,
) -> Result<(String, App), EntraError> {
    match tenant {
        TenantRef::Known(id) => shared
            .find_app(id, client_id)
            .map(|app| (id.clone(), app))
            .ok_or_else(|| EntraError::app_not_found(client_id, tenant_segment)),
        TenantRef::MultiTenant(_) => shared
            .find_app_any_tenant(client_id)
            .ok_or_else(|| EntraError::app_not_found(client_id, tenant_segment)),
        TenantRef::Unknown => Err(EntraError::tenant_not_found(tenant_segment)),
    }
}
