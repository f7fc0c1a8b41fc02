//! How the command line shows a failure: the ONE place where a use-case error becomes a
//! message, its causes, what to do next (`error:` / `caused by:` / `hint:` on stderr), and an
//! exit code (SPEC.md "Exit codes").

use std::fmt::Write as _;
use std::time::Duration;

use crate::domain::exit_code::ExitCode;
use crate::domain::git_credential::ProtocolError;
use crate::domain::oauth_error::OAuthError;
use crate::domain::profile::{FieldTextError, ProfileError, field_names};
use crate::domain::text::{clip, printable};
use crate::domain::token::rfc3339;
use crate::domain::token_response::TokenResponseError;
use crate::ports::credential_loader::CertificateError;
use crate::ports::profile_repository::ProfileRepoError;
use crate::ports::random::RandomError;
use crate::ports::secret_store::SecretKind;
use crate::ports::store::StoreSelectionError;
use crate::usecases::error::{
    AfterWrite, CredentialError, EditError, Error, ErrorKind, FileCommand, GraphError, IdpError,
    InputError, ManagedIdentityEndpoint, ManagedIdentityError, NameUse, ProfileFailure, ReplyIds,
    SignInError, TokenError, TransferError,
};

/// The exit code of a failure category.
#[must_use]
pub fn exit_code(kind: ErrorKind) -> ExitCode {
    match kind {
        ErrorKind::Usage | ErrorKind::Config | ErrorKind::Io => ExitCode::General,
        ErrorKind::ProfileNotFound => ExitCode::ProfileNotFound,
        ErrorKind::Auth => ExitCode::AuthFailed,
        ErrorKind::Network => ExitCode::Network,
        ErrorKind::Timeout => ExitCode::Timeout,
    }
}

/// `git-credential`: a request that is not git's credential-helper protocol, or a token that
/// cannot be sent in it.
#[must_use]
pub fn git_protocol(error: &ProtocolError) -> Report {
    const HELPER: &str = "git config credential.helper \"!entra-auth-cli git-credential -p NAME\"";
    match error {
        ProtocolError::UnsafeValue => Report::new(
            ErrorKind::Auth,
            "the identity provider's token cannot be given to git",
        )
        .cause(error.to_string()),
        _ => Report::new(ErrorKind::Usage, "not git's credential-helper protocol")
            .cause(error.to_string())
            .hint(format!("this command is run by git: {HELPER}")),
    }
}

/// A failure as the user reads it: a one-line message, the causes behind it, and what to do
/// next. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub kind: ErrorKind,
    pub message: String,
    pub causes: Vec<String>,
    pub hints: Vec<String>,
}

impl Report {
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hints: Vec::new(),
        }
    }

    #[must_use]
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    fn causes(self, causes: impl IntoIterator<Item = String>) -> Self {
        causes.into_iter().fold(self, Self::cause)
    }

    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        exit_code(self.kind)
    }

    /// The stderr text: `error: ...`, then indented `caused by:` and `hint:` lines. Every part
    /// goes through [`printable`] (much of it is the server's text: descriptions, ids, messages),
    /// and a part's further lines are indented under it.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", safe(&self.message));
        for cause in &self.causes {
            let _ = writeln!(out, "  caused by: {}", safe(cause));
        }
        for hint in &self.hints {
            let _ = writeln!(out, "  hint: {}", safe(hint));
        }
        out
    }
}

impl Report {
    /// One line: the message, then each cause after `: ` (for a reply to another program, such
    /// as the credential endpoint's JSON errors). Printable, like [`Report::render`].
    #[must_use]
    pub fn one_line(&self) -> String {
        std::iter::once(&self.message)
            .chain(&self.causes)
            .map(|part| printable(part).lines().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(": ")
    }
}

/// `text` for the terminal: printable, its further lines indented.
fn safe(text: &str) -> String {
    printable(text).lines().collect::<Vec<_>>().join("\n    ")
}

impl From<Error> for Report {
    fn from(error: Error) -> Self {
        report(&error)
    }
}

const KEY_HINT: &str = "generate a key with `openssl rand -base64 32` and export it as ENTRA_AUTH_CACHE_KEY (keep it in your secret manager, not next to the cache)";
const KEYRING_HINT: &str = "on a headless Linux box, run a Secret Service (e.g. `gnome-keyring-daemon --unlock` inside `dbus-run-session`), or use ENTRA_AUTH_STORE=file with ENTRA_AUTH_CACHE_KEY";
const LASTING_STORE_HINT: &str =
    "use the OS keyring, or ENTRA_AUTH_STORE=file with ENTRA_AUTH_CACHE_KEY";

/// The report of any use-case error.
#[must_use]
pub fn report(error: &Error) -> Report {
    let kind = error.kind();
    let r = match error {
        Error::Profile(e) => profile(kind, e),
        Error::Store(e) => store(kind, e),
        Error::Credential(e) => credential(kind, e),
        Error::Idp(e) => idp(kind, e),
        Error::SignIn(e) => sign_in(kind, e),
        Error::ManagedIdentity(e) => managed_identity(kind, e),
        Error::Graph(e) => graph(kind, e),
        Error::Token(e) => token(kind, e),
        Error::Edit(e) => edit(kind, e),
        Error::Transfer(e) => transfer(kind, e),
        Error::Input(e) => input(kind, e),
        Error::Random(e) => random(kind, e),
    };
    debug_assert_eq!(r.kind, kind);
    r
}

fn random(kind: ErrorKind, e: &RandomError) -> Report {
    Report::new(kind, "cannot get random bytes from the operating system")
        .cause(e.cause.clone())
        .hint("nothing was sent: request ids, PKCE verifiers and `state` must be unpredictable; check that the kernel's random source (getrandom, /dev/urandom) is available to this process (seccomp profile, sandbox)")
}

fn file_or_default(location: Option<&String>) -> String {
    location
        .cloned()
        .unwrap_or_else(|| "config.toml".to_owned())
}

/// `ENTRA_AUTH_TENANT_ID or AZURE_TENANT_ID` for a field.
fn env_names_for(field: &str) -> String {
    let mut names = vec![crate::domain::profile::entra_env_name(field)];
    if let Some(var) = crate::domain::profile::field(field).and_then(|f| f.azure_env) {
        names.push(var.to_owned());
    }
    names.join(" or ")
}

fn repo(kind: ErrorKind, e: &ProfileRepoError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        ProfileRepoError::NoLocation => r.hint("set ENTRA_AUTH_CONFIG_DIR or HOME"),
        ProfileRepoError::Unreadable { reason, .. } => r
            .cause(reason.clone())
            .hint("fix the file's permissions; it was not modified"),
        ProfileRepoError::Syntax { details, .. } | ProfileRepoError::Invalid { details, .. } => r
            .causes(details.iter().cloned())
            .hint("fix the file and retry; it was not modified"),
        ProfileRepoError::InvalidProfile {
            name,
            path,
            details,
            secret_key,
        } => {
            let mut r = r.causes(details.iter().cloned());
            if *secret_key {
                r = r.hint("secrets never go in config.toml: use AZURE_CLIENT_SECRET");
            }
            r.hint(format!(
                "settings come from [profiles.{name}] in {path}, then ENTRA_AUTH_* and AZURE_* variables, then flags"
            ))
        }
        ProfileRepoError::Write { path, reason } => {
            Report::new(kind, format!("cannot write {path}")).cause(reason.clone())
        }
        ProfileRepoError::Busy { lock, waited, .. } => r
            .cause(format!("its edit lock {lock} was held for {}", humanize(*waited)))
            .hint("retry when the other `config` command (perhaps waiting at a prompt) has finished; nothing was changed"),
    }
}

fn profile(kind: ErrorKind, e: &ProfileFailure) -> Report {
    match e {
        ProfileFailure::Repo(e) => repo(kind, e),
        ProfileFailure::NotFound {
            name,
            known,
            location,
            file_exists,
        } => {
            let mut r = Report::new(kind, format!("profile `{name}` not found"));
            r = match (location, file_exists) {
                (Some(path), true) if !known.is_empty() => r
                    .cause(format!("{path} defines: {}", known.join(", ")))
                    .hint("pick one of those with `-p NAME` (or ENTRA_AUTH_PROFILE)"),
                (Some(path), true) => r.cause(format!("{path} defines no profiles")),
                (Some(path), false) => r.cause(format!("there is no config file at {path}")),
                (None, _) => r.cause("no config directory: set ENTRA_AUTH_CONFIG_DIR or HOME"),
            };
            r.hint(format!(
                "add a [profiles.{name}] table with tenant_id and client_id to {}, or use the `default` profile from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                file_or_default(location.as_ref())
            ))
        }
        ProfileFailure::NotInFile {
            name,
            location,
            command,
        } => {
            let r = Report::new(kind, format!("profile `{name}` is not in {location}"));
            match command {
                FileCommand::Edit => r.hint(
                    "the environment-only profile has no file entry; create one with `config create`",
                ),
                FileCommand::Delete | FileCommand::Rename => {
                    r.hint("profiles from environment variables alone have nothing to delete")
                }
                FileCommand::Export => r.hint("a profile made only of environment variables has nothing to export; create it with `config create`"),
            }
        }
        ProfileFailure::Invalid { error, location } => {
            let file = file_or_default(location.as_ref());
            match error {
                ProfileError::MissingField { profile, field } => {
                    Report::new(kind, format!("profile `{profile}` has no `{field}`")).hint(
                        format!(
                            "set `{field}` in [profiles.{profile}] of {file}, or set {}",
                            env_names_for(field)
                        ),
                    )
                }
                ProfileError::InvalidField {
                    profile,
                    field,
                    reason,
                } => Report::new(
                    kind,
                    format!("profile `{profile}` has an invalid `{field}`"),
                )
                .cause(reason.clone())
                .hint(format!(
                    "fix `{field}` in [profiles.{profile}] of {file}, or in {}",
                    env_names_for(field)
                )),
            }
        }
        ProfileFailure::EnvVar { var, error } => match error {
            FieldTextError::NotAPort => Report::new(kind, format!("{var} is not a port number"))
                .hint("use a number from 1 to 65535"),
            FieldTextError::NotABool => Report::new(kind, format!("{var} is not true or false")),
            FieldTextError::UnknownField(field) => Report::new(
                kind,
                format!("{var} sets `{field}`, which is not a profile field"),
            ),
        },
    }
}

fn store(kind: ErrorKind, e: &StoreSelectionError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        StoreSelectionError::UnknownBackend { .. } => {
            r.hint("use one of: auto, keyring, file, memory")
        }
        StoreSelectionError::BadCacheKey { reason } => r.cause(reason.clone()).hint(KEY_HINT),
        StoreSelectionError::EmptyCacheKey => r
            .cause(
                "an empty value is not taken as unset: it is usually a secret that did not expand",
            )
            .hint(KEY_HINT)
            .hint("or unset it to let `auto` choose (the OS keyring, else memory)"),
        StoreSelectionError::KeyringUnavailable { cause, .. } => {
            r.cause(cause.clone()).hint(KEYRING_HINT)
        }
        StoreSelectionError::FileStoreNeedsKey { cause } => r.cause(cause.clone()).hint(KEY_HINT),
        StoreSelectionError::NoDirectory { variable, .. } => {
            r.hint(format!("set {variable} (or HOME)"))
        }
    }
}

fn certificate(kind: ErrorKind, e: &CertificateError) -> Report {
    let r = Report::new(kind, e.to_string());
    match e {
        CertificateError::WrongPassword { password_given, .. } => r
            .cause(if *password_given {
                "the password given does not open the file"
            } else {
                "the file is password-protected and no password was given"
            })
            .hint("set AZURE_CLIENT_CERTIFICATE_PASSWORD, or store it with `entra-auth-cli config set-secret -p NAME --certificate-password`"),
        CertificateError::Unreadable { .. } => {
            r.hint("check certificate_path (or AZURE_CLIENT_CERTIFICATE_PATH)")
        }
        CertificateError::NoPrivateKey { .. } => r.hint("use a .pfx with its key, a PEM file holding both the certificate and its key, or set certificate_key_path"),
        CertificateError::NoCertificate { .. } | CertificateError::Invalid { .. } => {
            r.hint("certificate_path must be a PKCS#12 (.pfx/.p12) file or a PEM certificate")
        }
        CertificateError::Key(assertion) => {
            let r = Report::new(kind, assertion.message.clone());
            match &assertion.hint {
                Some(hint) => r.hint(hint.clone()),
                None => r,
            }
        }
    }
}

fn credential(kind: ErrorKind, e: &CredentialError) -> Report {
    match e {
        CredentialError::NoSecret { profile } => Report::new(kind, e.to_string()).hint(format!(
            "store one with `entra-auth-cli config set-secret -p {profile}` (reads stdin), or set AZURE_CLIENT_SECRET"
        )),
        CredentialError::NoCredential { profile } => Report::new(kind, e.to_string())
            .hint(format!(
                "store a client secret with `entra-auth-cli config set-secret -p {profile}`, or set AZURE_CLIENT_SECRET"
            ))
            .hint("or use a certificate (certificate_path / AZURE_CLIENT_CERTIFICATE_PATH) or a federated token file (AZURE_FEDERATED_TOKEN_FILE)"),
        CredentialError::EmptySecretVariable { var } => Report::new(kind, e.to_string())
            .cause("an empty value is not taken as unset: it is usually a secret that did not expand (a CI secret that is missing on this run)")
            .hint(format!(
                "set {var} to the client secret's Value, or unset it to use a secret stored with `entra-auth-cli config set-secret`"
            )),
        CredentialError::EmptyPasswordVariable { var, .. } => Report::new(kind, e.to_string())
            .cause("the empty password does not open the file")
            .hint(format!(
                "set {var} to the certificate's password, or unset it to use one stored with `entra-auth-cli config set-secret --certificate-password`"
            )),
        CredentialError::PublicClient { profile } => Report::new(
            kind,
            format!("profile `{profile}` is a public client (auth_method = \"none\"): client credentials need a secret, certificate or federated token"),
        )
        .hint("use a user sign-in flow for public clients"),
        CredentialError::NoFederatedFile { .. } => Report::new(kind, e.to_string())
            .hint("set AZURE_FEDERATED_TOKEN_FILE (the AKS workload identity webhook does) or federated_token_file"),
        CredentialError::NoCertificatePath { .. } => Report::new(kind, e.to_string())
            .hint("set certificate_path in the profile, or AZURE_CLIENT_CERTIFICATE_PATH"),
        CredentialError::StoreRead { cause, .. } => Report::new(kind, e.to_string())
            .cause(cause.clone())
            .hint("set it in the environment instead, or fix the store (see `entra-auth-cli status`)"),
        CredentialError::LockedFileStore {
            profile,
            kind: secret,
            ..
        } => {
            let (what, variable) = match secret {
                SecretKind::ClientSecret => ("client secret", "AZURE_CLIENT_SECRET"),
                SecretKind::CertificatePassword => {
                    ("certificate password", "AZURE_CLIENT_CERTIFICATE_PASSWORD")
                }
            };
            Report::new(
                kind,
                format!(
                    "the encrypted file store holds a {what} for profile `{profile}`, but ENTRA_AUTH_CACHE_KEY is not set"
                ),
            )
            .cause("no OS keyring answers, so `auto` fell back to the memory store, which cannot open the file store")
            .hint("export the ENTRA_AUTH_CACHE_KEY the secret was stored with (from wherever you keep it), then run the command again")
            .hint(format!("or set {variable} for this run"))
        }
        CredentialError::PasswordPrompt(cause) => {
            Report::new(kind, "cannot read the password").cause(cause.to_string())
        }
        CredentialError::Certificate(e) => certificate(kind, e),
        CredentialError::NotYetValid { path, not_before } => Report::new(
            kind,
            format!("the certificate {path} is not valid until {}", rfc3339(*not_before)),
        )
        .hint("check the system clock, or use a certificate that is valid now"),
        CredentialError::Expired { path, not_after } => Report::new(
            kind,
            format!("the certificate {path} expired on {}", rfc3339(*not_after)),
        )
        .hint("create or renew the certificate, upload it to the app registration, and point certificate_path at it"),
        CredentialError::Assertion(assertion) => {
            let r = Report::new(kind, assertion.message.clone());
            match &assertion.hint {
                Some(hint) => r.hint(hint.clone()),
                None => r,
            }
        }
    }
}

/// `trace id: ..., correlation id: ..., timestamp: ...`.
fn ids_line(ids: &ReplyIds) -> String {
    let mut parts = Vec::new();
    if let Some(trace) = &ids.trace {
        parts.push(format!("trace id: {trace}"));
    }
    parts.push(format!("correlation id: {}", ids.correlation));
    if let Some(timestamp) = &ids.timestamp {
        parts.push(format!("timestamp: {timestamp}"));
    }
    parts.join(", ")
}

fn idp(kind: ErrorKind, e: &IdpError) -> Report {
    match e {
        IdpError::Unreachable {
            host,
            cause,
            skipped_wait,
        } => {
            let mut r = Report::new(kind, format!("cannot reach the identity provider at {host}"))
                .cause(cause.clone());
            if let Some(wait) = skipped_wait {
                r = r.cause(format!(
                    "not retried: the next attempt would be in {} s, after the --timeout deadline",
                    wait.as_secs_f32().ceil()
                ));
            }
            r.hint("check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the profile's authority host")
        }
        IdpError::Setup { reason } => Report::new(kind, reason.clone()),
        IdpError::Unusable { status, reason } => Report::new(
            kind,
            format!("the identity provider sent an unusable token response (HTTP {status})"),
        )
        .cause(token_response_problem(reason))
        .hint("check that the authority host points at Microsoft Entra ID (or a compatible server)"),
        IdpError::Redirected { status, to } => Report::new(
            kind,
            format!(
                "the identity provider redirected the request to {} (HTTP {status}); it was not followed",
                redirect_target(to.as_deref())
            ),
        )
        .cause("requests to the identity provider carry credentials, so they never follow a redirect")
        .hint("set the authority host (authority_host, AZURE_AUTHORITY_HOST) to the identity provider itself, not to a proxy or a page that forwards"),
        IdpError::TooLarge { host, limit } => Report::new(
            kind,
            format!(
                "the identity provider at {host} sent a reply larger than {}; it was not read further",
                size(*limit)
            ),
        )
        .hint("check that the authority host points at Microsoft Entra ID (or a compatible server)"),
        IdpError::Throttled { detail, ids } => Report::new(
            kind,
            "the identity provider is throttling token requests (HTTP 429)",
        )
        .cause(detail.clone())
        .cause(ids_line(ids))
        .hint("wait a minute before retrying; reuse cached tokens (see ENTRA_AUTH_STORE) instead of requesting new ones")
        .hint("a longer --timeout lets the CLI wait for the server's Retry-After"),
        IdpError::ServerFailed {
            status,
            attempts,
            detail,
            ids,
        } => Report::new(
            kind,
            format!("the identity provider failed with HTTP {status} after {attempts} attempts"),
        )
        .cause(detail.clone())
        .cause(ids_line(ids))
        .hint("this is usually temporary: retry later; if it persists, check the authority host"),
        IdpError::RefusedWithoutDetails {
            status,
            detail,
            ids,
        } => Report::new(
            kind,
            format!("the identity provider refused the request with HTTP {status}"),
        )
        .cause(detail.clone())
        .cause(ids_line(ids))
        .hint("check the authority host, tenant and client ID of the profile"),
        IdpError::Refused(refusal) => refused(
            kind,
            &refusal.oauth,
            &refusal.ids,
            &refusal.client_id,
            &refusal.tenant_id,
        ),
    }
}

/// Which field of a 2xx token response is wrong (never its value, but a short `token_type`).
fn token_response_problem(reason: &TokenResponseError) -> String {
    match reason {
        TokenResponseError::NotJson => "the body is not a JSON object".to_owned(),
        TokenResponseError::NoAccessToken => "`access_token` is missing or empty".to_owned(),
        TokenResponseError::NotAString { field } => format!("`{field}` is not a string"),
        TokenResponseError::NotBearer {
            token_type: Some(token_type),
        } => format!("`token_type` is `{token_type}`, not `Bearer`"),
        TokenResponseError::NotBearer { token_type: None } => {
            "`token_type` is not `Bearer`".to_owned()
        }
        TokenResponseError::NoExpiry => {
            "neither `expires_in` nor `expires_on` is a number of seconds".to_owned()
        }
    }
}

/// `evil.example:8080`, or `another location` when the redirect named none.
fn redirect_target(to: Option<&str>) -> String {
    to.map_or_else(|| "another location".to_owned(), str::to_owned)
}

/// `1 MiB`, `64 KiB`, `100 bytes`.
fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn refused(
    kind: ErrorKind,
    oauth: &OAuthError,
    ids: &ReplyIds,
    client_id: &str,
    tenant_id: &str,
) -> Report {
    let code = oauth
        .aadsts()
        .map_or_else(String::new, |n| format!(" (AADSTS{n})"));
    let detail = oauth
        .summary()
        .unwrap_or_else(|| "body: (no description)".to_owned());
    let r = Report::new(
        kind,
        format!("authentication failed: {}{code}", oauth.error),
    )
    .cause(detail)
    .cause(ids_line(ids));
    oauth
        .hints(client_id, tenant_id)
        .into_iter()
        .fold(r, Report::hint)
}

fn sign_in(kind: ErrorKind, e: &SignInError) -> Report {
    match e {
        SignInError::Listen { cause } => {
            Report::new(kind, "cannot listen for the sign-in redirect")
                .cause(cause.clone())
                .hint("pick another port with --port, or omit it for a free one")
        }
        SignInError::Listener { cause } => {
            Report::new(kind, "the sign-in listener failed").cause(cause.clone())
        }
        SignInError::Redirected { error, description } => {
            let mut r = Report::new(kind, format!("sign-in failed: {error}"));
            if let Some(description) = description {
                r = r.cause(description.clone());
            }
            r.hint(if error == "access_denied" {
                "the sign-in was cancelled or declined; run the command again to retry"
            } else {
                "check the profile's client ID, tenant and redirect URI registration (Mobile and desktop: http://localhost)"
            })
        }
        SignInError::RedirectTimedOut {
            ignored_other_state,
        } => {
            let mut r = Report::new(kind, e.to_string());
            if *ignored_other_state > 0 {
                r = r
                    .cause(format!(
                        "{ignored_other_state} sign-in response{} carrying another sign-in's state {} ignored (an older browser tab, or a request forged by another program or web page)",
                        if *ignored_other_state == 1 { "" } else { "s" },
                        if *ignored_other_state == 1 { "was" } else { "were" },
                    ));
            }
            r.hint("finish the sign-in in the browser tab this command opened (the URL above), or raise the limit with --timeout (e.g. --timeout 5m)")
        }
        SignInError::UnusableDeviceCode { reason } => {
            Report::new(kind, e.to_string()).cause(reason.clone())
        }
        SignInError::DeviceCodeExpired => Report::new(kind, e.to_string())
            .hint("run the command again and enter the new code promptly"),
        SignInError::Declined => {
            Report::new(kind, e.to_string()).hint("run the command again to retry")
        }
        SignInError::DeviceCodeTimedOut => Report::new(kind, e.to_string()),
        SignInError::PersonNeeded {
            profile,
            saved_sign_in_failed,
            ..
        } => {
            let mut r = Report::new(kind, e.to_string());
            if let Some(failure) = saved_sign_in_failed {
                r = r.cause(idp(ErrorKind::Auth, failure).message);
            }
            r.hint(format!(
                "sign in once in a terminal: `entra-auth-cli get-token -p {profile} -f device-code` (or `-f interactive`); later runs reuse the saved sign-in"
            ))
            .hint("in CI, use an app credential (client secret, certificate, workload or managed identity) instead")
        }
    }
}

fn endpoint_name(endpoint: ManagedIdentityEndpoint) -> &'static str {
    match endpoint {
        ManagedIdentityEndpoint::Imds => "the Azure instance metadata service (IMDS)",
        ManagedIdentityEndpoint::AppService => "the App Service managed identity endpoint",
    }
}

fn managed_identity(kind: ErrorKind, e: &ManagedIdentityError) -> Report {
    match e {
        ManagedIdentityError::SeveralSelectors { .. } => Report::new(kind, e.to_string())
            .hint("keep exactly one of client_id, object_id and mi_res_id (or none for the system-assigned identity)"),
        ManagedIdentityError::SeveralResources => Report::new(kind, e.to_string())
            .hint("pass one scope, such as `-s https://management.azure.com/.default`"),
        ManagedIdentityError::NoEndpoint => Report::new(kind, e.to_string()),
        ManagedIdentityError::Unreachable { endpoint, cause } => Report::new(
            kind,
            format!("cannot reach {}", endpoint_name(*endpoint)),
        )
        .cause(cause.clone())
        .hint("managed identity works only on Azure (VM, VMSS, App Service, Functions, AKS with a managed identity); elsewhere use another auth_method"),
        ManagedIdentityError::Unusable { endpoint, reason } => Report::new(
            kind,
            format!("{} sent an unusable token response", endpoint_name(*endpoint)),
        )
        .cause(token_response_problem(reason)),
        ManagedIdentityError::Redirected {
            endpoint,
            status,
            to,
        } => Report::new(
            kind,
            format!(
                "{} redirected the request to {} (HTTP {status}); it was not followed",
                endpoint_name(*endpoint),
                redirect_target(to.as_deref())
            ),
        )
        .cause("managed identity requests carry the identity secret, so they never follow a redirect")
        .hint(match endpoint {
            ManagedIdentityEndpoint::AppService => "check IDENTITY_ENDPOINT: it must be the App Service token endpoint itself",
            ManagedIdentityEndpoint::Imds => "check ENTRA_AUTH_IMDS_ENDPOINT (unset it for the Azure default)",
        }),
        ManagedIdentityError::TooLarge { endpoint, limit } => Report::new(
            kind,
            format!(
                "{} sent a reply larger than {}; it was not read further",
                endpoint_name(*endpoint),
                size(*limit)
            ),
        ),
        ManagedIdentityError::Refused {
            endpoint,
            status,
            detail,
            identity_not_found,
        } => Report::new(
            kind,
            format!("{} refused the request (HTTP {status})", endpoint_name(*endpoint)),
        )
        .cause(detail.clone())
        .hint(if *identity_not_found {
            "no managed identity matches: assign one to this resource, or fix client_id / object_id / mi_res_id in the profile"
        } else {
            "check the resource (scope) and the identity selector of the profile"
        }),
        ManagedIdentityError::Failed {
            endpoint,
            status,
            attempts,
            detail,
        } => Report::new(
            kind,
            format!(
                "{} failed with HTTP {status} after {attempts} attempts",
                endpoint_name(*endpoint)
            ),
        )
        .cause(detail.clone())
        .hint("the endpoint may be updating (404/410) or throttling (429): retry in a minute"),
    }
}

fn graph(kind: ErrorKind, e: &GraphError) -> Report {
    match e {
        GraphError::BadEndpoint { reason } => Report::new(
            kind,
            "ENTRA_AUTH_GRAPH_ENDPOINT is not a usable Microsoft Graph endpoint",
        )
        .cause(reason.clone())
        .hint("use https://HOST (plain http only for 127.0.0.1 or localhost), or unset it"),
        GraphError::Unreachable { graph, cause } => {
            Report::new(kind, format!("cannot reach Microsoft Graph at {graph}"))
                .cause(cause.clone())
                .hint("check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)")
        }
        GraphError::Setup { reason } => Report::new(kind, reason.clone()),
        GraphError::Status {
            status,
            graph,
            code_message,
            request_id,
        } => {
            let (message, hint) = match status {
                401 | 403 => (
                    format!("Microsoft Graph refused to list app registrations (HTTP {status})"),
                    Some(
                        "the identity needs Microsoft Graph's Application.Read.All permission: an \
                         application permission with admin consent for client-credentials profiles, a \
                         delegated permission for signed-in users",
                    ),
                ),
                400 => (
                    format!("Microsoft Graph rejected the search (HTTP {status})"),
                    None,
                ),
                429 | 500..=599 => (
                    format!("Microsoft Graph kept failing (HTTP {status})"),
                    Some("try again later"),
                ),
                400..=499 => (
                    format!("Microsoft Graph at {graph} answered HTTP {status}"),
                    Some("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
                ),
                _ => (format!("Microsoft Graph answered HTTP {status}"), None),
            };
            let mut r = Report::new(kind, message);
            if let Some(text) = code_message {
                r = r.cause(clip(text, 300));
            }
            if let Some(id) = request_id {
                r = r.cause(format!("request id: {}", clip(id, 300)));
            }
            match hint {
                Some(hint) => r.hint(hint),
                None => r,
            }
        }
        GraphError::NotAPage { reason } => Report::new(kind, e.to_string()).cause(reason.clone()),
        GraphError::ForeignNextLink { link } => Report::new(
            kind,
            "Microsoft Graph sent a next-page link to another host; it was not followed",
        )
        .cause(format!("@odata.nextLink: {}", clip(link, 300))),
        GraphError::Redirected { status, graph, to } => Report::new(
            kind,
            format!(
                "Microsoft Graph at {graph} redirected the request to {} (HTTP {status}); it was not followed",
                redirect_target(to.as_deref())
            ),
        )
        .cause("Graph requests carry an access token, so they never follow a redirect")
        .hint("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
        GraphError::TooLarge { graph, limit } => Report::new(
            kind,
            format!(
                "Microsoft Graph at {graph} sent a page larger than {}; it was not read further",
                size(*limit)
            ),
        )
        .hint("check ENTRA_AUTH_GRAPH_ENDPOINT (unset it to use the profile's cloud)"),
        GraphError::TooManyPages {
            pages,
            applications,
        } => Report::new(
            kind,
            format!("more than {pages} pages of app registrations ({applications} applications); stopped"),
        )
        .hint("narrow the search with a name prefix, e.g. -s 'MyApp*' (Graph filters prefixes itself)"),
        GraphError::TimedOut => Report::new(
            kind,
            "timed out listing app registrations in Microsoft Graph",
        )
        .hint("raise the limit with --timeout (e.g. --timeout 2m), or narrow the pattern with a prefix (-s 'MyApp*')"),
        GraphError::NotExactlyOne { matches, pattern } => Report::new(
            kind,
            format!(
                "--create-profile needs exactly one matching app registration; {matches} match `{}`",
                clip(pattern, 300)
            ),
        )
        .hint("give the exact display name without `*` (e.g. -s 'Billing API'), then retry"),
    }
}

/// `30 s`, `2 min`, `500 ms`.
#[must_use]
pub fn humanize(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_millis() != 0 || secs == 0 {
        format!("{} ms", d.as_millis())
    } else if secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

fn token(kind: ErrorKind, e: &TokenError) -> Report {
    match e {
        TokenError::FlowUnavailable { .. }
        | TokenError::ManagedIdentityFlow { .. }
        | TokenError::Runtime { .. }
        | TokenError::TooShortLived => Report::new(kind, e.to_string()),
        TokenError::LockTimedOut => {
            Report::new(kind, e.to_string()).hint("retry, or raise --timeout")
        }
        TokenError::TimedOut { limit } => Report::new(
            kind,
            format!("timed out after {} waiting for a token", humanize(*limit)),
        )
        .hint("raise the limit with --timeout (e.g. --timeout 2m), or check that the authority host answers"),
        TokenError::Claims(cause) => Report::new(kind, "invalid --claims: not a claims request")
            .cause(cause.to_string())
            .hint("pass the claims=\"...\" value of the resource's WWW-Authenticate header (base64), or its JSON object"),
    }
}

fn flag_of(field: &str) -> String {
    format!("--{}", field.replace('_', "-"))
}

fn edit(kind: ErrorKind, e: &EditError) -> Report {
    match e {
        EditError::BadName {
            name,
            reason,
            used_for,
        } => match used_for {
            NameUse::Create => Report::new(kind, "invalid --name").cause(reason.clone()),
            NameUse::RenameTo => Report::new(kind, "invalid new name").cause(reason.clone()),
            NameUse::DiscoverCreate => {
                Report::new(kind, "invalid --create-profile name").cause(reason.clone())
            }
            NameUse::Import { renamed } => {
                let r = Report::new(
                    kind,
                    format!("cannot import profile `{}`: bad name", name.escape_debug()),
                )
                .cause(reason.clone());
                if *renamed {
                    r.hint("choose a -n NEWNAME made of letters, digits, `.`, `_` and `-`")
                } else {
                    r.hint("import it under another name with -n NEWNAME (add -p NAME when the file holds several)")
                }
            }
        },
        EditError::Exists {
            name,
            location,
            used_for,
        } => match used_for {
            NameUse::Create => Report::new(kind, format!("profile `{name}` already exists"))
                .hint("use `config edit` to change it, or --overwrite to replace it"),
            NameUse::RenameTo => Report::new(kind, format!("profile `{name}` already exists")),
            NameUse::DiscoverCreate => Report::new(
                kind,
                format!("profile `{name}` already exists in {location}"),
            )
            .hint("choose another --create-profile name; discover never replaces a profile"),
            NameUse::Import { .. } => Report::new(kind, format!("profile `{name}` already exists"))
                .hint("--overwrite replaces it, -n NEWNAME imports under another name; nothing was imported"),
        },
        EditError::InvalidField { field, reason } => {
            let flag = if *field == "scopes" {
                "--scope".to_owned()
            } else {
                flag_of(field)
            };
            Report::new(kind, format!("invalid {flag}")).cause(reason.clone())
        }
        EditError::MissingField { field } => {
            Report::new(kind, format!("{} is required", flag_of(field))).hint(
                "give every required field as a flag when not on a terminal (see `config create --help`)",
            )
        }
        EditError::UnknownField { field } => {
            Report::new(kind, format!("unknown field `{field}`")).hint(format!(
                "fields: {}",
                field_names().collect::<Vec<_>>().join(", ")
            ))
        }
        EditError::NothingToChange => Report::new(kind, "nothing to change")
            .hint("pass the fields to change as flags (see `config edit --help`)"),
        EditError::NeedsConfirmation { name } => Report::new(
            kind,
            format!("deleting profile `{name}` needs confirmation"),
        )
        .hint("pass --yes"),
        EditError::NotConfirmed => Report::new(kind, "not deleted"),
        EditError::EphemeralStore {
            reason,
            import: false,
            ..
        } => Report::new(
            kind,
            "the memory store keeps nothing between runs, so it cannot hold a secret",
        )
        .cause(reason.clone())
        .hint(format!(
            "{LASTING_STORE_HINT}; in CI, pass AZURE_CLIENT_SECRET instead"
        )),
        EditError::EphemeralStore {
            reason,
            import: true,
            ..
        } => Report::new(
            kind,
            "the import carries secrets, but the memory store keeps nothing between runs",
        )
        .cause(reason.clone())
        .hint(format!(
            "{LASTING_STORE_HINT}; or --skip-secrets to import the settings only; nothing was imported"
        )),
        EditError::SecretRead { profile, cause } => Report::new(
            kind,
            format!("cannot read the secrets of profile `{profile}`"),
        )
        .cause(cause.clone()),
        EditError::SecretAfterWrite {
            profile,
            kind: secret,
            step,
            cause,
        } => {
            let what = match secret {
                crate::ports::secret_store::SecretKind::ClientSecret => "client secret",
                crate::ports::secret_store::SecretKind::CertificatePassword => {
                    "certificate password"
                }
            };
            let flag = match secret {
                crate::ports::secret_store::SecretKind::ClientSecret => "",
                crate::ports::secret_store::SecretKind::CertificatePassword => {
                    " --certificate-password"
                }
            };
            let store_it = format!("store it with `entra-auth-cli config set-secret -p {profile}{flag}`");
            match step {
                AfterWrite::Created => Report::new(
                    kind,
                    format!("profile `{profile}` was created, but its secret could not be stored"),
                )
                .cause(cause.clone())
                .hint(store_it),
                AfterWrite::Edited => Report::new(
                    kind,
                    format!("cannot store the {what} of profile `{profile}`"),
                )
                .cause(cause.clone()),
                AfterWrite::Imported => Report::new(
                    kind,
                    format!("profile `{profile}` was imported, but its {what} could not be stored"),
                )
                .cause(cause.clone())
                .hint(store_it),
                AfterWrite::Deleted => Report::new(
                    kind,
                    format!("profile `{profile}` was deleted, but a stored secret could not be"),
                )
                .cause(cause.clone()),
                AfterWrite::Renamed => Report::new(
                    kind,
                    "the profile was renamed, but its secrets could not be moved",
                )
                .cause(cause.clone()),
            }
        }
        EditError::Terminal(cause) => {
            Report::new(kind, "cannot read from the terminal").cause(cause.to_string())
        }
        EditError::Cache { cause } => {
            Report::new(kind, "cannot list or remove the cached tokens").cause(cause.clone())
        }
    }
}

fn transfer(kind: ErrorKind, e: &TransferError) -> Report {
    match e {
        TransferError::NotAnExport { source_name, reason } => {
            Report::new(kind, format!("{source_name} is not a profile export"))
                .cause(reason.clone())
                .hint("give a file written by `entra-auth-cli config export` (or the seed tool's `config export`)")
        }
        TransferError::UnsupportedVersion { .. } => Report::new(kind, e.to_string())
            .hint("upgrade entra-auth-cli, or export again with this version"),
        TransferError::Decrypt => Report::new(kind, e.to_string())
            .hint("check the passphrase and that the file is complete; nothing was imported"),
        TransferError::Invalid { source_name, reason } => Report::new(
            kind,
            format!("{source_name} decrypted, but its content is invalid"),
        )
        .cause(reason.clone())
        .hint("nothing was imported"),
        TransferError::SeedProfiles { path, reason } => Report::new(
            kind,
            format!("{path} is not the seed tool's profiles.json"),
        )
        .cause(reason.clone())
        .hint("nothing was imported"),
        TransferError::NotInImport { holds, .. } => {
            Report::new(kind, e.to_string()).cause(format!("it holds: {}", holds.join(", ")))
        }
        TransferError::Empty { .. } => Report::new(kind, e.to_string()),
        TransferError::RenameNeedsOne { .. } => {
            Report::new(kind, e.to_string()).hint("pick one with -p NAME")
        }
        TransferError::Duplicate { name } => Report::new(
            kind,
            format!("the import holds profile `{}` twice", name.escape_debug()),
        ),
        TransferError::InvalidProfile { name, reason } => Report::new(
            kind,
            format!("cannot import profile `{}`", name.escape_debug()),
        )
        .cause(reason.clone())
        .hint("nothing was imported"),
        TransferError::Seal { reason } => {
            Report::new(kind, "cannot encrypt the export").cause(reason.clone())
        }
        TransferError::SecretNotRemoved { profile, cause, .. } => Report::new(kind, e.to_string())
            .cause(cause.clone())
            .cause(format!(
                "the import sends profile `{}`'s credentials to another authority host, tenant or client ID, and its stored secret was meant for the old one",
                profile.escape_debug()
            ))
            .hint(format!("nothing was imported; fix the secret store and retry, or delete the profile first (`entra-auth-cli config delete -p {}`)", profile.escape_debug())),
    }
}

fn input(kind: ErrorKind, e: &InputError) -> Report {
    match e {
        InputError::Empty { what } => {
            let r = Report::new(kind, e.to_string());
            if what.contains("secret") || what.contains("password") {
                r.hint("pipe the secret in, e.g. `printf %s \"$SECRET\" | entra-auth-cli config set-secret -p NAME`")
            } else {
                r
            }
        }
        InputError::Stdin { what, cause } => Report::new(
            kind,
            format!("cannot read the {what} from standard input"),
        )
        .cause(cause.clone()),
        InputError::NoTerminal { .. } => Report::new(kind, e.to_string())
            .hint("pipe it in with --passphrase-stdin, e.g. `printf %s \"$PASSPHRASE\" | entra-auth-cli config ... --passphrase-stdin`"),
        InputError::Terminal(cause) => {
            Report::new(kind, "cannot read from the terminal").cause(cause.to_string())
        }
        InputError::EmptyPassphrase => Report::new(kind, e.to_string()),
        InputError::PassphraseMismatch => {
            Report::new(kind, "the two passphrases differ; nothing was exported")
        }
        InputError::File { source_name, cause } => {
            let r = Report::new(kind, format!("cannot read {source_name}")).cause(cause.clone());
            if source_name.ends_with("profiles.json") {
                r.hint("the seed tool kept its profiles in ~/.config/entra-auth-cli/profiles.json (%APPDATA%\\entra-auth-cli\\profiles.json on Windows)")
            } else {
                r
            }
        }
        InputError::NoHome => Report::new(kind, "HOME is not set")
            .hint("give the file: --from-seed PATH/profiles.json"),
    }
}

#[cfg(test)]
mod tests {
    use super::{Report, exit_code, report};
    use crate::usecases::error::{ErrorKind, SignInError, TokenError};

    #[test]
    fn every_kind_maps_to_its_spec_code() {
        let table = [
            (ErrorKind::Usage, 1),
            (ErrorKind::Config, 1),
            (ErrorKind::Io, 1),
            (ErrorKind::ProfileNotFound, 2),
            (ErrorKind::Auth, 3),
            (ErrorKind::Network, 4),
            (ErrorKind::Timeout, 5),
        ];
        for (kind, code) in table {
            assert_eq!(exit_code(kind).code(), code, "{kind:?}");
        }
    }

    #[test]
    fn renders_error_causes_and_hints() {
        let e = Report::new(ErrorKind::Auth, "authentication failed")
            .cause("AADSTS7000215: Invalid client secret provided.")
            .hint("use the secret's Value");
        assert_eq!(
            e.render(),
            "error: authentication failed\n  caused by: AADSTS7000215: Invalid client secret provided.\n  hint: use the secret's Value\n"
        );
    }

    #[test]
    fn rendering_escapes_what_a_terminal_would_act_on() {
        let e = Report::new(ErrorKind::Auth, "failed: \u{1b}]0;owned\u{7}")
            .cause("AADSTS1: x\u{1b}[2J\u{7}\r\nTrace ID: t\u{9b}1m")
            .hint("\u{202e}gpj.exe");
        let text = e.render();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert_eq!(
            text,
            "error: failed: \\u{1b}]0;owned\\u{7}\n  caused by: AADSTS1: x\\u{1b}[2J\\u{7}\n    Trace ID: t\\u{9b}1m\n  hint: \\u{202e}gpj.exe\n"
        );
    }

    #[test]
    fn an_unusable_token_response_names_the_field_never_the_body() {
        use crate::domain::token_response::TokenResponseError;
        use crate::usecases::error::IdpError;
        let r = report(
            &IdpError::Unusable {
                status: 200,
                reason: TokenResponseError::NotBearer {
                    token_type: Some("pop".into()),
                },
            }
            .into(),
        );
        assert_eq!(r.exit_code().code(), 4);
        assert_eq!(r.causes, ["`token_type` is `pop`, not `Bearer`"]);
        let r = report(
            &IdpError::Redirected {
                status: 307,
                to: Some("evil.example:8080".into()),
            }
            .into(),
        );
        assert_eq!(r.exit_code().code(), 4);
        assert!(r.message.contains("evil.example:8080"), "{r:?}");
        let r = report(
            &IdpError::TooLarge {
                host: "https://login.example".into(),
                limit: crate::ports::idp::TOKEN_REPLY_LIMIT,
            }
            .into(),
        );
        assert_eq!(r.exit_code().code(), 4);
        assert!(r.message.contains("larger than 1 MiB"), "{r:?}");
    }

    #[test]
    fn an_idp_refusal_shows_its_code_ids_and_hints() {
        let profile = crate::domain::profile::ProfileSettings {
            tenant_id: Some("t".into()),
            client_id: Some("app-1".into()),
            ..Default::default()
        }
        .validate("p")
        .unwrap();
        let entra = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: tr","error_codes":[7000215],"trace_id":"tr","correlation_id":"co","timestamp":"2025-01-01 00:00:00Z"}"#;
        let reply = crate::ports::idp::HttpReply {
            status: 401,
            retry_after: None,
            request_id: None,
            redirect_host: None,
            body: entra.as_bytes().to_vec(),
        };
        let e = crate::usecases::idp_call::refusal(&reply, &profile, "crid");
        let r = report(&e.into());
        assert_eq!(r.exit_code().code(), 3);
        assert_eq!(
            r.message,
            "authentication failed: invalid_client (AADSTS7000215)"
        );
        assert_eq!(
            r.causes[0],
            "AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(
            r.causes[1],
            "trace id: tr, correlation id: co, timestamp: 2025-01-01 00:00:00Z"
        );
        assert!(r.hints[0].contains("app-1"));
    }

    #[test]
    fn typed_errors_become_their_wording_and_code() {
        let r = report(
            &TokenError::TimedOut {
                limit: std::time::Duration::from_secs(120),
            }
            .into(),
        );
        assert_eq!(r.message, "timed out after 2 min waiting for a token");
        assert_eq!(r.exit_code().code(), 5);
        let r = report(
            &SignInError::PersonNeeded {
                profile: "me".into(),
                flow: crate::domain::flow::Flow::DeviceCode,
                saved_sign_in_failed: None,
            }
            .into(),
        );
        assert_eq!(r.exit_code().code(), 3);
        assert!(
            r.hints[0].contains("get-token -p me -f device-code"),
            "{r:?}"
        );
    }
}
