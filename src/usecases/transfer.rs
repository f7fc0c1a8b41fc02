//! `config export` and `config import`: profiles (and, on request, their stored secrets) as a
//! passphrase-encrypted file through the profile archive port. An import is decrypted, parsed
//! and validated whole before anything is written; then the profiles, then the secrets.

use secrecy::SecretString;

use super::error::{
    AfterWrite, EditError, Error, FileCommand, NameUse, ProfileFailure, TransferError,
};
use super::profile_resolution::require_profile;
use crate::domain::profile::validate_profile_name;
use crate::ports::env::Env;
use crate::ports::profile_archive::{ExportFormat, ImportError, PortableProfile, ProfileArchive};
use crate::ports::profile_repository::ProfileRepository;
use crate::ports::secret_store::SecretKind;
use crate::ports::store::StoreProvider;

/// The ports export and import use.
pub struct TransferPorts<'a> {
    pub profiles: &'a dyn ProfileRepository,
    pub env: &'a dyn Env,
    pub stores: &'a dyn StoreProvider,
    pub archive: &'a dyn ProfileArchive,
}

/// Asks for the passphrase when the use case is ready for it.
pub type PassphraseInput<'a> = &'a dyn Fn() -> Result<SecretString, Error>;

/// An export, ready to write.
pub struct Exported {
    pub name: String,
    pub text: String,
    pub client_secret: bool,
    pub certificate_password: bool,
    /// Set when secrets were asked for and none is stored: the store's name.
    pub no_secret_in: Option<&'static str>,
}

/// `config export`: the profile's table exactly as the file has it (no environment, no flags).
///
/// # Errors
/// Unknown profile (exit 2), a profile only in the environment, secret store and passphrase
/// failures.
pub fn export(
    ports: &TransferPorts<'_>,
    profile: &str,
    include_secrets: bool,
    passphrase: PassphraseInput<'_>,
) -> Result<Exported, Error> {
    let Some(stored) = ports.profiles.get(profile)? else {
        require_profile(ports.profiles, ports.env, profile)?;
        return Err(ProfileFailure::NotInFile {
            name: profile.to_owned(),
            location: ports.profiles.location().unwrap_or_default(),
            command: FileCommand::Export,
        }
        .into());
    };
    let name = stored.name;
    let mut portable = PortableProfile {
        name: name.clone(),
        settings: stored.settings,
        client_secret: None,
        certificate_password: None,
    };
    let mut no_secret_in = None;
    if include_secrets {
        let stores = ports.stores.stores()?;
        let read = |kind: SecretKind| {
            stores
                .secrets
                .get(&name, kind)
                .map_err(|e| EditError::SecretRead {
                    profile: name.clone(),
                    cause: e.to_string(),
                })
        };
        portable.client_secret = read(SecretKind::ClientSecret)?;
        portable.certificate_password = read(SecretKind::CertificatePassword)?;
        if portable.client_secret.is_none() && portable.certificate_password.is_none() {
            no_secret_in = Some(stores.info.backend);
        }
    }
    let passphrase = passphrase()?;
    let text = ports
        .archive
        .seal(std::slice::from_ref(&portable), &passphrase)
        .map_err(|reason| TransferError::Seal { reason })?;
    Ok(Exported {
        name,
        text,
        client_secret: portable.client_secret.is_some(),
        certificate_password: portable.certificate_password.is_some(),
        no_secret_in,
    })
}

/// Where an import comes from.
pub enum ImportSource<'a> {
    /// An export (ours or the seed tool's), with the passphrase asked after sniffing.
    Export {
        source_name: String,
        bytes: Vec<u8>,
        passphrase: PassphraseInput<'a>,
    },
    /// The seed tool's `profiles.json` (no secrets in it).
    SeedProfiles { source_name: String, text: String },
}

/// What `config import` is asked.
pub struct ImportRequest<'a> {
    pub source: ImportSource<'a>,
    /// `-p`: only this profile of the file.
    pub only: Option<String>,
    /// `-n`: import under this name.
    pub rename: Option<String>,
    pub overwrite: bool,
    pub skip_secrets: bool,
}

/// Where the imported profiles came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOrigin {
    Export,
    SeedExport,
    SeedProfiles,
}

/// One imported profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedProfile {
    pub name: String,
    pub client_secret: bool,
    pub certificate_password: bool,
}

/// What was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub origin: ImportOrigin,
    pub location: String,
    pub profiles: Vec<ImportedProfile>,
    /// The store the secrets went to, when any were stored.
    pub secrets_in: Option<&'static str>,
    /// Secrets were in the export and `skip_secrets` dropped them.
    pub skipped_secrets: bool,
}

fn archive_error(error: ImportError, source_name: &str) -> TransferError {
    let source_name = source_name.to_owned();
    match error {
        ImportError::NotAnExport(reason) => TransferError::NotAnExport {
            source_name,
            reason,
        },
        ImportError::UnsupportedVersion(version) => TransferError::UnsupportedVersion {
            source_name,
            version,
        },
        ImportError::Decrypt => TransferError::Decrypt,
        ImportError::Invalid(reason) => TransferError::Invalid {
            source_name,
            reason,
        },
    }
}

/// Applies `-p` (pick one) and `-n` (rename it).
fn select(
    mut profiles: Vec<PortableProfile>,
    request: &ImportRequest<'_>,
    source_name: &str,
) -> Result<Vec<PortableProfile>, TransferError> {
    if let Some(wanted) = &request.only {
        let holds: Vec<String> = profiles.iter().map(|p| p.name.clone()).collect();
        profiles.retain(|p| p.name.eq_ignore_ascii_case(wanted.trim()));
        if profiles.is_empty() {
            return Err(TransferError::NotInImport {
                wanted: wanted.clone(),
                source_name: source_name.to_owned(),
                holds,
            });
        }
        profiles.truncate(1);
    }
    if profiles.is_empty() {
        return Err(TransferError::Empty {
            source_name: source_name.to_owned(),
        });
    }
    if let Some(new_name) = &request.rename {
        if profiles.len() != 1 {
            return Err(TransferError::RenameNeedsOne {
                source_name: source_name.to_owned(),
                count: profiles.len(),
            });
        }
        profiles[0].name.clone_from(new_name);
    }
    Ok(profiles)
}

/// Names and settings must be usable as they are, and unique.
fn validate_all(profiles: &[PortableProfile], renamed: bool) -> Result<(), Error> {
    for (i, profile) in profiles.iter().enumerate() {
        validate_profile_name(&profile.name).map_err(|reason| EditError::BadName {
            name: profile.name.clone(),
            reason,
            used_for: NameUse::Import { renamed },
        })?;
        if profiles[..i]
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&profile.name))
        {
            return Err(TransferError::Duplicate {
                name: profile.name.clone(),
            }
            .into());
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
        check
            .validate(&profile.name)
            .map_err(|e| TransferError::InvalidProfile {
                name: profile.name.clone(),
                reason: e.to_string(),
            })?;
    }
    Ok(())
}

/// `config import`.
///
/// # Errors
/// Unreadable or invalid input, wrong passphrase, name clashes, a memory store for secrets
/// (nothing written); store failures after the profiles were written.
pub fn import(ports: &TransferPorts<'_>, request: ImportRequest<'_>) -> Result<Imported, Error> {
    let location = ports.profiles.location().unwrap_or_default();
    if ports.profiles.location().is_none() {
        return Err(crate::ports::profile_repository::ProfileRepoError::NoLocation.into());
    }
    let (source_name, origin, profiles) = match &request.source {
        ImportSource::SeedProfiles { source_name, text } => {
            let profiles = ports.archive.seed_profiles(text).map_err(|reason| {
                TransferError::SeedProfiles {
                    path: source_name.clone(),
                    reason,
                }
            })?;
            (source_name.clone(), ImportOrigin::SeedProfiles, profiles)
        }
        ImportSource::Export {
            source_name,
            bytes,
            passphrase,
        } => {
            // Not an export at all: say so before asking for a passphrase.
            ports
                .archive
                .sniff(bytes)
                .map_err(|e| archive_error(e, source_name))?;
            let passphrase = passphrase()?;
            let (format, profiles) = ports
                .archive
                .open(bytes, &passphrase)
                .map_err(|e| archive_error(e, source_name))?;
            let origin = match format {
                ExportFormat::V1 => ImportOrigin::Export,
                ExportFormat::SeedEnc => ImportOrigin::SeedExport,
            };
            (source_name.clone(), origin, profiles)
        }
    };
    let mut profiles = select(profiles, &request, &source_name)?;
    validate_all(&profiles, request.rename.is_some())?;
    let carried = profiles
        .iter()
        .any(|p| p.client_secret.is_some() || p.certificate_password.is_some());
    if request.skip_secrets {
        for profile in &mut profiles {
            profile.client_secret = None;
            profile.certificate_password = None;
        }
    }
    let mut document = ports.profiles.open()?;
    for profile in &profiles {
        if let Some(existing) = document.find(&profile.name)
            && !request.overwrite
        {
            return Err(EditError::Exists {
                name: existing,
                location,
                used_for: NameUse::Import { renamed: false },
            }
            .into());
        }
    }
    let stores = if carried && !request.skip_secrets {
        let stores = ports.stores.stores()?;
        if stores.is_ephemeral() {
            return Err(EditError::EphemeralStore {
                backend: stores.info.backend,
                reason: stores.info.reason.clone(),
                import: true,
            }
            .into());
        }
        Some(stores)
    } else {
        None
    };
    for profile in &profiles {
        if let Some(existing) = document.find(&profile.name) {
            document.remove(&existing);
        }
        document.put(&profile.name, &profile.settings);
    }
    document.save()?;
    let mut imported = Vec::new();
    for profile in &profiles {
        if let Some(stores) = &stores {
            for (kind, secret) in [
                (SecretKind::ClientSecret, &profile.client_secret),
                (
                    SecretKind::CertificatePassword,
                    &profile.certificate_password,
                ),
            ] {
                let Some(secret) = secret else { continue };
                stores
                    .secrets
                    .set(&profile.name, kind, secret)
                    .map_err(|e| EditError::SecretAfterWrite {
                        profile: profile.name.clone(),
                        kind,
                        step: AfterWrite::Imported,
                        cause: e.to_string(),
                    })?;
            }
        }
        imported.push(ImportedProfile {
            name: profile.name.clone(),
            client_secret: profile.client_secret.is_some(),
            certificate_password: profile.certificate_password.is_some(),
        });
    }
    Ok(Imported {
        origin,
        location,
        profiles: imported,
        secrets_in: stores.map(|s| s.info.backend),
        skipped_secrets: request.skip_secrets && carried,
    })
}
