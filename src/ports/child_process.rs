//! Running another program as a child (`exec`): its command line, what changes in its
//! environment, and how it ended.

use std::ffi::OsString;
use std::path::PathBuf;

use async_trait::async_trait;

/// The program to run and its environment: the parent's, minus `remove`, plus `set`, with
/// `path_prefix` (when given) first on `PATH`.
#[derive(Debug, Clone, Default)]
pub struct ChildCommand {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub remove: Vec<String>,
    pub set: Vec<(String, String)>,
    pub path_prefix: Option<PathBuf>,
}

/// How the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildExit {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it (Unix).
    Signal(i32),
}

impl ChildExit {
    /// The exit code a shell would report: the code itself, or 128 + the signal.
    #[must_use]
    pub fn shell_code(self) -> u8 {
        let code = match self {
            Self::Code(code) => code,
            Self::Signal(signal) => signal.saturating_add(128),
        };
        u8::try_from(code & 0xff).unwrap_or(1)
    }
}

/// The child could not be started (or waited for).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot run `{program}`: {reason}")]
pub struct SpawnError {
    pub program: String,
    pub reason: String,
    /// The program was not found (a shell would exit 127).
    pub not_found: bool,
}

/// Starts programs. Error contract: `SpawnError` when the program cannot be started; once it
/// runs, its end (whatever the code) is a [`ChildExit`].
#[async_trait(?Send)]
pub trait ChildRunner {
    /// Runs `command` to its end. While it runs, the interrupt, terminate, hang-up and quit
    /// signals this process receives are passed on to the child (and do not end this process).
    /// When it has ended, whatever it left running (its process group, orphaned descendants)
    /// is ended too before this returns; where the system allows, the child gets SIGTERM if this
    /// process dies first.
    async fn run(&self, command: &ChildCommand) -> Result<ChildExit, SpawnError>;
}

#[cfg(test)]
mod tests {
    use super::ChildExit;

    #[test]
    fn shell_codes_follow_the_shell() {
        assert_eq!(ChildExit::Code(0).shell_code(), 0);
        assert_eq!(ChildExit::Code(42).shell_code(), 42);
        assert_eq!(ChildExit::Code(256 + 3).shell_code(), 3);
        assert_eq!(ChildExit::Signal(15).shell_code(), 143);
        assert_eq!(ChildExit::Signal(i32::MAX).shell_code(), 255);
    }
}
