//! `config`: manage profiles. One module per subcommand.

pub mod set_secret;

use clap::{Args, Subcommand};

use crate::app::error::AppError;
use crate::ports::env::Env;

/// Manage profiles.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Store a profile's client secret (or certificate password) in the secret store
    SetSecret(set_secret::SetSecretArgs),
}

/// Runs a `config` subcommand.
///
/// # Errors
/// See each subcommand.
pub fn run(args: &ConfigArgs, env: &dyn Env) -> Result<(), AppError> {
    match &args.command {
        ConfigCommand::SetSecret(args) => set_secret::run(args, env),
    }
}
