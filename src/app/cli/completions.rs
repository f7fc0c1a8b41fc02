//! `completions SHELL`: the shell completion script (clap_complete) on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use super::report::Report;
use crate::app::cli::emit::emit;

const EXAMPLES: &str = "\
Examples:
  # bash: this shell only, or for every new shell
  source <(entra-auth-cli completions bash)
  entra-auth-cli completions bash > ~/.local/share/bash-completion/completions/entra-auth-cli

  # zsh: into a directory of $fpath (before compinit runs)
  entra-auth-cli completions zsh > \"${fpath[1]}/_entra-auth-cli\"

  # fish
  entra-auth-cli completions fish > ~/.config/fish/completions/entra-auth-cli.fish

  # PowerShell: add this line to $PROFILE
  entra-auth-cli completions powershell | Out-String | Invoke-Expression

  # elvish: add this line to ~/.config/elvish/rc.elv
  eval (entra-auth-cli completions elvish | slurp)";

/// Print a shell completion script for bash, zsh, fish, PowerShell or elvish.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Runs `completions`.
///
/// # Errors
/// Standard output cannot be written.
pub fn run(
    args: &CompletionsArgs,
    services: &crate::app::composition::Services,
) -> Result<(), Report> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "entra-auth-cli", &mut script);
    emit(&String::from_utf8_lossy(&script), None, services)
}
