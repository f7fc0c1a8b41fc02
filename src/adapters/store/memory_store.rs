//! The `memory` store: tokens and secrets that live only as long as the process.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use secrecy::SecretString;

use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::token::Token;
use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};
use crate::ports::token_cache::{CacheError, TokenCache};

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// In-process token cache (the `memory` backend, and a fake for tests).
#[derive(Debug, Default)]
pub struct MemoryTokenCache {
    entries: Mutex<HashMap<CacheKey, Token>>,
    accounts: Mutex<HashMap<String, Account>>,
}

impl TokenCache for MemoryTokenCache {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Token>, CacheError> {
        Ok(locked(&self.entries).get(key).cloned())
    }

    fn store(&self, key: &CacheKey, token: &Token) -> Result<(), CacheError> {
        locked(&self.entries).insert(key.clone(), token.clone());
        Ok(())
    }

    fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        locked(&self.entries).remove(key);
        Ok(())
    }

    fn list(&self) -> Result<Vec<(CacheKey, Token)>, CacheError> {
        Ok(locked(&self.entries)
            .iter()
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect())
    }

    fn load_account(&self, identity: &str) -> Result<Option<Account>, CacheError> {
        Ok(locked(&self.accounts).get(identity).cloned())
    }

    fn store_account(&self, identity: &str, account: &Account) -> Result<(), CacheError> {
        locked(&self.accounts).insert(identity.to_owned(), account.clone());
        Ok(())
    }

    fn remove_account(&self, identity: &str) -> Result<(), CacheError> {
        locked(&self.accounts).remove(identity);
        Ok(())
    }

    fn list_accounts(&self) -> Result<Vec<(String, Account)>, CacheError> {
        Ok(locked(&self.accounts)
            .iter()
            .map(|(i, a)| (i.clone(), a.clone()))
            .collect())
    }
}

/// In-process secrets (the `memory` backend).
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    entries: Mutex<HashMap<(String, SecretKind), SecretString>>,
}

impl SecretStore for MemorySecretStore {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretStoreError> {
        Ok(locked(&self.entries)
            .get(&(profile.to_lowercase(), kind))
            .cloned())
    }

    fn set(
        &self,
        profile: &str,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<(), SecretStoreError> {
        locked(&self.entries).insert((profile.to_lowercase(), kind), secret.clone());
        Ok(())
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), SecretStoreError> {
        locked(&self.entries).remove(&(profile.to_lowercase(), kind));
        Ok(())
    }

    fn list(&self) -> Result<Vec<(String, SecretKind)>, SecretStoreError> {
        let mut names: Vec<_> = locked(&self.entries).keys().cloned().collect();
        names.sort();
        Ok(names)
    }
}
