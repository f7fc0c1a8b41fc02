//! Wording of store selection failures: keyring, file store key, memory fallback.

use super::{KEY_HINT, KEYRING_HINT, Report};
use crate::app::usecases::error::ErrorKind;
use crate::ports::store::{DirectoryProblem, StoreSelectionError, UnsafeDirectory};

pub(super) fn store(kind: ErrorKind, e: &StoreSelectionError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        StoreSelectionError::UnknownBackend { .. } => {
            r.hint("use one of: auto, keyring, file, memory")
        }
        StoreSelectionError::BadCacheKey { reason } => r.cause(reason.clone()).hint(KEY_HINT),
        StoreSelectionError::EmptyCacheKey => r
            .cause(
                "an empty value is not taken as unset: it is usually a secret that did not expand",
            )
            .hint(KEY_HINT)
            .hint("or unset it to let `auto` choose (the OS keyring, else memory)"),
        StoreSelectionError::KeyringUnavailable { cause, .. } => {
            r.cause(cause.clone()).hint(KEYRING_HINT)
        }
        StoreSelectionError::FileStoreNeedsKey { cause } => r.cause(cause.clone()).hint(KEY_HINT),
        StoreSelectionError::NoDirectory { variable, .. } => {
            r.hint(format!("set {variable} (or HOME)"))
        }
        StoreSelectionError::UnsafeDirectory(d) => unsafe_directory(kind, d),
    }
}

/// A cache, lock, secrets or config directory another user could change: which one, and what
/// to do.
pub(super) fn unsafe_directory(kind: ErrorKind, d: &UnsafeDirectory) -> Report {
    let r = Report::new(kind, d.to_string()).cause(
        "tokens, secrets, locks and the config are kept only in a directory that is yours and writable by no one else",
    );
    let elsewhere = format!("or set {} to a directory of your own", d.variable);
    match d.problem {
        DirectoryProblem::WritableByOthers { .. } => r
            .hint(format!(
                "if it is yours, make it private: chmod 700 {}",
                d.path
            ))
            .hint(elsewhere),
        DirectoryProblem::OwnedByAnother { .. } => r
            .hint(
                "someone else made it (perhaps in a shared directory such as /tmp): do not use it",
            )
            .hint(elsewhere),
        DirectoryProblem::NotADirectory => r.hint(elsewhere),
    }
}
