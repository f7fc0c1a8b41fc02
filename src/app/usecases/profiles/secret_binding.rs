//! Secrets are stored bound to where the profile they are stored for sends its credentials
//! (`domain::secret_binding`): every write of a profile's secret goes through [`bound_for`]
//! (a profile as the file holds it) or [`bound_for_settings`] (a table being written in this
//! run: the repository still holds the file as it was read).

use secrecy::SecretString;

use crate::app::usecases::error::Error;
use crate::app::usecases::profiles::resolution::{resolve_profile, resolve_settings};
use crate::domain::profile::ProfileSettings;
use crate::domain::secret_binding::{SecretDestination, bind};
use crate::ports::env::Env;
use crate::ports::profile_repository::ProfileRepository;

/// `secret` bound to the destination (authority, tenant, client) profile `name` has now, as
/// `get-token` resolves it.
///
/// # Errors
/// The profile cannot be resolved (a secret is only stored for a usable profile).
pub fn bound_for(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    name: &str,
    secret: &SecretString,
) -> Result<SecretString, Error> {
    let profile = resolve_profile(profiles, env, name, &ProfileSettings::default())?;
    Ok(bind(&SecretDestination::of(&profile), secret))
}

/// `secret` bound to the destination of profile `name` whose table is `file` (written in this
/// run), with the environment laid over it as `get-token` does.
///
/// # Errors
/// The profile is not valid.
pub fn bound_for_settings(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    name: &str,
    file: &ProfileSettings,
    secret: &SecretString,
) -> Result<SecretString, Error> {
    let profile = resolve_settings(profiles, env, name, file)?;
    Ok(bind(&SecretDestination::of(&profile), secret))
}
