//! Wording of `error::profile`: lookup and validation of a profile.

use super::repo::repo;
use super::{Report, env_names_for, file_or_default};
use crate::app::usecases::error::{ErrorKind, FileCommand, ProfileFailure};
use crate::domain::profile::{FieldTextError, ProfileError, validate_profile_name};
use crate::domain::text::clip;

/// How much of a name that no profile can have is echoed back.
const NAME_SHOWN: usize = 64;

pub(super) fn profile(kind: ErrorKind, e: &ProfileFailure) -> Report {
    match e {
        ProfileFailure::Repo(e) => repo(kind, e),
        ProfileFailure::NotFound {
            name,
            known,
            location,
            file_exists,
        } => {
            // A name no profile can have (too long, other characters) is said once, shortened,
            // with the naming rule, and never offered as a table to add.
            if let Err(reason) = validate_profile_name(name) {
                return Report::new(
                    kind,
                    format!("profile `{}` not found", clip(name, NAME_SHOWN)),
                )
                .cause(reason);
            }
            let mut r = Report::new(kind, format!("profile `{name}` not found"));
            r = match (location, file_exists) {
                (Some(path), true) if !known.is_empty() => r
                    .cause(format!("{path} defines: {}", known.join(", ")))
                    .hint("pick one of those with `-p NAME` (or ENTRA_AUTH_PROFILE)"),
                (Some(path), true) => r.cause(format!("{path} defines no profiles")),
                (Some(path), false) => r.cause(format!("there is no config file at {path}")),
                (None, _) => r.cause("no config directory: set ENTRA_AUTH_CONFIG_DIR or HOME"),
            };
            r.hint(format!(
                "create it with `entra-auth-cli config create {name}` (or add a [profiles.{name}] table with tenant_id and client_id to {}), or use the `default` profile from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                file_or_default(location.as_ref())
            ))
        }
        ProfileFailure::NotInFile {
            name,
            location,
            command,
        } => {
            let r = Report::new(kind, format!("profile `{name}` is not in {location}"));
            match command {
                FileCommand::Edit => r.hint(
                    "the environment-only profile has no file entry; create one with `config create`",
                ),
                FileCommand::Delete | FileCommand::Rename => {
                    r.hint("profiles from environment variables alone have nothing to delete")
                }
                FileCommand::Export => r.hint("a profile made only of environment variables has nothing to export; create it with `config create`"),
            }
        }
        ProfileFailure::Invalid { error, location } => {
            let file = file_or_default(location.as_ref());
            match error {
                ProfileError::MissingField { profile, field } => {
                    Report::new(kind, format!("profile `{profile}` has no `{field}`")).hint(
                        format!(
                            "set `{field}` in [profiles.{profile}] of {file}, or set {}",
                            env_names_for(field)
                        ),
                    )
                }
                ProfileError::InvalidField {
                    profile,
                    field,
                    reason,
                } => Report::new(
                    kind,
                    format!("profile `{profile}` has an invalid `{field}`"),
                )
                .cause(reason.clone())
                .hint(format!(
                    "fix `{field}` in [profiles.{profile}] of {file}, or in {}",
                    env_names_for(field)
                )),
            }
        }
        ProfileFailure::EnvVar { var, error } => match error {
            FieldTextError::NotAPort => Report::new(kind, format!("{var} is not a port number"))
                .hint("use a number from 1 to 65535"),
            FieldTextError::NotABool => Report::new(kind, format!("{var} is not true or false")),
            FieldTextError::Empty => Report::new(kind, format!("{var} is set but empty"))
                .cause("an empty value is not read as unset: a request could go to the wrong place")
                .hint(format!("give it a value, or remove it: `unset {var}`")),
            FieldTextError::UnknownField(field) => Report::new(
                kind,
                format!("{var} sets `{field}`, which is not a profile field"),
            ),
        },
    }
}
