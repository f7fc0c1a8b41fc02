//! Wording of `error::edit`: create, edit, rename, delete, set-secret.

use super::{LASTING_STORE_HINT, Report};
use crate::app::usecases::error::{AfterWrite, EditError, ErrorKind, NameUse};
use crate::domain::profile::field_names;

pub(super) fn flag_of(field: &str) -> String {
    format!("--{}", field.replace('_', "-"))
}

pub(super) fn edit(kind: ErrorKind, e: &EditError) -> Report {
    match e {
        EditError::BadName {
            name,
            reason,
            used_for,
        } => match used_for {
            NameUse::Create => Report::new(kind, "invalid --name").cause(reason.clone()),
            NameUse::RenameTo => Report::new(kind, "invalid new name").cause(reason.clone()),
            NameUse::DiscoverCreate => {
                Report::new(kind, "invalid --create-profile name").cause(reason.clone())
            }
            NameUse::Import { renamed } => {
                let r = Report::new(
                    kind,
                    format!("cannot import profile `{}`: bad name", name.escape_debug()),
                )
                .cause(reason.clone());
                if *renamed {
                    r.hint("choose a -n NEWNAME made of letters, digits, `.`, `_` and `-`")
                } else {
                    r.hint("import it under another name with -n NEWNAME (add -p NAME when the file holds several)")
                }
            }
        },
        EditError::Exists {
            name,
            location,
            used_for,
        } => match used_for {
            NameUse::Create => Report::new(kind, format!("profile `{name}` already exists"))
                .hint("use `config edit` to change it, or --overwrite to replace it"),
            NameUse::RenameTo => Report::new(kind, format!("profile `{name}` already exists")),
            NameUse::DiscoverCreate => Report::new(
                kind,
                format!("profile `{name}` already exists in {location}"),
            )
            .hint("choose another --create-profile name; discover never replaces a profile"),
            NameUse::Import { .. } => Report::new(kind, format!("profile `{name}` already exists"))
                .hint("--overwrite replaces it, -n NEWNAME imports under another name; nothing was imported"),
        },
        EditError::InvalidField { field, reason } => {
            let flag = if *field == "scopes" {
                "--scope".to_owned()
            } else {
                flag_of(field)
            };
            Report::new(kind, format!("invalid {flag}")).cause(reason.clone())
        }
        EditError::MissingField { field } => {
            Report::new(kind, format!("{} is required", flag_of(field))).hint(
                "give every required field as a flag when not on a terminal (see `config create --help`)",
            )
        }
        EditError::UnknownField { field } => {
            Report::new(kind, format!("unknown field `{field}`")).hint(format!(
                "fields: {}",
                field_names().collect::<Vec<_>>().join(", ")
            ))
        }
        EditError::NothingToChange => Report::new(kind, "nothing to change")
            .hint("pass the fields to change as flags (see `config edit --help`)"),
        EditError::NeedsConfirmation { name } => Report::new(
            kind,
            format!("deleting profile `{name}` needs confirmation"),
        )
        .hint("pass --yes"),
        EditError::NotConfirmed => Report::new(kind, "not deleted"),
        EditError::EphemeralStore {
            reason,
            import: false,
            ..
        } => Report::new(
            kind,
            "the memory store keeps nothing between runs, so it cannot hold a secret",
        )
        .cause(reason.clone())
        .hint(format!(
            "{LASTING_STORE_HINT}; in CI, pass AZURE_CLIENT_SECRET instead"
        )),
        EditError::EphemeralStore {
            reason,
            import: true,
            ..
        } => Report::new(
            kind,
            "the import carries secrets, but the memory store keeps nothing between runs",
        )
        .cause(reason.clone())
        .hint(format!(
            "{LASTING_STORE_HINT}; or --skip-secrets to import the settings only; nothing was imported"
        )),
        EditError::SecretRead { profile, cause } => Report::new(
            kind,
            format!("cannot read the secrets of profile `{profile}`"),
        )
        .cause(cause.clone()),
        EditError::SecretAfterWrite {
            profile,
            kind: secret,
            step,
            cause,
        } => {
            let what = match secret {
                crate::ports::secret_store::SecretKind::ClientSecret => "client secret",
                crate::ports::secret_store::SecretKind::CertificatePassword => {
                    "certificate password"
                }
            };
            let flag = match secret {
                crate::ports::secret_store::SecretKind::ClientSecret => "",
                crate::ports::secret_store::SecretKind::CertificatePassword => {
                    " --certificate-password"
                }
            };
            let store_it = format!("store it with `entra-auth-cli config set-secret -p {profile}{flag}`");
            match step {
                AfterWrite::Created => Report::new(
                    kind,
                    format!("profile `{profile}` was created, but its secret could not be stored"),
                )
                .cause(cause.clone())
                .hint(store_it),
                AfterWrite::Edited => Report::new(
                    kind,
                    format!("cannot store the {what} of profile `{profile}`"),
                )
                .cause(cause.clone()),
                AfterWrite::Imported => Report::new(
                    kind,
                    format!("profile `{profile}` was imported, but its {what} could not be stored"),
                )
                .cause(cause.clone())
                .hint(store_it),
                AfterWrite::Deleted => Report::new(
                    kind,
                    format!("profile `{profile}` was deleted, but a stored secret could not be"),
                )
                .cause(cause.clone()),
                AfterWrite::Renamed => Report::new(
                    kind,
                    "the profile was renamed, but its secrets could not be moved",
                )
                .cause(cause.clone()),
            }
        }
        EditError::Terminal(cause) => {
            Report::new(kind, "cannot read from the terminal").cause(cause.to_string())
        }
        EditError::Cache { cause } => {
            Report::new(kind, "cannot list or remove the cached tokens").cause(cause.clone())
        }
    }
}
