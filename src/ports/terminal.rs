//! The person at the terminal: whether one is there, questions (never asked in non-interactive
//! mode), and instructions they must see (sign-in URL, device code) even with `--silent`.

use secrecy::SecretString;

/// A terminal read or write failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TerminalError(pub String);

/// Talks to the person. Error contract: `Ok(None)` when nobody can be asked (no terminal,
/// non-interactive mode); `Err` only for terminal I/O failures.
#[cfg_attr(test, mockall::automock)]
pub trait Terminal: Send + Sync {
    /// True when someone may be watching: standard input or standard error is a terminal.
    fn attended(&self) -> bool;
    /// True when questions can be asked: both are terminals and non-interactive mode is off.
    fn can_prompt(&self) -> bool;
    /// Asks for a line; an empty answer keeps `default`.
    #[allow(clippy::needless_lifetimes)] // mockall needs the lifetime named
    fn ask<'a>(
        &self,
        question: &str,
        default: Option<&'a str>,
    ) -> Result<Option<String>, TerminalError>;
    /// Asks for a secret without echo.
    fn secret(&self, question: &str) -> Result<Option<SecretString>, TerminalError>;
    /// Shows instructions a person must act on (always shown, even with `--silent`).
    fn instruct(&self, text: &str);
}
