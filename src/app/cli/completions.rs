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
    clap_complete::generate(args.shell, &mut command, BIN_NAME, &mut script);
    let script = String::from_utf8_lossy(&script);
    let script = match args.shell {
        Shell::Bash => bash_with_consistent_names(&script),
        _ => script.into_owned(),
    };
    emit(&script, None, services)
}

const BIN_NAME: &str = "entra-auth-cli";

/// clap_complete's bash script names a command's state two ways when the binary's name has a
/// `-`: the word loop sets `cmd="entra__auth__cli__subcmd__get__subcmd__token"` while the case
/// label reads `entra__subcmd__auth__subcmd__cli__subcmd__get__subcmd__token)`, so nothing past
/// the first word completes. The labels are rewritten to the loop's spelling of the root.
fn bash_with_consistent_names(script: &str) -> String {
    let loop_root = BIN_NAME.replace('-', "__");
    let label_root = BIN_NAME.replace('-', "__subcmd__");
    script.replace(
        &format!("{label_root}__subcmd__"),
        &format!("{loop_root}__subcmd__"),
    )
}

#[cfg(test)]
mod tests {
    use super::bash_with_consistent_names;

    #[test]
    fn labels_take_the_word_loops_root() {
        let fixed = bash_with_consistent_names(
            "cmd=\"entra__auth__cli__subcmd__get__subcmd__token\"\n        entra__subcmd__auth__subcmd__cli__subcmd__get__subcmd__token)\n        entra__auth__cli)",
        );
        assert_eq!(
            fixed,
            "cmd=\"entra__auth__cli__subcmd__get__subcmd__token\"\n        entra__auth__cli__subcmd__get__subcmd__token)\n        entra__auth__cli)"
        );
    }
}
