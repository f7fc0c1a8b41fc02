//! The process exit codes users and scripts rely on (SPEC.md "Exit codes").

/// Every exit code the CLI can return. The numbers are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: the requested output was produced.
    Success,
    /// 1: bad arguments, bad configuration, I/O problems.
    General,
    /// 2: the profile asked for does not exist.
    ProfileNotFound,
    /// 3: the identity provider said no.
    AuthFailed,
    /// 4: the identity provider could not be reached, or kept failing.
    Network,
    /// 5: the operation did not finish within `--timeout`.
    Timeout,
}

impl ExitCode {
    /// The numeric process exit status.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::General => 1,
            Self::ProfileNotFound => 2,
            Self::AuthFailed => 3,
            Self::Network => 4,
            Self::Timeout => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode;

    #[test]
    fn codes_match_the_spec_table() {
        let table = [
            (ExitCode::Success, 0),
            (ExitCode::General, 1),
            (ExitCode::ProfileNotFound, 2),
            (ExitCode::AuthFailed, 3),
            (ExitCode::Network, 4),
            (ExitCode::Timeout, 5),
        ];
        for (code, number) in table {
            assert_eq!(code.code(), number, "{code:?}");
        }
    }
}
