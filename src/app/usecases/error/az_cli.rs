//! The az shim's failures.

use crate::domain::token_response::TokenResponseError;
use crate::ports::credential_endpoint::EndpointError;

/// The `az` shim's `account get-access-token` (errors az itself would report, and the parent
/// credential endpoint's). Rendered by `crate::app::az_shim`, not by `crate::app::cli::report`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AzCliError {
    /// `--subscription` and `--tenant` together (az refuses them too).
    #[error("Please specify only one of subscription and tenant, not both")]
    SubscriptionAndTenant,
    /// No reply from the endpoint.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The endpoint answered with an error status; `message` is its own text, when it had one.
    #[error("the credential endpoint refused the request (HTTP {status})")]
    Refused {
        status: u16,
        message: Option<String>,
    },
    /// A 2xx that is not a token.
    #[error("the credential endpoint sent an unusable token: {0}")]
    Unusable(TokenResponseError),
    /// `--tenant` names another tenant than the one the session's tokens are for.
    #[error("the session's tokens are for tenant {token_tenant}, not {requested}")]
    OtherTenant {
        requested: String,
        token_tenant: String,
    },
}
