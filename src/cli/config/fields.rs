//! The profile fields `config create` and `config edit` take as flags, validation at write time,
//! and the no-echo/line prompts used on a terminal.

use std::io::{BufRead, IsTerminal, Read, Write};

use clap::Args;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::domain::authority::{Authority, Cloud};
use crate::domain::flow::{AssertionAlgorithm, AuthMethod, Flow};
use crate::domain::profile::{
    ProfileSettings, ScopeList, validate_client_id_for_create, validate_tenant_for_create,
};
use crate::domain::scopes::Scopes;
use crate::usecases::error::{AppError, ErrorKind};

/// Every settable profile field as a flag (secrets are never flags).
#[derive(Debug, Args, Default, Clone)]
pub struct FieldArgs {
    /// Directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com
    #[arg(long, value_name = "TENANT")]
    pub tenant_id: Option<String>,
    /// Application (client) ID (a GUID)
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// Default scopes, space- or comma-separated (repeatable)
    #[arg(long = "scope", value_name = "SCOPES")]
    pub scopes: Vec<String>,
    /// client-secret, certificate, federated, managed-identity or none
    #[arg(long, value_name = "METHOD")]
    pub auth_method: Option<String>,
    /// client-credentials, interactive, device-code or authorization-code
    #[arg(long, value_name = "FLOW")]
    pub flow: Option<String>,
    /// Certificate file (.pfx/.p12 or PEM)
    #[arg(long, value_name = "PATH")]
    pub certificate_path: Option<String>,
    /// Separate PEM private key of the certificate
    #[arg(long, value_name = "PATH")]
    pub certificate_key_path: Option<String>,
    /// PS256 (default) or RS256
    #[arg(long, value_name = "ALG")]
    pub assertion_algorithm: Option<String>,
    /// Workload identity token file
    #[arg(long, value_name = "PATH")]
    pub federated_token_file: Option<String>,
    /// Authority host, e.g. https://login.microsoftonline.us
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// public, usgov or china
    #[arg(long, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Redirect URI for the browser sign-in
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Fixed loopback port for the browser sign-in
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Username to pre-fill at sign-in
    #[arg(long, value_name = "USER")]
    pub login_hint: Option<String>,
    /// Read the client secret from standard input and store it in the secret store
    #[arg(long)]
    pub client_secret_stdin: bool,
}

impl FieldArgs {
    /// The fields given, as settings.
    #[must_use]
    pub fn settings(&self) -> ProfileSettings {
        ProfileSettings {
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            scopes: (!self.scopes.is_empty()).then(|| ScopeList::Text(self.scopes.join(" "))),
            flow: self.flow.clone(),
            auth_method: self.auth_method.clone(),
            certificate_path: self.certificate_path.clone(),
            certificate_key_path: self.certificate_key_path.clone(),
            assertion_algorithm: self.assertion_algorithm.clone(),
            federated_token_file: self.federated_token_file.clone(),
            authority_host: self.authority_host.clone(),
            cloud: self.cloud.clone(),
            redirect_uri: self.redirect_uri.clone(),
            port: self.port,
            login_hint: self.login_hint.clone(),
            ..ProfileSettings::default()
        }
    }
}

fn invalid(field: &str, reason: String) -> AppError {
    AppError::new(
        ErrorKind::Usage,
        format!("invalid --{}", field.replace('_', "-")),
    )
    .cause(reason)
}

/// Validates every field that is set, with messages that say what to fix.
///
/// # Errors
/// The first invalid field.
pub fn validate(settings: &ProfileSettings) -> Result<(), AppError> {
    if let Some(t) = &settings.tenant_id {
        validate_tenant_for_create(t).map_err(|r| invalid("tenant_id", r))?;
    }
    let managed = settings
        .auth_method
        .as_deref()
        .and_then(|m| m.parse::<AuthMethod>().ok())
        == Some(AuthMethod::ManagedIdentity);
    if let Some(c) = &settings.client_id
        && !managed
    {
        validate_client_id_for_create(c).map_err(|r| invalid("client_id", r))?;
    }
    if let Some(list) = &settings.scopes {
        let items = match list {
            ScopeList::List(items) => items.clone(),
            ScopeList::Text(text) => vec![text.clone()],
        };
        Scopes::from_items(items).map_err(|r| invalid("scope", r))?;
    }
    if let Some(m) = &settings.auth_method {
        m.parse::<AuthMethod>()
            .map_err(|r| invalid("auth_method", r))?;
    }
    if let Some(f) = &settings.flow {
        f.parse::<Flow>().map_err(|r| invalid("flow", r))?;
    }
    if let Some(a) = &settings.assertion_algorithm {
        AssertionAlgorithm::parse(a).map_err(|r| invalid("assertion_algorithm", r))?;
    }
    if let Some(h) = &settings.authority_host {
        Authority::parse(h).map_err(|r| invalid("authority_host", r))?;
    }
    if let Some(c) = &settings.cloud {
        Cloud::parse(c).map_err(|r| invalid("cloud", r))?;
    }
    Ok(())
}

/// True when a person can answer prompts.
#[must_use]
pub fn on_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks for a line on the terminal; Enter keeps `default`.
///
/// # Errors
/// Terminal I/O failures.
pub fn ask(question: &str, default: Option<&str>) -> Result<Option<String>, AppError> {
    let mut stderr = std::io::stderr().lock();
    let shown = default.map_or_else(String::new, |d| format!(" [{d}]"));
    let _ = write!(stderr, "{question}{shown}: ");
    let _ = stderr.flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        AppError::new(ErrorKind::Io, "cannot read from the terminal").cause(e.to_string())
    })?;
    let line = line.trim();
    Ok(if line.is_empty() {
        default.map(str::to_owned)
    } else {
        Some(line.to_owned())
    })
}

/// Reads a secret from stdin (trailing newline removed).
///
/// # Errors
/// Read failures, or empty input.
pub fn secret_from_stdin() -> Result<SecretString, AppError> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        AppError::new(ErrorKind::Io, "cannot read the secret from standard input")
            .cause(e.to_string())
    })?;
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(AppError::new(
            ErrorKind::Usage,
            "no client secret given: standard input was empty",
        ));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}
