//! The CLI's error type, how it is shown (`error:` / `caused by:` / `hint:` on stderr), and the
//! ONE place where an error becomes an exit code.

use std::fmt::Write as _;

use crate::domain::exit_code::ExitCode;

/// What kind of failure happened; this alone decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or flag values.
    Usage,
    /// Bad or incomplete configuration (file, environment, profile fields, missing secret).
    Config,
    /// Local I/O: output file, cache directory.
    Io,
    /// The requested profile does not exist.
    ProfileNotFound,
    /// The IdP refused: bad credentials, unknown app, bad scope, consent, policy.
    Auth,
    /// The IdP could not be reached or kept failing (connect errors, 5xx, throttling).
    Network,
    /// `--timeout` elapsed.
    Timeout,
}

impl ErrorKind {
    /// The exit code table (SPEC.md "Exit codes").
    #[must_use]
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::Usage | Self::Config | Self::Io => ExitCode::General,
            Self::ProfileNotFound => ExitCode::ProfileNotFound,
            Self::Auth => ExitCode::AuthFailed,
            Self::Network => ExitCode::Network,
            Self::Timeout => ExitCode::Timeout,
        }
    }
}

/// An error for the user: a one-line message, the causes behind it, and what to do next.
/// Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    pub causes: Vec<String>,
    pub hints: Vec<String>,
    /// The IdP's AADSTS code, when it sent one (for retry decisions such as AADSTS700024).
    pub aadsts: Option<i64>,
}

impl AppError {
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hints: Vec::new(),
            aadsts: None,
        }
    }

    #[must_use]
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        self.kind.exit_code()
    }

    /// The stderr text: `error: ...`, then indented `caused by:` and `hint:` lines.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", self.message);
        for cause in &self.causes {
            let _ = writeln!(out, "  caused by: {cause}");
        }
        for hint in &self.hints {
            let _ = writeln!(out, "  hint: {hint}");
        }
        out
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

#[cfg(test)]
mod tests {
    use super::{AppError, ErrorKind};

    #[test]
    fn every_kind_maps_to_its_spec_code() {
        let table = [
            (ErrorKind::Usage, 1),
            (ErrorKind::Config, 1),
            (ErrorKind::Io, 1),
            (ErrorKind::ProfileNotFound, 2),
            (ErrorKind::Auth, 3),
            (ErrorKind::Network, 4),
            (ErrorKind::Timeout, 5),
        ];
        for (kind, code) in table {
            assert_eq!(kind.exit_code().code(), code, "{kind:?}");
        }
    }

    #[test]
    fn renders_error_causes_and_hints() {
        let e = AppError::new(ErrorKind::Auth, "authentication failed")
            .cause("AADSTS7000215: Invalid client secret provided.")
            .hint("use the secret's Value");
        assert_eq!(
            e.render(),
            "error: authentication failed\n  caused by: AADSTS7000215: Invalid client secret provided.\n  hint: use the secret's Value\n"
        );
    }
}
