//! `config export`: one profile (and, on request, its stored secrets) as a passphrase-encrypted,
//! authenticated file (format: `src/adapters/archive/profile_export.rs`).

use std::path::PathBuf;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

use super::fields::read_stdin_secret;
use crate::app::cli::emit::emit;
use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::{Error, InputError};
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::profiles::transfer::export;
use crate::domain::env_vars::EnvVars;
use crate::ports::reporter::Reporter;
use crate::ports::terminal::Terminal;

const EXAMPLES: &str = "\
Examples:
  # To a file, with the client secret, typing the passphrase twice at a prompt
  entra-auth-cli config export -p prod --include-secrets -o prod.export

  # In a script: the passphrase from a pipe, the export on stdout
  printf %s \"$PASSPHRASE\" |
      entra-auth-cli config export -p prod --passphrase-stdin > prod.export

  # On the other machine
  entra-auth-cli config import -i prod.export";

/// Export a profile as an encrypted file that `config import` reads on another machine.
/// The file is authenticated (XChaCha20-Poly1305, key from the passphrase with Argon2id), so a
/// wrong passphrase or any change to it is detected. Secrets are included only with
/// --include-secrets, from the secret store; AZURE_CLIENT_SECRET is never exported. The
/// passphrase is typed at a no-echo prompt (twice) or piped with --passphrase-stdin, never an
/// argument.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ExportArgs {
    /// Profile to export
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Include the profile's client secret and certificate password from the secret store
    #[arg(long)]
    pub include_secrets: bool,

    /// Write the export to FILE (created with mode 0600) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Read the passphrase from standard input (one line) instead of a prompt
    #[arg(long)]
    pub passphrase_stdin: bool,

    /// Nothing on stderr except errors and the prompts
    #[arg(short = 'q', long)]
    pub silent: bool,
}

/// Reads a passphrase from stdin: everything up to the end, minus one trailing newline.
///
/// # Errors
/// Read failures or an empty passphrase.
pub fn passphrase_from_stdin() -> Result<SecretString, Error> {
    read_stdin_secret("passphrase")
}

/// Asks for the passphrase at a no-echo prompt (twice when `confirm`).
///
/// # Errors
/// No terminal (with the hint to use --passphrase-stdin), an empty answer, a mismatch.
pub fn passphrase_from_prompt(
    terminal: &dyn Terminal,
    confirm: bool,
) -> Result<SecretString, Error> {
    let ask = |question: &str| -> Result<SecretString, Error> {
        terminal
            .secret(question)
            .map_err(InputError::Terminal)?
            .ok_or_else(|| InputError::NoTerminal { what: "passphrase" }.into())
    };
    let first = ask("Passphrase: ")?;
    if first.expose_secret().is_empty() {
        return Err(InputError::EmptyPassphrase.into());
    }
    if confirm && ask("Passphrase again: ")?.expose_secret() != first.expose_secret() {
        return Err(InputError::PassphraseMismatch.into());
    }
    Ok(first)
}

/// Runs `config export`.
///
/// # Errors
/// Unknown profile (exit 2), no passphrase, secret store or output failures (exit 1).
pub fn run(args: &ExportArgs, services: &Services) -> Result<(), Report> {
    let passphrase = || {
        if args.passphrase_stdin {
            passphrase_from_stdin()
        } else {
            passphrase_from_prompt(&services.terminal, true)
        }
    };
    let exported = export(
        &services.transfer_ports(),
        &args.profile,
        args.include_secrets,
        &passphrase,
    )?;
    if let Some(backend) = exported.no_secret_in {
        services.reporter.warn(&format!(
            "profile `{}` has no secret in the {backend} store; exporting its settings only (AZURE_CLIENT_SECRET is never exported)",
            exported.name
        ));
    }
    emit(&exported.text, args.output.as_deref(), services)?;
    let with = match (exported.client_secret, exported.certificate_password) {
        (true, true) => " with its client secret and certificate password",
        (true, false) => " with its client secret",
        (false, true) => " with its certificate password",
        (false, false) => "",
    };
    let to = args
        .output
        .as_ref()
        .map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    services.reporter.progress(&format!(
        "exported profile `{}`{with} to {to}",
        exported.name
    ));
    Ok(())
}
