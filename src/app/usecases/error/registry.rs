//! Container registry failures: a host that gets no token, and the registry's answer to the
//! token exchange (`/oauth2/exchange`).

use std::time::Duration;

use super::ErrorKind;
use crate::domain::container_registry::{ExchangeReplyError, ServerUrlError};
use crate::domain::docker_credential::DockerConfigError;
use crate::ports::docker_config::DockerConfigFileError;

/// Getting a registry's refresh token for a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The server URL names no registry.
    #[error("`{input}` is not a registry: {reason}")]
    BadServerUrl {
        input: String,
        reason: ServerUrlError,
    },
    /// Neither an ACR login server nor in the profile's `container_registries`: it gets no
    /// token (`get-token --registry`; the docker helper answers "not found" instead).
    #[error(
        "`{registry}` is not an Azure Container Registry host and profile `{profile}` does not list it"
    )]
    NotServed { registry: String, profile: String },
    /// No attempt got an HTTP reply.
    #[error("cannot reach the registry {registry}")]
    Unreachable {
        registry: String,
        cause: String,
        skipped_wait: Option<Duration>,
    },
    /// The HTTP client could not be set up.
    #[error("{reason}")]
    Setup { reason: String },
    /// A 4xx: the registry refused the Entra token.
    #[error("the registry {registry} refused the token exchange (HTTP {status})")]
    Refused {
        registry: String,
        status: u16,
        /// ACR's error code and message, or the start of the body (printable text).
        detail: Option<String>,
    },
    /// A 3xx, not followed: the request carries the Entra token.
    #[error(
        "the registry {registry} redirected the token exchange (HTTP {status}); it was not followed"
    )]
    Redirected {
        registry: String,
        status: u16,
        to: Option<String>,
    },
    /// 5xx or 429 after the retries.
    #[error("the registry {registry} failed with HTTP {status} after {attempts} attempts")]
    ServerFailed {
        registry: String,
        status: u16,
        attempts: u32,
    },
    /// The reply was larger than `limit` bytes.
    #[error("the registry {registry} sent a reply larger than {limit} bytes")]
    TooLarge { registry: String, limit: usize },
    /// A 2xx without a usable refresh token.
    #[error("the registry {registry} sent an unusable exchange reply (HTTP {status}): {reason}")]
    Unusable {
        registry: String,
        status: u16,
        reason: ExchangeReplyError,
    },
    /// docker's `config.json` cannot be read or replaced.
    #[error(transparent)]
    DockerConfig(DockerConfigFileError),
    /// docker's `config.json` cannot be edited without losing something: left as it is.
    #[error("{location} cannot be edited: {reason}")]
    DockerConfigInvalid {
        location: String,
        reason: DockerConfigError,
    },
}

impl RegistryError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::BadServerUrl { .. } | Self::NotServed { .. } => ErrorKind::Usage,
            Self::Setup { .. } | Self::DockerConfigInvalid { .. } => ErrorKind::Config,
            Self::DockerConfig(DockerConfigFileError::NoLocation) => ErrorKind::Config,
            Self::DockerConfig(_) => ErrorKind::Io,
            Self::Refused { .. } => ErrorKind::Auth,
            Self::Unreachable { .. }
            | Self::Redirected { .. }
            | Self::ServerFailed { .. }
            | Self::TooLarge { .. }
            | Self::Unusable { .. } => ErrorKind::Network,
        }
    }
}
