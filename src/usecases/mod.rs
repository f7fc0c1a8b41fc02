//! The use cases: what the tool does, written against `domain` and `ports` only (no adapter,
//! clap, reqwest, figment, toml_edit, file system or terminal access; `tests/it/architecture.rs`
//! enforces it). Front-ends (`crate::cli`) call them with typed requests and render the typed
//! outcome or [`error::Error`]; `crate::composition` plugs the adapters in.

pub mod cache_and_lock;
pub mod credentials;
pub mod discover;
pub mod endpoint_tokens;
pub mod error;
pub mod get_token;
pub mod http_retry;
pub mod idp_call;
pub mod managed_identity;
pub mod profile_resolution;
pub mod profiles;
pub mod status;
#[cfg(test)]
mod test_support;
pub mod transfer;
pub mod user_flows;
pub mod user_token;
