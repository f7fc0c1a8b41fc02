//! `config delete` and `config rename`: remove a profile with its secrets, cached tokens and
//! saved sign-in; or give it a new name, moving its secrets along.

use clap::Args;

use super::fields::{ask, on_terminal};
use crate::adapters::config_writer::ConfigDocument;
use crate::adapters::stderr_reporter::StderrReporter;
use crate::composition::context::{Context, config_error};
use crate::domain::cache_key::CacheKey;
use crate::domain::profile::{ProfileSettings, validate_profile_name};
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::usecases::error::{AppError, ErrorKind};
use crate::usecases::profile_resolution::require_profile;

/// Delete a profile from config.toml, with its stored secrets, cached tokens and saved sign-in.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  entra-auth-cli config delete -p old --yes")]
pub struct DeleteArgs {
    /// Profile to delete
    #[arg(short, long, value_name = "NAME")]
    pub profile: String,
    /// Do not ask for confirmation (required when not on a terminal)
    #[arg(short, long)]
    pub yes: bool,
}

/// Rename a profile; its stored secrets move with it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  entra-auth-cli config rename dev staging")]
pub struct RenameArgs {
    /// Current name
    pub from: String,
    /// New name
    pub to: String,
}

fn profile_file(env: &dyn Env, name: &str) -> Result<(Context, ConfigDocument, String), AppError> {
    let context = Context::load(env)?;
    let path = context
        .config_path
        .clone()
        .ok_or_else(|| AppError::new(ErrorKind::Config, "no config directory"))?;
    let doc = ConfigDocument::open(&path).map_err(config_error)?;
    let Some(written) = doc.find(name) else {
        require_profile(
            context.config.as_ref(),
            context.config_path.as_deref(),
            env,
            name,
        )?;
        return Err(AppError::new(
            ErrorKind::ProfileNotFound,
            format!("profile `{name}` is not in {}", path.display()),
        )
        .hint("profiles from environment variables alone have nothing to delete"));
    };
    Ok((context, doc, written))
}

fn save(doc: &ConfigDocument) -> Result<(), AppError> {
    doc.save().map_err(|e| {
        AppError::new(
            ErrorKind::Io,
            format!("cannot write {}", doc.path().display()),
        )
        .cause(e.to_string())
    })
}

/// Runs `config delete`.
///
/// # Errors
/// Unknown profile (exit 2), no confirmation, I/O.
pub fn delete(args: &DeleteArgs, env: &dyn Env) -> Result<(), AppError> {
    let (context, mut doc, name) = profile_file(env, &args.profile)?;
    if !args.yes {
        if !on_terminal() {
            return Err(AppError::new(
                ErrorKind::Usage,
                format!("deleting profile `{name}` needs confirmation"),
            )
            .hint("pass --yes"));
        }
        let answer = ask(
            &format!("Delete profile `{name}`, its stored secrets and cached tokens? (y/N)"),
            None,
        )?;
        if !answer.is_some_and(|a| a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")) {
            return Err(AppError::new(ErrorKind::Usage, "not deleted"));
        }
    }
    let identity = context
        .resolve_profile(env, &name, &ProfileSettings::default())
        .ok()
        .map(|p| CacheKey::identity_of(&p));
    let storage = context.storage(env)?;
    doc.remove_profile(&name);
    save(&doc)?;
    for kind in [SecretKind::ClientSecret, SecretKind::CertificatePassword] {
        storage.secrets.delete(&name, kind).map_err(|e| {
            AppError::new(
                ErrorKind::Io,
                format!("profile `{name}` was deleted, but a stored secret could not be"),
            )
            .cause(e.to_string())
        })?;
    }
    let mut tokens = 0;
    if let Some(identity) = identity {
        for (key, _) in storage.tokens.list().unwrap_or_default() {
            if key.identity() == identity && storage.tokens.remove(&key).is_ok() {
                tokens += 1;
            }
        }
        let _ = storage.tokens.remove_account(&identity);
    }
    StderrReporter::new(false).progress(&format!(
        "deleted profile `{name}`, its stored secrets and {tokens} cached token(s)"
    ));
    Ok(())
}

/// Runs `config rename`.
///
/// # Errors
/// Unknown profile (exit 2), an invalid or taken new name, I/O.
pub fn rename(args: &RenameArgs, env: &dyn Env) -> Result<(), AppError> {
    validate_profile_name(&args.to)
        .map_err(|r| AppError::new(ErrorKind::Usage, "invalid new name").cause(r))?;
    let (context, mut doc, name) = profile_file(env, &args.from)?;
    if let Some(taken) = doc
        .find(&args.to)
        .filter(|t| !t.eq_ignore_ascii_case(&name))
    {
        return Err(AppError::new(
            ErrorKind::Usage,
            format!("profile `{taken}` already exists"),
        ));
    }
    let storage = context.storage(env)?;
    let mut moved = Vec::new();
    for kind in [SecretKind::ClientSecret, SecretKind::CertificatePassword] {
        if let Ok(Some(secret)) = storage.secrets.get(&name, kind) {
            moved.push((kind, secret));
        }
    }
    doc.rename_profile(&name, &args.to);
    save(&doc)?;
    for (kind, secret) in moved {
        storage
            .secrets
            .set(&args.to, kind, &secret)
            .and_then(|()| storage.secrets.delete(&name, kind))
            .map_err(|e| {
                AppError::new(
                    ErrorKind::Io,
                    "the profile was renamed, but its secrets could not be moved",
                )
                .cause(e.to_string())
            })?;
    }
    StderrReporter::new(false).progress(&format!("renamed profile `{name}` to `{}`", args.to));
    Ok(())
}
