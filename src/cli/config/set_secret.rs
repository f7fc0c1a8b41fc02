//! `config set-secret`: a profile's client secret or certificate password into the secret store,
//! read from stdin or a no-echo prompt, never from argv.

use std::io::{IsTerminal, Read};

use clap::Args;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::adapters::stderr_reporter::StderrReporter;
use crate::composition::context::Context;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::{DEFAULT_PROFILE, require_profile};

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

fn read_secret(what: &str, profile: &str) -> Result<SecretString, AppError> {
    let raw = if std::io::stdin().is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password(format!("{what} for profile `{profile}`: ")).map_err(
                |e| {
                    AppError::new(ErrorKind::Io, "cannot read from the terminal")
                        .cause(e.to_string())
                },
            )?,
        )
    } else {
        let mut text = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            AppError::new(ErrorKind::Io, "cannot read the secret from standard input")
                .cause(e.to_string())
        })?;
        text
    };
    let trimmed = raw.strip_suffix('\n').unwrap_or(&raw);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(AppError::new(ErrorKind::Usage, format!("no {what} given: standard input was empty"))
            .hint("pipe the secret in, e.g. `printf %s \"$SECRET\" | entra-auth-cli config set-secret -p NAME`"));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Runs `config set-secret`.
///
/// # Errors
/// Unknown profile (exit 2), memory store, empty input, store failures.
pub fn run(args: &SetSecretArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let name = require_profile(
        context.config.as_ref(),
        context.config_path.as_deref(),
        env,
        &args.profile,
    )?;
    let storage = context.storage(env)?;
    if storage.backend == "memory" {
        return Err(AppError::new(
            ErrorKind::Config,
            "the memory store keeps nothing between runs, so it cannot hold a secret",
        )
        .cause(storage.reason.clone())
        .hint("use the OS keyring, or ENTRA_AUTH_STORE=file with ENTRA_AUTH_CACHE_KEY; in CI, pass AZURE_CLIENT_SECRET instead"));
    }
    let (kind, what) = if args.certificate_password {
        (SecretKind::CertificatePassword, "certificate password")
    } else {
        (SecretKind::ClientSecret, "client secret")
    };
    let secret = read_secret(what, &name)?;
    storage.secrets.set(&name, kind, &secret).map_err(|e| {
        AppError::new(
            ErrorKind::Io,
            format!("cannot store the {what} of profile `{name}`"),
        )
        .cause(e.to_string())
    })?;
    StderrReporter::new(args.silent).progress(&format!(
        "stored the {what} of profile `{name}` in the {} store",
        storage.backend
    ));
    Ok(())
}
