//! `serve`'s flags: a long-running credential endpoint (a sidecar) for any process that has the
//! identity header. The credential endpoint front-end runs it (`main.rs` hands the request over).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::exec::parse_resource;
use crate::app::usecases::endpoint::ServeRequest;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::token::acquire::TokenRequest;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::ProfileSettings;

/// The most connections `--max-connections` may ask for.
const MAX_CONNECTIONS_LIMIT: usize = 65_536;

const EXAMPLES: &str = "\
How it works:
  The first line on stdout is IDENTITY_ENDPOINT=http://ADDR:PORT/msi/token (nothing else goes to
  stdout). Clients send the identity header (X-IDENTITY-HEADER, from --header-file or
  ENTRA_AUTH_IDENTITY_HEADER; never printed or logged) as with exec's endpoint, and get tokens of
  the profile: App Service's managed-identity protocol, and IMDS's at
  http://ADDR:PORT/<header>/metadata/identity/oauth2/token. GET /healthz answers 200 with no
  header (probes). Tokens are refreshed ahead of expiry, off the request path; a failed refresh
  keeps serving the valid token. SIGTERM/SIGINT: stop accepting, finish requests in flight, exit
  0 within 5 s. SIGHUP: read the profile and the header file again.

Examples:
  # On this machine, for any of your processes that reads the header file
  entra-auth-cli serve -p prod --header-file ~/.config/entra-prod.header

  # A compose sidecar: listen on the container's network, accept its service name in Host
  entra-auth-cli serve -p prod --listen 0.0.0.0:8080 --host-name entra \\
      --header-file /run/entra/header --audit-log /var/log/entra/audit.jsonl

Security:
  Anyone who can connect and has the header gets tokens of the profile (limit them with
  --allow-resource). Keep the header file private (it is created with mode 0600) and never put
  the header on a command line. On loopback, clients may be other users (containers sharing a
  network namespace run as their own users): the header decides; the audit log names the
  client's pid and uid when the client is on this machine.";

/// Serve the profile's tokens to any process with the identity header (a sidecar for
/// containers, compose stacks and pods)
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ServeArgs {
    /// Profile whose tokens are served (names match case-insensitively)
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Address and port to listen on (port 0 picks one). Any address but loopback must be given
    /// explicitly (a compose network, a pod IP, 0.0.0.0)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,

    /// The identity header's file: read if it exists, else created (mode 0600) with 256 random
    /// bits. Default: ENTRA_AUTH_IDENTITY_HEADER
    #[arg(long, value_name = "PATH")]
    pub header_file: Option<PathBuf>,

    /// Another name clients may use in the Host header (a compose service, a pod's DNS name);
    /// repeatable. The listening address is always accepted
    #[arg(long = "host-name", value_name = "NAME", value_parser = parse_host_name)]
    pub host_name: Vec<String>,

    /// Serve tokens for this resource only (repeatable, e.g. https://management.azure.com);
    /// others are refused with 403. Default: any resource
    #[arg(long = "allow-resource", value_name = "RESOURCE", value_parser = parse_resource)]
    pub allow_resource: Vec<String>,

    /// Append one JSON line per served token (time, client address, pid and uid when local,
    /// resource, expiry, a SHA-256 prefix of the token; never the token); -v also writes them to
    /// stderr
    #[arg(long, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,

    /// The most connections held at once; beyond it the idlest (first those without the
    /// header) make room, and new ones wait rather than being refused
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = parse_max_connections)]
    pub max_connections: usize,
}

fn parse_host_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(
            "a host name is letters, digits, dots, dashes and underscores, such as entra-sidecar"
                .into(),
        )
    }
}

fn parse_max_connections(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONNECTIONS_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("a number from 1 to {MAX_CONNECTIONS_LIMIT}")),
    }
}

impl ServeArgs {
    /// The request the credential endpoint front-end runs; `verbose` is `-v`.
    #[must_use]
    pub fn request(&self, verbose: bool) -> ServeRequest {
        ServeRequest {
            token: TokenRequest::cached(
                self.profile.clone(),
                ProfileSettings::default(),
                Duration::from_secs(60),
            ),
            listen: self.listen,
            header_file: self.header_file.clone(),
            host_names: self.host_name.clone(),
            allow_resource: self.allow_resource.clone(),
            audit_log: self.audit_log.clone(),
            max_connections: self.max_connections,
            verbose,
        }
    }
}
