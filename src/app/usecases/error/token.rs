//! Failures of the token itself: too short-lived, unusable, the time limit.

use std::time::Duration;

use super::ErrorKind;
use crate::domain::claims::ClaimsError;
use crate::domain::flow::Flow;

/// Getting a token, beyond the IdP's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the `{flow}` flow is not available here")]
    FlowUnavailable { flow: Flow },
    #[error("a managed identity profile cannot use the `{flow}` flow")]
    ManagedIdentityFlow { flow: Flow },
    #[error("timed out waiting for another entra-auth-cli process that is getting the same token")]
    LockTimedOut,
    #[error("timed out after {limit:?} waiting for a token")]
    TimedOut { limit: Duration },
    #[error("cannot start the async runtime: {cause}")]
    Runtime { cause: String },
    /// `--claims` is not a claims request.
    #[error("invalid --claims: {0}")]
    Claims(ClaimsError),
    /// A new token from the IdP already had under 5 minutes left (the credential endpoint never
    /// serves one).
    #[error("the identity provider issued a token with under 5 minutes left")]
    TooShortLived,
}

impl TokenError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::FlowUnavailable { .. } | Self::ManagedIdentityFlow { .. } | Self::Claims(_) => {
                ErrorKind::Usage
            }
            Self::LockTimedOut | Self::TimedOut { .. } => ErrorKind::Timeout,
            Self::Runtime { .. } => ErrorKind::Io,
            Self::TooShortLived => ErrorKind::Auth,
        }
    }
}
