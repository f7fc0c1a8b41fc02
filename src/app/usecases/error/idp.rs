//! The identity provider's refusals and transport failures, with the ids of its reply.

use std::time::Duration;

use super::ErrorKind;
use crate::domain::oauth_error::OAuthError;
use crate::domain::token_response::TokenResponseError;

/// The ids Entra returns with every answer, for support requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyIds {
    /// `trace_id` or the `x-ms-request-id` header.
    pub trace: Option<String>,
    /// `correlation_id`, else the `client-request-id` sent.
    pub correlation: String,
    pub timestamp: Option<String>,
}

/// A call to the identity provider's token or device-code endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdpError {
    /// No attempt got an HTTP reply.
    #[error("cannot reach the identity provider at {host}")]
    Unreachable {
        host: String,
        cause: String,
        /// Set when a retry was not made because it would have waited past the deadline.
        skipped_wait: Option<Duration>,
    },
    /// The HTTP client could not be set up.
    #[error("{reason}")]
    Setup { reason: String },
    /// A 2xx reply that is not a usable token response (the body is never kept: it may hold
    /// tokens).
    #[error("the identity provider sent an unusable response (HTTP {status})")]
    Unusable {
        status: u16,
        reason: TokenResponseError,
    },
    /// A 3xx: the identity provider pointed elsewhere, and the request (which carries a
    /// credential) was not sent there.
    #[error("the identity provider redirected the request (HTTP {status}); it was not followed")]
    Redirected {
        status: u16,
        /// `host[:port]` of the `Location`, when it had one.
        to: Option<String>,
    },
    /// The reply's body was larger than `limit` bytes; reading stopped there.
    #[error("the identity provider's reply is larger than {limit} bytes")]
    TooLarge { host: String, limit: usize },
    /// 429 after the retries.
    #[error("the identity provider is throttling token requests (HTTP 429)")]
    Throttled { detail: String, ids: ReplyIds },
    /// 5xx (or another non-4xx status) after the retries.
    #[error("the identity provider failed with HTTP {status}")]
    ServerFailed {
        status: u16,
        attempts: u32,
        detail: String,
        ids: ReplyIds,
    },
    /// A 4xx without an OAuth error body.
    #[error("the identity provider refused the request with HTTP {status}")]
    RefusedWithoutDetails {
        status: u16,
        detail: String,
        ids: ReplyIds,
    },
    /// A 4xx OAuth error (`invalid_client`, `invalid_grant`, ...).
    #[error("authentication failed: {}{}", .0.oauth.error, .0.oauth.aadsts().map_or_else(String::new, |n| format!(" (AADSTS{n})")))]
    Refused(Box<Refusal>),
}

/// The identity provider's OAuth error, with the ids and the app it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub oauth: OAuthError,
    pub ids: ReplyIds,
    pub client_id: String,
    pub tenant_id: String,
}

impl IdpError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::Setup { .. } => ErrorKind::Config,
            Self::RefusedWithoutDetails { .. } | Self::Refused(_) => ErrorKind::Auth,
            Self::Unreachable { .. }
            | Self::Unusable { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. }
            | Self::Throttled { .. }
            | Self::ServerFailed { .. } => ErrorKind::Network,
        }
    }

    /// The OAuth error code (`invalid_grant`, ...) of a refusal.
    #[must_use]
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            Self::Refused(refusal) => Some(refusal.oauth.error.as_str()),
            _ => None,
        }
    }

    /// The AADSTS number of a refusal.
    #[must_use]
    pub fn aadsts(&self) -> Option<i64> {
        match self {
            Self::Refused(refusal) => refusal.oauth.aadsts(),
            _ => None,
        }
    }
}
