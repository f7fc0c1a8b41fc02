//! git's credential-helper protocol errors, worded for `git-credential`.

use super::Report;
use crate::app::usecases::error::ErrorKind;
use crate::domain::git_credential::ProtocolError;

/// `git-credential`: a request that is not git's credential-helper protocol, or a token that
/// cannot be sent in it.
#[must_use]
pub fn git_protocol(error: &ProtocolError) -> Report {
    const HELPER: &str = "git config --global credential.https://dev.azure.com.helper \"!entra-auth-cli git-credential -p NAME\"";
    match error {
        ProtocolError::UnsafeValue => Report::new(
            ErrorKind::Auth,
            "the identity provider's token cannot be given to git",
        )
        .cause(error.to_string()),
        _ => Report::new(ErrorKind::Usage, "not git's credential-helper protocol")
            .cause(error.to_string())
            .hint(format!("this command is run by git: {HELPER}")),
    }
}
