//! `discover`: search a tenant's app registrations through Microsoft Graph with the profile's
//! identity, print them (table or JSON), and optionally save the single hit as a new profile.

use std::fmt::Write as _;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::emit::emit;
use super::output::render_json;
use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::discover::{Application, DiscoverRequest, discover};
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::domain::duration::parse_duration;
use crate::domain::env_vars::EnvVars;
use crate::domain::text::printable_line;
use crate::ports::reporter::Reporter;

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
  entra-auth-cli discover 'billing*' -o json

  # Names containing \"test\", in another tenant
  entra-auth-cli discover -t contoso.onmicrosoft.com '*test*'

  # Save the app named exactly \"Billing API\" as profile `billing`, then give it its secret
  entra-auth-cli discover 'Billing API' --create-profile billing
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

    /// Display-name pattern: `*` matches any characters; no `*` means the exact name [default: *]
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<String>,

    /// The pattern as an option (deprecated: `-s` means --scope in every other command; give
    /// the pattern as an argument instead)
    #[arg(
        short,
        long,
        value_name = "PATTERN",
        hide = true,
        conflicts_with = "pattern"
    )]
    pub search: Option<String>,

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
pub fn run(args: &DiscoverArgs, services: &Services) -> Result<(), Report> {
    if let Some(pattern) = &args.search {
        services.reporter.warn(&format!(
            "`-s`/`--search` is deprecated here (`-s` is --scope in every other command): write `entra-auth-cli discover '{}'`",
            printable_line(pattern)
        ));
    }
    let pattern = args
        .pattern
        .clone()
        .or_else(|| args.search.clone())
        .unwrap_or_else(|| "*".to_owned());
    let request = DiscoverRequest {
        profile: args.profile.clone(),
        tenant: args.tenant.clone(),
        pattern: pattern.clone(),
        create_profile: args.create_profile.clone(),
        timeout: args.timeout,
    };
    let ports = services.token_ports();
    let found = services.block_on(discover(&ports, request))?;
    print_applications(args, &pattern, services, &found.applications)?;
    if let Some((name, location)) = found.created?
        && let [app] = found.applications.as_slice()
    {
        services.reporter.progress(&format!(
            "created profile `{name}` for `{}` (client ID {}) in {location}",
            printable_line(&app.display_name),
            app.app_id,
        ));
        services.reporter.progress(&format!(
            "next: store its client secret with `entra-auth-cli config set-secret -p {name}`, or set AZURE_CLIENT_SECRET"
        ));
    }
    Ok(())
}

fn print_applications(
    args: &DiscoverArgs,
    pattern: &str,
    services: &Services,
    apps: &[Application],
) -> Result<(), Report> {
    let text = match args.output {
        DiscoverFormat::Table => render_table(apps),
        DiscoverFormat::Json => render_json(&apps)
            .map_err(|e| Report::new(ErrorKind::Io, "cannot render the output").cause(e))?,
    };
    emit(&text, None, services)?;
    if apps.is_empty() && args.output == DiscoverFormat::Table {
        services.reporter.progress(&format!(
            "no app registrations match `{}`",
            printable_line(pattern)
        ));
    }
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
                printable_line(&app.app_id),
                printable_line(&app.display_name),
                printable_line(app.sign_in_audience.as_deref().unwrap_or("-")),
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
