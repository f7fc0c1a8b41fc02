//! `git-credential`: git's credential-helper protocol as a thin front-end. `get` reads git's
//! request from stdin and, for the hosts the profile answers (https Azure DevOps and its
//! `git_hosts`), prints the profile's token (a Basic password, or a Bearer credential when git
//! offers `capability[]=authtype` and the server Bearer); for any other host nothing, so git
//! asks its next helper. `store` is accepted quietly; `erase` forgets the cached token of the
//! profile and scope. Only the protocol goes to stdout.

use std::io::{BufRead, Read};
use std::time::Duration;

use clap::Args;
use secrecy::ExposeSecret;

use super::emit::emit;
use super::report::{Report, git_protocol};
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::manage::forget_token;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::token::acquire::{TokenRequest, acquire};
use crate::app::usecases::token::git_credential::answers_git;
use crate::domain::env_vars::EnvVars;
use crate::domain::git_credential::{
    AZURE_DEVOPS_SCOPE, CredentialRequest, MAX_REQUEST_BYTES, parse_request, render_answer,
};
use crate::domain::profile::{ProfileSettings, ScopeList};

const EXAMPLES: &str = "\
Examples:
  # Azure DevOps with profile ado: git asks this helper whenever a server wants a password
  git config --global credential.https://dev.azure.com.helper \\
    '!entra-auth-cli git-credential -p ado'

  # What git does, by hand
  printf 'protocol=https\\nhost=dev.azure.com\\n\\n' | entra-auth-cli git-credential -p ado get";

/// `git-credential`'s arguments (the help text is on `Command::GitCredential`).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct GitCredentialArgs {
    /// Profile to use (names match case-insensitively)
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Scopes of the token, space- or comma-separated
    #[arg(short, long, value_name = "SCOPES", default_value = AZURE_DEVOPS_SCOPE)]
    pub scope: String,

    /// Limit for getting the token, retries and sign-in included (e.g. 30s, 2m)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::domain::duration::parse_duration)]
    pub timeout: Duration,

    /// What git asks: get, store or erase
    #[arg(value_name = "ACTION")]
    pub action: String,
}

impl GitCredentialArgs {
    fn overrides(&self) -> ProfileSettings {
        ProfileSettings {
            scopes: Some(ScopeList::Text(self.scope.clone())),
            ..ProfileSettings::default()
        }
    }
}

/// Runs `git-credential`.
///
/// # Errors
/// A request that is not git's protocol (exit 1), and every `get-token` failure.
pub fn run(args: &GitCredentialArgs, services: &Services) -> Result<(), Report> {
    let input = read_request(&mut std::io::stdin().lock())?;
    match args.action.as_str() {
        "get" => {
            let request = parse_request(&input).map_err(|e| git_protocol(&e))?;
            if !answers(args, services, &request)? {
                return Ok(());
            }
            let token_request =
                TokenRequest::cached(args.profile.clone(), args.overrides(), args.timeout);
            let ports = services.token_ports();
            let outcome = services.block_on(acquire(&ports, token_request))?;
            let answer = render_answer(
                &request,
                outcome.token.access_token.expose_secret(),
                outcome.token.expires_on,
            )
            .map_err(|e| git_protocol(&e))?;
            emit(&answer, None, services)
        }
        "erase" => {
            let request = parse_request(&input).map_err(|e| git_protocol(&e))?;
            if !answers(args, services, &request)? {
                return Ok(());
            }
            forget_token(&services.profile_ports(), &args.profile, &args.overrides())?;
            Ok(())
        }
        // `store`, and any action git may add later: accepted, nothing to do.
        _ => Ok(()),
    }
}

/// True when the profile answers `request`'s host and protocol (else git gets nothing).
fn answers(
    args: &GitCredentialArgs,
    services: &Services,
    request: &CredentialRequest,
) -> Result<bool, Report> {
    let ports = services.profile_ports();
    Ok(answers_git(
        ports.profiles,
        ports.env,
        &args.profile,
        &args.overrides(),
        request,
    )?)
}

/// Reads git's request: up to the blank line or the end, and never more than
/// [`MAX_REQUEST_BYTES`] (+1, so that the parser can say it was too long).
fn read_request(input: &mut dyn BufRead) -> Result<Vec<u8>, Report> {
    let mut buffer = Vec::new();
    let mut limited = input.take(u64::try_from(MAX_REQUEST_BYTES + 1).unwrap_or(u64::MAX));
    loop {
        let start = buffer.len();
        let read = limited.read_until(b'\n', &mut buffer).map_err(|e| {
            Report::new(
                ErrorKind::Io,
                "cannot read git's request from standard input",
            )
            .cause(e.to_string())
        })?;
        let line = buffer.get(start..).unwrap_or_default();
        if read == 0 || line == b"\n" || line == b"\r\n" {
            return Ok(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::read_request;
    use crate::domain::git_credential::MAX_REQUEST_BYTES;

    #[test]
    fn reads_to_the_blank_line_and_no_further() {
        let mut input: &[u8] = b"protocol=https\nhost=h\n\nlater=1\n";
        assert_eq!(
            read_request(&mut input).unwrap(),
            b"protocol=https\nhost=h\n\n"
        );
        let mut endless = std::io::repeat(b'a').take(10 * MAX_REQUEST_BYTES as u64);
        let mut reader = std::io::BufReader::new(&mut endless);
        assert_eq!(
            read_request(&mut reader).unwrap().len(),
            MAX_REQUEST_BYTES + 1
        );
    }
}
