//! `config edit`: change fields of an existing profile (flags, or prompts on a terminal);
//! comments and other content of config.toml are kept.

use clap::Args;

use super::fields::{FieldArgs, read_stdin_secret};
use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::profiles::manage::{EditRequest, SecretInput, edit};
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::domain::env_vars::EnvVars;
use crate::ports::reporter::Reporter;

const EXAMPLES: &str = "\
Examples:
  # Point a profile at another tenant and scope
  entra-auth-cli config edit -p prod --tenant-id fabrikam.onmicrosoft.com \\
      --scope https://vault.azure.net/.default

  # Remove a field
  entra-auth-cli config edit -p prod --unset redirect_uri";

/// Change fields of a profile. With no field flags on a terminal, each field is asked for with
/// its current value as the default.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct EditArgs {
    /// Profile to edit (names match case-insensitively)
    #[arg(short, long, value_name = "NAME", env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Remove a field (repeatable), e.g. --unset port
    #[arg(long, value_name = "FIELD")]
    pub unset: Vec<String>,
}

/// Runs `config edit`.
///
/// # Errors
/// Unknown profile (exit 2), invalid fields (exit 1), I/O.
pub fn run(args: &EditArgs, services: &Services) -> Result<(), Report> {
    let read = |_: &str| read_stdin_secret("client secret");
    let written = edit(
        &services.profile_ports(),
        EditRequest {
            profile: args.profile.clone(),
            settings: args.fields.settings(),
            unset: args.unset.clone(),
            client_secret: args
                .fields
                .client_secret_stdin
                .then_some(&read as SecretInput<'_>),
        },
    )?;
    services.reporter.progress(&format!(
        "updated profile `{}` in {}",
        written.name, written.location
    ));
    Ok(())
}
