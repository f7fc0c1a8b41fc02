//! `exec`: runs a command with a credential endpoint for a profile on loopback, so that every
//! Azure SDK (and `az`, with `--az-shim`) in it gets the profile's tokens without ever seeing
//! its secret. The command's exit code is exec's.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;

use super::server::{CurrentTokens, Endpoint, Hooks};
use crate::app::composition::Services;
use crate::app::usecases::endpoint::ExecRequest;
use crate::app::usecases::error::{EndpointError, Error};
use crate::app::usecases::token::endpoint_tokens::{EndpointIdentity, EndpointTokens};
use crate::domain::az_cli::AzCloud;
use crate::domain::env_vars::EnvVars;
use crate::ports::child_process::{ChildCommand, ChildRunner};
use crate::ports::env::Env;

/// Runs `exec` and returns the command's exit code.
///
/// # Errors
/// The profile, the first token, the endpoint or the command could not be started.
pub fn run(
    request: &ExecRequest,
    services: &Services,
    describe: &dyn Fn(&Error) -> String,
) -> Result<u8, Error> {
    let ports = services.token_ports();
    let hooks = Hooks::new(services, "exec", describe, None);
    services.run_async(async {
        let tokens = EndpointTokens::start(&ports, request.token.clone()).await?;
        let identity = tokens.identity().clone();
        let tokens: CurrentTokens<'_> = RefCell::new(Rc::new(tokens));
        let endpoint = Endpoint::bind(&services.random, &request.allow_resource).await?;
        let shim = match request.az_shim {
            true => Some(services.az_shim().map_err(|e| EndpointError::AzShimDir {
                cause: e.to_string(),
            })?),
            false => None,
        };
        let mut set = vec![
            (
                EnvVars::IDENTITY_ENDPOINT.to_owned(),
                endpoint.identity_endpoint(),
            ),
            (
                EnvVars::IDENTITY_HEADER.to_owned(),
                endpoint.identity_header().to_owned(),
            ),
            (
                EnvVars::ARM_MSI_ENDPOINT.to_owned(),
                endpoint.imds_endpoint(),
            ),
        ];
        if shim.is_some() {
            set.push((
                EnvVars::ENTRA_AUTH_AZ_ACCOUNT.to_owned(),
                az_account(&identity, &services.env).to_string(),
            ));
        }
        let command = ChildCommand {
            program: request.program.clone(),
            args: request.args.clone(),
            // The profile's token variable is a secret as much as the fixed ones.
            remove: EnvVars::EXEC_REMOVED
                .iter()
                .map(|&n| n.to_owned())
                .chain(identity.token_variable.clone())
                .collect(),
            set,
            path_prefix: shim.as_ref().map(|s| s.path().to_path_buf()),
        };
        tokio::select! {
            exit = services.child.run(&command) => exit
                .map(|exit| exit.shell_code())
                .map_err(|e| EndpointError::Spawn {
                    program: e.program,
                    reason: e.reason,
                    not_found: e.not_found,
                }.into()),
            () = endpoint.serve(&tokens, &hooks, std::future::pending()) => Err(EndpointError::Stopped.into()),
        }
    })?
}

/// What `az account show` prints for this identity (the az shim prints it as it is):
/// `AZURE_SUBSCRIPTION_ID` (else `ARM_SUBSCRIPTION_ID`) is the subscription; without one, the
/// tenant, as `az` shows a tenant-level account.
fn az_account(identity: &EndpointIdentity, env: &dyn Env) -> serde_json::Value {
    let subscription = env
        .non_empty(EnvVars::AZURE_SUBSCRIPTION_ID)
        .or_else(|| env.non_empty(EnvVars::ARM_SUBSCRIPTION_ID));
    let name = if subscription.is_some() {
        identity.profile.clone()
    } else {
        "N/A(tenant level account)".to_owned()
    };
    let (user, kind) = match &identity.user {
        Some(upn) => (upn.clone(), "user"),
        None => (identity.client_id.clone(), "servicePrincipal"),
    };
    json!({
        "environmentName": AzCloud::of(identity.cloud).name(),
        "homeTenantId": identity.tenant_id,
        "id": subscription.unwrap_or_else(|| identity.tenant_id.clone()),
        "isDefault": true,
        "managedByTenants": [],
        "name": name,
        "state": "Enabled",
        "tenantId": identity.tenant_id,
        "user": { "name": user, "type": kind },
    })
}
