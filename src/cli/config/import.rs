//! `config import`: profiles from a `config export` file, from the seed tool's encrypted export
//! (detected by content), or from the seed tool's `profiles.json`. Everything is decrypted,
//! parsed and validated before anything is written; then `config.toml`, then the secrets.

use std::path::PathBuf;

use clap::Args;

use self::read::{read_export, read_seed_profiles};
use crate::adapters::config_writer::ConfigDocument;
use crate::adapters::profile_export::{ExportFormat, PortableProfile};
use crate::adapters::stderr_reporter::StderrReporter;
use crate::composition::context::{Context, config_error};
use crate::composition::storage::Storage;
use crate::domain::profile::validate_profile_name;
use crate::ports::env::Env;
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;
use crate::usecases::error::{AppError, ErrorKind};

mod read;

const EXAMPLES: &str = "\
Examples:
  # A file made by `config export` (or by the seed tool's `config export`)
  entra-auth-cli config import -i prod.export

  # In CI: the passphrase from a pipe, under another name
  printf %s \"$PASSPHRASE\" | entra-auth-cli config import -i prod.export --passphrase-stdin -n ci

  # Every profile of the seed tool (~/.config/entra-auth-cli/profiles.json), or one of them
  entra-auth-cli config import --from-seed
  entra-auth-cli config import --from-seed -p 'my app' -n myapp";

/// Import profiles exported by `config export`, or by the seed tool (its encrypted
/// `config export` output, detected by content, or its profiles.json with --from-seed). Secrets
/// in the export go to the secret store. Nothing is written unless the whole import is valid;
/// an existing profile is replaced only with --overwrite.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ImportArgs {
    /// Read the export from FILE instead of standard input
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Import under this name (when the import holds one profile, or with -p)
    #[arg(short = 'n', long = "name", value_name = "NEWNAME")]
    pub new_name: Option<String>,

    /// Import only this profile of the file
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Replace existing profiles of the same name (stored secrets the import lacks are kept)
    #[arg(long)]
    pub overwrite: bool,

    /// Read the passphrase from standard input (one line; needs -i)
    #[arg(long, requires = "input")]
    pub passphrase_stdin: bool,

    /// Import the settings only, not the secrets the export carries
    #[arg(long)]
    pub skip_secrets: bool,

    /// Read the seed tool's profiles.json [default: ~/.config/entra-auth-cli/profiles.json];
    /// no passphrase: its secrets were in the OS store and are not in that file
    #[arg(long, value_name = "PATH", num_args = 0..=1, conflicts_with_all = ["input", "passphrase_stdin"])]
    pub from_seed: Option<Option<PathBuf>>,

    /// Nothing on stderr except errors and the prompt
    #[arg(short = 'q', long)]
    pub silent: bool,
}

/// Applies `-p` (pick one) and `-n` (rename it).
fn select(
    mut profiles: Vec<PortableProfile>,
    args: &ImportArgs,
    source: &str,
) -> Result<Vec<PortableProfile>, AppError> {
    if let Some(wanted) = &args.profile {
        let names: Vec<String> = profiles.iter().map(|p| p.name.clone()).collect();
        profiles.retain(|p| p.name.eq_ignore_ascii_case(wanted.trim()));
        if profiles.is_empty() {
            return Err(AppError::new(
                ErrorKind::ProfileNotFound,
                format!("profile `{wanted}` is not in {source}"),
            )
            .cause(format!("it holds: {}", names.join(", "))));
        }
        profiles.truncate(1);
    }
    if profiles.is_empty() {
        return Err(AppError::new(
            ErrorKind::Usage,
            format!("{source} holds no profile"),
        ));
    }
    if let Some(new_name) = &args.new_name {
        if profiles.len() != 1 {
            return Err(AppError::new(
                ErrorKind::Usage,
                format!(
                    "-n renames one profile, but {source} holds {}",
                    profiles.len()
                ),
            )
            .hint("pick one with -p NAME"));
        }
        profiles[0].name.clone_from(new_name);
    }
    Ok(profiles)
}

/// Names and settings must be usable as they are, and unique.
fn validate_all(profiles: &[PortableProfile], renamed: bool) -> Result<(), AppError> {
    for (i, profile) in profiles.iter().enumerate() {
        let shown = profile.name.escape_debug().to_string();
        validate_profile_name(&profile.name).map_err(|reason| {
            let error = AppError::new(
                ErrorKind::Usage,
                format!("cannot import profile `{shown}`: bad name"),
            )
            .cause(reason);
            if renamed {
                error.hint("choose a -n NEWNAME made of letters, digits, `.`, `_` and `-`")
            } else {
                error.hint("import it under another name with -n NEWNAME (add -p NAME when the file holds several)")
            }
        })?;
        if profiles[..i]
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&profile.name))
        {
            return Err(AppError::new(
                ErrorKind::Usage,
                format!("the import holds profile `{shown}` twice"),
            ));
        }
        // Values must be valid; a missing tenant or client ID may come from AZURE_* at run time,
        // as it may for a profile written by hand.
        let mut check = profile.settings.clone();
        for (field, stand_in) in [
            (&mut check.tenant_id, "common"),
            (&mut check.client_id, "00000000-0000-0000-0000-000000000000"),
        ] {
            if field.as_deref().is_none_or(|v| v.trim().is_empty()) {
                *field = Some(stand_in.to_owned());
            }
        }
        check.validate(&profile.name).map_err(|e| {
            AppError::new(
                ErrorKind::Config,
                format!("cannot import profile `{shown}`"),
            )
            .cause(e.to_string())
            .hint("nothing was imported")
        })?;
    }
    Ok(())
}

/// Stores the secrets `profile` carries; says what was stored, for the progress line.
fn store_secrets(storage: &Storage, profile: &PortableProfile) -> Result<String, AppError> {
    let name = &profile.name;
    let mut stored = Vec::new();
    for (kind, secret, what, flag) in [
        (
            SecretKind::ClientSecret,
            &profile.client_secret,
            "client secret",
            "",
        ),
        (
            SecretKind::CertificatePassword,
            &profile.certificate_password,
            "certificate password",
            " --certificate-password",
        ),
    ] {
        let Some(secret) = secret else { continue };
        storage.secrets.set(name, kind, secret).map_err(|e| {
            AppError::new(
                ErrorKind::Io,
                format!("profile `{name}` was imported, but its {what} could not be stored"),
            )
            .cause(e.to_string())
            .hint(format!(
                "store it with `entra-auth-cli config set-secret -p {name}{flag}`"
            ))
        })?;
        stored.push(what);
    }
    Ok(if stored.is_empty() {
        String::new()
    } else {
        format!(
            " with its {} ({} store)",
            stored.join(" and "),
            storage.backend
        )
    })
}

/// Runs `config import`.
///
/// # Errors
/// Unreadable or invalid input, wrong passphrase, name clashes, a memory store for secrets
/// (all exit 1, nothing written); store failures after the config was written.
pub fn run(args: &ImportArgs, env: &dyn Env) -> Result<(), AppError> {
    let context = Context::load(env)?;
    let path = context.config_path.clone().ok_or_else(|| {
        AppError::new(ErrorKind::Config, "no config directory")
            .hint("set ENTRA_AUTH_CONFIG_DIR or HOME")
    })?;
    let reporter = StderrReporter::new(args.silent);
    let (source, origin, profiles) = match &args.from_seed {
        Some(seed_path) => {
            let (source, profiles) = read_seed_profiles(seed_path.as_deref(), env)?;
            (source, " from the seed tool's profiles.json", profiles)
        }
        None => {
            let (source, format, profiles) = read_export(args, env)?;
            let origin = match format {
                ExportFormat::V1 => "",
                ExportFormat::SeedEnc => " from the seed tool's export",
            };
            (source, origin, profiles)
        }
    };
    let mut profiles = select(profiles, args, &source)?;
    validate_all(&profiles, args.new_name.is_some())?;
    let carried = profiles
        .iter()
        .any(|p| p.client_secret.is_some() || p.certificate_password.is_some());
    if args.skip_secrets {
        for profile in &mut profiles {
            profile.client_secret = None;
            profile.certificate_password = None;
        }
    }
    let mut doc = ConfigDocument::open(&path).map_err(config_error)?;
    for profile in &profiles {
        if let Some(existing) = doc.find(&profile.name)
            && !args.overwrite
        {
            return Err(AppError::new(
                ErrorKind::Usage,
                format!("profile `{existing}` already exists"),
            )
            .hint("--overwrite replaces it, -n NEWNAME imports under another name; nothing was imported"));
        }
    }
    let storage = if carried && !args.skip_secrets {
        let storage = context.storage(env)?;
        if storage.backend == "memory" {
            return Err(AppError::new(
                ErrorKind::Config,
                "the import carries secrets, but the memory store keeps nothing between runs",
            )
            .cause(storage.reason.clone())
            .hint("use the OS keyring, or ENTRA_AUTH_STORE=file with ENTRA_AUTH_CACHE_KEY; or --skip-secrets to import the settings only; nothing was imported"));
        }
        Some(storage)
    } else {
        None
    };
    for profile in &profiles {
        if let Some(existing) = doc.find(&profile.name) {
            doc.remove_profile(&existing);
        }
        doc.set_profile(&profile.name, &profile.settings);
    }
    doc.save().map_err(|e| {
        AppError::new(ErrorKind::Io, format!("cannot write {}", path.display()))
            .cause(e.to_string())
            .hint("nothing was imported")
    })?;
    for profile in &profiles {
        let with = match &storage {
            Some(storage) => store_secrets(storage, profile)?,
            None => String::new(),
        };
        reporter.progress(&format!(
            "imported profile `{}`{origin}{with} into {}",
            profile.name,
            path.display()
        ));
    }
    if args.skip_secrets && carried {
        reporter.warn("the secrets in the export were skipped (--skip-secrets)");
    }
    if args.from_seed.is_some() {
        reporter.warn("the seed tool kept secrets in the OS store, not in profiles.json, so none were imported: store them with `entra-auth-cli config set-secret -p NAME`");
    }
    Ok(())
}
