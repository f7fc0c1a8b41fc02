//! `get-token`: its flags, and the wiring that runs the use case with real adapters.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use std::io::{IsTerminal, Write};

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::adapters::browser_opener::SystemBrowser;
use crate::adapters::http_transport::HttpTransport;
use crate::adapters::loopback_listener::TokioRedirectListener;
use crate::adapters::stderr_reporter::StderrReporter;
use crate::adapters::system_clock::SystemClock;
use crate::adapters::tty_prompt::TtyPrompt;
use crate::cli::emit::emit;
use crate::cli::output::{OutputFormat, TokenView, render, rfc3339};
use crate::composition::context::Context;
use crate::domain::authority::Cloud;
use crate::domain::duration::parse_duration;
use crate::domain::env_vars::EnvVars;
use crate::domain::flow::AuthMethod;
use crate::domain::flow::Flow;
use crate::domain::profile::{ProfileSettings, ScopeList};
use crate::domain::scopes::Scopes;
use crate::ports::browser::Browser;
use crate::ports::clock::Clock;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::usecases::credentials::CredentialResolver;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::get_token::{
    CacheMode, GetTokenPorts, GetTokenRequest, TokenOutcome, get_token,
};
use crate::usecases::managed_identity;
use crate::usecases::profile_resolution::DEFAULT_PROFILE;
use crate::usecases::user_flows::{BrowserOptions, UserFlowPorts};

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
  curl -H \"Authorization: Bearer $(entra-auth-cli get-token -q)\" \"$API_URL\"";

fn parse_flow(text: &str) -> Result<Flow, String> {
    text.parse()
}

fn parse_cloud(text: &str) -> Result<Cloud, String> {
    Cloud::parse(text)
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

    /// OAuth2 flow: client-credentials, interactive, device-code, authorization-code (the seed tool's PascalCase names work too)
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

    /// Warn on stderr when the printed token expires within this many minutes
    #[arg(long, value_name = "MINUTES")]
    pub warn_expiry: Option<u64>,

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

    /// Never prompt or wait for a person; fail with exit 3 if a sign-in is needed
    /// (also ENTRA_AUTH_NONINTERACTIVE=1, and automatically with no terminal and no browser)
    #[arg(long)]
    pub non_interactive: bool,
}

/// Runs `get-token` with the real adapters.
///
/// # Errors
/// Any [`AppError`]; the caller prints it and exits with its code.
pub fn run(args: &GetTokenArgs, env: &dyn Env) -> Result<(), AppError> {
    let cache_mode = CacheMode {
        read: !args.force && !args.no_cache,
        write: !args.no_cache,
    };
    run_token(&args.token, cache_mode, args.min_validity, env)
}

/// Gets a token as `get-token` and `refresh` do, and prints it.
///
/// # Errors
/// Any [`AppError`]; the caller prints it and exits with its code.
pub fn run_token(
    args: &TokenArgs,
    cache_mode: CacheMode,
    min_validity: Duration,
    env: &dyn Env,
) -> Result<(), AppError> {
    let (outcome, profile_name) = acquire_token(
        args,
        ProfileSettings::default(),
        cache_mode,
        min_validity,
        env,
    )?;
    let reporter = StderrReporter::new(args.silent);
    let now = SystemClock.now();
    if let Some(minutes) = args.warn_expiry {
        let left = outcome.token.expires_in(now);
        if left < i64::try_from(minutes.saturating_mul(60)).unwrap_or(i64::MAX) {
            reporter.warn(&format!(
                "the token expires in {} min (at {})",
                left / 60,
                rfc3339(outcome.token.expires_on)
            ));
        }
    }
    let mut view = TokenView::new(&outcome.token, &profile_name, outcome.source, now);
    if args.include_refresh_token {
        view.refresh_token = outcome
            .refresh_token
            .as_ref()
            .map(ExposeSecret::expose_secret);
    }
    let text = render(&view, args.output)
        .map_err(|e| AppError::new(ErrorKind::Io, "cannot render the output").cause(e))?;
    emit(&text, args.file.as_deref())
}

/// Gets a token as `get-token` does (profile, cache, credentials, flows, `--timeout`) without
/// printing it; `overrides` are flag-level profile settings (e.g. `discover -t`). Returns the
/// token and the profile's name.
///
/// # Errors
/// Any [`AppError`]; the caller prints it and exits with its code.
pub fn acquire_token(
    args: &TokenArgs,
    overrides: ProfileSettings,
    cache_mode: CacheMode,
    min_validity: Duration,
    env: &dyn Env,
) -> Result<(TokenOutcome, String), AppError> {
    let deadline_start = Instant::now();
    let reporter = StderrReporter::new(args.silent);
    let context = Context::load(env)?;
    let flags = ProfileSettings {
        scopes: args.scope.clone().map(ScopeList::Text),
        // A cloud given on the command line beats any authority host from file or environment.
        cloud: args.cloud.map(|c| c.name().to_owned()),
        authority_host: args.cloud.map(|c| c.authority_host().to_owned()),
        ..overrides
    };
    let profile = context.resolve_profile(env, &args.profile, &flags)?;
    let scopes: Scopes = profile.scopes.with_default_suffix();
    let managed_identity = (profile.auth_method == Some(AuthMethod::ManagedIdentity))
        .then(|| managed_identity::Source::detect(env));
    let storage = context.storage(env)?;
    if let Some(notice) = storage
        .fallback_notice
        .as_deref()
        .filter(|_| cache_mode.write)
    {
        reporter.warn(notice);
    }
    // Managed identity endpoints are link-local or loopback: never through a proxy.
    let transport =
        HttpTransport::new(profile.authority.is_loopback() || managed_identity.is_some());
    let clock = SystemClock;
    let prompt = TtyPrompt::new(env.non_empty(EnvVars::ENTRA_AUTH_NONINTERACTIVE).is_none());
    let credentials = CredentialResolver {
        env_secret: env
            .non_empty(EnvVars::AZURE_CLIENT_SECRET)
            .map(SecretString::from),
        env_certificate_password: env
            .non_empty(EnvVars::AZURE_CLIENT_CERTIFICATE_PASSWORD)
            .map(SecretString::from),
        secrets: storage.secrets.as_ref(),
        prompt: &prompt,
    };
    let browser = SystemBrowser::from_env(env.non_empty("BROWSER"));
    let listener = TokioRedirectListener;
    let instructions = |text: &str| {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    };
    let user = UserFlowPorts {
        idp: &transport,
        browser: &browser,
        listener: &listener,
        clock: &clock,
        reporter: &reporter,
        instructions: &instructions,
    };
    let explicit_flow = args.flow;
    let flow = match explicit_flow.or(profile.flow) {
        Some(flow) => flow,
        None => default_flow(&profile, env, &credentials, &browser),
    };
    let person_can_act =
        std::io::stdin().is_terminal() || std::io::stderr().is_terminal() || browser.available();
    let interactive = !args.non_interactive
        && env.non_empty(EnvVars::ENTRA_AUTH_NONINTERACTIVE).is_none()
        && (explicit_flow.is_some() || person_can_act);
    let ports = GetTokenPorts {
        cache: storage.tokens.as_ref(),
        credentials: &credentials,
        locks: storage.locks.as_deref(),
        user: Some(&user),
        idp: &transport,
        clock: &clock,
        reporter: &reporter,
    };
    let profile_name = profile.name.clone();
    let request = GetTokenRequest {
        flow: Some(flow),
        profile,
        scopes,
        managed_identity,
        browser: BrowserOptions {
            port: args.port,
            redirect_uri: args.redirect_uri.clone(),
            no_browser: args.no_browser,
        },
        interactive,
        cache_mode,
        min_validity,
        deadline: deadline_start + args.timeout,
    };
    let deadline = request.deadline;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            AppError::new(ErrorKind::Io, "cannot start the async runtime").cause(e.to_string())
        })?;
    let outcome = runtime
        .block_on(async { tokio::time::timeout_at(deadline, get_token(&ports, request)).await })
        .map_err(|_| timeout_error(args.timeout))??;
    Ok((outcome, profile_name))
}

/// The flow when neither `-f` nor the profile names one: client credentials when the profile has
/// an app credential (or is a managed identity), else a browser sign-in when a browser can be
/// opened, else device code.
fn default_flow(
    profile: &crate::domain::profile::Profile,
    env: &dyn Env,
    credentials: &CredentialResolver<'_>,
    browser: &SystemBrowser,
) -> Flow {
    let app_credential = match profile.auth_method {
        Some(AuthMethod::None) => false,
        Some(_) => true,
        None => {
            env.non_empty(EnvVars::AZURE_CLIENT_SECRET).is_some()
                || profile.certificate_path.is_some()
                || profile.federated_token_file.is_some()
                || credentials.has_stored_secret(profile)
        }
    };
    if app_credential {
        Flow::ClientCredentials
    } else if browser.available() {
        Flow::Interactive
    } else {
        Flow::DeviceCode
    }
}

fn timeout_error(limit: Duration) -> AppError {
    AppError::new(
        ErrorKind::Timeout,
        format!("timed out after {} waiting for a token", humanize(limit)),
    )
    .hint("raise the limit with --timeout (e.g. --timeout 2m), or check that the authority host answers")
}

fn humanize(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_millis() != 0 || secs == 0 {
        format!("{} ms", d.as_millis())
    } else if secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}
