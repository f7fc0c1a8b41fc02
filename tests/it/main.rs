//! The one integration-test binary: the CLI end to end against the Entra emulator, and the emulator's own tests.

mod architecture;
mod az_shim;
mod certs;
mod claims;
mod cli_reference;
mod config_commands;
mod credentials;
mod discover;
mod empty_root;
#[path = "../emulator/mod.rs"]
mod emulator;
mod emulator_selftest;
mod endpoint_hardening;
mod exec;
mod exec_sdk;
mod export_import;
mod first_hour;
mod get_token_errors;
mod get_token_flow;
mod git_credential;
mod help;
mod hostile_servers;
mod https_server;
mod inspect;
#[cfg(target_os = "linux")]
mod keyring_fast_tier;
mod kubectl;
mod oidc_peer;
mod peer_smoke;
mod secret_service;
mod serve;
mod storage;
mod support;
mod user_flows;
mod user_flows_peer;
