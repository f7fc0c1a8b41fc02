//! `logout`: forget cached tokens (and accounts) for a profile or for all; secrets stay.

use clap::Args;

use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::manage::logout;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;

const EXAMPLES: &str = "\
Examples:
  # Forget the cached tokens of the default profile (or ENTRA_AUTH_PROFILE's)
  entra-auth-cli logout

  # Forget the cached tokens of profile prod
  entra-auth-cli logout -p prod

  # Forget every cached token (stored secrets are kept)
  entra-auth-cli logout --all";

/// Delete cached tokens and accounts of a profile, or of all profiles. Stored secrets are kept
/// (`config set-secret` replaces them).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct LogoutArgs {
    /// Profile whose tokens to forget (default: ENTRA_AUTH_PROFILE, else `default`; names match
    /// case-insensitively)
    #[arg(short, long, conflicts_with = "all")]
    pub profile: Option<String>,

    /// Forget every cached token, of every profile
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
    // Like every command: -p, else ENTRA_AUTH_PROFILE, else `default`. Read here rather than
    // by clap so that ENTRA_AUTH_PROFILE does not conflict with --all.
    let profile = match (&args.profile, args.all) {
        (_, true) => None,
        (Some(name), false) => Some(name.clone()),
        (None, false) => Some(
            services
                .env
                .non_empty(EnvVars::ENTRA_AUTH_PROFILE)
                .unwrap_or_else(|| DEFAULT_PROFILE.to_owned()),
        ),
    };
    let out = logout(&services.profile_ports(), profile.as_deref())?;
    let whose = out.profile.map_or_else(
        || "all profiles".to_owned(),
        |name| format!("profile `{name}`"),
    );
    services.reporter.progress(&format!(
        "removed {} cached token(s) and {} saved sign-in(s) of {whose} from the {} store",
        out.tokens, out.sign_ins, out.backend
    ));
    if !out.shared_with.is_empty() {
        // Tokens are cached per app: said every time, so nobody is surprised later.
        services.reporter.warn(&format!(
            "profile(s) {} use the same app, tenant and authority: tokens are cached per app, so they were logged out too",
            quoted(&out.shared_with)
        ));
    }
    if out.failures.is_empty() {
        return Ok(());
    }
    let report = Report::new(ErrorKind::Io, "some cached entries could not be removed");
    Err(out
        .failures
        .into_iter()
        .fold(report, Report::cause)
        .hint("everything else was removed; run `entra-auth-cli logout` again, or see `entra-auth-cli status`"))
}

/// `a`, `b` as `` `a`, `b` ``.
fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
