//! The real process environment, and a fixed map for tests.

use crate::ports::env::Env;

/// Reads `std::env` on every lookup.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}
