//! `config list` and `config show`: what profiles exist and what is in them (never secrets).

use std::fmt::Write as _;

/// Why variables are listed under `not used` (here and in `status`).
pub const NOT_USED_WHY: &str =
    "a named profile keeps the fields its file sets; ENTRA_AUTH_<FIELD> overrides";

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::app::cli::emit::emit;
use crate::app::cli::output::render_json;
use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::profiles::resolution::DEFAULT_PROFILE;
use crate::app::usecases::profiles::summary::{self, ProfileSummary};
use crate::domain::env_vars::EnvVars;
use crate::ports::profile_repository::ProfileRepository;

/// `-o` for list and show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Lines for people
    Text,
    /// JSON
    Json,
    /// YAML
    Yaml,
}

/// List the profiles (from config.toml, plus `default` when the environment defines it).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  entra-auth-cli config list\n  entra-auth-cli config list -o json | jq -r '.[].name'"
)]
pub struct ListArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

/// Show one profile's settings as resolved (file, then environment), and which secrets are
/// stored for it (names only).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  entra-auth-cli config show -p prod\n  entra-auth-cli config show -p prod -o yaml"
)]
pub struct ShowArgs {
    /// Profile to show (names match case-insensitively)
    #[arg(short, long, value_name = "NAME", env = EnvVars::ENTRA_AUTH_PROFILE, default_value = DEFAULT_PROFILE)]
    pub profile: String,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

fn render<T: Serialize>(
    value: &T,
    format: ListFormat,
    text: impl FnOnce() -> String,
) -> Result<String, Report> {
    let rendered = match format {
        ListFormat::Text => Ok(text()),
        ListFormat::Json => render_json(value),
        ListFormat::Yaml => serde_yaml::to_string(value).map_err(|e| e.to_string()),
    };
    rendered.map_err(|e| Report::new(ErrorKind::Io, "cannot render the output").cause(e))
}

/// Runs `config list`.
///
/// # Errors
/// An unusable config file.
pub fn list(args: &ListArgs, services: &Services) -> Result<(), Report> {
    let rows: Vec<ProfileSummary> = summary::list(&services.profile_ports())?;
    let text = render(&rows, args.output, || {
        if rows.is_empty() {
            let where_ = services
                .profiles
                .location()
                .map_or_else(String::new, |p| format!(" in {p}"));
            return format!(
                "no profiles{where_}; create one with `entra-auth-cli config create`\n"
            );
        }
        let mut out = format!(
            "{:<16} {:<38} {:<38} {}\n",
            "NAME", "TENANT", "CLIENT", "METHOD/FLOW"
        );
        for r in &rows {
            let how = r
                .auth_method
                .clone()
                .or_else(|| r.flow.clone())
                .unwrap_or_else(|| "auto".to_owned());
            let _ = writeln!(
                out,
                "{:<16} {:<38} {:<38} {}{}",
                r.name,
                r.tenant_id.as_deref().unwrap_or("-"),
                r.client_id.as_deref().unwrap_or("-"),
                how,
                r.problem
                    .as_ref()
                    .map_or_else(String::new, |p| format!("  ({p})"))
            );
        }
        out
    })?;
    emit(&text, None, services)
}

/// Runs `config show`.
///
/// # Errors
/// Unknown profile (exit 2), an unusable config file.
pub fn show(args: &ShowArgs, services: &Services) -> Result<(), Report> {
    let profile = summary::show(&services.profile_ports(), &args.profile)?;
    let text = render(&profile, args.output, || {
        let mut out = String::new();
        let _ = writeln!(out, "profile {} (from {})", profile.name, profile.source);
        // Each value says where it came from unless that is the config file.
        let mut line = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                match profile.sources.get(k).filter(|s| *s != "config file") {
                    Some(source) => {
                        let _ = writeln!(out, "  {k:<22}{v}  (from {source})");
                    }
                    None => {
                        let _ = writeln!(out, "  {k:<22}{v}");
                    }
                }
            }
        };
        line("tenant_id", profile.tenant_id.clone());
        line("client_id", profile.client_id.clone());
        line(
            "scopes",
            Some(profile.scopes.join(" ")).filter(|s| !s.is_empty()),
        );
        line("flow", profile.flow.clone());
        line("auth_method", profile.auth_method.clone());
        line("authority", profile.authority.clone());
        line("certificate_path", profile.certificate_path.clone());
        line("federated_token_file", profile.federated_token_file.clone());
        line("redirect_uri", profile.redirect_uri.clone());
        line("port", profile.port.map(|p| p.to_string()));
        line("login_hint", profile.login_hint.clone());
        line("problem", profile.problem.clone());
        line(
            "not used",
            (!profile.not_used.is_empty())
                .then(|| format!("{} ({NOT_USED_WHY})", profile.not_used.join(", "))),
        );
        let names = profile.secrets.clone().unwrap_or_default();
        line(
            "stored secrets",
            Some(if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }),
        );
        out
    })?;
    emit(&text, None, services)
}
