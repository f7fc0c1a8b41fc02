//! The `entra-auth-cli` binary: picks the front-end by the name it was started as (`az`: the az
//! shim that `exec --az-shim` puts on its child's PATH; `docker-credential-entra-auth-cli`, or
//! the `docker-credential` subcommand: the docker credential helper; anything else: the CLI).

fn main() -> std::process::ExitCode {
    use entra_auth_cli::app::{az_shim, cli, docker_credential};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.first().is_some_and(|argv0| az_shim::is_shim(argv0)) {
        return az_shim::main(args);
    }
    if let Some(helper) = docker_credential::invocation(&args) {
        return docker_credential::main(helper);
    }
    cli::run::main()
}
