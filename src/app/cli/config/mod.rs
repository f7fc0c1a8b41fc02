//! `config`: manage profiles. One module per subcommand.

use crate::app::cli::report::Report;
use crate::app::composition::Services;

pub mod create;
pub mod delete;
pub mod edit;
pub mod export;
pub mod fields;
pub mod import;
pub mod list;
pub mod set_secret;

use clap::{Args, Subcommand};

/// Manage profiles.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// List the profiles
    List(list::ListArgs),
    /// Show a profile's settings (never its secrets)
    Show(list::ShowArgs),
    /// Create a profile, from flags or prompts
    Create(create::CreateArgs),
    /// Change fields of a profile
    Edit(edit::EditArgs),
    /// Rename a profile (its secrets move along)
    Rename(delete::RenameArgs),
    /// Delete a profile with its secrets and cached tokens
    Delete(delete::DeleteArgs),
    /// Store a profile's client secret (or certificate password) in the secret store
    SetSecret(set_secret::SetSecretArgs),
    /// Export a profile (optionally with its secrets) as a passphrase-encrypted file
    Export(export::ExportArgs),
    /// Import profiles from `config export`, or from the .NET entra-auth-cli's export or profiles.json
    Import(import::ImportArgs),
}

/// Runs a `config` subcommand.
///
/// # Errors
/// See each subcommand.
pub fn run(args: &ConfigArgs, services: &Services) -> Result<(), Report> {
    match &args.command {
        ConfigCommand::List(args) => list::list(args, services),
        ConfigCommand::Show(args) => list::show(args, services),
        ConfigCommand::Create(args) => create::run(args, services),
        ConfigCommand::Edit(args) => edit::run(args, services),
        ConfigCommand::Rename(args) => delete::rename(args, services),
        ConfigCommand::Delete(args) => delete::delete(args, services),
        ConfigCommand::SetSecret(args) => set_secret::run(args, services),
        ConfigCommand::Export(args) => export::run(args, services),
        ConfigCommand::Import(args) => import::run(args, services),
    }
}

impl ConfigArgs {
    /// True when the subcommand was asked for nothing on stderr but errors (`-q`).
    #[must_use]
    pub fn silent(&self) -> bool {
        match &self.command {
            ConfigCommand::SetSecret(args) => args.silent,
            ConfigCommand::Export(args) => args.silent,
            ConfigCommand::Import(args) => args.silent,
            _ => false,
        }
    }
}
