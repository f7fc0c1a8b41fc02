//! The command-line front-end (a driving adapter): global options, one module per command,
//! the renderers, and the entry point. Commands parse, call a use case, and render.

pub mod completions;
pub mod config;
pub mod discover;
pub mod docker_credential;
pub mod emit;
pub mod exec;
pub mod get_token;
pub mod git_credential;
pub mod inspect;
pub mod logout;
pub mod output;
pub mod reference;
pub mod refresh;
pub mod registry_token;
pub mod report;
pub mod run;
pub mod serve;
pub mod status;

use clap::{Parser, Subcommand};

pub use reference::{cli_reference, environment_reference};

const ABOUT: &str =
    "Get Microsoft Entra ID access tokens from a shell, a script, a CI job or a container";

const LONG_ABOUT: &str = "\
Get Microsoft Entra ID (Azure AD) access tokens from a shell, a script, a CI job or a container.

Profiles live in config.toml under the config directory ($ENTRA_AUTH_CONFIG_DIR, else
$XDG_CONFIG_HOME/entra-auth-cli, else ~/.config/entra-auth-cli). With no config file,
AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET alone make the `default` profile.";

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  bad arguments, bad configuration or an I/O problem
  2  the profile does not exist
  3  the identity provider refused (bad secret, unknown app, bad scope, consent...), or a person
     must sign in and this run may not ask (--non-interactive, or no terminal and no browser)
  4  the identity provider could not be reached or kept failing (network, 5xx, throttling)
  5  the operation did not finish within --timeout";

/// Top-level arguments.
#[derive(Debug, Parser)]
#[command(
    name = "entra-auth-cli",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// Log diagnostics to stderr (-v debug, -vv trace); ENTRA_AUTH_LOG takes a filter too
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print an access token for a profile (cache first, then the identity provider)
    #[command(visible_alias = "token")]
    GetToken(get_token::GetTokenArgs),
    /// Get a new token now: refresh token for user profiles, a new client-credentials call for apps
    Refresh(refresh::RefreshArgs),
    /// Decode a JWT offline: header, claims, validity, time left; signature not verified
    Inspect(inspect::InspectArgs),
    /// Show the config file, the store in use and why, stored secrets (names) and cached tokens
    #[command(visible_alias = "doctor")]
    Status(status::StatusArgs),
    /// Delete cached tokens of a profile (or all); stored secrets are kept
    Logout(logout::LogoutArgs),
    /// Manage profiles and their secrets
    Config(Box<config::ConfigArgs>),
    /// Search app registrations in a tenant through Microsoft Graph; optionally save one as a profile
    Discover(discover::DiscoverArgs),
    /// A git credential helper: gives git a profile's token (Azure DevOps by default)
    ///
    /// git writes `key=value` lines on stdin. `get` answers only https requests for Azure DevOps
    /// (dev.azure.com, ORG.visualstudio.com) and for the profile's `git_hosts` (http too when
    /// such a host is loopback); for any other host it prints nothing, so git asks its next
    /// helper. It prints `username`, `password` (the token) and `password_expiry_utc`, or
    /// `authtype=Bearer` and `credential` when git offers `capability[]=authtype` and the server
    /// offers Bearer. `store` does nothing; `erase` forgets the cached token of the
    /// profile and scope (the saved sign-in is kept); other actions are ignored. Only the protocol
    /// goes to stdout. A sign-in that needs a person behaves as in `get-token`.
    GitCredential(git_credential::GitCredentialArgs),
    /// A docker credential helper: Azure Container Registry tokens from a profile for docker,
    /// podman, skopeo, helm and oras
    DockerCredential(docker_credential::DockerCredentialArgs),
    /// Run a command that gets this profile's tokens from a local credential endpoint (Azure SDKs,
    /// az, terraform), never its secret
    Exec(exec::ExecArgs),
    /// Serve this profile's tokens to any process with the identity header, for hours: a sidecar
    /// for containers, compose stacks and Kubernetes pods (App Service managed-identity protocol)
    Serve(serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(completions::CompletionsArgs),
}

impl Command {
    /// True when the command was asked for nothing on stderr but errors (`-q`).
    #[must_use]
    pub fn silent(&self) -> bool {
        match self {
            Self::GetToken(args) => args.token.silent,
            Self::Refresh(args) => args.token.silent,
            Self::Logout(args) => args.silent,
            Self::Exec(args) => args.silent,
            Self::Config(args) => args.silent(),
            // git shows a helper's stderr: errors and sign-in instructions only.
            Self::GitCredential(_) | Self::DockerCredential(_) => true,
            Self::Inspect(_)
            | Self::Status(_)
            | Self::Discover(_)
            | Self::Serve(_)
            | Self::Completions(_) => false,
        }
    }
}
