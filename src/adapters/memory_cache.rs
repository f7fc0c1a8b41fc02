//! A token cache that lives only as long as the process: nothing is persisted.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::cache_key::CacheKey;
use crate::domain::token::Token;
use crate::ports::token_cache::{CacheError, TokenCache};

/// In-process cache (the `memory` backend, and a fake for tests).
#[derive(Debug, Default)]
pub struct MemoryTokenCache {
    entries: Mutex<HashMap<CacheKey, Token>>,
}

impl MemoryTokenCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, Token>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TokenCache for MemoryTokenCache {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Token>, CacheError> {
        Ok(self.entries().get(key).cloned())
    }

    fn store(&self, key: &CacheKey, token: &Token) -> Result<(), CacheError> {
        self.entries().insert(key.clone(), token.clone());
        Ok(())
    }

    fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        self.entries().remove(key);
        Ok(())
    }
}
