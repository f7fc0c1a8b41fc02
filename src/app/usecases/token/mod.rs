//! The token path: resolve the request, read the cache under the per-identity lock, pick the
//! credential or the user flow, call the identity provider.

pub mod acquire;
pub mod cache_and_lock;
pub mod credentials;
pub mod endpoint_tokens;
pub mod federated;
pub mod git_credential;
pub mod idp_call;
pub mod managed_identity;
pub mod user_flows;
pub mod user_token;
