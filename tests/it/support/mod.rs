//! Helpers of the integration tests, one concern per module; everything a test needs is
//! re-exported here, so `crate::support::NAME` works whichever file holds it.

pub mod az_shim;
pub mod certs;
pub mod env;
pub mod exec_probe;
pub mod https_server;
pub mod oidc_peer;
pub mod output;
pub mod ports;
pub mod secret_service;
pub mod snapshot;
pub mod tls;
pub mod user_flows;

pub use env::{CACHE_KEY, TestEnv};
pub use exec_probe::exec_probe;
pub use output::{code, json, pipe_stdin, stderr, stderr_until, stdout};
pub use ports::free_port;
pub use snapshot::filters;
pub use tls::tls_server_config;
