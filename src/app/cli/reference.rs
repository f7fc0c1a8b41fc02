//! The CLI reference (`docs/cli-reference.md`): every command's long `--help`, generated from
//! the clap definition so it cannot drift from the binary; `tests/it/cli_reference.rs` fails
//! when the committed file differs (regenerate with
//! `UPDATE_CLI_REFERENCE=1 cargo test --test it cli_reference`).

use std::fmt::Write as _;

use clap::CommandFactory;

use super::Cli;
use crate::domain::env_vars::ENV_VARS;
use crate::domain::profile::{FIELDS, entra_env_name};

/// The width the help text is wrapped at (fixed, so the page does not depend on a terminal).
pub const WIDTH: usize = 100;

/// The markdown page: a list of commands, then one section per command with its `--help`.
#[must_use]
pub fn cli_reference() -> String {
    let mut root = hide_env_values(Cli::command()).term_width(WIDTH);
    root.build();
    let mut sections = Vec::new();
    collect(&mut root, &mut sections);
    let mut out = String::from(
        "# CLI reference\n\n\
         <!-- Generated from the clap definitions by `UPDATE_CLI_REFERENCE=1 cargo test --test it cli_reference`; do not edit. -->\n\n\
         Every command's `--help`. Exit codes and environment variables are described under\n\
         [`entra-auth-cli`](#entra-auth-cli).\n\n",
    );
    for (name, _) in &sections {
        let _ = writeln!(out, "- [`{name}`](#{})", anchor(name));
    }
    for (name, help) in &sections {
        let _ = write!(out, "\n## {name}\n\n```text\n{help}\n```\n");
    }
    out
}

/// The README's environment section (between its `environment` markers): every variable of the
/// registry (`domain::env_vars::ENV_VARS`), then every profile field with the variables that
/// set it (`domain::profile::FIELDS`). `tests/it/cli_reference.rs` checks the README against it.
#[must_use]
pub fn environment_reference() -> String {
    let mut out = String::from("| variable | what it does |\n|---|---|\n");
    for var in ENV_VARS {
        let _ = writeln!(out, "| `{}` | {} |", var.name, var.about);
    }
    out.push_str(
        "\nEvery profile field is also set by `ENTRA_AUTH_<FIELD>` (and some by an Azure SDK \
         variable) for the selected profile, over `config.toml` (`AZURE_*` first, then \
         `ENTRA_AUTH_*`, then flags; an Azure SDK variable sets a named profile's field only \
         when its table leaves the field out):\n\n\
         | `config.toml` key | variable | Azure SDK variable | what it is |\n|---|---|---|---|\n",
    );
    for field in FIELDS {
        let azure = field
            .azure_env
            .map_or_else(String::new, |var| format!("`{var}`"));
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {azure} | {} |",
            field.name,
            entra_env_name(field.name),
            field.about
        );
    }
    out
}

/// Depth-first: the command, then its visible subcommands, each with its full name.
fn collect(command: &mut clap::Command, sections: &mut Vec<(String, String)>) {
    let name = command
        .get_bin_name()
        .unwrap_or_else(|| command.get_name())
        .to_owned();
    let text = command.render_long_help().to_string();
    let text: Vec<&str> = text.lines().map(str::trim_end).collect();
    sections.push((name, text.join("\n").trim_end().to_owned()));
    for sub in command.get_subcommands_mut() {
        // `help` is clap's own (`entra-auth-cli help get-token`): it prints the pages below.
        if !sub.is_hide_set() && sub.get_name() != "help" {
            collect(sub, sections);
        }
    }
}

/// Never shows the generating user's environment values (e.g. `ENTRA_AUTH_PROFILE=prod`).
fn hide_env_values(command: clap::Command) -> clap::Command {
    command
        .mut_args(|arg| arg.hide_env_values(true))
        .mut_subcommands(hide_env_values)
}

/// GitHub's heading anchor for a command name: lowercase, spaces to `-`.
fn anchor(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::WIDTH;

    /// Every command of the tree, depth-first.
    fn collect_all(command: &clap::Command, all: &mut Vec<clap::Command>) {
        all.push(command.clone());
        for sub in command.get_subcommands() {
            collect_all(sub, all);
        }
    }

    /// Every line of every command's after-help (examples, notes) fits in the help width, so
    /// clap never wraps it: a wrapped example leaves a `\` alone on a line and cannot be pasted.
    #[test]
    fn after_help_lines_are_never_wrapped() {
        let mut root = super::super::Cli::command().term_width(WIDTH);
        root.build();
        let mut commands = Vec::new();
        collect_all(&root, &mut commands);
        for command in commands {
            let Some(after) = command.get_after_long_help().or(command.get_after_help()) else {
                continue;
            };
            let rendered = command
                .clone()
                .term_width(WIDTH)
                .render_long_help()
                .to_string();
            let rendered: Vec<&str> = rendered.lines().map(str::trim_end).collect();
            for line in after.to_string().lines().map(str::trim_end) {
                assert!(
                    rendered.contains(&line),
                    "`{}` help wraps this line (more than {WIDTH} columns): {line:?}",
                    command.get_name()
                );
            }
        }
    }
}
