//! The credential endpoint (a front-end, like `cli`): a loopback HTTP server that gives tokens of
//! one profile through the managed-identity protocols every Azure SDK speaks: App Service
//! 2019-08-01 (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) and an IMDS-shaped alias behind a random
//! path segment (terraform's `ARM_MSI_ENDPOINT`). It runs the two commands that use it: `exec`
//! (one child) and `serve` (a long-running sidecar); the CLI parses their flags into
//! [`EndpointCommand`] values and `main.rs` hands them here. It parses requests ([`request`]),
//! asks the `endpoint_tokens` use case, and renders ([`reply`]).

pub mod cached_reply;
pub mod connections;
pub mod exec;
pub mod http;
pub mod reply;
pub mod request;
pub mod serve;
pub mod server;

use crate::app::composition::Services;
use crate::app::usecases::endpoint::EndpointCommand;
use crate::app::usecases::error::Error;

/// True when this process was started by `exec` to become its command (see [`launch_child`]).
#[must_use]
pub fn is_child_launcher(argv0: &std::ffi::OsStr) -> bool {
    crate::app::composition::is_child_launcher(argv0)
}

/// `exec`'s child, first as this binary: it asks to get SIGTERM when `exec` dies, then becomes
/// the command (the exit code only when that fails).
#[must_use]
pub fn launch_child(args: Vec<std::ffi::OsString>) -> std::process::ExitCode {
    std::process::ExitCode::from(crate::app::composition::launch_child(args))
}

/// Runs `exec` or `serve` and returns the exit code. `describe` words a use-case failure in one
/// line for a client (the CLI's wording; never a secret).
///
/// # Errors
/// Whatever stops the command before it can give an exit code of its own; the caller renders it.
pub fn run(
    command: EndpointCommand,
    services: &Services,
    describe: &dyn Fn(&Error) -> String,
) -> Result<u8, Error> {
    match command {
        EndpointCommand::Exec(request) => exec::run(&request, services, describe),
        EndpointCommand::Serve(request) => serve::run(&request, services, describe),
    }
}
