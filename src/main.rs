//! The `entra-auth-cli` binary: picks the front-end by the name it was started as (`az`: the az
//! shim that `exec --az-shim` puts on its child's PATH; `docker-credential-entra-auth-cli`, or
//! the `docker-credential` subcommand: the docker credential helper; exec's child launcher: the
//! credential endpoint's; anything else: the CLI, which hands the `exec` and `serve` commands it
//! parsed to the credential endpoint front-end).

use entra_auth_cli::app::{az_shim, cli, credential_endpoint, docker_credential};

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.first().is_some_and(|argv0| az_shim::is_shim(argv0)) {
        return az_shim::main(args);
    }
    if args
        .first()
        .is_some_and(|argv0| credential_endpoint::is_child_launcher(argv0))
    {
        return credential_endpoint::launch_child(args);
    }
    if let Some(helper) = docker_credential::invocation(&args) {
        return docker_credential::main(helper);
    }
    cli::run::main(credential_endpoint::run)
}
