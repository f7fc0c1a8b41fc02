//! `get-token`: its flags, and the wiring that runs the use case with real adapters.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use secrecy::ExposeSecret;

use super::emit::emit;
use super::output::{OutputFormat, RenderOptions, TokenView, render, rfc3339};
use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::token::acquire::{CacheMode, TokenRequest, acquire};
use crate::app::usecases::token::user_flows::BrowserOptions;
use crate::domain::authority::Cloud;
use crate::domain::duration::parse_duration;
use crate::domain::env_vars::EnvVars;
use crate::domain::flow::Flow;
use crate::domain::kubectl::{ExecInfo, parse_exec_info};
use crate::domain::profile::{ProfileSettings, ScopeList};
use crate::ports::clock::Clock;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;

const EXAMPLES: &str = "\
Examples:
  # The default profile's token, bare (for $(...) and pipes)
  entra-auth-cli get-token

  # Another profile and scope, as JSON
  entra-auth-cli get-token -p prod -s https://management.azure.com/.default -o json

  # A container or CI job with no config file
  AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=... entra-auth-cli get-token

  # Into a private file (mode 0600), nothing on stdout
  entra-auth-cli get-token -o json --file token.json

  # Skip the cache, and do not wait more than 20 seconds
  entra-auth-cli get-token --force --timeout 20s

  # Use in a header
  curl -H \"Authorization: Bearer $(entra-auth-cli get-token -q)\" \"$API_URL\"

  # kubectl's exec credential plugin (a kubeconfig's users[].user.exec; see the README)
  entra-auth-cli get-token -p aks -o exec-credential

  # An Azure Container Registry token for `docker login` (as `az acr login --expose-token`)
  entra-auth-cli get-token --registry myregistry.azurecr.io -o json";

fn parse_flow(text: &str) -> Result<Flow, String> {
    text.parse()
}

fn parse_cloud(text: &str) -> Result<Cloud, String> {
    Cloud::parse(text)
}

/// `--warn-expiry`'s value: a duration, and whether it was written as a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarnExpiry {
    pub within: Duration,
    /// `--warn-expiry 90`: minutes, as the .NET entra-auth-cli read it (deprecated, warned about).
    pub plain_minutes: bool,
}

/// `--warn-expiry`: a duration like every other flag (`10m`, `1h`); a plain number still means
/// minutes, as in the .NET entra-auth-cli (deprecated: `run` says so on stderr).
fn parse_warn_expiry(text: &str) -> Result<WarnExpiry, String> {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
        return trimmed
            .parse::<u64>()
            .ok()
            .and_then(|minutes| minutes.checked_mul(60))
            .map(|seconds| WarnExpiry {
                within: Duration::from_secs(seconds),
                plain_minutes: true,
            })
            .ok_or_else(|| format!("`{trimmed}` minutes is out of range"));
    }
    parse_duration(trimmed).map(|within| WarnExpiry {
        within,
        plain_minutes: false,
    })
}

/// Print an access token for a profile.
///
/// The token comes from the cache when one is valid for at least --min-validity, else from the
/// identity provider (and is then cached). User flows are silent first: a saved sign-in (refresh
/// token) is used before asking anyone to sign in. Only the requested output goes to stdout;
/// notices and errors go to stderr.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct GetTokenArgs {
    #[command(flatten)]
    pub token: TokenArgs,

    /// Skip the cached token and get a new one (it is still cached unless --no-cache)
    #[arg(long)]
    pub force: bool,

    /// Neither read nor write the token cache
    #[arg(long)]
    pub no_cache: bool,

    /// A cached token with less time left than this is not served (e.g. 5m, 30m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub min_validity: Duration,

    /// Print the profile's refresh token for this container registry instead (an *.azurecr.io
    /// login server, or one the profile lists in container_registries), as `az acr login
    /// --expose-token` prints it with -o json: accessToken, loginServer, username
    #[arg(long, value_name = "HOST", conflicts_with_all = ["scope", "flow", "claims", "include_refresh_token", "force", "no_cache"])]
    pub registry: Option<String>,
}

/// The options `get-token` and `refresh` share.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Profile to use (names match case-insensitively)
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Scopes for this call, space- or comma-separated (default: the profile's, else Graph's .default)
    #[arg(short, long, value_name = "SCOPES")]
    pub scope: Option<String>,

    /// OAuth2 flow: client-credentials, interactive, device-code, authorization-code (the .NET entra-auth-cli's PascalCase names work too)
    #[arg(short, long, value_name = "FLOW", value_parser = parse_flow)]
    pub flow: Option<Flow>,

    /// Cloud for this call: public, usgov or china (sets the authority host)
    #[arg(long, value_name = "CLOUD", value_parser = parse_cloud)]
    pub cloud: Option<Cloud>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Token)]
    pub output: OutputFormat,

    /// Write the output to this file instead of stdout (atomically, mode 0600)
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Nothing on stderr except errors (sign-in instructions are still shown)
    #[arg(short = 'q', long)]
    pub silent: bool,

    /// Limit for the whole operation, retries and sign-in included (e.g. 30s, 2m)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Warn on stderr when the printed token expires within this duration (e.g. 10m, 1h; a plain
    /// number still means minutes, deprecated)
    #[arg(long, value_name = "DURATION", value_parser = parse_warn_expiry)]
    pub warn_expiry: Option<WarnExpiry>,

    /// Add refresh_token to json/yaml output for user flows (it otherwise never leaves the cache)
    #[arg(long)]
    pub include_refresh_token: bool,

    /// Fixed port for the browser sign-in's loopback listener (default: a free port)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Redirect URI for the browser sign-in (default: http://localhost:PORT)
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,

    /// Print the sign-in URL instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,

    /// Request a new token carrying these claims (never from the cache): a claims challenge from
    /// a resource's WWW-Authenticate header, base64 or the JSON object
    #[arg(long, visible_alias = "claims-challenge", value_name = "CLAIMS")]
    pub claims: Option<String>,

    /// Never prompt or wait for a person; fail with exit 3 if a sign-in is needed
    /// (also ENTRA_AUTH_NONINTERACTIVE=1, and automatically with no terminal and no browser)
    #[arg(long)]
    pub non_interactive: bool,
}

/// Runs `get-token`.
///
/// # Errors
/// Any failure, as the report to print.
pub fn run(args: &GetTokenArgs, services: &Services) -> Result<(), Report> {
    let cache_mode = CacheMode {
        read: !args.force && !args.no_cache,
        write: !args.no_cache,
    };
    if let Some(registry) = &args.registry {
        let token = &args.token;
        let wanted = super::registry_token::Args {
            profile: &token.profile,
            timeout: token.timeout,
            output: token.output,
            file: token.file.as_deref(),
        };
        return super::registry_token::run(registry, &wanted, services);
    }
    print_token(&args.token, cache_mode, args.min_validity, services)
}

impl TokenArgs {
    /// The use case's request for these flags.
    #[must_use]
    pub fn request(&self, cache_mode: CacheMode, min_validity: Duration) -> TokenRequest {
        TokenRequest {
            profile: self.profile.clone(),
            overrides: ProfileSettings {
                scopes: self.scope.clone().map(ScopeList::Text),
                // A cloud given on the command line beats any authority host from file or
                // environment.
                cloud: self.cloud.map(|c| c.name().to_owned()),
                authority_host: self.cloud.map(|c| c.authority_host().to_owned()),
                ..ProfileSettings::default()
            },
            flow: self.flow,
            browser: BrowserOptions {
                port: self.port,
                redirect_uri: self.redirect_uri.clone(),
                no_browser: self.no_browser,
            },
            non_interactive: self.non_interactive,
            cache_mode,
            min_validity,
            timeout: self.timeout,
            claims: self.claims.clone(),
        }
    }
}

/// Gets a token as `get-token` and `refresh` do, and prints it.
///
/// # Errors
/// Any failure, as the report to print.
pub fn print_token(
    args: &TokenArgs,
    cache_mode: CacheMode,
    min_validity: Duration,
    services: &Services,
) -> Result<(), Report> {
    let exec_info = if args.output == OutputFormat::ExecCredential {
        exec_info(services)?
    } else {
        ExecInfo::default()
    };
    let mut request = args.request(cache_mode, min_validity);
    // kubectl says whether a person is there; nobody would see a device code otherwise.
    if exec_info.interactive == Some(false) {
        request.non_interactive = true;
    }
    let ports = services.token_ports();
    let outcome = services.block_on(acquire(&ports, request))?;
    let now = services.clock.now();
    if let Some(WarnExpiry {
        within,
        plain_minutes,
    }) = args.warn_expiry
    {
        if plain_minutes {
            let minutes = within.as_secs() / 60;
            services.reporter.warn(&format!(
                "`--warn-expiry {minutes}` is read as minutes, as the .NET entra-auth-cli did; this form is deprecated: write `--warn-expiry {minutes}m`"
            ));
        }
        let left = outcome.token.expires_in(now);
        if left < i64::try_from(within.as_secs()).unwrap_or(i64::MAX) {
            services.reporter.warn(&format!(
                "the token expires in {} min (at {})",
                left / 60,
                rfc3339(outcome.token.expires_on)
            ));
        }
    }
    let mut view = TokenView::new(&outcome.token, &outcome.profile, outcome.source, now);
    if args.include_refresh_token {
        view.refresh_token = outcome
            .refresh_token
            .as_ref()
            .map(ExposeSecret::expose_secret);
    }
    let options = RenderOptions {
        exec_api: exec_info.api_version,
        az_subscription: services.env.non_empty(EnvVars::AZURE_SUBSCRIPTION_ID),
        time_zone: if args.output == OutputFormat::Az {
            jiff::tz::TimeZone::system()
        } else {
            jiff::tz::TimeZone::UTC
        },
    };
    let text = render(&view, args.output, &options)
        .map_err(|e| Report::new(ErrorKind::Io, "cannot render the output").cause(e))?;
    emit(&text, args.file.as_deref(), services)
}

/// `KUBERNETES_EXEC_INFO`, as kubectl sets it for an exec credential plugin.
fn exec_info(services: &Services) -> Result<ExecInfo, Report> {
    parse_exec_info(services.env.var(EnvVars::KUBERNETES_EXEC_INFO).as_deref()).map_err(|e| {
        Report::new(
            ErrorKind::Usage,
            format!(
                "{} is not a valid ExecCredential",
                EnvVars::KUBERNETES_EXEC_INFO
            ),
        )
        .cause(e)
        .hint("kubectl sets it for exec credential plugins; unset it to run by hand")
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse_warn_expiry;

    #[test]
    fn warn_expiry_takes_durations_and_plain_minutes() {
        let within = |text| parse_warn_expiry(text).map(|w| (w.within, w.plain_minutes));
        assert_eq!(within("10m"), Ok((Duration::from_secs(600), false)));
        assert_eq!(within("1h"), Ok((Duration::from_secs(3600), false)));
        assert_eq!(within("90s"), Ok((Duration::from_secs(90), false)));
        assert_eq!(within("10"), Ok((Duration::from_secs(600), true)));
        assert!(parse_warn_expiry("soon").is_err());
        assert!(parse_warn_expiry("99999999999999999999").is_err());
        assert!(parse_warn_expiry(&u64::MAX.to_string()).is_err());
    }
}
