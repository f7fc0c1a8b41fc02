//! Managing profiles: create, edit, rename and delete them in the profile repository, keep
//! their secrets and cached tokens in step (a renamed profile's secrets move, a deleted one's
//! are removed), store secrets, forget tokens (`logout`), and describe profiles for `config
//! list`/`show`. Validation happens before anything is written.

use secrecy::{ExposeSecret as _, SecretString};

use crate::app::usecases::error::{
    AfterWrite, EditError, Error, FileCommand, NameUse, ProfileFailure,
};
use crate::app::usecases::profiles::resolution::{
    known_profiles, require_profile, resolve_profile,
};
use crate::app::usecases::profiles::secret_binding::{bound_for, bound_for_settings};
use crate::app::usecases::token::managed_identity;
use crate::domain::authority::{Authority, Cloud};
use crate::domain::cache_key::CacheKey;
use crate::domain::credential::Credential;
use crate::domain::flow::{AssertionAlgorithm, AuthMethod, Flow};
use crate::domain::profile::{
    ProfileSettings, ScopeList, field, validate_client_id_for_create, validate_profile_name,
    validate_tenant_for_create,
};
use crate::domain::scopes::Scopes;
use crate::ports::env::Env;
use crate::ports::profile_repository::{ProfileDocument, ProfileRepository};
use crate::ports::secret_store::SecretKind;
use crate::ports::store::{StoreProvider, Stores};
use crate::ports::terminal::Terminal;

/// The ports profile management uses.
pub struct ProfilePorts<'a> {
    pub profiles: &'a dyn ProfileRepository,
    pub env: &'a dyn Env,
    pub stores: &'a dyn StoreProvider,
    pub terminal: &'a dyn Terminal,
}

/// Reads a secret when the use case is ready for it (after validation): from a pipe or a
/// no-echo prompt, as the front-end decides. Gets the profile name as written.
pub type SecretInput<'a> = &'a dyn Fn(&str) -> Result<SecretString, Error>;

/// Validates every field that is set, as a profile is written (stricter than at run time:
/// GUIDs and tenant names).
///
/// # Errors
/// The first invalid field.
pub fn validate_for_write(settings: &ProfileSettings) -> Result<(), EditError> {
    let invalid =
        |field: &'static str| move |reason: String| EditError::InvalidField { field, reason };
    if let Some(t) = &settings.tenant_id {
        validate_tenant_for_create(t).map_err(invalid("tenant_id"))?;
    }
    let managed = settings
        .auth_method
        .as_deref()
        .and_then(|m| m.parse::<AuthMethod>().ok())
        == Some(AuthMethod::ManagedIdentity);
    if let Some(c) = &settings.client_id
        && !managed
    {
        validate_client_id_for_create(c).map_err(invalid("client_id"))?;
    }
    if let Some(list) = &settings.scopes {
        let items = match list {
            ScopeList::List(items) => items.clone(),
            ScopeList::Text(text) => vec![text.clone()],
        };
        Scopes::from_items(items).map_err(invalid("scopes"))?;
    }
    if let Some(m) = &settings.auth_method {
        m.parse::<AuthMethod>().map_err(invalid("auth_method"))?;
    }
    if let Some(f) = &settings.flow {
        f.parse::<Flow>().map_err(invalid("flow"))?;
    }
    if let Some(a) = &settings.assertion_algorithm {
        AssertionAlgorithm::parse(a).map_err(invalid("assertion_algorithm"))?;
    }
    if let Some(h) = &settings.authority_host {
        Authority::parse(h).map_err(invalid("authority_host"))?;
    }
    if let Some(c) = &settings.cloud {
        Cloud::parse(c).map_err(invalid("cloud"))?;
    }
    Ok(())
}

fn location(profiles: &dyn ProfileRepository) -> String {
    profiles.location().unwrap_or_default()
}

/// Profile `name` as written in the file, or why it is not there.
fn in_file(
    ports: &ProfilePorts<'_>,
    document: &dyn ProfileDocument,
    name: &str,
    command: FileCommand,
) -> Result<String, Error> {
    if let Some(written) = document.find(name) {
        return Ok(written);
    }
    // Same "not found" error as everywhere else (it lists the profiles that exist).
    require_profile(ports.profiles, ports.env, name)?;
    Err(ProfileFailure::NotInFile {
        name: name.to_owned(),
        location: location(ports.profiles),
        command,
    }
    .into())
}

pub(super) fn stores<'a>(ports: &'a ProfilePorts<'_>) -> Result<Stores<'a>, Error> {
    Ok(ports.stores.stores()?)
}

fn ask(
    terminal: &dyn Terminal,
    question: &str,
    default: Option<&str>,
) -> Result<Option<String>, Error> {
    terminal
        .ask(question, default)
        .map_err(|e| EditError::Terminal(e).into())
}

/// Stores a profile's client secret after the profile was written; returns the store's name.
/// `written` is the profile's table as this run wrote it (the secret is bound to its destination).
fn store_client_secret(
    ports: &ProfilePorts<'_>,
    (stores, written): (&Stores<'_>, &ProfileSettings),
    profile: &str,
    secret: &SecretString,
    step: AfterWrite,
) -> Result<&'static str, Error> {
    let secret = bound_for_settings(ports.profiles, ports.env, profile, written, secret)?;
    stores
        .secrets
        .set(profile, SecretKind::ClientSecret, &secret)
        .map_err(|e| EditError::SecretAfterWrite {
            profile: profile.to_owned(),
            kind: SecretKind::ClientSecret,
            step,
            cause: e.to_string(),
        })?;
    Ok(stores.info.backend)
}

/// What `config create` is asked.
pub struct CreateRequest<'a> {
    /// `--name`; asked for on a terminal when missing.
    pub name: Option<String>,
    /// The fields given as flags.
    pub settings: ProfileSettings,
    /// `--client-secret-stdin`: the secret to store (read after validation).
    pub client_secret: Option<SecretInput<'a>>,
    pub overwrite: bool,
}

/// A written profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub location: String,
    /// The store a secret went to, when one was stored.
    pub secret_stored_in: Option<&'static str>,
}

/// `config create`: missing required fields are asked for on a terminal (unless the secret
/// comes from a pipe); in a script they must be given.
///
/// # Errors
/// A bad or missing name or field, an existing profile without `overwrite`, I/O.
#[tracing::instrument(level = "debug", name = "config create", skip_all)]
pub fn create(ports: &ProfilePorts<'_>, request: CreateRequest<'_>) -> Result<Written, Error> {
    if ports.profiles.location().is_none() {
        return Err(crate::ports::profile_repository::ProfileRepoError::NoLocation.into());
    }
    let prompt = ports.terminal.can_prompt() && request.client_secret.is_none();
    let mut settings = request.settings;
    let name = match (request.name, prompt) {
        (Some(name), _) => name,
        (None, true) => ask(ports.terminal, "Profile name", Some("default"))?.unwrap_or_default(),
        (None, false) => return Err(EditError::MissingField { field: "name" }.into()),
    };
    validate_profile_name(&name).map_err(|reason| EditError::BadName {
        name: name.clone(),
        reason,
        used_for: NameUse::Create,
    })?;
    if prompt {
        if settings.tenant_id.is_none() {
            settings.tenant_id = ask(ports.terminal, "Tenant (ID or domain)", None)?;
        }
        if settings.client_id.is_none() {
            settings.client_id = ask(ports.terminal, "Application (client) ID", None)?;
        }
        if settings.scopes.is_none()
            && let Some(scope) = ask(
                ports.terminal,
                "Scopes",
                Some("https://graph.microsoft.com/.default"),
            )?
        {
            settings.scopes = Some(ScopeList::Text(scope));
        }
        if settings.authority_host.is_none() && settings.cloud.is_none() {
            settings.authority_host = ask(
                ports.terminal,
                "Authority host (empty: the public cloud, https://login.microsoftonline.com)",
                None,
            )?
            .filter(|host| !host.trim().is_empty());
        }
        if settings.auth_method.is_none() {
            settings.auth_method = ask(
                ports.terminal,
                "How it proves who it is: client-secret, certificate, federated, managed-identity, or none (a person signs in)",
                Some("client-secret"),
            )?;
        }
        if settings.auth_method.as_deref() == Some("certificate")
            && settings.certificate_path.is_none()
        {
            settings.certificate_path =
                ask(ports.terminal, "Certificate file (.pfx/.p12 or PEM)", None)?;
        }
    }
    // The secret a client-secret profile needs, asked (no echo) when a person is there, so the
    // profile works right away instead of failing at its first get-token.
    let asked_secret = if prompt && settings.auth_method.as_deref() == Some("client-secret") {
        ports
            .terminal
            .secret("Client secret (its Value; empty: store it later with `config set-secret`)")
            .map_err(EditError::Terminal)?
            .filter(|secret| !secret.expose_secret().is_empty())
    } else {
        None
    };
    let managed = settings.auth_method.as_deref() == Some("managed-identity");
    if !managed {
        if settings.tenant_id.is_none() {
            return Err(EditError::MissingField { field: "tenant_id" }.into());
        }
        if settings.client_id.is_none() {
            return Err(EditError::MissingField { field: "client_id" }.into());
        }
    }
    if request.client_secret.is_some() && settings.auth_method.is_none() {
        // Recorded, so get-token picks client credentials without looking in the secret store
        // (a keyring round trip) on every cached call.
        settings.auth_method = Some("client-secret".to_owned());
    }
    validate_for_write(&settings)?;
    let mut document = ports.profiles.open()?;
    if let Some(existing) = document.find(&name) {
        if !request.overwrite {
            return Err(EditError::Exists {
                name: existing,
                location: location(ports.profiles),
                used_for: NameUse::Create,
            }
            .into());
        }
        document.remove(&existing);
    }
    let secret = match request.client_secret {
        Some(read) => Some(read(&name)?),
        None => asked_secret,
    };
    let stores = secret.as_ref().map(|_| stores(ports)).transpose()?;
    document.put(&name, &settings);
    document.save()?;
    let secret_stored_in = match (secret, stores) {
        (Some(secret), Some(stores)) => Some(store_client_secret(
            ports,
            (&stores, &settings),
            &name,
            &secret,
            AfterWrite::Created,
        )?),
        _ => None,
    };
    Ok(Written {
        name,
        location: location(ports.profiles),
        secret_stored_in,
    })
}

/// What `config edit` is asked.
pub struct EditRequest<'a> {
    pub profile: String,
    /// The fields to set.
    pub settings: ProfileSettings,
    /// Fields to remove.
    pub unset: Vec<String>,
    pub client_secret: Option<SecretInput<'a>>,
}

/// `config edit`: with nothing given on a terminal, the main fields are asked for with their
/// current values as defaults.
///
/// # Errors
/// Unknown profile (exit 2), unknown or invalid fields, nothing to change, I/O.
#[tracing::instrument(level = "debug", name = "config edit", skip_all)]
pub fn edit(ports: &ProfilePorts<'_>, request: EditRequest<'_>) -> Result<Written, Error> {
    let mut document = ports.profiles.open()?;
    let name = in_file(
        ports,
        document.as_ref(),
        &request.profile,
        FileCommand::Edit,
    )?;
    if let Some(unknown) = request.unset.iter().find(|f| field(f).is_none()) {
        return Err(EditError::UnknownField {
            field: unknown.clone(),
        }
        .into());
    }
    let mut settings = request.settings;
    let nothing_given = settings == ProfileSettings::default()
        && request.unset.is_empty()
        && request.client_secret.is_none();
    if nothing_given {
        if !ports.terminal.can_prompt() {
            return Err(EditError::NothingToChange.into());
        }
        let current = ports
            .profiles
            .get(&name)?
            .map(|p| p.settings)
            .unwrap_or_default();
        settings.tenant_id = ask(
            ports.terminal,
            "Tenant (ID or domain)",
            current.tenant_id.as_deref(),
        )?;
        settings.client_id = ask(
            ports.terminal,
            "Application (client) ID",
            current.client_id.as_deref(),
        )?;
        settings.flow = ask(ports.terminal, "Flow", current.flow.as_deref())?;
    }
    validate_for_write(&settings)?;
    let secret = request.client_secret.map(|read| read(&name)).transpose()?;
    document.put(&name, &settings);
    for field in &request.unset {
        document.unset(&name, field);
    }
    document.save()?;
    // The table before this edit (as read at the start), with the edit laid over it.
    let before = ports.profiles.get(&name).ok().flatten();
    let mut written = before.map(|p| p.settings).unwrap_or_default();
    written = written.overlay(settings);
    request
        .unset
        .iter()
        .for_each(|field| _ = written.unset(field));
    let secret_stored_in = match secret {
        Some(secret) => Some(store_client_secret(
            ports,
            (&stores(ports)?, &written),
            &name,
            &secret,
            AfterWrite::Edited,
        )?),
        None => None,
    };
    Ok(Written {
        name,
        location: location(ports.profiles),
        secret_stored_in,
    })
}

/// `config rename`: the profile's stored secrets move with it.
///
/// # Errors
/// Unknown profile (exit 2), an invalid or taken new name, I/O.
#[tracing::instrument(level = "debug", name = "config rename", skip_all)]
pub fn rename(ports: &ProfilePorts<'_>, from: &str, to: &str) -> Result<(String, String), Error> {
    validate_profile_name(to).map_err(|reason| EditError::BadName {
        name: to.to_owned(),
        reason,
        used_for: NameUse::RenameTo,
    })?;
    let mut document = ports.profiles.open()?;
    let name = in_file(ports, document.as_ref(), from, FileCommand::Rename)?;
    if let Some(taken) = document.find(to).filter(|t| !t.eq_ignore_ascii_case(&name)) {
        return Err(EditError::Exists {
            name: taken,
            location: location(ports.profiles),
            used_for: NameUse::RenameTo,
        }
        .into());
    }
    let stores = stores(ports)?;
    let mut moved = Vec::new();
    // Stores key secrets by the lower-cased name: a new spelling of the same name keeps them
    // where they are (moving them would delete them).
    let kinds = if name.eq_ignore_ascii_case(to) {
        Vec::new()
    } else {
        vec![SecretKind::ClientSecret, SecretKind::CertificatePassword]
    };
    for kind in kinds {
        if let Ok(Some(secret)) = stores.secrets.get(&name, kind) {
            moved.push((kind, secret));
        }
    }
    document.rename(&name, to);
    document.save()?;
    for (kind, secret) in moved {
        stores
            .secrets
            .set(to, kind, &secret)
            .and_then(|()| stores.secrets.delete(&name, kind))
            .map_err(|e| EditError::SecretAfterWrite {
                profile: to.to_owned(),
                kind,
                step: AfterWrite::Renamed,
                cause: e.to_string(),
            })?;
    }
    Ok((name, to.to_owned()))
}

/// A deleted profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub name: String,
    pub cached_tokens: usize,
    /// Other profiles with the same app, tenant and authority: tokens are cached per app, so
    /// theirs were kept (none removed).
    pub tokens_kept_for: Vec<String>,
}

/// The other profiles (not `except`) whose tokens are the same cache entries as `identity`'s:
/// the same authority, tenant and app. Profiles that do not resolve share nothing.
fn sharing_identity(ports: &ProfilePorts<'_>, identity: &str, except: &str) -> Vec<String> {
    known_profiles(ports.profiles, ports.env)
        .unwrap_or_default()
        .into_iter()
        .filter(|name| !name.eq_ignore_ascii_case(except))
        .filter(|name| {
            resolve_profile(ports.profiles, ports.env, name, &ProfileSettings::default())
                .is_ok_and(|p| managed_identity::token_identity(&p, ports.env) == identity)
        })
        .collect()
}

/// `config delete`: the profile, its stored secrets, cached tokens and saved sign-in. Without
/// `confirmed`, a person is asked; with nobody to ask, nothing is deleted.
///
/// # Errors
/// Unknown profile (exit 2), no confirmation, I/O.
#[tracing::instrument(level = "debug", name = "config delete", skip_all)]
pub fn delete(ports: &ProfilePorts<'_>, profile: &str, confirmed: bool) -> Result<Deleted, Error> {
    let mut document = ports.profiles.open()?;
    let name = in_file(ports, document.as_ref(), profile, FileCommand::Delete)?;
    if !confirmed {
        if !ports.terminal.can_prompt() {
            return Err(EditError::NeedsConfirmation { name }.into());
        }
        let answer = ask(
            ports.terminal,
            &format!("Delete profile `{name}`, its stored secrets and cached tokens? (y/N)"),
            None,
        )?;
        if !answer.is_some_and(|a| a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")) {
            return Err(EditError::NotConfirmed.into());
        }
    }
    let identity = resolve_profile(
        ports.profiles,
        ports.env,
        &name,
        &ProfileSettings::default(),
    )
    .ok()
    .map(|p| managed_identity::token_identity(&p, ports.env));
    // Tokens are cached per app: another profile of the same app keeps them.
    let tokens_kept_for = identity
        .as_deref()
        .map(|id| sharing_identity(ports, id, &name))
        .unwrap_or_default();
    let stores = stores(ports)?;
    document.remove(&name);
    document.save()?;
    for kind in [SecretKind::ClientSecret, SecretKind::CertificatePassword] {
        stores
            .secrets
            .delete(&name, kind)
            .map_err(|e| EditError::SecretAfterWrite {
                profile: name.clone(),
                kind,
                step: AfterWrite::Deleted,
                cause: e.to_string(),
            })?;
    }
    let mut cached_tokens = 0;
    if let Some(identity) = identity.filter(|_| tokens_kept_for.is_empty()) {
        for (key, _) in stores.tokens.list().unwrap_or_default() {
            if key.identity() == identity && stores.tokens.remove(&key).is_ok() {
                cached_tokens += 1;
            }
        }
        let _ = stores.tokens.remove_account(&identity);
    }
    Ok(Deleted {
        name,
        cached_tokens,
        tokens_kept_for,
    })
}

/// A stored secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStored {
    pub profile: String,
    pub kind: SecretKind,
    pub backend: &'static str,
}

/// `config set-secret`: reads the secret (through `input`) only once the profile and a lasting
/// store are known.
///
/// # Errors
/// Unknown profile (exit 2), the memory store, input and store failures.
#[tracing::instrument(level = "debug", name = "config set-secret", skip_all)]
pub fn set_secret(
    ports: &ProfilePorts<'_>,
    profile: &str,
    kind: SecretKind,
    input: SecretInput<'_>,
) -> Result<SecretStored, Error> {
    let name = require_profile(ports.profiles, ports.env, profile)?;
    let stores = stores(ports)?;
    if stores.is_ephemeral() {
        return Err(EditError::EphemeralStore {
            backend: stores.info.backend,
            reason: stores.info.reason.clone(),
            import: false,
        }
        .into());
    }
    let secret = bound_for(ports.profiles, ports.env, &name, &input(&name)?)?;
    stores
        .secrets
        .set(&name, kind, &secret)
        .map_err(|e| EditError::SecretAfterWrite {
            profile: name.clone(),
            kind,
            step: AfterWrite::Edited,
            cause: e.to_string(),
        })?;
    Ok(SecretStored {
        profile: name,
        kind,
        backend: stores.info.backend,
    })
}

/// What `logout` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOut {
    /// `None` for every profile.
    pub profile: Option<String>,
    pub tokens: usize,
    pub sign_ins: usize,
    pub backend: &'static str,
    /// What could not be removed (the rest was): one line each.
    pub failures: Vec<String>,
    /// Other profiles with the same app, tenant and authority, whose tokens and sign-in were
    /// the same entries and are gone too (tokens are cached per app, not per profile).
    pub shared_with: Vec<String>,
}

/// `logout`: forgets cached tokens and saved sign-ins of one profile (or all); secrets stay.
///
/// # Errors
/// Unknown profile (exit 2), unusable config or store.
#[tracing::instrument(level = "debug", name = "logout", skip_all)]
pub fn logout(ports: &ProfilePorts<'_>, profile: Option<&str>) -> Result<LoggedOut, Error> {
    let identity = match profile {
        Some(name) => {
            let written = require_profile(ports.profiles, ports.env, name)?;
            let profile = resolve_profile(
                ports.profiles,
                ports.env,
                &written,
                &ProfileSettings::default(),
            )?;
            Some((
                written,
                managed_identity::token_identity(&profile, ports.env),
            ))
        }
        None => None,
    };
    let shared_with = identity
        .as_ref()
        .map(|(name, id)| sharing_identity(ports, id, name))
        .unwrap_or_default();
    let stores = stores(ports)?;
    let cache = |e: crate::ports::token_cache::CacheError| EditError::Cache {
        cause: e.to_string(),
    };
    // One entry that cannot be removed does not keep the others: carry on, report it.
    let (mut tokens, mut sign_ins, mut failures) = (0, 0, Vec::new());
    for (key, _) in stores.tokens.list().map_err(cache)? {
        if identity.as_ref().is_none_or(|(_, id)| key.identity() == id) {
            match stores.tokens.remove(&key) {
                Ok(()) => tokens += 1,
                Err(e) => failures.push(e.to_string()),
            }
        }
    }
    for (account, _) in stores.tokens.list_accounts().map_err(cache)? {
        if identity.as_ref().is_none_or(|(_, id)| &account == id) {
            match stores.tokens.remove_account(&account) {
                Ok(()) => sign_ins += 1,
                Err(e) => failures.push(e.to_string()),
            }
        }
    }
    Ok(LoggedOut {
        profile: identity.map(|(name, _)| name),
        tokens,
        sign_ins,
        backend: stores.info.backend,
        failures,
        shared_with,
    })
}

/// `git-credential erase`: forgets the cached access tokens of one profile for the scopes of
/// `overrides` (else the profile's), whatever the account; the saved sign-in (refresh token)
/// and the secrets stay. Returns how many tokens were removed.
///
/// # Errors
/// Unknown profile (exit 2), unusable config or store.
pub fn forget_token(
    ports: &ProfilePorts<'_>,
    profile: &str,
    overrides: &ProfileSettings,
) -> Result<usize, Error> {
    let written = require_profile(ports.profiles, ports.env, profile)?;
    let profile = resolve_profile(ports.profiles, ports.env, &written, overrides)?;
    let scopes = profile.scopes.with_default_suffix();
    let identity = CacheKey::identity_of(&profile);
    let managed = match profile.credential() {
        Ok(Credential::ManagedIdentity(selector)) => Some(managed_identity::cache_key(
            &selector,
            &managed_identity::Source::detect(ports.env),
            &scopes,
        )),
        _ => None,
    };
    let stores = stores(ports)?;
    let cache = |e: crate::ports::token_cache::CacheError| EditError::Cache {
        cause: e.to_string(),
    };
    let mut removed = 0;
    for (key, _) in stores.tokens.list().map_err(cache)? {
        let same_identity = key.identity() == identity && key.scopes() == scopes.canonical();
        if same_identity || managed.as_ref() == Some(&key) {
            stores.tokens.remove(&key).map_err(cache)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests;
