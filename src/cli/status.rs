//! `status` (alias `doctor`): what the CLI would use and why, without printing any secret.

use clap::{Args, ValueEnum};

use crate::adapters::system_clock::SystemClock;
use crate::cli::emit::emit;
use crate::cli::output::render_json;
use crate::composition::context::Context;
use crate::ports::clock::Clock;
use crate::ports::env::Env;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::status::{gather, render_text};

const EXAMPLES: &str = "\
Examples:
  # Which config file and store are in use, and what is cached
  entra-auth-cli status

  # The same as JSON, for scripts and bug reports
  entra-auth-cli doctor -o json";

/// `status -o` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Lines for people
    Text,
    /// One JSON object
    Json,
}

/// Show the config file, the secret/token store in use and why, and each profile's stored
/// secrets (names only) and cached tokens (expiry only).
///
/// Exits 1 when the config file or the store has a problem, after describing it.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct StatusArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = StatusFormat::Text)]
    pub output: StatusFormat,
}

/// Runs `status`.
///
/// # Errors
/// The config file cannot be used, or no store can be selected (after printing the report).
pub fn run(args: &StatusArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let storage = context.storage(env);
    let report = gather(
        &context,
        env,
        storage.as_ref().map_err(AppError::render),
        SystemClock.now(),
    );
    let text = match args.output {
        StatusFormat::Text => render_text(&report),
        StatusFormat::Json => render_json(&report)
            .map_err(|e| AppError::new(ErrorKind::Io, "cannot render the report").cause(e))?,
    };
    emit(&text, None)?;
    match storage {
        Ok(_) => Ok(()),
        Err(error) => Err(error),
    }
}
