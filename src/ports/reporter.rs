//! Where progress and warnings go (stderr in the real CLI, never stdout).

/// Receives human-readable notices for the user. Implementations decide whether to show them
/// (`--silent` hides everything but errors). Never pass a secret.
#[cfg_attr(test, mockall::automock)]
pub trait Reporter: Send + Sync {
    /// Something the user should know but that did not stop the command.
    fn warn(&self, message: &str);
    /// Progress during a wait (retries, long operations).
    fn progress(&self, message: &str);
}
