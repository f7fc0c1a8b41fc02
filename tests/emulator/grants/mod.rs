//! Token-endpoint grants: the `Grant` counter key, and dispatch from `grant_type` to one module per grant.
//!
//! To add a grant: write `grants/<name>.rs` exposing `handle(&GrantRequest) -> GrantOutcome`,
//! declare it below and add its `grant_type` value(s) to `dispatch`.

pub mod assertion_errors;
pub mod authorization_code;
pub mod client_assertion;
pub mod client_auth;
pub mod client_credentials;
pub mod device_code;
pub mod federated;
pub mod refresh_token;
pub mod user_client;

use super::errors::EntraError;
use super::responses::TokenResponse;
use super::state::{Shared, TenantRef};
use axum::http::HeaderMap;
use std::collections::BTreeMap;

/// Which grant a token request asked for (the counter key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grant {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
    DeviceCode,
    /// A missing, empty or unknown `grant_type`.
    Other,
}

impl Grant {
    pub const ALL: [Grant; 5] = [
        Grant::ClientCredentials,
        Grant::AuthorizationCode,
        Grant::RefreshToken,
        Grant::DeviceCode,
        Grant::Other,
    ];

    /// Classifies a `grant_type` value; both device-code spellings count as `DeviceCode`.
    pub fn from_grant_type(grant_type: Option<&str>) -> Grant {
        match grant_type {
            Some("client_credentials") => Grant::ClientCredentials,
            Some("authorization_code") => Grant::AuthorizationCode,
            Some("refresh_token") => Grant::RefreshToken,
            Some("urn:ietf:params:oauth:grant-type:device_code" | "device_code") => {
                Grant::DeviceCode
            }
            _ => Grant::Other,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Everything a grant handler may look at.
pub struct GrantRequest<'a> {
    pub shared: &'a Shared,
    /// The tenant path segment exactly as sent.
    pub tenant_segment: &'a str,
    pub tenant: &'a TenantRef,
    pub form: &'a BTreeMap<String, String>,
    pub headers: &'a HeaderMap,
}

impl GrantRequest<'_> {
    /// A form field; Entra treats an empty value like a missing one.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A required form field, or AADSTS900144 naming it.
    pub fn required(&self, name: &str) -> Result<&str, EntraError> {
        self.param(name)
            .ok_or_else(|| EntraError::missing_parameter(name))
    }
}

pub type GrantOutcome = Result<TokenResponse, EntraError>;

/// Routes a token request (tenant already known to exist) to its grant module.
pub fn dispatch(req: &GrantRequest<'_>) -> GrantOutcome {
    let grant_type = req.required("grant_type")?;
    match grant_type {
        "client_credentials" => client_credentials::handle(req),
        "authorization_code" => authorization_code::handle(req),
        "refresh_token" => refresh_token::handle(req),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => device_code::handle(req),
        other => Err(EntraError::unsupported_grant_type(other)),
    }
}
