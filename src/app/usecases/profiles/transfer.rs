//! `config export` and `config import`: profiles (and, on request, their stored secrets) as a
//! passphrase-encrypted file through the profile archive port. An import is decrypted, parsed
//! and validated whole before anything is written; then the profiles, then the secrets. An
//! import that replaces a profile and sends its credentials somewhere else (another authority
//! host, tenant or client ID) removes that profile's stored secrets first, unless asked to keep
//! them: a file from someone else never gets to redirect your secret to their server.

use secrecy::{ExposeSecret as _, SecretString};

use crate::app::usecases::error::{
    AfterWrite, EditError, Error, FileCommand, InputError, NameUse, ProfileFailure, TransferError,
};
use crate::app::usecases::profiles::resolution::require_profile;
use crate::app::usecases::profiles::secret_binding::bound_for_settings;
use crate::domain::authority::{Authority, Cloud};
use crate::domain::profile::{ProfileSettings, validate_profile_name};
use crate::domain::secret_binding::{StoredSecret, unbind};
use crate::ports::env::Env;
use crate::ports::profile_archive::{ExportFormat, ImportError, PortableProfile, ProfileArchive};
use crate::ports::profile_repository::{ProfileRepoError, ProfileRepository};
use crate::ports::secret_store::SecretKind;
use crate::ports::store::StoreProvider;

/// The shortest passphrase a new export accepts: the file can be attacked offline, so the
/// passphrase is all that protects a secret exported with it (imports accept any).
pub const MIN_EXPORT_PASSPHRASE: usize = 12;
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
#[tracing::instrument(level = "debug", name = "config export", skip_all)]
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
        // The secret itself: the import binds it to where the imported profile sends it.
        let read = |kind: SecretKind| {
            let stored = stores
                .secrets
                .get(&name, kind)
                .map_err(|e| EditError::SecretRead {
                    profile: name.clone(),
                    cause: e.to_string(),
                })?;
            Ok::<_, EditError>(stored.and_then(|stored| match unbind(&stored) {
                StoredSecret::Bound { secret, .. } | StoredSecret::Unbound(secret) => Some(secret),
                StoredSecret::Malformed => None,
            }))
        };
        portable.client_secret = read(SecretKind::ClientSecret)?;
        portable.certificate_password = read(SecretKind::CertificatePassword)?;
        if portable.client_secret.is_none() && portable.certificate_password.is_none() {
            no_secret_in = Some(stores.info.backend);
        }
    }
    let passphrase = passphrase()?;
    let chars = passphrase.expose_secret().chars().count();
    if chars < MIN_EXPORT_PASSPHRASE {
        return Err(InputError::ShortPassphrase {
            chars,
            min: MIN_EXPORT_PASSPHRASE,
        }
        .into());
    }
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
    /// An export (ours or the .NET entra-auth-cli's), with the passphrase asked after sniffing.
    Export {
        source_name: String,
        bytes: Vec<u8>,
        passphrase: PassphraseInput<'a>,
    },
    /// The .NET entra-auth-cli's `profiles.json` (no secrets in it).
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
    /// Keep the stored secrets of a replaced profile even when the import sends its
    /// credentials to another authority host, tenant or client ID.
    pub keep_secrets_for_new_destination: bool,
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
    /// Set when it replaced a profile whose credentials went elsewhere.
    pub destination_change: Option<DestinationChange>,
}

/// Where a profile's credentials are sent, as its settings say (an unset tenant or client ID
/// comes from the environment at run time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// `scheme://host[:port]` (from `authority_host`, else `cloud`, else the public cloud).
    pub authority: String,
    pub tenant: Option<String>,
    pub client: Option<String>,
}

impl Destination {
    /// The destination of `settings`; an authority host that does not parse is kept as written.
    #[must_use]
    pub fn of(settings: &ProfileSettings) -> Self {
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let authority = match text(&settings.authority_host) {
            Some(host) => Authority::parse(&host).map_or(host, |a| a.as_str().to_owned()),
            None => {
                let cloud = settings.cloud.as_deref().map(Cloud::parse);
                match cloud {
                    None => Cloud::Public.authority_host().to_owned(),
                    Some(Ok(cloud)) => cloud.authority_host().to_owned(),
                    Some(Err(_)) => {
                        format!("cloud `{}`", settings.cloud.as_deref().unwrap_or_default())
                    }
                }
            }
        };
        Self {
            authority,
            tenant: text(&settings.tenant_id),
            client: text(&settings.client_id),
        }
    }

    /// The same place: hosts, tenants and client IDs compare case-insensitively.
    #[must_use]
    pub fn same_as(&self, other: &Self) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        };
        self.authority.eq_ignore_ascii_case(&other.authority)
            && same(&self.tenant, &other.tenant)
            && same(&self.client, &other.client)
    }
}

/// A replaced profile whose credentials now go to another destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationChange {
    /// `None`: the replaced profile's table could not be read (treated as a change).
    pub old: Option<Destination>,
    pub new: Destination,
    /// Its stored secrets that were removed, so they are never sent to `new`.
    pub removed: Vec<SecretKind>,
    /// Its stored secrets kept on request (`keep_secrets_for_new_destination`).
    pub kept: Vec<SecretKind>,
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
#[tracing::instrument(level = "debug", name = "config import", skip_all)]
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
    let mut changes = Vec::with_capacity(profiles.len());
    for profile in &profiles {
        let change = match document.find(&profile.name) {
            Some(existing) => destination_change(ports, &existing, profile)?,
            None => None,
        };
        changes.push(change);
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
    // Before anything is written: a failure then leaves the old profile with no secret, never
    // the new destination with the old secret.
    for (profile, change) in profiles.iter().zip(&mut changes) {
        if let Some(change) = change {
            settle_secrets(
                ports,
                profile,
                change,
                request.keep_secrets_for_new_destination,
            )?;
        }
    }
    for profile in &profiles {
        if let Some(existing) = document.find(&profile.name) {
            document.remove(&existing);
        }
        document.put(&profile.name, &profile.settings);
    }
    document.save()?;
    let mut imported = Vec::new();
    for (profile, destination_change) in profiles.iter().zip(changes) {
        if let Some(stores) = &stores {
            for (kind, secret) in [
                (SecretKind::ClientSecret, &profile.client_secret),
                (
                    SecretKind::CertificatePassword,
                    &profile.certificate_password,
                ),
            ] {
                let Some(secret) = secret else { continue };
                let secret = bound_for_settings(
                    ports.profiles,
                    ports.env,
                    &profile.name,
                    &profile.settings,
                    secret,
                )?;
                stores
                    .secrets
                    .set(&profile.name, kind, &secret)
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
            destination_change,
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

/// The change of destination when `profile` replaces the file's profile `existing`.
fn destination_change(
    ports: &TransferPorts<'_>,
    existing: &str,
    profile: &PortableProfile,
) -> Result<Option<DestinationChange>, Error> {
    let new = Destination::of(&profile.settings);
    // An old table that cannot be read typed has an unknown destination: a change.
    let old = match ports.profiles.get(existing) {
        Ok(Some(stored)) => Some(Destination::of(&stored.settings)),
        Ok(None) | Err(ProfileRepoError::InvalidProfile { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    if old.as_ref().is_some_and(|old| old.same_as(&new)) {
        return Ok(None);
    }
    Ok(Some(DestinationChange {
        old,
        new,
        removed: Vec::new(),
        kept: Vec::new(),
    }))
}

/// A kept secret goes with the profile to its new destination, as asked: bound to it anew.
fn rebind(
    ports: &TransferPorts<'_>,
    profile: &PortableProfile,
    kind: SecretKind,
) -> Result<(), Error> {
    let stores = ports.stores.stores()?;
    let failed = |e: String| EditError::SecretAfterWrite {
        profile: profile.name.clone(),
        kind,
        step: AfterWrite::Imported,
        cause: e,
    };
    let Some(stored) = stores
        .secrets
        .get(&profile.name, kind)
        .map_err(|e| failed(e.to_string()))?
    else {
        return Ok(());
    };
    let (StoredSecret::Bound { secret, .. } | StoredSecret::Unbound(secret)) = unbind(&stored)
    else {
        return Err(failed("the stored value's destination is malformed".to_owned()).into());
    };
    let secret = bound_for_settings(
        ports.profiles,
        ports.env,
        &profile.name,
        &profile.settings,
        &secret,
    )?;
    stores
        .secrets
        .set(&profile.name, kind, &secret)
        .map_err(|e| failed(e.to_string()).into())
}

/// The stored secrets of a replaced profile whose destination changed: the ones the import does
/// not replace are removed (or, on request, kept). Fills in `change.removed` / `change.kept`.
fn settle_secrets(
    ports: &TransferPorts<'_>,
    profile: &PortableProfile,
    change: &mut DestinationChange,
    keep: bool,
) -> Result<(), Error> {
    let at_stake: Vec<SecretKind> = [
        (SecretKind::ClientSecret, &profile.client_secret),
        (
            SecretKind::CertificatePassword,
            &profile.certificate_password,
        ),
    ]
    .into_iter()
    .filter(|(_, imported)| imported.is_none())
    .map(|(kind, _)| kind)
    .collect();
    if at_stake.is_empty() {
        return Ok(());
    }
    let stores = ports.stores.stores()?;
    for kind in at_stake {
        // An entry that cannot be read may still be a secret: it goes too.
        let stored = !matches!(stores.secrets.get(&profile.name, kind), Ok(None));
        if !stored {
            continue;
        }
        if keep {
            rebind(ports, profile, kind)?;
            change.kept.push(kind);
            continue;
        }
        stores.secrets.delete(&profile.name, kind).map_err(|e| {
            TransferError::SecretNotRemoved {
                profile: profile.name.clone(),
                kind,
                cause: e.to_string(),
            }
        })?;
        change.removed.push(kind);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Destination;
    use crate::domain::profile::ProfileSettings;

    fn settings(host: Option<&str>, cloud: Option<&str>, tenant: Option<&str>) -> ProfileSettings {
        ProfileSettings {
            authority_host: host.map(str::to_owned),
            cloud: cloud.map(str::to_owned),
            tenant_id: tenant.map(str::to_owned),
            client_id: Some("C0FFEE00-0000-0000-0000-000000000000".to_owned()),
            ..ProfileSettings::default()
        }
    }

    fn same(a: &ProfileSettings, b: &ProfileSettings) -> bool {
        Destination::of(a).same_as(&Destination::of(b))
    }

    #[test]
    fn the_same_place_written_differently_is_the_same_destination() {
        let public = settings(None, None, Some("contoso.onmicrosoft.com"));
        for other in [
            settings(
                Some("https://login.microsoftonline.com/"),
                None,
                Some("Contoso.onmicrosoft.com"),
            ),
            settings(
                Some("login.microsoftonline.com"),
                None,
                Some(" contoso.onmicrosoft.com "),
            ),
            settings(None, Some("public"), Some("contoso.onmicrosoft.com")),
        ] {
            assert!(same(&public, &other), "{other:?}");
        }
        let mut lower = public.clone();
        lower.client_id = Some("c0ffee00-0000-0000-0000-000000000000".to_owned());
        assert!(same(&public, &lower));
    }

    #[test]
    fn another_host_cloud_tenant_or_client_is_another_destination() {
        let public = settings(None, None, Some("contoso.onmicrosoft.com"));
        for other in [
            settings(
                Some("https://login.evil.example"),
                None,
                Some("contoso.onmicrosoft.com"),
            ),
            settings(None, Some("usgov"), Some("contoso.onmicrosoft.com")),
            settings(None, None, Some("fabrikam.onmicrosoft.com")),
            // Unset: the environment decides at run time, which may be anywhere.
            settings(None, None, None),
            settings(None, Some("nowhere"), Some("contoso.onmicrosoft.com")),
        ] {
            assert!(!same(&public, &other), "{other:?}");
        }
        let mut client = public.clone();
        client.client_id = Some("11111111-1111-1111-1111-111111111111".to_owned());
        assert!(!same(&public, &client));
    }
}
