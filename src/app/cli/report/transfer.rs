//! Wording of `error::transfer`: `config export` and `config import`.

use super::Report;
use crate::app::usecases::error::{ErrorKind, TransferError};

pub(super) fn transfer(kind: ErrorKind, e: &TransferError) -> Report {
    match e {
        TransferError::NotAnExport { source_name, reason } => {
            Report::new(kind, format!("{source_name} is not a profile export"))
                .cause(reason.clone())
                .hint("give a file written by `entra-auth-cli config export` (or the .NET entra-auth-cli's `config export`)")
        }
        TransferError::UnsupportedVersion { .. } => Report::new(kind, e.to_string())
            .hint("upgrade entra-auth-cli, or export again with this version"),
        TransferError::Decrypt => Report::new(kind, e.to_string())
            .hint("check the passphrase and that the file is complete; nothing was imported"),
        TransferError::Invalid { source_name, reason } => Report::new(
            kind,
            format!("{source_name} decrypted, but its content is invalid"),
        )
        .cause(reason.clone())
        .hint("nothing was imported"),
        TransferError::SeedProfiles { path, reason } => Report::new(
            kind,
            format!("{path} is not the .NET entra-auth-cli's profiles.json"),
        )
        .cause(reason.clone())
        .hint("nothing was imported"),
        TransferError::NotInImport { holds, .. } => {
            Report::new(kind, e.to_string()).cause(format!("it holds: {}", holds.join(", ")))
        }
        TransferError::Empty { .. } => Report::new(kind, e.to_string()),
        TransferError::RenameNeedsOne { .. } => {
            Report::new(kind, e.to_string()).hint("pick one with -p NAME")
        }
        TransferError::Duplicate { name } => Report::new(
            kind,
            format!("the import holds profile `{}` twice", name.escape_debug()),
        ),
        TransferError::InvalidProfile { name, reason } => Report::new(
            kind,
            format!("cannot import profile `{}`", name.escape_debug()),
        )
        .cause(reason.clone())
        .hint("nothing was imported"),
        TransferError::Seal { reason } => {
            Report::new(kind, "cannot encrypt the export").cause(reason.clone())
        }
        TransferError::SecretNotRemoved { profile, cause, .. } => Report::new(kind, e.to_string())
            .cause(cause.clone())
            .cause(format!(
                "the import sends profile `{}`'s credentials to another authority host, tenant or client ID, and its stored secret was meant for the old one",
                profile.escape_debug()
            ))
            .hint(format!("nothing was imported; fix the secret store and retry, or delete the profile first (`entra-auth-cli config delete -p {}`)", profile.escape_debug())),
    }
}
