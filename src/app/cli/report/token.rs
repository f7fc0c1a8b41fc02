//! Wording of `error::token`: the token itself and the time limit.

use super::{Report, humanize};
use crate::app::usecases::error::{ErrorKind, TokenError};

pub(super) fn token(kind: ErrorKind, e: &TokenError) -> Report {
    match e {
        TokenError::FlowUnavailable { .. }
        | TokenError::ManagedIdentityFlow { .. }
        | TokenError::Runtime { .. }
        | TokenError::TooShortLived => Report::new(kind, e.to_string()),
        TokenError::LockTimedOut => {
            Report::new(kind, e.to_string()).hint("retry, or raise --timeout")
        }
        TokenError::TimedOut { limit } => Report::new(
            kind,
            format!("timed out after {} waiting for a token", humanize(*limit)),
        )
        .hint("raise the limit with --timeout (e.g. --timeout 2m), or check that the authority host answers"),
        TokenError::Claims(cause) => Report::new(kind, "invalid --claims: not a claims request")
            .cause(cause.to_string())
            .hint("pass the claims=\"...\" value of the resource's WWW-Authenticate header (base64), or its JSON object"),
    }
}
