//! `logout`: forget cached tokens (and accounts) for a profile or for all; secrets stay.

use clap::Args;

use super::report::Report;
use crate::composition::Services;
use crate::ports::reporter::Reporter;
use crate::usecases::profiles::logout;

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
pub fn run(args: &LogoutArgs, services: &Services) -> Result<(), Report> {
    let out = logout(&services.profile_ports(), args.profile.as_deref())?;
    let whose = out.profile.map_or_else(
        || "all profiles".to_owned(),
        |name| format!("profile `{name}`"),
    );
    services.reporter.progress(&format!(
        "removed {} cached token(s) and {} saved sign-in(s) of {whose} from the {} store",
        out.tokens, out.sign_ins, out.backend
    ));
    Ok(())
}
