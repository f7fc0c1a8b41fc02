//! The [`Terminal`] of this build: questions on the controlling terminal (no-echo for secrets)
//! only when a person can answer, and instructions on stderr (made [`printable`]: they hold the
//! identity provider's text, such as the device-code `message`).

use std::io::{BufRead, IsTerminal, Write};

use secrecy::SecretString;

use crate::domain::text::printable;
use crate::ports::terminal::{Terminal, TerminalError};

/// Prompts through stdin/stderr when both are terminals and prompting is allowed.
#[derive(Debug, Clone, Copy)]
pub struct TtyTerminal {
    attended: bool,
    can_prompt: bool,
}

impl TtyTerminal {
    /// `allowed` is false in non-interactive mode (`ENTRA_AUTH_NONINTERACTIVE`).
    #[must_use]
    pub fn new(allowed: bool) -> Self {
        let stdin = std::io::stdin().is_terminal();
        let stderr = std::io::stderr().is_terminal();
        Self {
            attended: stdin || stderr,
            can_prompt: allowed && stdin && stderr,
        }
    }
}

impl Terminal for TtyTerminal {
    fn attended(&self) -> bool {
        self.attended
    }

    fn can_prompt(&self) -> bool {
        self.can_prompt
    }

    fn ask(&self, question: &str, default: Option<&str>) -> Result<Option<String>, TerminalError> {
        if !self.can_prompt {
            return Ok(None);
        }
        let mut stderr = std::io::stderr().lock();
        let shown = default.map_or_else(String::new, |d| format!(" [{d}]"));
        let _ = write!(stderr, "{question}{shown}: ");
        let _ = stderr.flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| TerminalError(e.to_string()))?;
        let line = line.trim();
        Ok(if line.is_empty() {
            default.map(str::to_owned)
        } else {
            Some(line.to_owned())
        })
    }

    fn secret(&self, question: &str) -> Result<Option<SecretString>, TerminalError> {
        if !self.can_prompt {
            return Ok(None);
        }
        rpassword::prompt_password(question)
            .map(|answer| Some(SecretString::from(answer)))
            .map_err(|e| TerminalError(e.to_string()))
    }

    fn instruct(&self, text: &str) {
        // A closed stderr must not turn instructions into a failure.
        let _ = writeln!(std::io::stderr().lock(), "{}", printable(text));
    }
}
