//! `config export`: one profile (and, on request, its stored secrets) as a passphrase-encrypted,
//! authenticated file (format: `src/adapters/profile_export.rs`).

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::adapters::profile_export::{PortableProfile, seal};
use crate::adapters::stderr_reporter::StderrReporter;
use crate::adapters::tty_prompt::TtyPrompt;
use crate::cli::emit::emit;
use crate::composition::context::Context;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::ProfileSettings;
use crate::ports::env::Env;
use crate::ports::prompt::Prompt;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::{DEFAULT_PROFILE, require_profile};

const EXAMPLES: &str = "\
Examples:
  # To a file, with the client secret, typing the passphrase twice at a prompt
  entra-auth-cli config export -p prod --include-secrets -o prod.export

  # In a script: the passphrase from a pipe, the export on stdout
  printf %s \"$PASSPHRASE\" | entra-auth-cli config export -p prod --passphrase-stdin > prod.export

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
pub fn passphrase_from_stdin() -> Result<SecretString, AppError> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        AppError::new(
            ErrorKind::Io,
            "cannot read the passphrase from standard input",
        )
        .cause(e.to_string())
    })?;
    let line = text.strip_suffix('\n').unwrap_or(&text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        return Err(AppError::new(
            ErrorKind::Usage,
            "no passphrase given: standard input was empty",
        ));
    }
    Ok(SecretString::from(line.to_owned()))
}

/// Asks for the passphrase at a no-echo prompt (twice when `confirm`).
///
/// # Errors
/// No terminal (with the hint to use --passphrase-stdin), an empty answer, a mismatch.
pub fn passphrase_from_prompt(env: &dyn Env, confirm: bool) -> Result<SecretString, AppError> {
    let prompt = TtyPrompt::new(env.non_empty(EnvVars::ENTRA_AUTH_NONINTERACTIVE).is_none());
    let ask = |question: &str| {
        prompt
            .secret(question)
            .map_err(|e| {
                AppError::new(ErrorKind::Io, "cannot read from the terminal").cause(e)
            })?
            .ok_or_else(|| {
                AppError::new(ErrorKind::Usage, "no terminal to ask for the passphrase")
                    .hint("pipe it in with --passphrase-stdin, e.g. `printf %s \"$PASSPHRASE\" | entra-auth-cli config ... --passphrase-stdin`")
            })
    };
    let first = ask("Passphrase: ")?;
    if first.expose_secret().is_empty() {
        return Err(AppError::new(ErrorKind::Usage, "the passphrase is empty"));
    }
    if confirm && ask("Passphrase again: ")?.expose_secret() != first.expose_secret() {
        return Err(AppError::new(
            ErrorKind::Usage,
            "the two passphrases differ; nothing was exported",
        ));
    }
    Ok(first)
}

/// The settings of `[profiles.NAME]` exactly as the file has them (no environment, no flags).
fn file_settings(
    context: &Context,
    env: &dyn Env,
    name: &str,
) -> Result<(String, ProfileSettings), AppError> {
    let Some((written, dict)) = context.config.as_ref().and_then(|c| c.profile(name)) else {
        require_profile(
            context.config.as_ref(),
            context.config_path.as_deref(),
            env,
            name,
        )?;
        return Err(AppError::new(
            ErrorKind::ProfileNotFound,
            format!("profile `{name}` is not in the config file"),
        )
        .hint("a profile made only of environment variables has nothing to export; create it with `config create`"));
    };
    let settings = figment::value::Value::from(dict.clone())
        .deserialize::<ProfileSettings>()
        .map_err(|e| {
            AppError::new(
                ErrorKind::Config,
                format!("profile `{written}` has an invalid setting"),
            )
            .cause(e.to_string())
        })?;
    Ok((written.to_owned(), settings))
}

/// Runs `config export`.
///
/// # Errors
/// Unknown profile (exit 2), no passphrase, secret store or output failures (exit 1).
pub fn run(args: &ExportArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let (name, settings) = file_settings(&context, env, &args.profile)?;
    let reporter = StderrReporter::new(args.silent);
    let mut profile = PortableProfile {
        name: name.clone(),
        settings,
        client_secret: None,
        certificate_password: None,
    };
    if args.include_secrets {
        let storage = context.storage(env)?;
        let read = |kind: SecretKind| {
            storage.secrets.get(&name, kind).map_err(|e| {
                AppError::new(
                    ErrorKind::Io,
                    format!("cannot read the secrets of profile `{name}`"),
                )
                .cause(e.to_string())
            })
        };
        profile.client_secret = read(SecretKind::ClientSecret)?;
        profile.certificate_password = read(SecretKind::CertificatePassword)?;
        if profile.client_secret.is_none() && profile.certificate_password.is_none() {
            reporter.warn(&format!(
                "profile `{name}` has no secret in the {} store; exporting its settings only (AZURE_CLIENT_SECRET is never exported)",
                storage.backend
            ));
        }
    }
    let passphrase = if args.passphrase_stdin {
        passphrase_from_stdin()?
    } else {
        passphrase_from_prompt(env, true)?
    };
    let text = seal(std::slice::from_ref(&profile), &passphrase)
        .map_err(|e| AppError::new(ErrorKind::Io, "cannot encrypt the export").cause(e))?;
    emit(&text, args.output.as_deref())?;
    let with = match (&profile.client_secret, &profile.certificate_password) {
        (Some(_), Some(_)) => " with its client secret and certificate password",
        (Some(_), None) => " with its client secret",
        (None, Some(_)) => " with its certificate password",
        (None, None) => "",
    };
    let to = args
        .output
        .as_ref()
        .map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    reporter.progress(&format!("exported profile `{name}`{with} to {to}"));
    Ok(())
}
