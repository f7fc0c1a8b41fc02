//! `exec`'s flags: the command and the profile whose tokens it gets from a credential endpoint
//! on loopback. The credential endpoint front-end runs it (`main.rs` hands the request over).

use std::ffi::OsString;
use std::time::Duration;

use clap::Args;

use super::report::Report;
use crate::app::usecases::endpoint::ExecRequest;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::token::acquire::TokenRequest;
use crate::domain::duration::parse_duration;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::ProfileSettings;
use crate::domain::text::printable_line;

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

pub(super) fn parse_resource(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a resource is one URI or app ID, such as https://management.azure.com".into());
    }
    Ok(trimmed.to_owned())
}

impl ExecArgs {
    /// The request the credential endpoint front-end runs.
    ///
    /// # Errors
    /// No command was given.
    pub fn request(&self) -> Result<ExecRequest, Report> {
        let Some((program, args)) = self.command.split_first() else {
            return Err(Report::new(ErrorKind::Usage, "no command to run"));
        };
        // `exec -p dev -s x -- cmd`: an unknown option lands in the command (clap takes
        // everything from the first non-option on); say what it is, not "cannot run `-s`".
        if let Some(option) = program.to_str().filter(|p| p.starts_with('-')) {
            let mut report = Report::new(
                ErrorKind::Usage,
                format!("`{}` is not an option of exec", printable_line(option)),
            );
            if matches!(option, "-s" | "--scope" | "--resource") {
                report = report.hint("exec takes no scope: the command's SDKs ask for the resources they need; limit them with --allow-resource");
            }
            return Err(report.hint(
                "exec's options go before the command: entra-auth-cli exec -p NAME [--allow-resource R] -- COMMAND [ARGS]",
            ));
        }
        let mut token = TokenRequest::cached(
            self.profile.clone(),
            ProfileSettings::default(),
            self.timeout,
        );
        token.non_interactive = self.non_interactive;
        Ok(ExecRequest {
            token,
            allow_resource: self.allow_resource.clone(),
            az_shim: self.az_shim,
            program: program.clone(),
            args: args.to_vec(),
        })
    }
}
