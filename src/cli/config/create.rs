//! `config create`: a new profile, entirely from flags (scripts, CI) or by prompts on a terminal.

use clap::Args;

use super::fields::{FieldArgs, ask, on_terminal, secret_from_stdin, validate};
use crate::adapters::config_writer::ConfigDocument;
use crate::adapters::stderr_reporter::StderrReporter;
use crate::composition::context::{Context, config_error};
use crate::domain::profile::validate_profile_name;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::usecases::error::{AppError, ErrorKind};

const EXAMPLES: &str = "\
Examples:
  # Entirely from flags (CI), with the secret from a pipe
  printf %s \"$SECRET\" | entra-auth-cli config create --name ci --tenant-id contoso.onmicrosoft.com \\
      --client-id 3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a --scope https://management.azure.com/.default \\
      --client-secret-stdin

  # A user profile for the device code flow
  entra-auth-cli config create --name me --tenant-id organizations \\
      --client-id 04b07795-8ddb-461a-bbee-02f9e1bf7b46 --flow device-code

  # Step by step, answering prompts
  entra-auth-cli config create";

/// Create a profile in config.toml. Missing required fields are asked for on a terminal; in a
/// script they must be given as flags. Secrets never go in config.toml: --client-secret-stdin
/// stores one in the secret store.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CreateArgs {
    /// Name of the new profile (letters, digits, `.`, `_`, `-`)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Replace an existing profile of the same name
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `config create`.
///
/// # Errors
/// Invalid or missing fields (exit 1), an existing profile without --overwrite, I/O.
pub fn run(args: &CreateArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let path = context.config_path.clone().ok_or_else(|| {
        AppError::new(ErrorKind::Config, "no config directory")
            .hint("set ENTRA_AUTH_CONFIG_DIR or HOME")
    })?;
    let prompt = on_terminal() && !args.fields.client_secret_stdin;
    let mut fields = args.fields.clone();
    let name = match (&args.name, prompt) {
        (Some(name), _) => name.clone(),
        (None, true) => ask("Profile name", Some("default"))?.unwrap_or_default(),
        (None, false) => return Err(missing("--name")),
    };
    validate_profile_name(&name)
        .map_err(|r| AppError::new(ErrorKind::Usage, "invalid --name").cause(r))?;
    if fields.tenant_id.is_none() {
        fields.tenant_id = if prompt {
            ask("Tenant (ID or domain)", None)?
        } else {
            None
        };
    }
    if fields.client_id.is_none() {
        fields.client_id = if prompt {
            ask("Application (client) ID", None)?
        } else {
            None
        };
    }
    if prompt
        && fields.scopes.is_empty()
        && let Some(scope) = ask("Scopes", Some("https://graph.microsoft.com/.default"))?
    {
        fields.scopes.push(scope);
    }
    let managed = fields.auth_method.as_deref() == Some("managed-identity");
    if !managed {
        if fields.tenant_id.is_none() {
            return Err(missing("--tenant-id"));
        }
        if fields.client_id.is_none() {
            return Err(missing("--client-id"));
        }
    }
    let mut settings = fields.settings();
    if fields.client_secret_stdin && settings.auth_method.is_none() {
        // Recorded, so get-token picks client credentials without looking in the secret store
        // (a keyring round trip) on every cached call.
        settings.auth_method = Some("client-secret".to_owned());
    }
    validate(&settings)?;
    let mut doc = ConfigDocument::open(&path).map_err(config_error)?;
    if let Some(existing) = doc.find(&name) {
        if !args.overwrite {
            return Err(AppError::new(
                ErrorKind::Usage,
                format!("profile `{existing}` already exists"),
            )
            .hint("use `config edit` to change it, or --overwrite to replace it"));
        }
        doc.remove_profile(&existing);
    }
    let secret = if fields.client_secret_stdin {
        Some(secret_from_stdin()?)
    } else {
        None
    };
    let storage = secret.as_ref().map(|_| context.storage(env)).transpose()?;
    doc.set_profile(&name, &settings);
    doc.save().map_err(|e| {
        AppError::new(ErrorKind::Io, format!("cannot write {}", path.display()))
            .cause(e.to_string())
    })?;
    let reporter = StderrReporter::new(false);
    if let (Some(secret), Some(storage)) = (secret, storage) {
        storage
            .secrets
            .set(&name, SecretKind::ClientSecret, &secret)
            .map_err(|e| {
                AppError::new(
                    ErrorKind::Io,
                    format!("profile `{name}` was created, but its secret could not be stored"),
                )
                .cause(e.to_string())
                .hint(format!(
                    "store it with `entra-auth-cli config set-secret -p {name}`"
                ))
            })?;
        reporter.progress(&format!(
            "stored the client secret of `{name}` in the {} store",
            storage.backend
        ));
    }
    reporter.progress(&format!("created profile `{name}` in {}", path.display()));
    Ok(())
}

fn missing(flag: &str) -> AppError {
    AppError::new(ErrorKind::Usage, format!("{flag} is required")).hint(
        "give every required field as a flag when not on a terminal (see `config create --help`)",
    )
}
