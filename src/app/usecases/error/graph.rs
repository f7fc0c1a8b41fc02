//! Microsoft Graph failures (`discover`).

use super::ErrorKind;

/// Microsoft Graph (`discover`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("the Microsoft Graph endpoint is not usable: {reason}")]
    BadEndpoint { reason: String },
    #[error("cannot reach Microsoft Graph at {graph}")]
    Unreachable { graph: String, cause: String },
    #[error("{reason}")]
    Setup { reason: String },
    /// A non-2xx reply; `code_message` and `request_id` come from Graph's error body.
    #[error("Microsoft Graph answered HTTP {status}")]
    Status {
        status: u16,
        graph: String,
        code_message: Option<String>,
        request_id: Option<String>,
    },
    #[error("Microsoft Graph sent something that is not a list of applications")]
    NotAPage { reason: String },
    #[error("Microsoft Graph sent a next-page link to another host")]
    ForeignNextLink { link: String },
    /// A 3xx; the request (with the bearer token) was not sent to the new location.
    #[error("Microsoft Graph redirected the request (HTTP {status}); it was not followed")]
    Redirected {
        status: u16,
        graph: String,
        /// `host[:port]` of the `Location`, when it had one.
        to: Option<String>,
    },
    #[error("a Microsoft Graph page is larger than {limit} bytes")]
    TooLarge { graph: String, limit: usize },
    #[error("more than {pages} pages of app registrations")]
    TooManyPages { pages: usize, applications: usize },
    #[error("timed out listing app registrations")]
    TimedOut,
    #[error("--create-profile needs exactly one matching app registration; {matches} match")]
    NotExactlyOne { matches: usize, pattern: String },
}

impl GraphError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::BadEndpoint { .. } | Self::Setup { .. } => ErrorKind::Config,
            Self::Unreachable { .. }
            | Self::NotAPage { .. }
            | Self::ForeignNextLink { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. } => ErrorKind::Network,
            Self::Status { status, .. } => match status {
                401 | 403 => ErrorKind::Auth,
                400 => ErrorKind::Usage,
                429 | 500..=599 => ErrorKind::Network,
                400..=499 => ErrorKind::Config,
                _ => ErrorKind::Network,
            },
            Self::TooManyPages { .. } | Self::NotExactlyOne { .. } => ErrorKind::Usage,
            Self::TimedOut => ErrorKind::Timeout,
        }
    }
}
