//! `discover`: search a tenant's app registrations through Microsoft Graph with the profile's
//! identity, print them (table or JSON), and optionally save the single hit as a new profile.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use tokio::time::Instant;

use super::get_token::{TokenArgs, acquire_token};
use crate::adapters::config_writer::ConfigDocument;
use crate::adapters::http_transport::HttpTransport;
use crate::adapters::stderr_reporter::StderrReporter;
use crate::cli::emit::emit;
use crate::cli::output::{OutputFormat, render_json};
use crate::composition::context::{Context, config_error};
use crate::domain::authority::{Authority, Cloud};
use crate::domain::duration::parse_duration;
use crate::domain::env_vars::EnvVars;
use crate::domain::graph_filter::{Pattern, graph_endpoint};
use crate::domain::profile::{ProfileSettings, validate_profile_name};
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::usecases::discover::{Application, SearchRequest, search_applications};
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::get_token::CacheMode;
use crate::usecases::profile_resolution::DEFAULT_PROFILE;

const NOTES: &str = "\
Patterns (matched against the whole display name, ignoring case; `*` is any characters):
  MyApp     exactly \"MyApp\"                     Graph filters: displayName eq 'MyApp'
  MyApp*    names starting with \"MyApp\"         Graph filters: startswith(displayName,'MyApp')
  My*App    starting with \"My\", ending \"App\"    Graph filters the prefix, the rest is matched here
  *api*     names containing \"api\"              every page is listed, then matched here
  *         every app registration (default)

The profile's identity needs Microsoft Graph's Application.Read.All permission (an application
permission with admin consent for client-credentials profiles, delegated for signed-in users).
ENTRA_AUTH_GRAPH_ENDPOINT overrides the Graph endpoint of the profile's cloud.

Examples:
  # Every app registration in the default profile's tenant
  entra-auth-cli discover

  # Names starting with \"billing\", as JSON
  entra-auth-cli discover -s 'billing*' -o json

  # Names containing \"test\", in another tenant
  entra-auth-cli discover -t contoso.onmicrosoft.com -s '*test*'

  # Save the app named exactly \"Billing API\" as profile `billing`, then give it its secret
  entra-auth-cli discover -s 'Billing API' --create-profile billing
  printf %s \"$SECRET\" | entra-auth-cli config set-secret -p billing";

/// `discover -o` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiscoverFormat {
    /// Columns for people: application (client) ID, display name, sign-in audience
    Table,
    /// One JSON array of objects (app_id, display_name, sign_in_audience, object_id, created_at)
    Json,
}

/// Search app registrations through Microsoft Graph.
#[derive(Debug, Args)]
#[command(after_help = NOTES)]
pub struct DiscoverArgs {
    /// Profile whose identity searches (names match case-insensitively)
    #[arg(short, long, env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,

    /// Tenant to search, ID or domain (default: the profile's tenant)
    #[arg(short, long, value_name = "TENANT")]
    pub tenant: Option<String>,

    /// Display-name pattern: `*` matches any characters; no `*` means the exact name
    #[arg(short, long, value_name = "PATTERN", default_value = "*")]
    pub search: String,

    /// Save the single matching app as a new profile NAME (its tenant_id and client_id);
    /// fails when the pattern matches no app or several, or NAME exists
    #[arg(long, value_name = "NAME")]
    pub create_profile: Option<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = DiscoverFormat::Table)]
    pub output: DiscoverFormat,

    /// Limit for the whole search, token included (e.g. 30s, 2m)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// Runs `discover`.
///
/// # Errors
/// Those of `get-token` for the Graph token; Graph refusing (exit 3, with the permission to
/// grant) or unreachable (exit 4); `--create-profile` without exactly one hit, or with a name
/// that exists (exit 1).
pub fn run(args: &DiscoverArgs, env: &dyn Env) -> Result<(), AppError> {
    let deadline = Instant::now() + args.timeout;
    let context = Context::load(env)?;
    let overrides = ProfileSettings {
        tenant_id: args.tenant.clone(),
        ..ProfileSettings::default()
    };
    let profile = context.resolve_profile(env, &args.profile, &overrides)?;
    let new_profile = match &args.create_profile {
        Some(name) => Some(check_new_profile(&context, name)?),
        None => None,
    };
    let graph = graph_base(env, profile.cloud)?;
    let token_args = TokenArgs {
        profile: args.profile.clone(),
        scope: Some(profile.cloud.default_graph_scope().to_owned()),
        flow: None,
        cloud: None,
        output: OutputFormat::Token,
        file: None,
        silent: false,
        timeout: args.timeout,
        warn_expiry: None,
        include_refresh_token: false,
        port: None,
        redirect_uri: None,
        no_browser: false,
        non_interactive: false,
    };
    let cache = CacheMode {
        read: true,
        write: true,
    };
    let (outcome, _) = acquire_token(&token_args, overrides, cache, Duration::from_secs(300), env)?;
    let pattern = Pattern::new(&args.search);
    let transport = HttpTransport::new(graph.is_loopback());
    let reporter = StderrReporter::new(false);
    let request = SearchRequest {
        graph: graph.as_str(),
        token: &outcome.token.access_token,
        pattern: &pattern,
        deadline,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            AppError::new(ErrorKind::Io, "cannot start the async runtime").cause(e.to_string())
        })?;
    let apps = runtime
        .block_on(async {
            tokio::time::timeout_at(
                deadline,
                search_applications(&transport, &reporter, &request),
            )
            .await
        })
        .map_err(|_| {
            AppError::new(
                ErrorKind::Timeout,
                "timed out listing app registrations in Microsoft Graph",
            )
            .hint("raise the limit with --timeout (e.g. --timeout 2m), or narrow the pattern with a prefix (-s 'MyApp*')")
        })??;

    let text = match args.output {
        DiscoverFormat::Table => render_table(&apps),
        DiscoverFormat::Json => render_json(&apps)
            .map_err(|e| AppError::new(ErrorKind::Io, "cannot render the output").cause(e))?,
    };
    emit(&text, None)?;
    if apps.is_empty() && args.output == DiscoverFormat::Table {
        reporter.progress(&format!(
            "no app registrations match `{}`",
            printable(pattern.as_str())
        ));
    }
    match (new_profile, apps.as_slice()) {
        (None, _) => Ok(()),
        (Some((name, path)), [app]) => create_profile(&name, &path, &profile, app, &reporter),
        (Some(_), apps) => Err(AppError::new(
            ErrorKind::Usage,
            format!(
                "--create-profile needs exactly one matching app registration; {} match `{}`",
                apps.len(),
                printable(pattern.as_str())
            ),
        )
        .hint("give the exact display name without `*` (e.g. -s 'Billing API'), then retry")),
    }
}

/// The Graph endpoint: `ENTRA_AUTH_GRAPH_ENDPOINT`, else the cloud's.
fn graph_base(env: &dyn Env, cloud: Cloud) -> Result<Authority, AppError> {
    let text = env
        .non_empty(EnvVars::ENTRA_AUTH_GRAPH_ENDPOINT)
        .unwrap_or_else(|| graph_endpoint(cloud).to_owned());
    Authority::parse(&text).map_err(|reason| {
        AppError::new(
            ErrorKind::Config,
            format!(
                "{} is not a usable Microsoft Graph endpoint",
                EnvVars::ENTRA_AUTH_GRAPH_ENDPOINT
            ),
        )
        .cause(reason)
        .hint("use https://HOST (plain http only for 127.0.0.1 or localhost), or unset it")
    })
}

/// Checks before any request that `name` is valid and free; returns it with the config path.
fn check_new_profile(context: &Context, name: &str) -> Result<(String, PathBuf), AppError> {
    validate_profile_name(name)
        .map_err(|r| AppError::new(ErrorKind::Usage, "invalid --create-profile name").cause(r))?;
    let path = context.config_path.clone().ok_or_else(|| {
        AppError::new(ErrorKind::Config, "no config directory")
            .hint("set ENTRA_AUTH_CONFIG_DIR or HOME")
    })?;
    let doc = ConfigDocument::open(&path).map_err(config_error)?;
    match doc.find(name) {
        Some(existing) => Err(exists(&existing, &path)),
        None => Ok((name.to_owned(), path)),
    }
}

fn exists(name: &str, path: &std::path::Path) -> AppError {
    AppError::new(
        ErrorKind::Usage,
        format!("profile `{name}` already exists in {}", path.display()),
    )
    .hint("choose another --create-profile name; discover never replaces a profile")
}

/// Writes `[profiles.NAME]` with the searched tenant and the app's client ID (and the cloud
/// when it is not the public one), re-checking that the name is still free.
fn create_profile(
    name: &str,
    path: &std::path::Path,
    searched: &crate::domain::profile::Profile,
    app: &Application,
    reporter: &dyn Reporter,
) -> Result<(), AppError> {
    let mut doc = ConfigDocument::open(path).map_err(config_error)?;
    if let Some(existing) = doc.find(name) {
        return Err(exists(&existing, path));
    }
    doc.set_profile(
        name,
        &ProfileSettings {
            tenant_id: Some(searched.tenant_id.clone()),
            client_id: Some(app.app_id.clone()),
            cloud: (searched.cloud != Cloud::Public).then(|| searched.cloud.name().to_owned()),
            ..ProfileSettings::default()
        },
    );
    doc.save().map_err(|e| {
        AppError::new(ErrorKind::Io, format!("cannot write {}", path.display()))
            .cause(e.to_string())
    })?;
    reporter.progress(&format!(
        "created profile `{name}` for `{}` (client ID {}) in {}",
        printable(&app.display_name),
        app.app_id,
        path.display()
    ));
    reporter.progress(&format!(
        "next: store its client secret with `entra-auth-cli config set-secret -p {name}`, or set AZURE_CLIENT_SECRET"
    ));
    Ok(())
}

/// Columns separated by two spaces; names are shown without control characters.
fn render_table(apps: &[Application]) -> String {
    if apps.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 3]> = apps
        .iter()
        .map(|app| {
            [
                printable(&app.app_id),
                printable(&app.display_name),
                printable(app.sign_in_audience.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    let header = ["APP ID", "DISPLAY NAME", "SIGN-IN AUDIENCE"].map(str::to_owned);
    let width = |column: usize| {
        std::iter::once(&header)
            .chain(&rows)
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (id_width, name_width) = (width(0), width(1));
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<id_width$}  {:<name_width$}  {}",
            row[0], row[1], row[2]
        );
    }
    out
}

fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
