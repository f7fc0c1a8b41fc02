//! The traits the use cases need from the world. Adapters implement them; the composition root
//! plugs them in.

pub mod assertion;
pub mod browser;
pub mod child_process;
pub mod clock;
pub mod credential_endpoint;
pub mod credential_loader;
pub mod docker_config;
pub mod env;
pub mod idp;
pub mod local_peers;
pub mod lock;
pub mod profile_archive;
pub mod profile_repository;
pub mod random;
pub mod redirect_listener;
pub mod reporter;
pub mod secret_store;
pub mod store;
pub mod terminal;
pub mod token_cache;
