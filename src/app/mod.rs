//! Use cases written against ports, the clap command definitions, and the wiring that picks
//! adapters and turns errors into exit codes.

pub mod cli;
pub mod context;
pub mod credentials;
pub mod discover;
pub mod emit;
pub mod env_vars;
pub mod error;
pub mod get_token;
pub mod idp_call;
pub mod managed_identity;
pub mod paths;
pub mod profile_resolution;
pub mod run;
pub mod status;
pub mod storage;
pub mod user_flows;
pub mod user_token;
