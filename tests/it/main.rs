//! The one integration-test binary: the CLI end to end against the Entra emulator, and the emulator's own tests.

mod architecture;
#[path = "../emulator/mod.rs"]
mod emulator;
mod emulator_selftest;
mod get_token_errors;
mod get_token_flow;
mod help;
mod secret_service;
mod storage;
mod support;
