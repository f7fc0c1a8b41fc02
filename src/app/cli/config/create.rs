//! `config create`: a new profile, entirely from flags (scripts, CI) or by prompts on a terminal.

use clap::Args;

use super::fields::{FieldArgs, read_stdin_secret};
use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::profiles::manage::{CreateRequest, SecretInput, create};
use crate::ports::reporter::Reporter;

const EXAMPLES: &str = "\
Examples:
  # Entirely from flags (CI), with the secret from a pipe
  printf %s \"$SECRET\" | entra-auth-cli config create --name ci \\
      --tenant-id contoso.onmicrosoft.com \\
      --client-id 3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a \\
      --scope https://management.azure.com/.default \\
      --client-secret-stdin

  # A user profile for the device code flow
  entra-auth-cli config create --name me --tenant-id organizations \\
      --client-id 04b07795-8ddb-461a-bbee-02f9e1bf7b46 --flow device-code

  # Step by step, answering prompts
  entra-auth-cli config create";

/// Create a profile in config.toml. Missing required fields are asked for on a terminal; in a
/// script they must be given as flags. Secrets never go in config.toml: --client-secret-stdin
/// stores one in the secret store.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CreateArgs {
    /// Name of the new profile (letters, digits, `.`, `_`, `-`)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The name, given without --name (`config create prod`)
    #[arg(value_name = "NAME", conflicts_with = "name")]
    pub positional_name: Option<String>,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Replace an existing profile of the same name
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `config create`.
///
/// # Errors
/// Invalid or missing fields (exit 1), an existing profile without --overwrite, I/O.
pub fn run(args: &CreateArgs, services: &Services) -> Result<(), Report> {
    let read = |_: &str| read_stdin_secret("client secret");
    let written = create(
        &services.profile_ports(),
        CreateRequest {
            name: args.name.clone().or_else(|| args.positional_name.clone()),
            settings: args.fields.settings(),
            client_secret: args
                .fields
                .client_secret_stdin
                .then_some(&read as SecretInput<'_>),
            overwrite: args.overwrite,
        },
    )?;
    if let Some(backend) = written.secret_stored_in {
        services.reporter.progress(&format!(
            "stored the client secret of `{}` in the {backend} store",
            written.name
        ));
    }
    services.reporter.progress(&format!(
        "created profile `{}` in {}",
        written.name, written.location
    ));
    Ok(())
}
