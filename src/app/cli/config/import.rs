//! `config import`: profiles from a `config export` file, from the .NET entra-auth-cli's encrypted export
//! (detected by content), or from the .NET entra-auth-cli's `profiles.json`. Everything is decrypted,
//! parsed and validated before anything is written; then `config.toml`, then the secrets.

use std::path::PathBuf;

use clap::Args;

use self::read::{read_input, read_seed_profiles};
use super::export::{passphrase_from_prompt, passphrase_from_stdin};
use crate::app::cli::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::profiles::transfer::{
    Destination, DestinationChange, ImportOrigin, ImportRequest, ImportSource, import,
};
use crate::ports::reporter::Reporter;
use crate::ports::secret_store::SecretKind;

mod read;

const EXAMPLES: &str = "\
Examples:
  # A file made by `config export` (or by the .NET entra-auth-cli's `config export`)
  entra-auth-cli config import -i prod.export

  # In CI: the passphrase from a pipe, under another name
  printf %s \"$PASSPHRASE\" |
      entra-auth-cli config import -i prod.export --passphrase-stdin -n ci

  # Every profile of the .NET entra-auth-cli (~/.config/entra-auth-cli/profiles.json), or one:
  entra-auth-cli config import --from-seed
  entra-auth-cli config import --from-seed -p 'my app' -n myapp";

/// Import profiles exported by `config export`, or by the .NET entra-auth-cli (its encrypted
/// `config export` output, detected by content, or its profiles.json with --from-seed). Secrets
/// in the export go to the secret store. Nothing is written unless the whole import is valid;
/// an existing profile is replaced only with --overwrite. When a replaced profile's credentials
/// would go to another authority host, tenant or client ID, the change is shown and the
/// profile's stored secrets are removed (unless --keep-secrets-for-new-destination).
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

    /// Replace existing profiles of the same name (stored secrets the import lacks are kept,
    /// unless the replaced profile's authority host, tenant or client ID changes: then they are
    /// removed)
    #[arg(long)]
    pub overwrite: bool,

    /// With --overwrite: keep a replaced profile's stored secrets even when the import sends its
    /// credentials to another authority host, tenant or client ID (only for a file you trust)
    #[arg(long, requires = "overwrite")]
    pub keep_secrets_for_new_destination: bool,

    /// Read the passphrase from standard input (one line; needs -i)
    #[arg(long, requires = "input")]
    pub passphrase_stdin: bool,

    /// Import the settings only, not the secrets the export carries
    #[arg(long)]
    pub skip_secrets: bool,

    /// Read the .NET entra-auth-cli's profiles.json [default: ~/.config/entra-auth-cli/profiles.json];
    /// no passphrase: its secrets were in the OS store and are not in that file
    #[arg(long, value_name = "PATH", num_args = 0..=1, conflicts_with_all = ["input", "passphrase_stdin"])]
    pub from_seed: Option<Option<PathBuf>>,

    /// Nothing on stderr except errors and the prompt
    #[arg(short = 'q', long)]
    pub silent: bool,
}

/// Runs `config import`.
///
/// # Errors
/// Unreadable or invalid input, wrong passphrase, name clashes, a memory store for secrets
/// (all exit 1, nothing written); store failures after the config was written.
pub fn run(args: &ImportArgs, services: &Services) -> Result<(), Report> {
    let passphrase = || {
        if args.passphrase_stdin {
            passphrase_from_stdin()
        } else {
            passphrase_from_prompt(&services.terminal, false)
        }
    };
    let source = match &args.from_seed {
        Some(path) => {
            let (source_name, text) = read_seed_profiles(path.as_deref(), &services.env)?;
            ImportSource::SeedProfiles { source_name, text }
        }
        None => {
            let (source_name, bytes) = read_input(args.input.as_deref())?;
            ImportSource::Export {
                source_name,
                bytes,
                passphrase: &passphrase,
            }
        }
    };
    let imported = import(
        &services.transfer_ports(),
        ImportRequest {
            source,
            only: args.profile.clone(),
            rename: args.new_name.clone(),
            overwrite: args.overwrite,
            skip_secrets: args.skip_secrets,
            keep_secrets_for_new_destination: args.keep_secrets_for_new_destination,
        },
    )?;
    let origin = match imported.origin {
        ImportOrigin::Export => "",
        ImportOrigin::SeedExport => " from the .NET entra-auth-cli's export",
        ImportOrigin::SeedProfiles => " from the .NET entra-auth-cli's profiles.json",
    };
    for profile in &imported.profiles {
        let stored: Vec<&str> = [
            (profile.client_secret, "client secret"),
            (profile.certificate_password, "certificate password"),
        ]
        .into_iter()
        .filter_map(|(has, what)| has.then_some(what))
        .collect();
        let with = match imported.secrets_in {
            Some(backend) if !stored.is_empty() => {
                format!(" with its {} ({backend} store)", stored.join(" and "))
            }
            _ => String::new(),
        };
        services.reporter.progress(&format!(
            "imported profile `{}`{origin}{with} into {}",
            profile.name, imported.location
        ));
        if let Some(change) = &profile.destination_change {
            warn_destination_change(&services.reporter, &profile.name, change);
        }
    }
    if imported.skipped_secrets {
        services
            .reporter
            .warn("the secrets in the export were skipped (--skip-secrets)");
    }
    if imported.origin == ImportOrigin::SeedProfiles {
        services.reporter.warn("the .NET entra-auth-cli kept secrets in the OS store, not in profiles.json, so none were imported: store them with `entra-auth-cli config set-secret -p NAME`");
    }
    Ok(())
}

/// `client secret and certificate password`.
fn secret_names(kinds: &[SecretKind]) -> String {
    kinds
        .iter()
        .map(|kind| match kind {
            SecretKind::ClientSecret => "client secret",
            SecretKind::CertificatePassword => "certificate password",
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The old → new lines of what changed (an unset tenant or client ID comes from the
/// environment).
fn change_lines(old: Option<&Destination>, new: &Destination) -> Vec<String> {
    let shown = |value: Option<&String>| {
        value.map_or_else(
            || "(from the environment)".to_owned(),
            |v| v.escape_debug().to_string(),
        )
    };
    let Some(old) = old else {
        return vec![format!(
            "now: authority host {}, tenant {}, client ID {} (the replaced profile could not be read)",
            new.authority.escape_debug(),
            shown(new.tenant.as_ref()),
            shown(new.client.as_ref())
        )];
    };
    let mut lines = Vec::new();
    if !old.authority.eq_ignore_ascii_case(&new.authority) {
        lines.push(format!(
            "authority host: {} -> {}",
            old.authority.escape_debug(),
            new.authority.escape_debug()
        ));
    }
    for (what, old, new) in [
        ("tenant", &old.tenant, &new.tenant),
        ("client ID", &old.client, &new.client),
    ] {
        let same = match (old, new) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a.is_none() && b.is_none(),
        };
        if !same {
            lines.push(format!(
                "{what}: {} -> {}",
                shown(old.as_ref()),
                shown(new.as_ref())
            ));
        }
    }
    lines
}

/// Says where the replaced profile's credentials now go, and what became of its stored secrets.
fn warn_destination_change(reporter: &dyn Reporter, name: &str, change: &DestinationChange) {
    let name = name.escape_debug();
    let mut message = format!("profile `{name}` now sends its credentials elsewhere:");
    for line in change_lines(change.old.as_ref(), &change.new) {
        message.push_str("\n  ");
        message.push_str(&line);
    }
    if !change.removed.is_empty() {
        message.push_str(&format!(
            "\n  its stored {} (for the old destination) {} removed; store the right one with `entra-auth-cli config set-secret -p {name}`",
            secret_names(&change.removed),
            if change.removed.len() == 1 { "was" } else { "were" },
        ));
    }
    if !change.kept.is_empty() {
        message.push_str(&format!(
            "\n  its stored {} {} kept (--keep-secrets-for-new-destination) and will be sent there",
            secret_names(&change.kept),
            if change.kept.len() == 1 {
                "was"
            } else {
                "were"
            },
        ));
    }
    reporter.warn(&message);
}
