//! `config delete` and `config rename`: remove a profile with its secrets, cached tokens and
//! saved sign-in; or give it a new name, moving its secrets along.

use clap::Args;

use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::{EditError, Error};
use crate::app::usecases::profiles::manage;
use crate::domain::text::clip;
use crate::ports::reporter::Reporter;

/// How much of a typed profile name is echoed back.
const NAME_SHOWN: usize = 64;

/// Delete a profile from config.toml, with its stored secrets, cached tokens and saved sign-in.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  entra-auth-cli config delete -p old --yes")]
pub struct DeleteArgs {
    /// Profile to delete
    #[arg(short, long, value_name = "NAME")]
    pub profile: String,
    /// Do not ask for confirmation (required when not on a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

/// Rename a profile; its stored secrets move with it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  entra-auth-cli config rename dev staging")]
pub struct RenameArgs {
    /// Current name
    pub from: String,
    /// New name
    pub to: String,
}

/// Runs `config delete`.
///
/// # Errors
/// Unknown profile (exit 2), no confirmation, I/O.
pub fn delete(args: &DeleteArgs, services: &Services) -> Result<(), Report> {
    let deleted = match manage::delete(&services.profile_ports(), &args.profile, args.yes) {
        Ok(deleted) => deleted,
        // The person answered no: their choice, not a failure (exit 0, like `rm -i`).
        Err(Error::Edit(EditError::NotConfirmed)) => {
            services.reporter.progress(&format!(
                "kept profile `{}`: nothing was deleted",
                clip(&args.profile, NAME_SHOWN)
            ));
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    if deleted.tokens_kept_for.is_empty() {
        services.reporter.progress(&format!(
            "deleted profile `{}`, its stored secrets and {} cached token(s)",
            deleted.name, deleted.cached_tokens
        ));
    } else {
        services.reporter.progress(&format!(
            "deleted profile `{}` and its stored secrets; its cached tokens are kept for {} (the same app, tenant and authority: tokens are cached per app)",
            deleted.name,
            deleted
                .tokens_kept_for
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// Runs `config rename`.
///
/// # Errors
/// Unknown profile (exit 2), an invalid or taken new name, I/O.
pub fn rename(args: &RenameArgs, services: &Services) -> Result<(), Report> {
    let (from, to) = manage::rename(&services.profile_ports(), &args.from, &args.to)?;
    services
        .reporter
        .progress(&format!("renamed profile `{from}` to `{to}`"));
    Ok(())
}
