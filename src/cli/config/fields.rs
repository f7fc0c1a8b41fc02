//! The profile fields `config create` and `config edit` take as flags, and reading a secret
//! from standard input.

use std::io::Read;

use clap::Args;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::domain::profile::{ProfileSettings, ScopeList};
use crate::usecases::error::{Error, InputError};

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

/// Reads a secret from standard input (one trailing newline removed), for `*-stdin` flags.
///
/// # Errors
/// Read failures, or empty input.
pub fn read_stdin_secret(what: &'static str) -> Result<SecretString, Error> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| InputError::Stdin {
            what,
            cause: e.to_string(),
        })?;
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(InputError::Empty { what }.into());
    }
    Ok(SecretString::from(trimmed.to_owned()))
}
