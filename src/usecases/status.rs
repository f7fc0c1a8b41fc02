//! The `status` (alias `doctor`) use case: which config file, which store and why, and for each
//! profile its secrets (names only) and cached tokens (expiry only). Never a secret or a token.

use std::fmt::Write as _;

use serde::Serialize;

use super::profile_resolution::known_profiles;
use crate::cli::output::rfc3339;
use crate::composition::context::Context;
use crate::composition::storage::Storage;
use crate::domain::cache_key::CacheKey;
use crate::domain::profile::ProfileSettings;
use crate::domain::token::Token;
use crate::ports::env::Env;

/// Everything `status` reports; the JSON shape of `status -o json`.
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub config_file: Option<String>,
    pub config_file_exists: bool,
    pub cache_dir: Option<String>,
    pub store: StoreReport,
    pub client_secret_from_environment: bool,
    pub profiles: Vec<ProfileReport>,
    /// Cached tokens that belong to no profile (e.g. a profile that was renamed).
    pub other_cached_tokens: usize,
}

#[derive(Debug, Serialize)]
pub struct StoreReport {
    pub backend: String,
    pub requested: String,
    pub reason: String,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProfileReport {
    pub name: String,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub authority: Option<String>,
    pub error: Option<String>,
    /// Names of the stored secrets: `secret`, `cert-password`.
    pub secrets: Vec<String>,
    /// The signed-in user (user flows), when a sign-in is saved.
    pub signed_in_as: Option<String>,
    pub cached_tokens: Vec<CachedTokenReport>,
}

#[derive(Debug, Serialize)]
pub struct CachedTokenReport {
    pub scope: String,
    pub account: String,
    pub expires_on: i64,
    pub expires_at: String,
    pub expires_in: i64,
}

/// Gathers the report. `storage` is `Err(message)` when no store could be selected.
#[must_use]
pub fn gather(
    context: &Context,
    env: &dyn Env,
    storage: Result<&Storage, String>,
    now: i64,
) -> StatusReport {
    let accounts = storage
        .as_ref()
        .ok()
        .and_then(|s| s.tokens.list_accounts().ok())
        .unwrap_or_default();
    let (store, tokens, secrets) = match storage {
        Ok(storage) => {
            let tokens: Vec<(CacheKey, Token)> = storage.tokens.list().unwrap_or_default();
            let secrets = storage.secrets.list().unwrap_or_default();
            (
                StoreReport {
                    backend: storage.backend.to_owned(),
                    requested: storage.requested.clone(),
                    reason: storage.reason.clone(),
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
                error: Some(error),
            },
            Vec::new(),
            Vec::new(),
        ),
    };
    let mut claimed = vec![false; tokens.len()];
    let profiles = known_profiles(context.config.as_ref(), env)
        .into_iter()
        .map(|name| {
            let resolved = context.resolve_profile(env, &name, &ProfileSettings::default());
            let mut report = ProfileReport {
                secrets: secrets
                    .iter()
                    .filter(|(p, _)| p.eq_ignore_ascii_case(&name))
                    .map(|(_, kind)| kind.as_str().to_owned())
                    .collect(),
                name,
                signed_in_as: None,
                tenant_id: None,
                client_id: None,
                authority: None,
                error: None,
                cached_tokens: Vec::new(),
            };
            match resolved {
                Ok(profile) => {
                    let identity = CacheKey::identity_of(&profile);
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
                    report.tenant_id = Some(profile.tenant_id);
                    report.client_id = Some(profile.client_id);
                    report.authority = Some(profile.authority.as_str().to_owned());
                }
                Err(error) => report.error = Some(error.message),
            }
            report
        })
        .collect();
    StatusReport {
        config_file: context
            .config_path
            .as_ref()
            .map(|p| p.display().to_string()),
        config_file_exists: context.config.is_some(),
        cache_dir: context
            .paths
            .cache_dir
            .as_ref()
            .map(|p| p.display().to_string()),
        store,
        client_secret_from_environment: env.non_empty("AZURE_CLIENT_SECRET").is_some(),
        profiles,
        other_cached_tokens: claimed.iter().filter(|c| !**c).count(),
    }
}

/// The human-readable report.
#[must_use]
pub fn render_text(report: &StatusReport) -> String {
    let mut out = String::new();
    let config = match (&report.config_file, report.config_file_exists) {
        (Some(path), true) => path.clone(),
        (Some(path), false) => format!("{path} (does not exist)"),
        (None, _) => "none (no HOME or ENTRA_AUTH_CONFIG_DIR)".to_owned(),
    };
    let _ = writeln!(out, "config file:  {config}");
    let _ = writeln!(
        out,
        "cache dir:    {}",
        report.cache_dir.as_deref().unwrap_or("none")
    );
    match &report.store.error {
        Some(error) => {
            let _ = writeln!(out, "store:        unavailable: {error}");
        }
        None => {
            let _ = writeln!(
                out,
                "store:        {} ({})",
                report.store.backend, report.store.reason
            );
            let _ = writeln!(out, "requested:    {}", report.store.requested);
        }
    }
    if report.client_secret_from_environment {
        let _ = writeln!(
            out,
            "AZURE_CLIENT_SECRET is set: it wins over stored client secrets"
        );
    }
    if report.profiles.is_empty() {
        let _ = writeln!(out, "profiles:     none");
    }
    for profile in &report.profiles {
        let _ = writeln!(out, "\nprofile {}", profile.name);
        if let Some(error) = &profile.error {
            let _ = writeln!(out, "  problem:    {error}");
        }
        if let (Some(tenant), Some(client), Some(authority)) =
            (&profile.tenant_id, &profile.client_id, &profile.authority)
        {
            let _ = writeln!(out, "  tenant:     {tenant}");
            let _ = writeln!(out, "  client:     {client}");
            let _ = writeln!(out, "  authority:  {authority}");
        }
        let secrets = if profile.secrets.is_empty() {
            "none stored".to_owned()
        } else {
            profile.secrets.join(", ")
        };
        let _ = writeln!(out, "  secrets:    {secrets}");
        if let Some(user) = &profile.signed_in_as {
            let _ = writeln!(out, "  signed in:  {user}");
        }
        if profile.cached_tokens.is_empty() {
            let _ = writeln!(out, "  tokens:     none cached");
        }
        for token in &profile.cached_tokens {
            let left = if token.expires_in > 0 {
                format!("{} min left", token.expires_in / 60)
            } else {
                "expired".to_owned()
            };
            let _ = writeln!(
                out,
                "  token:      {} expires {} ({left})",
                token.scope, token.expires_at
            );
        }
    }
    if report.other_cached_tokens > 0 {
        let _ = writeln!(
            out,
            "\n{} cached token(s) belong to no current profile (`entra-auth-cli logout --all` removes them)",
            report.other_cached_tokens
        );
    }
    out
}
