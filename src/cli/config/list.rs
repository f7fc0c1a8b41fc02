//! `config list` and `config show`: what profiles exist and what is in them (never secrets).

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::cli::emit::emit;
use crate::cli::output::render_json;
use crate::composition::context::Context;
use crate::domain::profile::{Profile, ProfileSettings};
use crate::ports::env::Env;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::{known_profiles, require_profile};

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
    /// Profile to show
    #[arg(short, long, value_name = "NAME", default_value = "default")]
    pub profile: String,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

/// One profile, as list and show print it.
#[derive(Debug, Serialize)]
pub struct ProfileSummary {
    pub name: String,
    pub source: &'static str,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    pub flow: Option<String>,
    pub auth_method: Option<String>,
    pub authority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federated_token_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Stored secret names (`secret`, `cert-password`); `show` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
}

fn summary(context: &Context, env: &dyn Env, name: &str) -> ProfileSummary {
    let source = if context
        .config
        .as_ref()
        .and_then(|c| c.profile(name))
        .is_some()
    {
        "config"
    } else {
        "environment"
    };
    let resolved: Result<Profile, AppError> =
        context.resolve_profile(env, name, &ProfileSettings::default());
    match resolved {
        Ok(p) => ProfileSummary {
            name: p.name.clone(),
            source,
            tenant_id: Some(p.tenant_id.clone()).filter(|t| !t.is_empty()),
            client_id: Some(p.client_id.clone()).filter(|c| !c.is_empty()),
            scopes: p.scopes.iter().map(str::to_owned).collect(),
            flow: p.flow.map(|f| f.to_string()),
            auth_method: p.auth_method.map(|m| m.to_string()),
            authority: Some(p.authority.as_str().to_owned()),
            certificate_path: p.certificate_path.clone(),
            federated_token_file: p.federated_token_file.clone(),
            redirect_uri: p.redirect_uri.clone(),
            port: p.port,
            login_hint: p.login_hint.clone(),
            problem: None,
            secrets: None,
        },
        Err(e) => ProfileSummary {
            name: name.to_owned(),
            source,
            tenant_id: None,
            client_id: None,
            scopes: Vec::new(),
            flow: None,
            auth_method: None,
            authority: None,
            certificate_path: None,
            federated_token_file: None,
            redirect_uri: None,
            port: None,
            login_hint: None,
            problem: Some(e.message),
            secrets: None,
        },
    }
}

fn render<T: Serialize>(
    value: &T,
    format: ListFormat,
    text: impl FnOnce() -> String,
) -> Result<String, AppError> {
    let rendered = match format {
        ListFormat::Text => Ok(text()),
        ListFormat::Json => render_json(value),
        ListFormat::Yaml => serde_yaml::to_string(value).map_err(|e| e.to_string()),
    };
    rendered.map_err(|e| AppError::new(ErrorKind::Io, "cannot render the output").cause(e))
}

/// Runs `config list`.
///
/// # Errors
/// An unusable config file.
pub fn list(args: &ListArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let rows: Vec<ProfileSummary> = known_profiles(context.config.as_ref(), env)
        .iter()
        .map(|n| summary(&context, env, n))
        .collect();
    let text = render(&rows, args.output, || {
        if rows.is_empty() {
            let where_ = context
                .config_path
                .as_ref()
                .map_or_else(String::new, |p| format!(" in {}", p.display()));
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
    emit(&text, None)
}

/// Runs `config show`.
///
/// # Errors
/// Unknown profile (exit 2), an unusable config file.
pub fn show(args: &ShowArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let name = require_profile(
        context.config.as_ref(),
        context.config_path.as_deref(),
        env,
        &args.profile,
    )?;
    let mut profile = summary(&context, env, &name);
    let secrets = context
        .storage(env)
        .ok()
        .and_then(|s| s.secrets.list().ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(p, _)| p.eq_ignore_ascii_case(&name))
        .map(|(_, k)| k.as_str().to_owned())
        .collect();
    profile.secrets = Some(secrets);
    let text = render(&profile, args.output, || {
        let mut out = String::new();
        let _ = writeln!(out, "profile {} (from {})", profile.name, profile.source);
        let mut line = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                let _ = writeln!(out, "  {k:<22}{v}");
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
    emit(&text, None)
}
