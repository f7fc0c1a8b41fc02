//! `logout`: forget cached tokens (and accounts) for a profile or for all; secrets stay.

use clap::Args;

use crate::adapters::stderr_reporter::StderrReporter;
use crate::composition::context::Context;
use crate::domain::cache_key::CacheKey;
use crate::domain::profile::ProfileSettings;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::require_profile;

const EXAMPLES: &str = "\
Examples:
  # Forget the cached tokens of profile prod
  entra-auth-cli logout -p prod

  # Forget every cached token (stored secrets are kept)
  entra-auth-cli logout --all";

/// Delete cached tokens and accounts of a profile, or of all profiles. Stored secrets are kept
/// (`config set-secret` replaces them).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct LogoutArgs {
    /// Profile whose tokens to forget
    #[arg(short, long, conflicts_with = "all", required_unless_present = "all")]
    pub profile: Option<String>,

    /// Forget every cached token
    #[arg(long)]
    pub all: bool,

    /// Nothing on stderr except errors
    #[arg(short = 'q', long)]
    pub silent: bool,
}

/// Runs `logout`.
///
/// # Errors
/// Unknown profile (exit 2), unusable config or store.
pub fn run(args: &LogoutArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let identity = match &args.profile {
        Some(name) => {
            let written = require_profile(
                context.config.as_ref(),
                context.config_path.as_deref(),
                env,
                name,
            )?;
            let profile = context.resolve_profile(env, &written, &ProfileSettings::default())?;
            Some((written, CacheKey::identity_of(&profile)))
        }
        None => None,
    };
    let storage = context.storage(env)?;
    let entries = storage.tokens.list().map_err(|e| {
        AppError::new(ErrorKind::Io, "cannot list the cached tokens").cause(e.to_string())
    })?;
    let mut removed = 0;
    let mut signed_out = 0;
    for (key, _) in entries {
        if identity.as_ref().is_none_or(|(_, id)| key.identity() == id) {
            storage.tokens.remove(&key).map_err(|e| {
                AppError::new(ErrorKind::Io, "cannot remove a cached token").cause(e.to_string())
            })?;
            removed += 1;
        }
    }
    let accounts = storage.tokens.list_accounts().map_err(|e| {
        AppError::new(ErrorKind::Io, "cannot list the saved sign-ins").cause(e.to_string())
    })?;
    for (account_identity, _) in accounts {
        if identity
            .as_ref()
            .is_none_or(|(_, id)| &account_identity == id)
        {
            storage
                .tokens
                .remove_account(&account_identity)
                .map_err(|e| {
                    AppError::new(ErrorKind::Io, "cannot remove a saved sign-in")
                        .cause(e.to_string())
                })?;
            signed_out += 1;
        }
    }
    let whose = identity.map_or_else(
        || "all profiles".to_owned(),
        |(name, _)| format!("profile `{name}`"),
    );
    StderrReporter::new(args.silent).progress(&format!(
        "removed {removed} cached token(s) and {signed_out} saved sign-in(s) of {whose} from the {} store",
        storage.backend
    ));
    Ok(())
}
