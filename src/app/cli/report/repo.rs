//! The profile file's failures (`ProfileRepoError`): unreadable, invalid, unwritable.

use super::{Report, humanize};
use crate::app::usecases::error::ErrorKind;
use crate::ports::profile_repository::ProfileRepoError;

pub(super) fn repo(kind: ErrorKind, e: &ProfileRepoError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        ProfileRepoError::NoLocation => r.hint("set ENTRA_AUTH_CONFIG_DIR or HOME"),
        ProfileRepoError::UnsafeDirectory(d) => super::store::unsafe_directory(kind, d),
        ProfileRepoError::NotText { .. } => r.hint(
            "save it as UTF-8 (your editor's encoding setting, or `iconv -f latin1 -t utf-8`); it was not modified",
        ),
        ProfileRepoError::Unreadable { reason, .. } => r
            .cause(reason.clone())
            .hint("fix the file's permissions; it was not modified"),
        ProfileRepoError::Syntax { details, .. } | ProfileRepoError::Invalid { details, .. } => r
            .causes(details.iter().cloned())
            .hint("fix the file and retry; it was not modified"),
        ProfileRepoError::InvalidProfile {
            name,
            path,
            details,
            secret_key,
        } => {
            let mut r = r.causes(details.iter().cloned());
            if *secret_key {
                r = r.hint("secrets never go in config.toml: use AZURE_CLIENT_SECRET");
            }
            r.hint(format!(
                "settings come from [profiles.{name}] in {path}, then AZURE_* variables (for the fields it leaves out), ENTRA_AUTH_* variables, then flags"
            ))
        }
        ProfileRepoError::Write { path, reason } => {
            Report::new(kind, format!("cannot write {path}"))
                .cause(reason.clone())
                .hint("the file was not changed; if its directory is read-only (a mounted or shared home), give a writable one with ENTRA_AUTH_CONFIG_DIR, or fix the permissions")
        }
        ProfileRepoError::Busy { lock, waited, .. } => r
            .cause(format!("its edit lock {lock} was held for {}", humanize(*waited)))
            .hint("retry when the other `config` command (perhaps waiting at a prompt) has finished; nothing was changed"),
    }
}
