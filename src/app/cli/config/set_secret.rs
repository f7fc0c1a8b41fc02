//! `config set-secret`: a profile's client secret or certificate password into the secret store,
//! read from stdin or a no-echo prompt, never from argv.

use std::io::IsTerminal;

use clap::Args;
use secrecy::SecretString;
use zeroize::Zeroizing;

use super::fields::read_stdin_secret;
use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::{Error, InputError};
use crate::app::usecases::profiles::manage::set_secret;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::domain::env_vars::EnvVars;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::ports::terminal::TerminalError;

const SET_SECRET_EXAMPLES: &str = "\
Examples:
  # From a pipe or a file (never as an argument: argv is visible to other users)
  printf %s \"$SECRET\" | entra-auth-cli config set-secret -p prod
  entra-auth-cli config set-secret -p prod < secret.txt

  # Typed at a prompt that does not echo
  entra-auth-cli config set-secret -p prod";

/// Store a profile's client secret in the secret store (the OS keyring, or the encrypted file
/// store). The secret is read from standard input, or typed at a no-echo prompt on a terminal;
/// never from the command line. AZURE_CLIENT_SECRET, when set, still wins at get-token time.
#[derive(Debug, Args)]
#[command(after_help = SET_SECRET_EXAMPLES)]
pub struct SetSecretArgs {
    /// Profile the secret belongs to
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Store the certificate password instead of the client secret
    #[arg(long)]
    pub certificate_password: bool,

    /// Nothing on stderr except errors and the prompt
    #[arg(short = 'q', long)]
    pub silent: bool,
}

/// The secret from a no-echo prompt on a terminal, else from standard input.
fn read_secret(what: &'static str, profile: &str) -> Result<SecretString, Error> {
    if !std::io::stdin().is_terminal() {
        return read_stdin_secret(what);
    }
    let typed = Zeroizing::new(
        rpassword::prompt_password(format!("{what} for profile `{profile}`: "))
            .map_err(|e| InputError::Terminal(TerminalError(e.to_string())))?,
    );
    let trimmed = typed.strip_suffix('\n').unwrap_or(&typed);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(InputError::Empty { what }.into());
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Runs `config set-secret`.
///
/// # Errors
/// Unknown profile (exit 2), memory store, empty input, store failures.
pub fn run(args: &SetSecretArgs, services: &Services) -> Result<(), Report> {
    let (kind, what) = if args.certificate_password {
        (SecretKind::CertificatePassword, "certificate password")
    } else {
        (SecretKind::ClientSecret, "client secret")
    };
    let read = |profile: &str| read_secret(what, profile);
    let stored = set_secret(&services.profile_ports(), &args.profile, kind, &read)?;
    services.reporter.progress(&format!(
        "stored the {what} of profile `{}` in the {} store",
        stored.profile, stored.backend
    ));
    Ok(())
}
