//! Whether `git-credential` answers a request of git's at all: https to Azure DevOps, or to a
//! host the profile lists in `git_hosts` (http only to a listed loopback host). Decided before
//! any token is fetched or forgotten, so that an unscoped `credential.helper` never hands a
//! token to another server.

use crate::app::usecases::error::Error;
use crate::app::usecases::profiles::resolution::resolve_profile;
use crate::domain::git_credential::CredentialRequest;
use crate::domain::profile::ProfileSettings;
use crate::ports::env::Env;
use crate::ports::profile_repository::ProfileRepository;

/// True when profile `profile` (with `overrides`) answers git's `request`.
///
/// # Errors
/// The profile cannot be resolved (unknown, invalid `git_hosts` among other fields).
pub fn answers_git(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    profile: &str,
    overrides: &ProfileSettings,
    request: &CredentialRequest,
) -> Result<bool, Error> {
    let profile = resolve_profile(profiles, env, profile, overrides)?;
    Ok(request.is_answered(&profile.git_hosts))
}
