//! A read-only view of the process environment, so profile resolution can be tested without
//! touching the real environment.

/// Environment variable lookup. Error contract: none; a variable that is unset or not valid
/// UTF-8 is `None`.
pub trait Env: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;

    /// The value when set and not blank.
    fn non_empty(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.trim().is_empty())
    }
}
