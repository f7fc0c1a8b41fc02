//! The process entry: parse arguments, build the adapters once (the composition root), set up
//! logging, dispatch the command, print the error and pick the exit code. Clap's own usage
//! errors exit 1 (2 means "profile not found" here).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use super::report::Report;
use super::{Cli, Command};
use crate::app::composition::Services;
use crate::app::usecases::endpoint::EndpointCommand;
use crate::app::usecases::error::Error;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;

/// The credential endpoint front-end, as `main.rs` hands it over: it runs `exec` and `serve`
/// (parsed here into plain requests) with this process's services, and `describe` words a
/// failure for its clients. Its errors are rendered here like every command's.
pub type EndpointFrontEnd =
    fn(EndpointCommand, &Services, &dyn Fn(&Error) -> String) -> Result<u8, Error>;

/// Runs the CLI and returns the process exit code; `exec` and `serve` run in `endpoint`.
#[must_use]
pub fn main(endpoint: EndpointFrontEnd) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let services = Services::new(cli.command.silent());
    init_logging(cli.verbose, &services.env);
    let result = match &cli.command {
        Command::Exec(args) => match args.request() {
            Ok(request) => match endpoint(EndpointCommand::Exec(request), &services, &describe) {
                Ok(code) => return ExitCode::from(code),
                Err(error) => Err(Report::from(error)),
            },
            Err(report) => Err(report),
        },
        Command::Serve(args) => {
            let request = EndpointCommand::Serve(args.request(cli.verbose > 0));
            match endpoint(request, &services, &describe) {
                Ok(code) => return ExitCode::from(code),
                Err(error) => Err(Report::from(error)),
            }
        }
        Command::GetToken(args) => super::get_token::run(args, &services),
        Command::Refresh(args) => super::refresh::run(args, &services),
        Command::Inspect(args) => super::inspect::run(args, &services),
        Command::Status(args) => super::status::run(args, &services),
        Command::Logout(args) => super::logout::run(args, &services),
        Command::Config(args) => super::config::run(args, &services),
        Command::Discover(args) => super::discover::run(args, &services),
        Command::GitCredential(args) => super::git_credential::run(args, &services),
        Command::DockerCredential(args) => super::docker_credential::run(args),
        Command::Completions(args) => super::completions::run(args, &services),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = std::io::stderr()
                .lock()
                .write_all(error.render().as_bytes());
            ExitCode::from(error.exit_code().code())
        }
    }
}

/// A failure in one line, for a client of the credential endpoint.
fn describe(error: &Error) -> String {
    Report::from(error.clone()).one_line()
}

fn init_logging(verbose: u8, env: &dyn Env) {
    let default = match verbose {
        0 => None,
        1 => Some("entra_auth_cli=debug"),
        _ => Some("entra_auth_cli=trace"),
    };
    // `Targets` takes the usual `level` / `target=level,...` directives without pulling a regex
    // engine into the binary (EnvFilter's span and field filters are not offered).
    let asked = env
        .non_empty(EnvVars::ENTRA_AUTH_LOG)
        .and_then(|text| match text.parse::<Targets>() {
            Ok(filter) => Some(filter),
            Err(error) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "warning: ignoring ENTRA_AUTH_LOG, not a log filter such as `debug` or `entra_auth_cli=trace` ({error})"
                );
                None
            }
        });
    let Some(filter) = asked.or_else(|| default.and_then(|d| d.parse().ok())) else {
        return;
    };
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .without_time(),
        )
        .with(filter)
        .try_init();
}
