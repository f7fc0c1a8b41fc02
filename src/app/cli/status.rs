//! `status` (alias `doctor`): what the CLI would use and why, without printing any secret.

use clap::{Args, ValueEnum};

use std::fmt::Write as _;

use super::config::list::NOT_USED_WHY;
use super::emit::emit;
use super::output::render_json;
use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::status::{StatusReport, gather};
use crate::domain::text::printable;
use crate::ports::clock::Clock;

const EXAMPLES: &str = "\
Examples:
  # Which config file and store are in use, and what is cached
  entra-auth-cli status

  # The same as JSON, for scripts and bug reports
  entra-auth-cli doctor -o json";

/// `status -o` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Lines for people
    Text,
    /// One JSON object
    Json,
}

/// Show the config file, the secret/token store in use and why, and each profile's stored
/// secrets (names only) and cached tokens (expiry only).
///
/// Exits 1 when the config file or the store has a problem, after describing it.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct StatusArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = StatusFormat::Text)]
    pub output: StatusFormat,
}

/// Runs `status`.
///
/// # Errors
/// The config file cannot be used, or no store can be selected (after printing the report).
pub fn run(args: &StatusArgs, services: &Services) -> Result<(), Report> {
    let cache_dir = services
        .paths
        .cache_dir
        .as_ref()
        .map(|p| p.display().to_string());
    let (report, store_error) = gather(&services.status_ports(), cache_dir, services.clock.now())?;
    let text = match args.output {
        StatusFormat::Text => render_text(&report),
        StatusFormat::Json => render_json(&report)
            .map_err(|e| Report::new(ErrorKind::Io, "cannot render the report").cause(e))?,
    };
    emit(&text, None, services)?;
    match store_error {
        None => Ok(()),
        Some(error) => Err(error.into()),
    }
}

/// The human-readable report.
#[must_use]
pub fn render_text(report: &StatusReport) -> String {
    let mut out = String::new();
    let config = match (&report.config_file, report.config_file_exists) {
        (Some(path), true) => path.clone(),
        (Some(path), false) if report.config_error.is_some() => path.clone(),
        (Some(path), false) => format!("{path} (does not exist)"),
        (None, _) => "none (no HOME or ENTRA_AUTH_CONFIG_DIR)".to_owned(),
    };
    let _ = writeln!(out, "config file:  {config}");
    if let Some(problem) = &report.config_error {
        let _ = writeln!(out, "              unusable: {}", printable(problem));
    }
    let _ = writeln!(
        out,
        "cache dir:    {}",
        report.cache_dir.as_deref().unwrap_or("none")
    );
    match &report.store.error {
        Some(error) => {
            let _ = writeln!(out, "store:        unavailable: {error}");
        }
        None => {
            let _ = writeln!(
                out,
                "store:        {} ({})",
                report.store.backend, report.store.reason
            );
            let _ = writeln!(out, "requested:    {}", report.store.requested);
            if let Some(tier) = &report.store.fast_tier {
                let _ = writeln!(out, "fast tier:    {tier}");
            }
            if report.store.locked_file_store {
                let _ = writeln!(
                    out,
                    "locked:       the encrypted file store holds secrets; set the ENTRA_AUTH_CACHE_KEY they were stored with to use them"
                );
            }
        }
    }
    if report.client_secret_from_environment {
        let _ = match &report.client_secret_app {
            Some(app) => writeln!(
                out,
                "AZURE_CLIENT_SECRET is set: for the profiles of AZURE_CLIENT_ID's app ({}), it wins over stored client secrets",
                printable(app)
            ),
            None => writeln!(
                out,
                "AZURE_CLIENT_SECRET is set: it wins over stored client secrets"
            ),
        };
    }
    if let Some(ci) = &report.ci {
        let _ = writeln!(out, "CI:           {} ({})", ci.service, ci.reason);
    }
    if report.profiles.is_empty() {
        let _ = writeln!(out, "profiles:     none");
    }
    for profile in &report.profiles {
        let _ = writeln!(out, "\nprofile {}", profile.name);
        if let Some(error) = &profile.error {
            let _ = writeln!(out, "  problem:    {error}");
        }
        if let (Some(tenant), Some(client), Some(authority)) =
            (&profile.tenant_id, &profile.client_id, &profile.authority)
        {
            let from = |fields: &[&str]| {
                fields
                    .iter()
                    .find_map(|f| profile.sources.get(f))
                    .map_or_else(String::new, |source| format!(" (from {source})"))
            };
            let _ = writeln!(out, "  tenant:     {tenant}{}", from(&["tenant_id"]));
            let _ = writeln!(out, "  client:     {client}{}", from(&["client_id"]));
            let _ = writeln!(
                out,
                "  authority:  {authority}{}",
                from(&["authority_host", "cloud"])
            );
        }
        if !profile.not_used.is_empty() {
            let _ = writeln!(
                out,
                "  not used:   {} ({NOT_USED_WHY})",
                profile.not_used.join(", ")
            );
        }
        if let Some(credential) = &profile.credential {
            let _ = writeln!(out, "  credential: {credential}");
        }
        let unreadable = profile
            .unreadable_secrets
            .iter()
            .map(|name| format!("{name} (does not open with this ENTRA_AUTH_CACHE_KEY: set the key it was stored with, or store it again)"));
        let secrets: Vec<String> = profile.secrets.iter().cloned().chain(unreadable).collect();
        let secrets = if secrets.is_empty() {
            "none stored".to_owned()
        } else {
            secrets.join(", ")
        };
        let _ = writeln!(out, "  secrets:    {secrets}");
        if let Some(user) = &profile.signed_in_as {
            let _ = writeln!(out, "  signed in:  {user}");
        }
        if profile.cached_tokens.is_empty() {
            let _ = writeln!(out, "  tokens:     none cached");
        }
        for token in &profile.cached_tokens {
            let left = if token.expires_in > 0 {
                format!("{} min left", token.expires_in / 60)
            } else {
                "expired".to_owned()
            };
            let _ = writeln!(
                out,
                "  token:      {} expires {} ({left})",
                token.scope, token.expires_at
            );
        }
    }
    if report.other_cached_tokens > 0 {
        let _ = writeln!(
            out,
            "\n{} cached token(s) belong to no current profile (`entra-auth-cli logout --all` removes them)",
            report.other_cached_tokens
        );
    }
    out
}
