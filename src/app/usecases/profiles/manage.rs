//! Managing profiles: create, edit, rename and delete them in the profile repository, keep
//! their secrets and cached tokens in step (a renamed profile's secrets move, a deleted one's
//! are removed), store secrets, forget tokens (`logout`), and describe profiles for `config
//! list`/`show`. Validation happens before anything is written.

use secrecy::SecretString;
use serde::Serialize;

use crate::app::usecases::error::{
    AfterWrite, EditError, Error, FileCommand, NameUse, ProfileFailure,
};
use crate::app::usecases::profiles::resolution::{
    Resolved, environment_credential_applies, known_profiles, require_profile, resolve_profile,
    resolve_profile_noting,
};
use crate::app::usecases::profiles::secret_binding::{bound_for, bound_for_settings};
use crate::app::usecases::token::managed_identity;
use crate::domain::authority::{Authority, Cloud};
use crate::domain::cache_key::CacheKey;
use crate::domain::credential::Credential;
use crate::domain::env_vars::EnvVars;
use crate::domain::flow::{AssertionAlgorithm, AuthMethod, Flow};
use crate::domain::profile::{
    Profile, ProfileSettings, ScopeList, field, validate_client_id_for_create,
    validate_profile_name, validate_tenant_for_create,
};
use crate::domain::scopes::Scopes;
use crate::ports::env::Env;
use crate::ports::profile_repository::{
    FieldSource, IgnoredVariable, ProfileDocument, ProfileRepository,
};
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

fn stores<'a>(ports: &'a ProfilePorts<'_>) -> Result<Stores<'a>, Error> {
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
    }
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
    let secret = request.client_secret.map(|read| read(&name)).transpose()?;
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
                .is_ok_and(|p| CacheKey::identity_of(&p) == identity)
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
    .map(|p| CacheKey::identity_of(&p));
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
            Some((written, CacheKey::identity_of(&profile)))
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

/// One profile, as `config list` and `config show` print it (never a secret).
#[derive(Debug, Serialize)]
pub struct ProfileSummary {
    pub name: String,
    /// `config` or `environment`.
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
    /// Where each set field came from: `config file`, a variable's name, or `flag`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sources: std::collections::BTreeMap<&'static str, String>,
    /// Variables set in the environment but not used for this profile (`AZURE_*` for a field
    /// its file sets; `AZURE_CLIENT_SECRET` for another app).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_used: Vec<String>,
}

fn summary(ports: &ProfilePorts<'_>, name: &str) -> ProfileSummary {
    let source = if matches!(ports.profiles.get(name), Ok(Some(_))) {
        "config"
    } else {
        "environment"
    };
    match resolve_profile_noting(ports.profiles, ports.env, name, &ProfileSettings::default()) {
        Ok(Resolved {
            profile: p,
            sources,
            ignored,
        }) => ProfileSummary {
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
            not_used: not_used(ports.env, &p, &ignored),
            sources: sources
                .into_iter()
                .map(|(field, source)| {
                    let from = match source {
                        FieldSource::File(_) => "config file".to_owned(),
                        FieldSource::Env(var) => var,
                        FieldSource::Flag => "flag".to_owned(),
                    };
                    (field, from)
                })
                .collect(),
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
            problem: Some(e.to_string()),
            secrets: None,
            sources: std::collections::BTreeMap::new(),
            not_used: Vec::new(),
        },
    }
}

/// The variables set but not used for `profile` (see [`ProfileSummary::not_used`]).
fn not_used(env: &dyn Env, profile: &Profile, ignored: &[IgnoredVariable]) -> Vec<String> {
    let mut vars: Vec<String> = ignored.iter().map(|i| i.var.clone()).collect();
    if !environment_credential_applies(env, profile) {
        vars.extend(
            [
                EnvVars::AZURE_CLIENT_SECRET,
                EnvVars::AZURE_CLIENT_CERTIFICATE_PASSWORD,
            ]
            .into_iter()
            .filter(|var| env.var(var).is_some())
            .map(str::to_owned),
        );
    }
    vars
}

/// `config list`: every profile (the file's, plus `default` from the environment).
///
/// # Errors
/// An unusable config file.
#[tracing::instrument(level = "debug", name = "config list", skip_all)]
pub fn list(ports: &ProfilePorts<'_>) -> Result<Vec<ProfileSummary>, Error> {
    Ok(known_profiles(ports.profiles, ports.env)?
        .iter()
        .map(|name| summary(ports, name))
        .collect())
}

/// `config show`: one profile as resolved, with the names of its stored secrets.
///
/// # Errors
/// Unknown profile (exit 2), an unusable config file.
#[tracing::instrument(level = "debug", name = "config show", skip_all)]
pub fn show(ports: &ProfilePorts<'_>, profile: &str) -> Result<ProfileSummary, Error> {
    let name = require_profile(ports.profiles, ports.env, profile)?;
    let mut summary = summary(ports, &name);
    let secrets = ports
        .stores
        .stores()
        .ok()
        .and_then(|s| s.secrets.list().ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(p, _)| p.eq_ignore_ascii_case(&name))
        .map(|(_, k)| k.as_str().to_owned())
        .collect();
    summary.secrets = Some(secrets);
    Ok(summary)
}

#[cfg(test)]
mod tests;
