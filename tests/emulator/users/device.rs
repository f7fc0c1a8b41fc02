//! Device codes (RFC 8628 as Entra runs it, protocol.md §1.3 and §5): issuing, scripted approval
//! or denial by user code, automatic approval after N polls, queued poll answers, and polling.
//!
//! A poll, in this order: unknown `device_code` → `bad_verification_code` (70018); another client
//! → `invalid_grant` (70000); the poll is counted; a queued answer (`push_device_poll_error`) is
//! returned if any; already redeemed → `invalid_grant` (70000); past its lifetime →
//! `expired_token` (70019); pending and auto-approval due → approved; then pending →
//! `authorization_pending` (70016), denied → `authorization_declined` (65004), approved → success
//! (and the code is redeemed).

use super::super::errors::EntraError;
use super::super::ids;
use axum::http::StatusCode;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Entra's user codes are 9 characters, e.g. `FQK5HW3UF`; no 0/O/1/I/L.
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const USER_CODE_LEN: usize = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Redeemed,
}

/// What a device code stands for.
#[derive(Clone, Debug)]
pub struct DeviceGrant {
    pub tenant_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub user_code: String,
}

struct Entry {
    grant: DeviceGrant,
    expires_at: Instant,
    status: DeviceStatus,
    polls: u32,
}

pub struct DeviceStore {
    codes: HashMap<String, Entry>,
    /// The `interval` handed out, in seconds.
    pub interval_secs: u64,
    /// The `expires_in` handed out, and how long codes live, in seconds.
    pub lifetime_secs: u64,
    /// Approve a pending code once it has been polled this many times.
    pub auto_approve_after: Option<u32>,
    /// Answers the next polls get (FIFO), whatever their device code's state.
    pub poll_errors: VecDeque<EntraError>,
    /// The last `(user_code, verification_uri)` handed out.
    pub last: Option<(String, String)>,
    /// The `message` of later `/devicecode` answers (`{user_code}` replaced); `None`: Entra's.
    pub message: Option<String>,
}

impl Default for DeviceStore {
    fn default() -> Self {
        DeviceStore {
            codes: HashMap::new(),
            interval_secs: 1,
            lifetime_secs: 900,
            auto_approve_after: None,
            poll_errors: VecDeque::new(),
            last: None,
            message: None,
        }
    }
}

impl DeviceStore {
    /// Stores a pending code for `tenant_id`/`client_id`/`scopes`; returns `(device_code, grant)`.
    pub fn issue(
        &mut self,
        tenant_id: &str,
        client_id: &str,
        scopes: Vec<String>,
        verification_uri: &str,
    ) -> (String, DeviceGrant) {
        let device_code = format!("DAQABIQEAAAD{}", ids::random_b64url(96));
        let grant = DeviceGrant {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            scopes,
            user_code: new_user_code(),
        };
        self.codes.insert(
            device_code.clone(),
            Entry {
                grant: grant.clone(),
                expires_at: Instant::now() + Duration::from_secs(self.lifetime_secs),
                status: DeviceStatus::Pending,
                polls: 0,
            },
        );
        self.last = Some((grant.user_code.clone(), verification_uri.to_owned()));
        (device_code, grant)
    }

    /// Moves a pending, unexpired code (by user code; case, `-` and spaces ignored) to `to`.
    pub fn decide(&mut self, user_code: &str, to: DeviceStatus) -> bool {
        let wanted = normalize(user_code);
        let now = Instant::now();
        self.codes
            .values_mut()
            .find(|e| normalize(&e.grant.user_code) == wanted)
            .filter(|e| e.status == DeviceStatus::Pending && now < e.expires_at)
            .map(|e| e.status = to)
            .is_some()
    }

    /// One token-endpoint poll by `client_id`.
    pub fn poll(&mut self, device_code: &str, client_id: &str) -> Result<DeviceGrant, EntraError> {
        let entry = self
            .codes
            .get_mut(device_code)
            .ok_or_else(EntraError::bad_verification_code)?;
        if !entry.grant.client_id.eq_ignore_ascii_case(client_id) {
            return Err(EntraError::grant_invalid());
        }
        let earlier_polls = entry.polls;
        entry.polls += 1;
        if let Some(error) = self.poll_errors.pop_front() {
            return Err(error);
        }
        if entry.status == DeviceStatus::Redeemed {
            return Err(EntraError::grant_invalid());
        }
        if Instant::now() >= entry.expires_at {
            return Err(EntraError::device_code_expired());
        }
        if entry.status == DeviceStatus::Pending
            && self.auto_approve_after.is_some_and(|n| earlier_polls >= n)
        {
            entry.status = DeviceStatus::Approved;
        }
        match entry.status {
            DeviceStatus::Pending => Err(EntraError::authorization_pending()),
            DeviceStatus::Denied => Err(EntraError::authorization_declined()),
            DeviceStatus::Approved | DeviceStatus::Redeemed => {
                entry.status = DeviceStatus::Redeemed;
                Ok(entry.grant.clone())
            }
        }
    }
}

/// The answer a queued poll error name stands for; `None` for an unknown name.
pub fn poll_error(name: &str) -> Option<EntraError> {
    Some(match name {
        "authorization_pending" => EntraError::authorization_pending(),
        "slow_down" => EntraError::slow_down(),
        "authorization_declined" => EntraError::authorization_declined(),
        "access_denied" => EntraError::bad_request(
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        ),
        "expired_token" => EntraError::device_code_expired(),
        "bad_verification_code" => EntraError::bad_verification_code(),
        "invalid_grant" => EntraError::grant_invalid(),
        "server_error" => EntraError::server_error(),
        "temporarily_unavailable" => EntraError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            50087,
            "The service is temporarily unavailable. Please try again later.",
        ),
        _ => return None,
    })
}

/// The names `poll_error` knows.
pub const POLL_ERROR_NAMES: [&str; 9] = [
    "authorization_pending",
    "slow_down",
    "authorization_declined",
    "access_denied",
    "expired_token",
    "bad_verification_code",
    "invalid_grant",
    "server_error",
    "temporarily_unavailable",
];

fn normalize(user_code: &str) -> String {
    user_code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn new_user_code() -> String {
    let mut bytes = [0u8; USER_CODE_LEN];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes
        .iter()
        .map(|b| char::from(USER_CODE_ALPHABET[usize::from(*b) % USER_CODE_ALPHABET.len()]))
        .collect()
}
