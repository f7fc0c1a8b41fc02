//! Bad input: flags, passphrases, paths.

use super::ErrorKind;
use crate::ports::terminal::TerminalError;

/// What the front-end reads for a use case: secrets and passphrases from a pipe or a prompt,
/// input files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("no {what} given: standard input was empty")]
    Empty { what: &'static str },
    #[error("cannot read the {what} from standard input: {cause}")]
    Stdin { what: &'static str, cause: String },
    #[error("no terminal to ask for the {what}")]
    NoTerminal { what: &'static str },
    #[error("cannot read from the terminal: {0}")]
    Terminal(TerminalError),
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("the two passphrases differ")]
    PassphraseMismatch,
    /// A new export's passphrase is shorter than `min` characters.
    #[error("the passphrase has {chars} characters; an export needs at least {min}")]
    ShortPassphrase { chars: usize, min: usize },
    #[error("cannot read {source_name}: {cause}")]
    File { source_name: String, cause: String },
    #[error("HOME is not set")]
    NoHome,
}

impl InputError {
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::Empty { .. }
            | Self::NoTerminal { .. }
            | Self::EmptyPassphrase
            | Self::PassphraseMismatch
            | Self::ShortPassphrase { .. } => ErrorKind::Usage,
            Self::NoHome => ErrorKind::Config,
            Self::Stdin { .. } | Self::Terminal(_) | Self::File { .. } => ErrorKind::Io,
        }
    }
}
