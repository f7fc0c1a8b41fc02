//! Notices on stderr, one line each, prefixed so they are easy to tell from output, and made
//! [`printable`] (a notice may quote a server or a transport error).

use std::io::Write;

use crate::domain::text::printable;
use crate::ports::reporter::Reporter;

/// Writes `warning: ...` and progress lines to stderr unless silenced.
#[derive(Debug, Clone, Copy)]
pub struct StderrReporter {
    silent: bool,
}

impl StderrReporter {
    #[must_use]
    pub fn new(silent: bool) -> Self {
        Self { silent }
    }

    fn line(&self, text: &str) {
        if !self.silent {
            // A closed stderr must not turn a notice into a failure.
            let _ = writeln!(std::io::stderr().lock(), "{}", printable(text));
        }
    }
}

impl Reporter for StderrReporter {
    fn warn(&self, message: &str) {
        self.line(&format!("warning: {message}"));
    }

    fn progress(&self, message: &str) {
        self.line(message);
    }
}
