//! The `status` (alias `doctor`) use case: which config file, which store and why, and for each
//! profile its secrets (names only) and cached tokens (expiry only). Never a secret or a token.

use serde::Serialize;

use crate::app::usecases::error::Error;
use crate::app::usecases::profiles::resolution::{
    Resolved, environment_credential_applies, known_profiles, resolve_profile_noting,
    unused_variables,
};
use crate::app::usecases::token::federated::{detect, in_github_actions};
use crate::app::usecases::token::managed_identity;
use crate::domain::cache_key::CacheKey;
use crate::domain::ci::FederatedSource;
use crate::domain::credential::Credential;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::ProfileSettings;
use crate::domain::token::{Token, rfc3339};
use crate::ports::env::Env;
use crate::ports::profile_repository::{FieldSource, ProfileRepository};
use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};
use crate::ports::store::StoreProvider;

/// Everything `status` reports; the JSON shape of `status -o json`.
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub config_file: Option<String>,
    pub config_file_exists: bool,
    /// Why the config file cannot be used (the rest of the report is still gathered).
    pub config_error: Option<String>,
    pub cache_dir: Option<String>,
    pub store: StoreReport,
    pub client_secret_from_environment: bool,
    /// The app `AZURE_CLIENT_SECRET` belongs to (`AZURE_CLIENT_ID`), when that is set: the
    /// secret is used only for profiles of that app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_app: Option<String>,
    /// The CI whose token service a profile with no other credential uses, and why.
    pub ci: Option<CiReport>,
    pub profiles: Vec<ProfileReport>,
    /// Cached tokens that belong to no profile (e.g. a profile that was renamed).
    pub other_cached_tokens: usize,
}

#[derive(Debug, Serialize)]
pub struct StoreReport {
    pub backend: String,
    pub requested: String,
    pub reason: String,
    /// The encrypted file store holds secrets this run cannot open (see `StoreInfo`).
    pub locked_file_store: bool,
    /// The `keyring` store's fast tier (kernel keyring): what and who can read it, or why none.
    pub fast_tier: Option<String>,
    pub error: Option<String>,
}

/// A CI detected from the environment.
#[derive(Debug, Serialize)]
pub struct CiReport {
    pub service: &'static str,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct ProfileReport {
    pub name: String,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub authority: Option<String>,
    /// How the profile proves who it is (which credential or federated token source), without
    /// any secret.
    pub credential: Option<String>,
    pub error: Option<String>,
    /// Names of the stored secrets: `secret`, `cert-password`.
    pub secrets: Vec<String>,
    /// Stored secrets of the encrypted file store that do not open with this run's key
    /// (another `ENTRA_AUTH_CACHE_KEY`, or damaged): their names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_secrets: Vec<String>,
    /// The signed-in user (user flows), when a sign-in is saved.
    pub signed_in_as: Option<String>,
    pub cached_tokens: Vec<CachedTokenReport>,
    /// Where the tenant, client and authority came from when not the config file: the
    /// variable's name or `flag` (`config show` lists every field's).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sources: std::collections::BTreeMap<&'static str, String>,
    /// Variables set in the environment but not used for this profile (`AZURE_*` for a field
    /// its file sets; `AZURE_CLIENT_SECRET` for another app).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_used: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CachedTokenReport {
    pub scope: String,
    pub account: String,
    pub expires_on: i64,
    pub expires_at: String,
    pub expires_in: i64,
}

/// The fields `status` prints, whose source it gives when that is not the config file.
const SHOWN_FIELDS: [&str; 4] = ["tenant_id", "client_id", "authority_host", "cloud"];

/// The ports `status` reads.
pub struct StatusPorts<'a> {
    pub profiles: &'a dyn ProfileRepository,
    pub env: &'a dyn Env,
    pub stores: &'a dyn StoreProvider,
}

/// Gathers the report at `now`; `cache_dir` is shown as given. A store that cannot be chosen is
/// part of the report, and returned as the error after it.
///
/// # Errors
/// The config file cannot be read (nothing to report).
#[tracing::instrument(level = "debug", name = "status", skip_all)]
pub fn gather(
    ports: &StatusPorts<'_>,
    cache_dir: Option<String>,
    now: i64,
) -> Result<(StatusReport, Option<Error>), Error> {
    // A broken config file is what `status` is run to diagnose: report it, and show the store
    // and the cache anyway (the command then exits with the file's error).
    let (names, config_error) = match known_profiles(ports.profiles, ports.env) {
        Ok(names) => (names, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    let stores = ports.stores.stores();
    let accounts = stores
        .as_ref()
        .ok()
        .and_then(|s| s.tokens.list_accounts().ok())
        .unwrap_or_default();
    let (store, tokens, secrets) = match &stores {
        Ok(stores) => {
            let tokens: Vec<(CacheKey, Token)> = stores.tokens.list().unwrap_or_default();
            let secrets = stores.secrets.list().unwrap_or_default();
            (
                StoreReport {
                    backend: stores.info.backend.to_owned(),
                    requested: stores.info.requested.clone(),
                    reason: stores.info.reason.clone(),
                    locked_file_store: stores.info.locked_file_store,
                    fast_tier: stores.info.fast_tier.clone(),
                    error: None,
                },
                tokens,
                secrets,
            )
        }
        Err(error) => (
            StoreReport {
                backend: "none".to_owned(),
                requested: String::new(),
                reason: String::new(),
                locked_file_store: false,
                fast_tier: None,
                error: Some(error.to_string()),
            },
            Vec::new(),
            Vec::new(),
        ),
    };
    let mut claimed = vec![false; tokens.len()];
    let profiles = names
        .into_iter()
        .map(|name| {
            let resolved = resolve_profile_noting(
                ports.profiles,
                ports.env,
                &name,
                &ProfileSettings::default(),
            );
            let mut report = ProfileReport {
                secrets: secrets
                    .iter()
                    .filter(|(p, _)| p.eq_ignore_ascii_case(&name))
                    .map(|(_, kind)| kind.as_str().to_owned())
                    .collect(),
                unreadable_secrets: match &stores {
                    Ok(stores) => unreadable_secrets(stores.secrets, &name),
                    Err(_) => Vec::new(),
                },
                name,
                signed_in_as: None,
                tenant_id: None,
                client_id: None,
                authority: None,
                credential: None,
                error: None,
                cached_tokens: Vec::new(),
                sources: std::collections::BTreeMap::new(),
                not_used: Vec::new(),
            };
            match resolved {
                Ok(Resolved {
                    profile,
                    sources,
                    ignored,
                }) => {
                    report.not_used = unused_variables(ports.env, &profile, &ignored);
                    report.sources = sources
                        .into_iter()
                        .filter(|(field, source)| {
                            SHOWN_FIELDS.contains(field) && !matches!(source, FieldSource::File(_))
                        })
                        .map(|(field, source)| (field, source.label()))
                        .collect();
                    let identity = managed_identity::token_identity(&profile, ports.env);
                    report.signed_in_as =
                        accounts
                            .iter()
                            .find(|(id, _)| *id == identity)
                            .map(|(_, a)| {
                                a.username
                                    .clone()
                                    .unwrap_or_else(|| a.home_account_id.clone())
                            });
                    for (i, (key, token)) in tokens.iter().enumerate() {
                        if key.identity() == identity {
                            claimed[i] = true;
                            report.cached_tokens.push(CachedTokenReport {
                                scope: key.scopes().to_owned(),
                                account: key.account().to_owned(),
                                expires_on: token.expires_on,
                                expires_at: rfc3339(token.expires_on),
                                expires_in: token.expires_in(now),
                            });
                        }
                    }
                    report.credential = profile.credential().ok().map(|c| {
                        describe(
                            &c,
                            ports.env,
                            environment_credential_applies(ports.env, &profile),
                            !report.secrets.is_empty(),
                        )
                    });
                    report.tenant_id = Some(profile.tenant_id);
                    report.client_id = Some(profile.client_id);
                    report.authority = Some(profile.authority.as_str().to_owned());
                }
                Err(error) => report.error = Some(error.to_string()),
            }
            report
        })
        .collect();
    let report = StatusReport {
        config_file: ports.profiles.location(),
        config_file_exists: ports.profiles.exists(),
        config_error: config_error.as_ref().map(ToString::to_string),
        cache_dir,
        store,
        client_secret_from_environment: ports.env.non_empty(EnvVars::AZURE_CLIENT_SECRET).is_some(),
        client_secret_app: ports
            .env
            .non_empty(EnvVars::AZURE_CLIENT_ID)
            .map(|id| id.trim().to_owned()),
        ci: detect(ports.env).map(|d| CiReport {
            service: d.service.name(),
            reason: d.reason,
        }),
        profiles,
        other_cached_tokens: claimed.iter().filter(|c| !**c).count(),
    };
    let deferred = config_error.or_else(|| stores.err().map(Error::from));
    Ok((report, deferred))
}

/// The file store's secrets of `profile` that are there but do not open (the keyring is not
/// asked: a locked collection could prompt).
fn unreadable_secrets(secrets: &dyn SecretStore, profile: &str) -> Vec<String> {
    if secrets.backend_name() != "file" {
        return Vec::new();
    }
    [SecretKind::ClientSecret, SecretKind::CertificatePassword]
        .into_iter()
        .filter(|kind| {
            matches!(
                secrets.get(profile, *kind),
                Err(SecretStoreError::Unreadable { .. })
            )
        })
        .map(|kind| kind.as_str().to_owned())
        .collect()
}

/// A federated source in words (`the GitHub Actions OIDC token (detected: …)`).
fn describe_federated(source: &FederatedSource, env: &dyn Env) -> String {
    match source {
        FederatedSource::File(path) => format!("federated token file {path}"),
        FederatedSource::Variable(name) => format!("federated token in {name}"),
        FederatedSource::GitHubActions => {
            "federated: the GitHub Actions OIDC token (federated_source)".to_owned()
        }
        FederatedSource::AzurePipelines => {
            "federated: the Azure Pipelines OIDC token (federated_source)".to_owned()
        }
        FederatedSource::Detected => match detect(env) {
            Some(d) => format!(
                "federated: the {} OIDC token (detected: {})",
                d.service.name(),
                d.reason
            ),
            None if in_github_actions(env) => "federated: GitHub Actions, but the job has no `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_* are not set)".to_owned(),
            None => "federated: no CI token service detected (set federated_token_file or federated_token_env)".to_owned(),
        },
    }
}

/// Which credential a profile would use now, and why (never a secret). `env_secret_applies`:
/// `AZURE_CLIENT_SECRET` may be used for this profile (it is its app's).
fn describe(
    credential: &Credential,
    env: &dyn Env,
    env_secret_applies: bool,
    stored_secret: bool,
) -> String {
    match credential {
        Credential::ClientSecret => "client secret".to_owned(),
        Credential::Certificate(c) => format!("certificate {}", c.path),
        Credential::Federated(source) => describe_federated(source, env),
        Credential::ManagedIdentity(_) => "managed identity".to_owned(),
        Credential::PublicClient => "none: user sign-in (public client)".to_owned(),
        Credential::Auto {
            certificate,
            federated,
        } => {
            if env_secret_applies && env.non_empty(EnvVars::AZURE_CLIENT_SECRET).is_some() {
                "client secret from AZURE_CLIENT_SECRET".to_owned()
            } else if let Some(c) = certificate {
                format!("certificate {}", c.path)
            } else if let Some(source) = federated {
                describe_federated(source, env)
            } else if stored_secret {
                "stored client secret".to_owned()
            } else if detect(env).is_some() || in_github_actions(env) {
                describe_federated(&FederatedSource::Detected, env)
            } else {
                "none: user sign-in".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests;
