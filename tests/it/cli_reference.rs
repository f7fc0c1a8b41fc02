//! `docs/cli-reference.md` is generated from the clap definitions (`cli::cli_reference`):
//! a CLI change without the regenerated page fails here. To update it:
//! `UPDATE_CLI_REFERENCE=1 cargo test --test it cli_reference`.

use std::path::Path;

const UPDATE: &str = "UPDATE_CLI_REFERENCE=1 cargo test --test it cli_reference";

#[test]
fn cli_reference_matches_the_cli() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli-reference.md");
    let generated = entra_auth_cli::app::cli::cli_reference();
    if std::env::var_os("UPDATE_CLI_REFERENCE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    let (line, ours, theirs) = committed
        .lines()
        .map(Some)
        .chain(std::iter::repeat(None))
        .zip(generated.lines().map(Some).chain(std::iter::repeat(None)))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map_or((0, None, None), |(i, (a, b))| (i + 1, a, b));
    panic!(
        "{} is out of date with the CLI (first difference at line {line}):\n  committed: {:?}\n  generated: {:?}\nregenerate it with `{UPDATE}` and commit it",
        path.display(),
        ours.unwrap_or("(end of file)"),
        theirs.unwrap_or("(end of file)"),
    );
}

#[test]
fn cli_reference_covers_every_command() {
    let page = entra_auth_cli::app::cli::cli_reference();
    for command in [
        "## entra-auth-cli\n",
        "## entra-auth-cli get-token\n",
        "## entra-auth-cli discover\n",
        "## entra-auth-cli completions\n",
        "## entra-auth-cli config set-secret\n",
    ] {
        assert!(page.contains(command), "missing {command:?}");
    }
    assert!(page.contains("Usage: entra-auth-cli discover [OPTIONS]"));
    assert!(
        !page.contains("[env: ENTRA_AUTH_PROFILE="),
        "environment values are never shown"
    );
    assert!(
        page.lines().all(|l| l == l.trim_end()),
        "no trailing spaces"
    );
}

/// The README's table of environment variables is generated from the registry
/// (`cli::environment_reference`) between two markers; the same command updates it.
#[test]
fn readme_environment_table_matches_the_registry() {
    const BEGIN: &str = "<!-- BEGIN environment: generated from src/domain/env_vars.rs and the profile fields by `UPDATE_CLI_REFERENCE=1 cargo test --test it cli_reference`; do not edit -->\n";
    const END: &str = "<!-- END environment -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md has no environment markers:\n{BEGIN}{END}");
    };
    let start = start + BEGIN.len();
    assert!(start <= end, "markers out of order");
    let generated = entra_auth_cli::app::cli::environment_reference();
    if std::env::var_os("UPDATE_CLI_REFERENCE").is_some() {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        readme[start..end] == generated,
        "the environment table in README.md is out of date with src/domain/env_vars.rs; regenerate it with `{UPDATE}` and commit it"
    );
}
