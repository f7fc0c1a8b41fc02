//! Wording of store selection failures: keyring, file store key, memory fallback.

use super::{KEY_HINT, KEYRING_HINT, Report};
use crate::app::usecases::error::ErrorKind;
use crate::ports::store::StoreSelectionError;

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
    }
}
