//! What can go wrong in a use case, as types: each failure carries the facts (names, paths,
//! statuses, the IdP's codes) and no wording. Front-ends turn them into messages, hints and exit
//! codes in one place each (`crate::app::cli::report` for the command line). [`ErrorKind`] is the
//! category a failure belongs to, which is what decides an exit code.
//!
//! One file per family; `crate::app::cli::report` words each family in a file of the same name.

use crate::ports::profile_repository::ProfileRepoError;
use crate::ports::random::RandomError;
use crate::ports::store::StoreSelectionError;

mod az_cli;
mod credential;
mod edit;
mod endpoint;
mod federated;
mod graph;
mod idp;
mod input;
mod managed_identity;
mod profile;
mod registry;
mod sign_in;
mod token;
mod transfer;

pub use az_cli::AzCliError;
pub use credential::CredentialError;
pub use edit::{AfterWrite, EditError, NameUse};
pub use endpoint::EndpointError;
pub use federated::{FederatedError, FederatedOrigin};
pub use graph::GraphError;
pub use idp::{IdpError, Refusal, ReplyIds};
pub use input::InputError;
pub use managed_identity::{ManagedIdentityEndpoint, ManagedIdentityError};
pub use profile::{FileCommand, ProfileFailure};
pub use registry::RegistryError;
pub use sign_in::SignInError;
pub use token::TokenError;
pub use transfer::TransferError;

/// The category of a failure; front-ends map it to an exit code (SPEC.md "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or flag values.
    Usage,
    /// Bad or incomplete configuration (file, environment, profile fields, missing secret).
    Config,
    /// Local I/O: output file, cache directory, terminal.
    Io,
    /// The requested profile does not exist.
    ProfileNotFound,
    /// The IdP refused: bad credentials, unknown app, bad scope, consent, policy.
    Auth,
    /// The IdP could not be reached or kept failing (connect errors, 5xx, throttling).
    Network,
    /// The time limit elapsed.
    Timeout,
}

/// Any use-case failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Profile(#[from] ProfileFailure),
    #[error(transparent)]
    Store(#[from] StoreSelectionError),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// Boxed: it carries the IdP's refusal.
    #[error(transparent)]
    Federated(Box<FederatedError>),
    /// Boxed: the IdP's error body is large and errors travel by value.
    #[error(transparent)]
    Idp(Box<IdpError>),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    ManagedIdentity(#[from] ManagedIdentityError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The operating system's random number generator failed (no made-up id or `state`).
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl Error {
    /// The category, which decides the exit code.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Profile(e) => e.kind(),
            Self::Store(_) => ErrorKind::Config,
            Self::Credential(e) => e.kind(),
            Self::Federated(e) => e.kind(),
            Self::Idp(e) => e.kind(),
            Self::SignIn(e) => e.kind(),
            Self::ManagedIdentity(e) => e.kind(),
            Self::Graph(e) => e.kind(),
            Self::Token(e) => e.kind(),
            Self::Edit(e) => e.kind(),
            Self::Transfer(e) => e.kind(),
            Self::Input(e) => e.kind(),
            Self::Registry(e) => e.kind(),
            Self::Endpoint(e) => e.kind(),
            Self::Random(_) => ErrorKind::Io,
        }
    }
}

impl From<IdpError> for Error {
    fn from(error: IdpError) -> Self {
        Self::Idp(Box::new(error))
    }
}

impl From<FederatedError> for Error {
    fn from(error: FederatedError) -> Self {
        Self::Federated(Box::new(error))
    }
}

impl From<Box<FederatedError>> for Error {
    fn from(error: Box<FederatedError>) -> Self {
        Self::Federated(error)
    }
}

impl From<ProfileRepoError> for Error {
    fn from(error: ProfileRepoError) -> Self {
        Self::Profile(ProfileFailure::Repo(error))
    }
}
