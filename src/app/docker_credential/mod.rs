//! The docker credential helper, a front-end of its own: started as
//! `docker-credential-entra-auth-cli` (docker, podman, skopeo, helm, oras run it through
//! `credHelpers`) or as `entra-auth-cli docker-credential`, it answers docker's helper protocol
//! with ACR refresh tokens from a profile: `get` (the server URL on stdin), `store` and `erase`
//! (quiet; `erase` forgets the cached token), `list`, `version`, and `configure` for people.
//! Hosts it does not serve get docker's not-found sentence and no request is sent anywhere.
//! Every failure is one line on stdout with exit 1, as the protocol wants.

pub mod args;
mod failure;

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use secrecy::ExposeSecret;

use self::args::{Invocation, Parsed};
use crate::app::composition::Services;
use crate::app::usecases::error::{Error, RegistryError};
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::registry::configure::configure;
use crate::app::usecases::registry::{
    RegistryRequest, cached_registries, forget_registry_token, registry_token,
};
use crate::domain::container_registry::TOKEN_USERNAME;
use crate::domain::docker_credential::{
    Action, HELPER_NAME, MAX_INPUT_BYTES, NOT_FOUND, get_answer, input_text, list_answer,
};
use crate::domain::env_vars::EnvVars;
use crate::ports::clock::Clock;
use crate::ports::env::Env;

/// The program name docker runs for `"credHelpers": {"HOST": "entra-auth-cli"}`.
pub const PROGRAM: &str = "docker-credential-entra-auth-cli";

/// The CLI's word for the helper: `entra-auth-cli docker-credential get`.
pub const SUBCOMMAND: &str = "docker-credential";

const HELP: &str = "\
A docker credential helper: Azure Container Registry tokens from an entra-auth-cli profile for
docker, podman, buildah, skopeo, helm, oras and crane.

Usage: docker-credential-entra-auth-cli [-p PROFILE] [--timeout DURATION] <ACTION>
       entra-auth-cli docker-credential [-p PROFILE] [--timeout DURATION] <ACTION>

Actions (docker's helper protocol; the answer or a one-line error on stdout, exit 1 on error):
  get        read a registry (server URL) on stdin, print {\"ServerURL\",\"Username\",\"Secret\"}:
             an ACR refresh token for *.azurecr.io, *.azurecr.cn, *.azurecr.us and the
             profile's container_registries; any other host: `credentials not found in native
             keychain`, and nothing is sent anywhere
  store      accepted quietly (docker login); nothing is kept
  erase      forget the cached token of the registry on stdin (docker logout)
  list       the registries with a cached token, as a JSON object
  version    the version
  configure HOST...
             add \"credHelpers\": {\"HOST\": \"entra-auth-cli\"} to docker's config.json
             ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), keeping the rest

Options:
  -p, --profile <PROFILE>   profile to use [default: from the program name
                            docker-credential-entra-auth-cli-PROFILE, else ENTRA_AUTH_PROFILE,
                            else default]
      --timeout <DURATION>  limit for getting a token (e.g. 30s, 2m) [default: 60s]
  -h, --help                print this help
  -v, --version             print the version

docker runs `docker-credential-entra-auth-cli`: make it a link to entra-auth-cli on PATH:
  ln -s \"$(command -v entra-auth-cli)\" ~/.local/bin/docker-credential-entra-auth-cli
";

/// The helper's arguments and the profile its program name carries, when this process is the
/// helper: started as `docker-credential-entra-auth-cli[-PROFILE]`, or as
/// `entra-auth-cli docker-credential ...`.
#[must_use]
pub fn invocation(argv: &[OsString]) -> Option<(Option<String>, Vec<OsString>)> {
    let program = argv.first()?;
    if let Some(profile) = profile_of_program(program) {
        return Some((profile, argv.get(1..).unwrap_or_default().to_vec()));
    }
    (argv.get(1).is_some_and(|a| a == SUBCOMMAND))
        .then(|| (None, argv.get(2..).unwrap_or_default().to_vec()))
}

/// `Some(None)` for `docker-credential-entra-auth-cli`, `Some(Some(P))` for
/// `docker-credential-entra-auth-cli-P` (any directory, `.exe` ignored), `None` otherwise.
fn profile_of_program(program: &OsStr) -> Option<Option<String>> {
    let name = Path::new(program).file_name()?.to_str()?;
    let name = name
        .strip_suffix(".exe")
        .or_else(|| name.strip_suffix(".EXE"))
        .unwrap_or(name);
    let rest = name.strip_prefix(PROGRAM)?;
    if rest.is_empty() {
        return Some(None);
    }
    rest.strip_prefix('-')
        .filter(|p| !p.is_empty())
        .map(|p| Some(p.to_owned()))
}

/// Runs the helper and returns its exit code.
#[must_use]
pub fn main((named_profile, args): (Option<String>, Vec<OsString>)) -> ExitCode {
    let text: Option<Vec<String>> = args.iter().map(|a| a.to_str().map(str::to_owned)).collect();
    let parsed = match text {
        Some(args) => args::parse(&args),
        None => Parsed::Usage("the arguments are not UTF-8".to_owned()),
    };
    let invocation = match parsed {
        Parsed::Run(invocation) => invocation,
        Parsed::Help => return print(HELP, ExitCode::SUCCESS),
        Parsed::Usage(message) => {
            return print(
                &format!("{message}; see `{PROGRAM} --help`\n"),
                ExitCode::from(1),
            );
        }
    };
    if invocation.action == Action::Version {
        return print(
            &format!("{PROGRAM} ({HELPER_NAME}) {}\n", env!("CARGO_PKG_VERSION")),
            ExitCode::SUCCESS,
        );
    }
    // Only `configure` talks to a person; docker does not show the helper's notices.
    let people = matches!(invocation.action, Action::Configure(_));
    let services = Services::new(!people);
    let profile = invocation
        .profile
        .clone()
        .or(named_profile)
        .or_else(|| services.env.non_empty(EnvVars::ENTRA_AUTH_PROFILE))
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    match run(&invocation, &profile, &services) {
        Ok(text) => print(&text, ExitCode::SUCCESS),
        Err(Outcome::NotFound) => print(&format!("{NOT_FOUND}\n"), ExitCode::from(1)),
        Err(Outcome::Failed(error)) => {
            let line = failure::line(&error, &profile);
            if people {
                let _ = writeln!(std::io::stderr().lock(), "error: {line}");
                ExitCode::from(1)
            } else {
                print(&format!("{line}\n"), ExitCode::from(1))
            }
        }
    }
}

/// A failed action.
enum Outcome {
    /// A host this helper does not serve: docker's not-found answer.
    NotFound,
    Failed(Error),
}

impl From<Error> for Outcome {
    fn from(error: Error) -> Self {
        match error {
            Error::Registry(
                RegistryError::NotServed { .. } | RegistryError::BadServerUrl { .. },
            ) => Self::NotFound,
            other => Self::Failed(other),
        }
    }
}

fn run(invocation: &Invocation, profile: &str, services: &Services) -> Result<String, Outcome> {
    match &invocation.action {
        Action::Get => {
            let server_url = read_stdin()?;
            let request = RegistryRequest {
                profile: profile.to_owned(),
                server_url: server_url.clone(),
                timeout: invocation.timeout,
            };
            let ports = services.token_ports();
            let token = services.block_on(registry_token(&ports, &request))?;
            Ok(get_answer(
                &server_url,
                TOKEN_USERNAME,
                token.refresh_token.expose_secret(),
            ))
        }
        Action::Store => {
            read_stdin()?;
            Ok(String::new())
        }
        Action::Erase => {
            let server_url = read_stdin()?;
            forget_registry_token(&services.profile_ports(), profile, &server_url)
                .map_err(Outcome::Failed)?;
            Ok(String::new())
        }
        Action::List => {
            let hosts = cached_registries(&services.profile_ports(), profile, services.clock.now())
                .map_err(Outcome::Failed)?;
            let entries: Vec<(String, String)> = hosts
                .into_iter()
                .map(|host| (host, TOKEN_USERNAME.to_owned()))
                .collect();
            Ok(list_answer(&entries))
        }
        Action::Configure(hosts) => {
            let helper = if profile.eq_ignore_ascii_case(DEFAULT_PROFILE) {
                HELPER_NAME.to_owned()
            } else {
                format!("{HELPER_NAME}-{profile}")
            };
            let done = configure(&services.configure_ports(), profile, hosts, &helper)
                .map_err(Outcome::Failed)?;
            Ok(failure::configured(&done, &helper))
        }
        Action::Version => Ok(String::new()),
    }
}

/// The whole of stdin, at most [`MAX_INPUT_BYTES`], trimmed.
fn read_stdin() -> Result<String, Outcome> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(u64::try_from(MAX_INPUT_BYTES + 1).unwrap_or(u64::MAX))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Outcome::Failed(
                crate::app::usecases::error::InputError::Stdin {
                    what: "server URL",
                    cause: e.to_string(),
                }
                .into(),
            )
        })?;
    input_text(&bytes).map_err(|e| {
        Outcome::Failed(
            crate::app::usecases::error::InputError::Stdin {
                what: "server URL",
                cause: e.to_string(),
            }
            .into(),
        )
    })
}

fn print(text: &str, code: ExitCode) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => code,
        Err(_) => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::{invocation, profile_of_program};

    #[test]
    fn started_as_the_helper_or_the_subcommand() {
        let os = |items: &[&str]| items.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            invocation(&os(&["/usr/bin/docker-credential-entra-auth-cli", "get"])),
            Some((None, os(&["get"])))
        );
        assert_eq!(
            invocation(&os(&["docker-credential-entra-auth-cli-prod", "get"])),
            Some((Some("prod".into()), os(&["get"])))
        );
        assert_eq!(
            invocation(&os(&[
                "entra-auth-cli",
                "docker-credential",
                "-p",
                "x",
                "list"
            ])),
            Some((None, os(&["-p", "x", "list"])))
        );
        assert_eq!(invocation(&os(&["entra-auth-cli", "get-token"])), None);
        assert_eq!(invocation(&os(&["entra-auth-cli"])), None);
        assert_eq!(invocation(&[]), None);
        assert_eq!(
            profile_of_program("docker-credential-entra-auth-cli.exe".as_ref()),
            Some(None)
        );
        assert_eq!(
            profile_of_program("docker-credential-entra-auth-clix".as_ref()),
            None
        );
        assert_eq!(
            profile_of_program("docker-credential-entra-auth-cli-".as_ref()),
            None
        );
        assert_eq!(profile_of_program("docker-credential-acr".as_ref()), None);
    }
}
