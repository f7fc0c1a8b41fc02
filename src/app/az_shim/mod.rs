//! The `az` shim, a front-end of its own: when the binary is started as `az` (`exec --az-shim`
//! puts such a symlink first on the child's PATH), it answers the Azure CLI commands SDKs and
//! tools run to get a token (`account get-access-token`, `account show`, `account list`,
//! `version`) exactly as az prints them, with tokens from the parent's credential endpoint.
//! Nothing on stdout but the result, nothing on stderr on success; failures say
//! "Please run 'az login' to setup account." so SDK credential chains move on. Any other
//! command goes to the real `az` later on PATH, if there is one.

pub mod args;
pub mod output;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jiff::tz::TimeZone;
use secrecy::ExposeSecret;
use serde_json::Value;

use self::args::{AzCommand, Invocation, Parsed, TokenArgs};
use crate::app::composition::az_shim::ShimServices;
use crate::app::usecases::az_cli::{AzAccountHint, AzTokenRequest, access_token};
use crate::app::usecases::error::AzCliError;
use crate::domain::az_cli::{AzAccessToken, AzCloud, AzVersion, RESOURCE_TYPES};
use crate::domain::env_vars::EnvVars;
use crate::domain::scopes::resource_of_scope;
use crate::domain::text::printable;
use crate::ports::credential_endpoint::EndpointError;
use crate::ports::env::Env;

/// What az's failures end with when there is no usable account: the text SDK credentials look
/// for to report "unavailable" and try the next credential.
pub const LOGIN_HINT: &str = "Please run 'az login' to setup account.";

/// Whether a program started as `argv0` is the shim (`az`, `az.exe`, any directory).
#[must_use]
pub fn is_shim(argv0: &OsStr) -> bool {
    Path::new(argv0)
        .file_name()
        .is_some_and(|name| name == "az" || name.eq_ignore_ascii_case("az.exe"))
}

/// A failure and its exit code (1 for a failed command, 2 for bad arguments, as az).
struct Failure {
    message: String,
    login_hint: bool,
    code: u8,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            login_hint: false,
            code: 2,
        }
    }

    fn no_account(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            login_hint: true,
            code: 1,
        }
    }
}

/// Runs the shim for `argv` (program name first) and returns the exit code.
#[must_use]
pub fn main(argv: Vec<OsString>) -> ExitCode {
    let mut argv = argv.into_iter();
    let program = argv.next().unwrap_or_default();
    let rest: Vec<OsString> = argv.collect();
    let text: Option<Vec<String>> = rest.iter().map(|a| a.to_str().map(str::to_owned)).collect();
    let parsed = match text {
        Some(args) => args::parse(&args),
        None => Parsed::Forward,
    };
    let result = match parsed {
        Parsed::Run(invocation) => run(&invocation, &ShimServices::new()),
        Parsed::Forward => forward(&program, &rest),
        Parsed::Usage(message) => Err(Failure::usage(message)),
    };
    match result {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(1),
            }
        }
        Err(failure) => {
            let mut text = format!("ERROR: {}\n", printable(&failure.message));
            if failure.login_hint {
                text.push_str(LOGIN_HINT);
                text.push('\n');
            }
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
            ExitCode::from(failure.code)
        }
    }
}

/// Runs one command and returns what to print.
fn run(invocation: &Invocation, services: &ShimServices) -> Result<String, Failure> {
    // `az version` needs no session.
    let account = match invocation.command {
        AzCommand::Version => None,
        _ => session_account(&services.env)?,
    };
    let value = match &invocation.command {
        AzCommand::GetAccessToken(args) => get_access_token(args, account.as_ref(), services)?,
        AzCommand::AccountShow => account.ok_or_else(no_session)?,
        AzCommand::AccountList => {
            let mut entry = account.ok_or_else(no_session)?;
            // `az account list` calls the cloud `cloudName` (azure-cli list_subscriptions).
            if let Some(map) = entry.as_object_mut()
                && let Some(cloud) = map.remove("environmentName")
            {
                map.insert("cloudName".into(), cloud);
            }
            Value::Array(vec![entry])
        }
        AzCommand::Version => serde_json::to_value(AzVersion::default())
            .map_err(|e| Failure::no_account(e.to_string()))?,
    };
    output::render(value, invocation.query.as_deref(), invocation.output).map_err(Failure::usage)
}

fn no_session() -> Failure {
    Failure::no_account(format!(
        "No account: {} is not set (this az is entra-auth-cli's shim; run the command under `entra-auth-cli exec --az-shim`).",
        EnvVars::ENTRA_AUTH_AZ_ACCOUNT
    ))
}

/// The account `exec` described in `ENTRA_AUTH_AZ_ACCOUNT`, when set.
fn session_account(env: &dyn Env) -> Result<Option<Value>, Failure> {
    let Some(text) = env.non_empty(EnvVars::ENTRA_AUTH_AZ_ACCOUNT) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(value) if value.is_object() => Ok(Some(value)),
        _ => Err(Failure::no_account(format!(
            "{} is not a JSON object.",
            EnvVars::ENTRA_AUTH_AZ_ACCOUNT
        ))),
    }
}

fn get_access_token(
    args: &TokenArgs,
    account: Option<&Value>,
    services: &ShimServices,
) -> Result<Value, Failure> {
    let field = |name: &str| {
        account
            .and_then(|a| a.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let cloud = field("environmentName")
        .and_then(|name| AzCloud::from_name(&name))
        .unwrap_or_default();
    let resource = match (&args.resource, args.scopes.as_slice(), &args.resource_type) {
        (Some(resource), _, _) => resource.clone(),
        (None, [scope], _) => resource_of_scope(scope).to_owned(),
        (None, [], Some(kind)) => cloud
            .resource_of_type(kind)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "argument --resource-type: invalid choice: '{kind}' (choose from {})",
                    RESOURCE_TYPES.join(", ")
                ))
            })?
            .to_owned(),
        (None, [], None) => cloud
            .resource_of_type("arm")
            .unwrap_or("https://management.core.windows.net/")
            .to_owned(),
        (None, _, _) => {
            return Err(Failure::no_account(
                "The credential endpoint gives a token for one resource at a time; pass one --scope.",
            ));
        }
    };
    let request = AzTokenRequest {
        resource,
        tenant: args.tenant.clone(),
        subscription: args.subscription.clone(),
    };
    let hint = AzAccountHint {
        subscription_id: field("id"),
        tenant_id: field("tenantId"),
    };
    let token = access_token(&services.endpoint, &services.clock, &request, &hint)
        .map_err(|e| failure(&e))?;
    let time_zone = TimeZone::system();
    let view = AzAccessToken::new(
        token.access_token.expose_secret(),
        token.expires_on,
        &token.tenant,
        token.subscription.as_deref(),
        &time_zone,
    )
    .ok_or_else(|| Failure::no_account("The token's expiry is not a valid time."))?;
    serde_json::to_value(&view).map_err(|e| Failure::no_account(e.to_string()))
}

/// How a token failure reads: az's own error, or what went wrong and the `az login` line.
fn failure(error: &AzCliError) -> Failure {
    match error {
        AzCliError::SubscriptionAndTenant => Failure {
            message: error.to_string(),
            login_hint: false,
            code: 1,
        },
        AzCliError::Endpoint(EndpointError::NotConfigured) => Failure::no_account(format!(
            "No credential endpoint: {} and {} are not set (this az is entra-auth-cli's shim; run the command under `entra-auth-cli exec --az-shim`).",
            EnvVars::IDENTITY_ENDPOINT,
            EnvVars::IDENTITY_HEADER
        )),
        AzCliError::Refused {
            status,
            message: Some(message),
        } => Failure::no_account(format!(
            "The entra-auth-cli credential endpoint refused the request (HTTP {status}): {message}"
        )),
        AzCliError::OtherTenant {
            requested,
            token_tenant,
        } => Failure::no_account(format!(
            "No account in tenant '{requested}': this session's tokens are for tenant '{token_tenant}'."
        )),
        other => Failure::no_account(format!("{}.", capitalized(&other.to_string()))),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// In every build of the shim (so in every copy of the binary, whatever its name or version):
/// a file that holds it is a shim, never the real `az`.
const SHIM_MARKER: &[u8] = b"entra-auth-cli/az-shim: not the real az (never forward to this file)";

/// How many times one command line may be forwarded from shim to `az` to shim: more means the
/// `az` after the shim runs it again (a wrapper script, an older copy).
const MAX_FORWARDS: u32 = 3;

/// The most bytes of a candidate `az` read while looking for [`SHIM_MARKER`].
const MAX_SCAN: u64 = 1 << 30;

/// Hands the command line to the real `az`: the first `az` on PATH that is not a shim.
fn forward(program: &OsStr, args: &[OsString]) -> Result<String, Failure> {
    let forwards = std::env::var(EnvVars::ENTRA_AUTH_AZ_SHIM_FORWARDS)
        .ok()
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    if forwards >= MAX_FORWARDS {
        return Err(Failure::usage(format!(
            "this command was forwarded {forwards} times from the entra-auth-cli az shim to an az that runs the shim again: put the real az (the Azure CLI) on PATH after the shim, not a wrapper of it."
        )));
    }
    let Some(real) = real_az(program) else {
        let line: Vec<String> = args
            .iter()
            .take(3)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return Err(Failure::usage(format!(
            "'az {}' is not a command the entra-auth-cli az shim answers (account get-access-token, account show, account list, version), and there is no other az on PATH.",
            line.join(" ")
        )));
    };
    let mut command = std::process::Command::new(&real);
    command.args(args).env(
        EnvVars::ENTRA_AUTH_AZ_SHIM_FORWARDS,
        forwards.saturating_add(1).to_string(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let error = command.exec();
        Err(Failure::usage(format!(
            "cannot run {}: {error}",
            real.display()
        )))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|error| Failure::usage(format!("cannot run {}: {error}", real.display())))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}

/// The first `az` on PATH that is neither this binary, nor in this shim's own directory, nor
/// another shim (a copy of the binary: it holds [`SHIM_MARKER`]).
fn real_az(program: &OsStr) -> Option<PathBuf> {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let program = Path::new(program);
    let own_dir = program
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .and_then(|d| d.canonicalize().ok());
    let path = std::env::var_os("PATH")?;
    let names: &[&str] = if cfg!(windows) {
        &["az.cmd", "az.exe"]
    } else {
        &["az"]
    };
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .filter(|dir| own_dir.is_none() || dir.canonicalize().ok() != own_dir)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| {
            let Ok(resolved) = candidate.canonicalize() else {
                return false;
            };
            resolved.is_file()
                && Some(&resolved) != me.as_ref()
                && is_executable(&resolved)
                && !holds_marker(&resolved)
        })
}

/// True when the file at `path` holds [`SHIM_MARKER`] (within its first [`MAX_SCAN`] bytes).
fn holds_marker(path: &Path) -> bool {
    use std::io::Read as _;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut reader = file.take(MAX_SCAN);
    let keep = SHIM_MARKER.len() - 1;
    let mut window: Vec<u8> = Vec::with_capacity(keep + 64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = match reader.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(read) => read,
        };
        window.extend_from_slice(chunk.get(..read).unwrap_or_default());
        if contains(&window, SHIM_MARKER) {
            return true;
        }
        let drop = window.len().saturating_sub(keep);
        window.drain(..drop);
    }
}

/// True when `needle` (not empty) occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return false;
    };
    haystack.iter().enumerate().any(|(at, &byte)| {
        byte == first
            && haystack
                .get(at + 1..at + needle.len())
                .is_some_and(|tail| tail == rest)
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::{SHIM_MARKER, capitalized, contains, holds_marker, is_shim};

    #[test]
    fn a_copy_of_the_binary_holds_the_marker_and_a_script_does_not() {
        let me = std::env::current_exe().unwrap();
        // The unit-test binary links this module, so it holds the marker too.
        assert!(holds_marker(&me));
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("az");
        std::fs::write(&script, "#!/bin/sh\nexec python3 -m azure.cli \"$@\"\n").unwrap();
        assert!(!holds_marker(&script));
        assert!(!holds_marker(&dir.path().join("missing")));
        // Across a chunk boundary.
        let mut bytes = vec![b'x'; 64 * 1024 - 10];
        bytes.extend_from_slice(SHIM_MARKER);
        std::fs::write(&script, &bytes).unwrap();
        assert!(holds_marker(&script));
        assert!(contains(b"abcabd", b"abd"));
        assert!(!contains(b"abcab", b"abd"));
        assert!(!contains(b"abc", b""));
    }

    #[test]
    fn started_as_az() {
        assert!(is_shim(OsStr::new("az")));
        assert!(is_shim(OsStr::new("/tmp/x/az")));
        assert!(is_shim(OsStr::new("AZ.EXE")));
        assert!(!is_shim(OsStr::new("entra-auth-cli")));
        assert!(!is_shim(OsStr::new("/usr/bin/az2")));
        assert_eq!(capitalized("the x"), "The x");
    }
}
