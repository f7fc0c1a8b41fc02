//! `config edit`: change fields of an existing profile (flags, or prompts on a terminal);
//! comments and other content of config.toml are kept.

use clap::Args;

use super::fields::{FieldArgs, ask, on_terminal, secret_from_stdin, validate};
use crate::adapters::config_writer::ConfigDocument;
use crate::adapters::stderr_reporter::StderrReporter;
use crate::composition::context::{Context, config_error};
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::{FIELDS, require_profile};

const EXAMPLES: &str = "\
Examples:
  # Point a profile at another tenant and scope
  entra-auth-cli config edit -p prod --tenant-id fabrikam.onmicrosoft.com --scope https://vault.azure.net/.default

  # Remove a field
  entra-auth-cli config edit -p prod --unset redirect_uri";

/// Change fields of a profile. With no field flags on a terminal, each field is asked for with
/// its current value as the default.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct EditArgs {
    /// Profile to edit
    #[arg(short, long, value_name = "NAME")]
    pub profile: String,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Remove a field (repeatable), e.g. --unset port
    #[arg(long, value_name = "FIELD")]
    pub unset: Vec<String>,
}

/// Runs `config edit`.
///
/// # Errors
/// Unknown profile (exit 2), invalid fields (exit 1), I/O.
pub fn run(args: &EditArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let path = context
        .config_path
        .clone()
        .ok_or_else(|| AppError::new(ErrorKind::Config, "no config directory"))?;
    let mut doc = ConfigDocument::open(&path).map_err(config_error)?;
    let Some(name) = doc.find(&args.profile) else {
        // Same "not found" message as everywhere else (lists the profiles that exist).
        require_profile(
            context.config.as_ref(),
            context.config_path.as_deref(),
            env,
            &args.profile,
        )?;
        return Err(AppError::new(
            ErrorKind::ProfileNotFound,
            format!("profile `{}` is not in {}", args.profile, path.display()),
        )
        .hint("the environment-only profile has no file entry; create one with `config create`"));
    };
    for field in &args.unset {
        if !FIELDS.contains(&field.as_str()) {
            return Err(
                AppError::new(ErrorKind::Usage, format!("unknown field `{field}`"))
                    .hint(format!("fields: {}", FIELDS.join(", "))),
            );
        }
    }
    let mut fields = args.fields.clone();
    let nothing_given = fields.settings() == crate::domain::profile::ProfileSettings::default()
        && args.unset.is_empty()
        && !fields.client_secret_stdin;
    if nothing_given {
        if !on_terminal() {
            return Err(AppError::new(ErrorKind::Usage, "nothing to change")
                .hint("pass the fields to change as flags (see `config edit --help`)"));
        }
        let current = context
            .config
            .as_ref()
            .and_then(|c| c.profile(&name))
            .map(|(_, d)| d.clone())
            .unwrap_or_default();
        let now = |key: &str| current.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        fields.tenant_id = ask("Tenant (ID or domain)", now("tenant_id").as_deref())?;
        fields.client_id = ask("Application (client) ID", now("client_id").as_deref())?;
        fields.flow = ask("Flow", now("flow").as_deref())?;
    }
    let settings = fields.settings();
    validate(&settings)?;
    let secret = if fields.client_secret_stdin {
        Some(secret_from_stdin()?)
    } else {
        None
    };
    doc.set_profile(&name, &settings);
    for field in &args.unset {
        doc.unset_field(&name, field);
    }
    doc.save().map_err(|e| {
        AppError::new(ErrorKind::Io, format!("cannot write {}", path.display()))
            .cause(e.to_string())
    })?;
    let reporter = StderrReporter::new(false);
    if let Some(secret) = secret {
        let storage = context.storage(env)?;
        storage
            .secrets
            .set(&name, SecretKind::ClientSecret, &secret)
            .map_err(|e| {
                AppError::new(
                    ErrorKind::Io,
                    format!("cannot store the secret of `{name}`"),
                )
                .cause(e.to_string())
            })?;
    }
    reporter.progress(&format!("updated profile `{name}` in {}", path.display()));
    Ok(())
}
