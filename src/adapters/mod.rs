//! Real implementations of the ports, one module each, plus the file formats they use.

pub mod atomic_file;
pub mod browser_opener;
pub mod certificate;
pub mod client_assertion;
pub mod config_file;
pub mod config_repository;
pub mod config_writer;
pub mod credential_files;
pub mod federated_token;
pub mod file_cache;
pub mod file_lock;
pub mod file_secret_store;
pub mod http_transport;
pub mod keyring_store;
pub mod locked_file_store;
pub mod loopback_listener;
pub mod memory_cache;
pub mod process_env;
pub mod profile_export;
pub mod random;
pub mod sealed_file;
pub mod seed_import;
pub mod stderr_reporter;
pub mod system_clock;
pub mod terminal;
pub mod token_record;
