//! The `entra-auth-cli` binary: everything happens in [`entra_auth_cli::cli::run::main`].

fn main() -> std::process::ExitCode {
    entra_auth_cli::cli::run::main()
}
