//! The `entra-auth-cli` binary: picks the front-end by the name it was started as (`az`: the az
//! shim that `exec --az-shim` puts on its child's PATH; anything else: the CLI).

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .first()
        .is_some_and(|argv0| entra_auth_cli::app::az_shim::is_shim(argv0))
    {
        return entra_auth_cli::app::az_shim::main(args);
    }
    entra_auth_cli::app::cli::run::main()
}
