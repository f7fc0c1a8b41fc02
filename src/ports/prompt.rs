//! Questions to the person at the terminal. Never asked in non-interactive mode.

use secrecy::SecretString;

/// Asks for a secret without echo. Error contract: `Ok(None)` when nobody can be asked
/// (no terminal, non-interactive mode); `Err` for terminal I/O failures.
#[cfg_attr(test, mockall::automock)]
pub trait Prompt: Send + Sync {
    fn secret(&self, question: &str) -> Result<Option<SecretString>, String>;
}
