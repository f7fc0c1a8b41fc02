//! The use cases: what the tool does, written against `domain` and `ports` only (no adapter,
//! clap, reqwest, figment, toml_edit, file system or terminal access; `tests/it/architecture.rs`
//! enforces it). Front-ends (`crate::app::cli`) call them with typed requests and render the typed
//! outcome or [`error::Error`]; `crate::app::composition` plugs the adapters in.

pub mod az_cli;
pub mod discover;
pub mod endpoint;
pub mod error;
pub mod http_retry;
pub mod profiles;
pub mod registry;
pub mod status;
#[cfg(test)]
mod test_support;
pub mod token;
