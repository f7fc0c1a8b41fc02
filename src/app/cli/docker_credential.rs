//! `docker-credential` as the CLI lists it (`--help`, completions, the reference page). The
//! helper is a front-end of its own (`crate::app` docker_credential), which `main.rs` starts
//! when `docker-credential` comes right after the program name, or when the binary runs as
//! `docker-credential-entra-auth-cli`; the CLI only sees the word after a global option.

use clap::Args;

use super::report::Report;
use crate::app::usecases::error::ErrorKind;

const ABOUT: &str = "\
Usage: entra-auth-cli docker-credential [-p PROFILE] [--timeout DURATION] <ACTION>
       docker-credential-entra-auth-cli [-p PROFILE] [--timeout DURATION] <ACTION>

Actions (docker's credential-helper protocol):
  get                read a registry on stdin; print {\"ServerURL\",\"Username\":\"<token>\",\"Secret\"}
                     with an ACR refresh token for *.azurecr.io, *.azurecr.cn, *.azurecr.us and the
                     profile's container_registries; any other host: `credentials not found in
                     native keychain` (exit 1), and nothing is sent anywhere
  store              accepted quietly (docker login); nothing is kept
  erase              forget the cached token of the registry on stdin (docker logout)
  list               the registries with a cached token, as a JSON object
  version            the version
  configure HOST...  add credHelpers entries to docker's config.json ($DOCKER_CONFIG or ~/.docker)

Failures are one line on stdout with exit 1. The profile: -p, else the program name's suffix
(docker-credential-entra-auth-cli-PROFILE), else ENTRA_AUTH_PROFILE, else default.

Examples:
  # Let docker, podman, skopeo, helm and oras use the helper for a registry
  ln -s \"$(command -v entra-auth-cli)\" ~/.local/bin/docker-credential-entra-auth-cli
  entra-auth-cli docker-credential configure myregistry.azurecr.io

  # What docker does, by hand
  echo myregistry.azurecr.io | entra-auth-cli docker-credential get";

/// The helper's arguments, taken as they are (the helper parses them).
#[derive(Debug, Args)]
#[command(after_help = ABOUT, disable_help_flag = true)]
pub struct DockerCredentialArgs {
    /// The helper's options and action: [-p PROFILE] [--timeout DURATION] ACTION [HOST...]
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// Reached only when a global option comes before `docker-credential`.
///
/// # Errors
/// Always: the helper takes no global options.
pub fn run(_: &DockerCredentialArgs) -> Result<(), Report> {
    Err(Report::new(
        ErrorKind::Usage,
        "`docker-credential` must come right after `entra-auth-cli` (it takes no global options)",
    )
    .hint("entra-auth-cli docker-credential [-p PROFILE] get|store|erase|list|version|configure"))
}
