//! Managed identity failures (IMDS, App Service).

use super::ErrorKind;
use crate::domain::token_response::TokenResponseError;

/// Which managed identity endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedIdentityEndpoint {
    Imds,
    AppService,
}

/// A managed identity endpoint (IMDS, App Service).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManagedIdentityError {
    #[error("profile `{profile}` selects a user-assigned identity in more than one way")]
    SeveralSelectors { profile: String },
    #[error("a managed identity token is for exactly one resource")]
    SeveralResources,
    #[error("no managed identity endpoint was configured")]
    NoEndpoint,
    #[error("cannot reach the managed identity endpoint: {cause}")]
    Unreachable {
        endpoint: ManagedIdentityEndpoint,
        cause: String,
    },
    #[error("the managed identity endpoint sent an unusable token response: {reason}")]
    Unusable {
        endpoint: ManagedIdentityEndpoint,
        reason: TokenResponseError,
    },
    /// A 3xx; the request (with `X-IDENTITY-HEADER`) was not sent to the new location.
    #[error(
        "the managed identity endpoint redirected the request (HTTP {status}); it was not followed"
    )]
    Redirected {
        endpoint: ManagedIdentityEndpoint,
        status: u16,
        /// `host[:port]` of the `Location`, when it had one.
        to: Option<String>,
    },
    #[error("the managed identity endpoint's reply is larger than {limit} bytes")]
    TooLarge {
        endpoint: ManagedIdentityEndpoint,
        limit: usize,
    },
    #[error("the managed identity endpoint refused the request (HTTP {status})")]
    Refused {
        endpoint: ManagedIdentityEndpoint,
        status: u16,
        detail: String,
        identity_not_found: bool,
    },
    #[error("the managed identity endpoint failed with HTTP {status}")]
    Failed {
        endpoint: ManagedIdentityEndpoint,
        status: u16,
        attempts: u32,
        detail: String,
    },
}

impl ManagedIdentityError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::SeveralSelectors { .. } => ErrorKind::Config,
            Self::SeveralResources | Self::NoEndpoint => ErrorKind::Usage,
            Self::Refused { .. } => ErrorKind::Auth,
            Self::Unreachable { .. }
            | Self::Unusable { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. }
            | Self::Failed { .. } => ErrorKind::Network,
        }
    }
}
