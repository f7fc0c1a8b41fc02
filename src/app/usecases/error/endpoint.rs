//! Failures of the credential endpoint's commands (`exec`, `serve`) outside the token path:
//! listening, the child, the header file, the audit log, signals.

use super::ErrorKind;

/// Starting or running the credential endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("cannot listen on {address}: {cause}")]
    Listen { address: String, cause: String },
    #[error("cannot run `{program}`: {reason}")]
    Spawn {
        program: String,
        reason: String,
        /// The program was not found (a shell would exit 127).
        not_found: bool,
    },
    #[error("cannot make the az shim's directory: {cause}")]
    AzShimDir { cause: String },
    #[error("the credential endpoint stopped")]
    Stopped,
    /// `serve` without `--header-file` or `ENTRA_AUTH_IDENTITY_HEADER`.
    #[error("serve needs an identity header")]
    NoHeader,
    #[error("cannot use the header file {path}: {cause}")]
    HeaderFile { path: String, cause: String },
    /// The header (file or `ENTRA_AUTH_IDENTITY_HEADER`) is too short or not printable.
    #[error("the identity header from {source_name} is not usable")]
    BadHeader { source_name: String },
    #[error("cannot open the audit log {path}: {cause}")]
    AuditLog { path: String, cause: String },
    #[error("cannot listen for signals: {cause}")]
    Signals { cause: String },
}

impl EndpointError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::BadHeader { .. } => ErrorKind::Config,
            Self::NoHeader => ErrorKind::Usage,
            Self::Listen { .. }
            | Self::Spawn { .. }
            | Self::AzShimDir { .. }
            | Self::Stopped
            | Self::HeaderFile { .. }
            | Self::AuditLog { .. }
            | Self::Signals { .. } => ErrorKind::Io,
        }
    }
}
