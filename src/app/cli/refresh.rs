//! `refresh`: a new token now. User profiles redeem their saved sign-in (refresh token, rotated);
//! app profiles make a new client-credentials call. The result is cached as by `get-token`.

use clap::Args;

use super::get_token::{TokenArgs, print_token};
use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::token::acquire::CacheMode;

const EXAMPLES: &str = "\
Examples:
  # A fresh token for profile prod, bypassing the cached one
  entra-auth-cli refresh -p prod

  # As JSON, with the rotated refresh token (user profiles)
  entra-auth-cli refresh -p me -o json --include-refresh-token";

/// Get a new token now, ignoring the cached access token.
///
/// For user profiles the saved sign-in (refresh token) is redeemed and rotated; if it no longer
/// works, the sign-in flow runs again (or, non-interactively, exit 3). For app profiles this is a
/// new client-credentials request. Same output options as get-token.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub token: TokenArgs,
}

/// Runs `refresh`.
///
/// # Errors
/// As `get-token`.
pub fn run(args: &RefreshArgs, services: &Services) -> Result<(), Report> {
    let cache_mode = CacheMode {
        read: false,
        write: true,
    };
    print_token(&args.token, cache_mode, std::time::Duration::ZERO, services)
}
