//! The `Emulator` methods for user sign-in: public clients, the default user, `/authorize`
//! behaviour and recordings, refresh-token rotation and revocation, and device-code scripting.

use super::users::AuthorizeBehavior;
use super::users::device::{self, DeviceStatus};
use super::{Emulator, RecordedRequest, USER_OBJECT_ID};

impl Emulator {
    /// Registers the tenant and app if new and enables public client flows for it (user flows
    /// with no client credential; loopback redirect URIs).
    pub fn register_public_client(&self, tenant_id: &str, client_id: &str) {
        self.shared.register_public_client(tenant_id, client_id);
    }

    /// The default user's object id (`oid` of user tokens, `uid` of `client_info`).
    pub fn user_object_id(&self) -> String {
        USER_OBJECT_ID.to_owned()
    }

    /// `{authority}/{tenant}/oauth2/v2.0/authorize`.
    pub fn authorize_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/authorize", self.shared.authority)
    }

    /// `{authority}/{tenant}/oauth2/v2.0/devicecode`.
    pub fn devicecode_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/devicecode", self.shared.authority)
    }

    /// What `/authorize` does with the next valid requests (default `Approve`).
    pub fn set_authorize_behavior(&self, behavior: AuthorizeBehavior) {
        self.shared.users.lock().behavior = behavior;
    }

    /// `/authorize` requests received (also those answered with an error).
    pub fn authorize_requests(&self) -> usize {
        self.shared.users.lock().authorize_requests
    }

    /// The last `/authorize` request: query parameters in `form`, headers (lowercase), path.
    pub fn last_authorize_request(&self) -> Option<RecordedRequest> {
        self.shared.users.lock().last_authorize.clone()
    }

    /// Off (default, Entra): a used refresh token stays valid. On (oidc-provider style): using
    /// one again fails with `invalid_grant` (AADSTS70000) and revokes its whole chain.
    pub fn set_refresh_token_reuse_revokes(&self, on: bool) {
        self.shared.users.lock().refresh.reuse_revokes = on;
    }

    /// Revokes every refresh token issued so far (a password reset): using one fails with
    /// `invalid_grant` AADSTS50173, `suberror` `bad_token`. Later sign-ins work again.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.users.lock().refresh.revoke_all();
    }

    /// The last refresh token handed out (by any user grant).
    pub fn last_refresh_token_issued(&self) -> Option<String> {
        self.shared.users.lock().refresh.last_issued.clone()
    }

    /// The `interval` of later `/devicecode` answers, in seconds (default 1).
    pub fn set_device_interval(&self, secs: u64) {
        self.shared.users.lock().devices.interval_secs = secs;
    }

    /// The `expires_in` and actual lifetime of later device codes, in seconds (default 900).
    pub fn set_device_code_lifetime(&self, secs: u64) {
        self.shared.users.lock().devices.lifetime_secs = secs;
    }

    /// The `message` of later `/devicecode` answers, `{user_code}` replaced by the code (a hostile
    /// IdP's text); `None` restores Entra's.
    pub fn set_device_code_message(&self, message: Option<&str>) {
        self.shared.users.lock().devices.message = message.map(str::to_owned);
    }

    /// The user enters `user_code` and signs in; false unless it is pending and unexpired.
    pub fn approve_device_code(&self, user_code: &str) -> bool {
        let mut users = self.shared.users.lock();
        users.devices.decide(user_code, DeviceStatus::Approved)
    }

    /// The user enters `user_code` and declines; false unless it is pending and unexpired.
    pub fn deny_device_code(&self, user_code: &str) -> bool {
        let mut users = self.shared.users.lock();
        users.devices.decide(user_code, DeviceStatus::Denied)
    }

    /// `Some(n)`: a pending device code is approved on its poll after `n` earlier polls (0: the
    /// first poll succeeds). `None` (default): only `approve_device_code` approves.
    pub fn set_auto_approve_device_codes(&self, after_polls: Option<u32>) {
        self.shared.users.lock().devices.auto_approve_after = after_polls;
    }

    /// Queues the answer of the next device-code poll (FIFO): `authorization_pending`,
    /// `slow_down`, `authorization_declined`, `access_denied`, `expired_token`,
    /// `bad_verification_code`, `invalid_grant`, `server_error` (500) or
    /// `temporarily_unavailable` (503). Panics on any other name.
    pub fn push_device_poll_error(&self, error: &str) {
        let answer = device::poll_error(error).unwrap_or_else(|| {
            panic!(
                "push_device_poll_error: unknown error {error:?}; use one of {:?}",
                device::POLL_ERROR_NAMES
            )
        });
        self.shared
            .users
            .lock()
            .devices
            .poll_errors
            .push_back(answer);
    }

    /// The last `(user_code, verification_uri)` handed out by `/devicecode`.
    pub fn last_device_code(&self) -> Option<(String, String)> {
        self.shared.users.lock().devices.last.clone()
    }

    /// `/devicecode` requests received (also those answered with an error).
    pub fn devicecode_requests(&self) -> usize {
        self.shared.users.lock().devicecode_requests
    }
}
