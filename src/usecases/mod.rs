//! The use cases: what the tool does, written against `domain` and `ports` only. Front-ends
//! (`crate::cli`) call them with typed requests; `crate::composition` plugs the adapters in.

pub mod credentials;
pub mod discover;
pub mod error;
pub mod get_token;
pub mod idp_call;
pub mod managed_identity;
pub mod profile_resolution;
pub mod status;
pub mod user_flows;
pub mod user_token;
