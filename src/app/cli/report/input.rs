//! Wording of `error::input`: flags, passphrases, paths.

use super::Report;
use crate::app::usecases::error::{ErrorKind, InputError};

pub(super) fn input(kind: ErrorKind, e: &InputError) -> Report {
    match e {
        InputError::Empty { what } => {
            let r = Report::new(kind, e.to_string());
            if what.contains("secret") || what.contains("password") {
                r.hint("pipe the secret in, e.g. `printf %s \"$SECRET\" | entra-auth-cli config set-secret -p NAME`")
            } else {
                r
            }
        }
        InputError::Stdin { what, cause } => Report::new(
            kind,
            format!("cannot read the {what} from standard input"),
        )
        .cause(cause.clone()),
        InputError::NoTerminal { .. } => Report::new(kind, e.to_string())
            .hint("pipe it in with --passphrase-stdin, e.g. `printf %s \"$PASSPHRASE\" | entra-auth-cli config ... --passphrase-stdin`"),
        InputError::Terminal(cause) => {
            Report::new(kind, "cannot read from the terminal").cause(cause.to_string())
        }
        InputError::EmptyPassphrase => Report::new(kind, e.to_string()),
        InputError::ShortPassphrase { .. } => Report::new(kind, format!("{e}; nothing was exported"))
            .hint("anyone holding the file can try passphrases offline: use a long one, such as four random words or `openssl rand -base64 18`"),
        InputError::PassphraseMismatch => {
            Report::new(kind, "the two passphrases differ; nothing was exported")
        }
        InputError::File { source_name, cause } => {
            let r = Report::new(kind, format!("cannot read {source_name}")).cause(cause.clone());
            if source_name.ends_with("profiles.json") {
                r.hint("the .NET entra-auth-cli kept its profiles in ~/.config/entra-auth-cli/profiles.json (%APPDATA%\\entra-auth-cli\\profiles.json on Windows)")
            } else {
                r
            }
        }
        InputError::NoHome => Report::new(kind, "HOME is not set")
            .hint("give the file: --from-seed PATH/profiles.json"),
    }
}
