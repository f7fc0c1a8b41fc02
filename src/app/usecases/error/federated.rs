//! Federated credential failures: the CI token the job could not get (no permission, unmapped
//! job token, no service connection, the token service's refusal or failure), a token that is
//! expiring, and Entra's refusal of the token the job presented (with its decoded claims).

use super::{ErrorKind, IdpError};
use crate::domain::ci::{CiService, PresentedClaims};

/// Where the federated token of a failed request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FederatedOrigin {
    TokenFile {
        path: String,
    },
    Variable {
        name: String,
    },
    /// A CI token service; `detected` is why the CI was chosen when the profile did not name it.
    Service {
        service: CiService,
        detected: Option<String>,
    },
}

/// A federated credential's token could not be had, or Entra refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FederatedError {
    /// A GitHub Actions job without `ACTIONS_ID_TOKEN_REQUEST_*`: no `id-token: write`.
    #[error("this GitHub Actions job cannot request an OIDC token")]
    GitHubNoIdToken {
        /// The request variables that are missing.
        missing: Vec<&'static str>,
        /// `GITHUB_ACTIONS=true` was seen (else the profile named GitHub outside it).
        in_github: bool,
    },
    /// Azure Pipelines named (or detected) but `SYSTEM_OIDCREQUESTURI` is not set.
    #[error(
        "SYSTEM_OIDCREQUESTURI is not set: this is not an Azure Pipelines job that can request OIDC tokens"
    )]
    NoPipelinesRequestUri,
    /// Azure Pipelines without `SYSTEM_ACCESSTOKEN` (it is only there when mapped).
    #[error("SYSTEM_ACCESSTOKEN is not set, and Azure Pipelines' OIDC token request needs it")]
    NoSystemAccessToken,
    /// Azure Pipelines without a service connection id.
    #[error("no Azure Pipelines service connection is named")]
    NoServiceConnection,
    /// `federated_source = detect` (or `auth_method = federated` with no file or variable)
    /// outside any CI whose token service can be called.
    #[error("profile `{profile}` uses a federated token, but no CI token service was detected")]
    NothingDetected { profile: String },
    /// The variable the profile names is not set.
    #[error("{name} is not set")]
    MissingVariable { name: String },
    /// The variable the profile names is set but blank.
    #[error("{name} is set but empty")]
    EmptyVariable { name: String },
    /// The token has less than a minute left (or none) and cannot be fetched afresh.
    #[error("the federated token expires too soon to be used")]
    Expiring {
        origin: FederatedOrigin,
        claims: PresentedClaims,
        now: i64,
    },
    /// The CI token service answered with an error status.
    #[error("the {} token service refused the request (HTTP {status})", .service.name())]
    ServiceRefused {
        service: CiService,
        status: u16,
        /// The service's `message`, if it sent one (printable, shortened).
        message: Option<String>,
    },
    /// Azure DevOps answered with a sign-in page (203) or a redirect instead of a token.
    #[error("Azure DevOps answered with a sign-in page instead of a token (HTTP {status})")]
    SignInPage {
        status: u16,
        /// `host[:port]` of a redirect.
        to: Option<String>,
    },
    /// The token service kept failing (429 or 5xx after the retries).
    #[error("the {} token service failed with HTTP {status}", .service.name())]
    ServiceFailed {
        service: CiService,
        status: u16,
        attempts: u32,
    },
    /// No reply from the token service.
    #[error("cannot reach the {} token service at {origin}", .service.name())]
    ServiceUnreachable {
        service: CiService,
        origin: String,
        cause: String,
    },
    /// A 2xx reply without the token field, a reply over the size limit, or a URL that does
    /// not parse.
    #[error("the {} token service's reply is unusable", .service.name())]
    ServiceUnusable { service: CiService, reason: String },
    /// Entra refused the token the job presented.
    #[error("{idp}")]
    Refused {
        origin: FederatedOrigin,
        presented: PresentedClaims,
        now: i64,
        idp: Box<IdpError>,
    },
}

impl FederatedError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::GitHubNoIdToken { .. }
            | Self::ServiceRefused { .. }
            | Self::SignInPage { .. }
            | Self::Refused { .. } => ErrorKind::Auth,
            Self::ServiceFailed { .. }
            | Self::ServiceUnreachable { .. }
            | Self::ServiceUnusable { .. } => ErrorKind::Network,
            Self::NoPipelinesRequestUri
            | Self::NoSystemAccessToken
            | Self::NoServiceConnection
            | Self::NothingDetected { .. }
            | Self::MissingVariable { .. }
            | Self::EmptyVariable { .. }
            | Self::Expiring { .. } => ErrorKind::Config,
        }
    }
}
