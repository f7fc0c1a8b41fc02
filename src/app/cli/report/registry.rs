//! Wording of `error::registry`: a host that gets no token, and the registry's answer to the
//! token exchange.

use super::Report;
use crate::app::usecases::error::{ErrorKind, RegistryError};

/// What to check when the registry refuses a profile's token.
pub(super) const ROLE_HINT: &str = "give the profile's app or user a pull role on the registry (AcrPull, or Container Registry Repository Reader), and check that the registry accepts Entra tokens for https://containerregistry.azure.net";

pub(super) fn registry(kind: ErrorKind, e: &RegistryError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        RegistryError::BadServerUrl { .. } => {
            r.hint("name the registry by its login server, e.g. myregistry.azurecr.io")
        }
        RegistryError::NotServed { profile, .. } => r.hint(format!(
            "add it to the profile's container_registries (`entra-auth-cli config edit {profile} --container-registries HOST`), or use an *.azurecr.io login server"
        )),
        RegistryError::Unreachable {
            cause,
            skipped_wait,
            ..
        } => {
            let mut r = r.cause(cause.clone());
            if let Some(wait) = skipped_wait {
                r = r.cause(format!(
                    "not retried: the next attempt would be in {} s, after the --timeout deadline",
                    wait.as_secs_f32().ceil()
                ));
            }
            r.hint("check the registry's name, the network and the proxy settings (HTTPS_PROXY, NO_PROXY)")
        }
        RegistryError::Setup { .. } => r,
        RegistryError::Refused { detail, .. } => {
            let r = match detail {
                Some(detail) => r.cause(detail.clone()),
                None => r,
            };
            r.hint(ROLE_HINT)
        }
        RegistryError::Redirected { to, .. } => r
            .cause(format!(
                "it pointed at {}; the request carries the Entra token, so it is never re-sent",
                to.as_deref().unwrap_or("an unnamed location")
            ))
            .hint("name the registry by its login server, e.g. myregistry.azurecr.io"),
        RegistryError::ServerFailed { .. } => {
            r.hint("retry later; a longer --timeout lets the retries wait longer")
        }
        RegistryError::DockerConfig(_) => {
            r.hint("set DOCKER_CONFIG to the directory of the config.json to edit")
        }
        RegistryError::DockerConfigInvalid { .. } => r.hint(
            "fix the file (it was left as it is), or move it away and run the command again",
        ),
        RegistryError::TooLarge { .. } | RegistryError::Unusable { .. } => {
            r.hint("check that the host is an Azure Container Registry login server")
        }
    }
}
