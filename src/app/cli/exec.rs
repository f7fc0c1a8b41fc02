//! `exec`: runs a command with a credential endpoint for a profile on loopback, so that every
//! Azure SDK (and `az`, with `--az-shim`) in it gets the profile's tokens without ever seeing
//! its secret. The command's exit code is exec's.

use std::ffi::OsString;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::report::Report;
use crate::app::composition::Services;
use crate::app::exec_endpoint::{Endpoint, Hooks};
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::token::endpoint_tokens::{EndpointIdentity, EndpointTokens};
use crate::app::usecases::token::get_token::TokenRequest;
use crate::domain::az_cli::AzCloud;
use crate::domain::duration::parse_duration;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::ProfileSettings;
use crate::ports::child_process::{ChildCommand, ChildRunner};
use crate::ports::env::Env;

const EXAMPLES: &str = "\
How it works:
  The endpoint listens on 127.0.0.1 for as long as the command runs. It answers only requests
  carrying the random IDENTITY_HEADER (or the IMDS URL's random path), refuses web browsers
  (Origin, Sec-Fetch-*) and foreign Host names, and never serves a token with under 5 minutes
  left. Tokens come from the cache first, as with get-token, one identity provider call per
  resource; the first token is got before the command starts, so a sign-in or a profile error
  happens up front, with get-token's exit codes. Interrupt, terminate, hang-up and quit signals
  are passed on to the command; exec exits with its exit code (128 + the signal if a signal
  ended it), and the endpoint stops with it.

Examples:
  # terraform, an Azure SDK program, anything: tokens from the profile, never its secret
  entra-auth-cli exec -p prod -- terraform plan
  entra-auth-cli exec -p prod -- python deploy.py

  # Also an `az` for AzureCliCredential and terraform's use_cli (az account get-access-token)
  entra-auth-cli exec -p me --az-shim -- python deploy.py

  # Only Key Vault tokens for this command
  entra-auth-cli exec -p prod --allow-resource https://vault.azure.net -- ./rotate-keys.sh

What the command gets:
  IDENTITY_ENDPOINT, IDENTITY_HEADER  the App Service managed identity protocol (2019-08-01),
                                      which every Azure SDK's ManagedIdentityCredential and
                                      DefaultAzureCredential, and `az login --identity`, use
  ARM_MSI_ENDPOINT                    an IMDS-shaped URL (with ARM_USE_MSI=true: terraform)
  PATH                                with --az-shim, a private `az` first
It does not get AZURE_CLIENT_SECRET, certificate or federated-token variables,
ENTRA_AUTH_CACHE_KEY, MSI_ENDPOINT, MSI_SECRET, IMDS_ENDPOINT or IDENTITY_SERVER_THUMBPRINT.";

/// Run a command that gets the profile's tokens from a local credential endpoint.
#[derive(Debug, Args)]
#[command(
    after_help = EXAMPLES,
    override_usage = "entra-auth-cli exec [OPTIONS] [--] <COMMAND>..."
)]
pub struct ExecArgs {
    /// Profile whose tokens the command gets (names match case-insensitively)
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Put an `az` first on the command's PATH that answers `az account get-access-token`,
    /// `az account show` and `az version` from this profile (AzureCliCredential, terraform's use_cli)
    #[arg(long)]
    pub az_shim: bool,

    /// Give the command tokens for this resource only (repeatable, e.g.
    /// https://management.azure.com); others are refused with 403. Default: any resource
    #[arg(long = "allow-resource", value_name = "RESOURCE", value_parser = parse_resource)]
    pub allow_resource: Vec<String>,

    /// Limit for getting each token, retries and sign-in included (e.g. 30s, 2m)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Never prompt or wait for a person; a token that needs a sign-in is an error
    #[arg(long)]
    pub non_interactive: bool,

    /// Nothing on stderr from exec except errors
    #[arg(short = 'q', long)]
    pub silent: bool,

    /// The command to run and its arguments (after `--`)
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

fn parse_resource(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a resource is one URI or app ID, such as https://management.azure.com".into());
    }
    Ok(trimmed.to_owned())
}

/// Runs `exec` and returns the command's exit code.
///
/// # Errors
/// The profile, the first token, the endpoint or the command could not be started.
pub fn run(args: &ExecArgs, services: &Services) -> Result<u8, Report> {
    let Some((program, program_args)) = args.command.split_first() else {
        return Err(Report::new(ErrorKind::Usage, "no command to run"));
    };
    let mut request = TokenRequest::cached(
        args.profile.clone(),
        ProfileSettings::default(),
        args.timeout,
    );
    request.non_interactive = args.non_interactive;
    let ports = services.token_ports();
    let describe =
        |error: &crate::app::usecases::error::Error| Report::from(error.clone()).one_line();
    let hooks = Hooks {
        describe: &describe,
        clock: &services.clock,
        random: &services.random,
        reporter: &services.reporter,
    };
    services.run_async(async {
        let tokens = EndpointTokens::start(&ports, request).await?;
        let endpoint = Endpoint::bind(&services.random, &args.allow_resource)
            .await
            .map_err(|e| Report::new(ErrorKind::Io, "cannot start the credential endpoint").cause(e.to_string()))?;
        let shim = match args.az_shim {
            true => Some(services.az_shim().map_err(|e| {
                Report::new(ErrorKind::Io, "cannot make the az shim's directory")
                    .cause(e.to_string())
                    .hint("set TMPDIR to a writable directory")
            })?),
            false => None,
        };
        let mut set = vec![
            (EnvVars::IDENTITY_ENDPOINT.to_owned(), endpoint.identity_endpoint()),
            (EnvVars::IDENTITY_HEADER.to_owned(), endpoint.identity_header().to_owned()),
            (EnvVars::ARM_MSI_ENDPOINT.to_owned(), endpoint.imds_endpoint()),
        ];
        if shim.is_some() {
            set.push((
                EnvVars::ENTRA_AUTH_AZ_ACCOUNT.to_owned(),
                az_account(tokens.identity(), &services.env).to_string(),
            ));
        }
        let command = ChildCommand {
            program: program.clone(),
            args: program_args.to_vec(),
            remove: EnvVars::EXEC_REMOVED.iter().map(|&n| n.to_owned()).collect(),
            set,
            path_prefix: shim.as_ref().map(|s| s.path().to_path_buf()),
        };
        tokio::select! {
            exit = services.child.run(&command) => exit
                .map(|exit| exit.shell_code())
                .map_err(|e| {
                    Report::new(ErrorKind::Io, format!("cannot run `{}`", e.program))
                        .cause(e.reason)
                        .hint(if e.not_found {
                            "check the command's name, and that it is on PATH"
                        } else {
                            "check that the command is executable"
                        })
                }),
            () = endpoint.serve(&tokens, &hooks) => Err(Report::new(ErrorKind::Io, "the credential endpoint stopped")),
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
