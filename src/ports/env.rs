//! A read-only view of the process environment, so profile resolution can be tested without
//! touching the real environment.

use std::collections::HashMap;

/// Environment variable lookup. Error contract: none; a variable that is unset or not valid
/// UTF-8 is `None`.
pub trait Env: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;

    /// The value when set and not blank.
    fn non_empty(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.trim().is_empty())
    }
}

/// A fixed set of variables: the in-memory `Env` (tests, and callers that want a snapshot).
#[derive(Debug, Default, Clone)]
pub struct MapEnv(pub HashMap<String, String>);

impl MapEnv {
    /// Builds the map from `(name, value)` pairs.
    #[must_use]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }
}

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}
