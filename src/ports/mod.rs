//! The traits the use cases need from the world. Adapters implement them; the app wires them.

pub mod assertion;
pub mod browser;
pub mod clock;
pub mod env;
pub mod idp;
pub mod lock;
pub mod prompt;
pub mod redirect_listener;
pub mod reporter;
pub mod secret_store;
pub mod token_cache;
