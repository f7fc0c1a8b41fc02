//! No-echo prompts on the controlling terminal, only when a person can answer.

use std::io::IsTerminal;

use secrecy::SecretString;

use crate::ports::prompt::Prompt;

/// Prompts through the terminal when `interactive`; otherwise answers "nobody to ask".
#[derive(Debug, Clone, Copy)]
pub struct TtyPrompt {
    interactive: bool,
}

impl TtyPrompt {
    /// Interactive when both stdin and stderr are terminals and the caller allows it.
    #[must_use]
    pub fn new(allowed: bool) -> Self {
        Self {
            interactive: allowed
                && std::io::stdin().is_terminal()
                && std::io::stderr().is_terminal(),
        }
    }
}

impl Prompt for TtyPrompt {
    fn secret(&self, question: &str) -> Result<Option<SecretString>, String> {
        if !self.interactive {
            return Ok(None);
        }
        rpassword::prompt_password(question)
            .map(|answer| Some(SecretString::from(answer)))
            .map_err(|e| e.to_string())
    }
}
