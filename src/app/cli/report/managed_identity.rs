//! Wording of `error::managed_identity`: IMDS and App Service.

use super::Report;
use super::idp::{redirect_target, size, token_response_problem};
use crate::app::usecases::error::{ErrorKind, ManagedIdentityEndpoint, ManagedIdentityError};

pub(super) fn endpoint_name(endpoint: ManagedIdentityEndpoint) -> &'static str {
    match endpoint {
        ManagedIdentityEndpoint::Imds => "the Azure instance metadata service (IMDS)",
        ManagedIdentityEndpoint::AppService => "the App Service managed identity endpoint",
    }
}

pub(super) fn managed_identity(kind: ErrorKind, e: &ManagedIdentityError) -> Report {
    match e {
        ManagedIdentityError::SeveralSelectors { .. } => Report::new(kind, e.to_string())
            .hint("keep exactly one of client_id, object_id and mi_res_id (or none for the system-assigned identity)"),
        ManagedIdentityError::SeveralResources => Report::new(kind, e.to_string())
            .hint("pass one scope, such as `-s https://management.azure.com/.default`"),
        ManagedIdentityError::NoEndpoint => Report::new(kind, e.to_string()),
        ManagedIdentityError::Unreachable { endpoint, cause } => Report::new(
            kind,
            format!("cannot reach {}", endpoint_name(*endpoint)),
        )
        .cause(cause.clone())
        .hint("managed identity works only on Azure (VM, VMSS, App Service, Functions, AKS with a managed identity); elsewhere use another auth_method"),
        ManagedIdentityError::Unusable { endpoint, reason } => Report::new(
            kind,
            format!("{} sent an unusable token response", endpoint_name(*endpoint)),
        )
        .cause(token_response_problem(reason)),
        ManagedIdentityError::Redirected {
            endpoint,
            status,
            to,
        } => Report::new(
            kind,
            format!(
                "{} redirected the request to {} (HTTP {status}); it was not followed",
                endpoint_name(*endpoint),
                redirect_target(to.as_deref())
            ),
        )
        .cause("managed identity requests carry the identity secret, so they never follow a redirect")
        .hint(match endpoint {
            ManagedIdentityEndpoint::AppService => "check IDENTITY_ENDPOINT: it must be the App Service token endpoint itself",
            ManagedIdentityEndpoint::Imds => "check ENTRA_AUTH_IMDS_ENDPOINT (unset it for the Azure default)",
        }),
        ManagedIdentityError::TooLarge { endpoint, limit } => Report::new(
            kind,
            format!(
                "{} sent a reply larger than {}; it was not read further",
                endpoint_name(*endpoint),
                size(*limit)
            ),
        ),
        ManagedIdentityError::Refused {
            endpoint,
            status,
            detail,
            identity_not_found,
        } => Report::new(
            kind,
            format!("{} refused the request (HTTP {status})", endpoint_name(*endpoint)),
        )
        .cause(detail.clone())
        .hint(refused_hint(*endpoint, *status, *identity_not_found)),
        ManagedIdentityError::Failed {
            endpoint,
            status,
            attempts,
            detail,
        } => Report::new(
            kind,
            format!(
                "{} failed with HTTP {status} after {attempts} attempts",
                endpoint_name(*endpoint)
            ),
        )
        .cause(detail.clone())
        .hint("the endpoint may be updating (404/410) or throttling (429): retry in a minute"),
    }
}

/// What to check after a refusal: the secret header for App Service's 401/403 (the endpoint
/// did not accept `IDENTITY_HEADER`), the identity for "not found", else the request.
fn refused_hint(
    endpoint: ManagedIdentityEndpoint,
    status: u16,
    identity_not_found: bool,
) -> &'static str {
    match (endpoint, status) {
        (ManagedIdentityEndpoint::AppService, 401 | 403) => {
            "the endpoint did not accept IDENTITY_HEADER: use the value the platform (or `entra-auth-cli exec`/`serve`) set together with this IDENTITY_ENDPOINT; a header from another process or an older run is refused"
        }
        _ if identity_not_found => {
            "no managed identity matches: assign one to this resource, or fix client_id / object_id / mi_res_id in the profile"
        }
        _ => "check the resource (scope) and the identity selector of the profile",
    }
}
