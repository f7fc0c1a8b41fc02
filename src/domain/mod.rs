//! Pure types and rules of the product: profiles, scopes (and resource ⇄ scope), tokens, flows,
//! authorities, cache keys, expiry policy, the IdP's error shape, exit codes, and the wire
//! formats of the tools we serve (`az_cli`, `git_credential`, `kubectl`, `docker_credential`). No I/O lives here.

pub mod account;
pub mod authority;
pub mod az_cli;
pub mod cache_key;
pub mod ci;
pub mod claims;
pub mod constant_time;
pub mod container_registry;
pub mod credential;
pub mod device_code;
pub mod docker_credential;
pub mod duration;
pub mod env_vars;
pub mod exit_code;
pub mod flow;
pub mod git_credential;
pub mod graph_filter;
pub mod jwt;
pub mod kubectl;
pub mod oauth_error;
pub mod pkce;
pub mod profile;
pub mod profile_field;
pub mod profile_rules;
pub mod scopes;
pub mod secret_binding;
pub mod text;
pub mod token;
pub mod token_response;
