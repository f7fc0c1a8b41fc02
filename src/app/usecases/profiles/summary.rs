//! Listing and showing profiles (`config list`, `config show`): each with its fields, where
//! each came from, the variables not used for it, and its problem if it does not resolve.

use serde::Serialize;

use super::manage::ProfilePorts;
use crate::app::usecases::error::Error;
use crate::app::usecases::profiles::resolution::{
    Resolved, known_profiles, require_profile, resolve_profile_noting, unused_variables,
};
use crate::domain::profile::ProfileSettings;

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
            not_used: unused_variables(ports.env, &p, &ignored),
            sources: sources
                .into_iter()
                .map(|(field, source)| (field, source.label()))
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
