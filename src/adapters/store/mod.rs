//! Token caches and secret stores (ports `token_cache`, `secret_store`, `store`, `lock`): the encrypted file store, the OS keyring with its kernel fast tier, memory, and the per-identity file locks.

pub mod file_lock;
pub mod file_secret_store;
pub mod file_token_cache;
pub mod kernel_keyring;
pub mod keyring_store;
pub mod locked_file_secrets;
pub mod memory_store;
pub mod sealed_file;
pub mod token_record;
