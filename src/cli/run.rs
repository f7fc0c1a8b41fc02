//! The process entry: parse arguments, build the adapters once (the composition root), set up
//! logging, dispatch the command, print the error and pick the exit code. Clap's own usage
//! errors exit 1 (2 means "profile not found" here).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use super::{Cli, Command};
use crate::composition::Services;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;

/// Runs the CLI and returns the process exit code.
#[must_use]
pub fn main() -> ExitCode {
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
        Command::Exec(args) => match super::exec::run(args, &services) {
            Ok(code) => return ExitCode::from(code),
            Err(report) => Err(report),
        },
        Command::GetToken(args) => super::get_token::run(args, &services),
        Command::Refresh(args) => super::refresh::run(args, &services),
        Command::Inspect(args) => super::inspect::run(args, &services),
        Command::Status(args) => super::status::run(args, &services),
        Command::Logout(args) => super::logout::run(args, &services),
        Command::Config(args) => super::config::run(args, &services),
        Command::Discover(args) => super::discover::run(args, &services),
        Command::GitCredential(args) => super::git_credential::run(args, &services),
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

fn init_logging(verbose: u8, env: &dyn Env) {
    let filter = match (verbose, env.non_empty(EnvVars::ENTRA_AUTH_LOG)) {
        (0, None) => return,
        (_, Some(filter)) => filter,
        (1, None) => "entra_auth_cli=debug".to_owned(),
        (_, None) => "entra_auth_cli=trace".to_owned(),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
