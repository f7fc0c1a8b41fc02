//! What can go wrong in a use case, as types: each failure carries the facts (names, paths,
//! statuses, the IdP's codes) and no wording. Front-ends turn them into messages, hints and exit
//! codes in one place each (`crate::cli::report` for the command line). [`ErrorKind`] is the
//! category a failure belongs to, which is what decides an exit code.

use std::time::Duration;

use crate::domain::claims::ClaimsError;
use crate::domain::flow::Flow;
use crate::domain::oauth_error::OAuthError;
use crate::domain::profile::{FieldTextError, ProfileError};
use crate::domain::token_response::TokenResponseError;
use crate::ports::assertion::AssertionError;
use crate::ports::credential_loader::CertificateError;
use crate::ports::profile_repository::ProfileRepoError;
use crate::ports::random::RandomError;
use crate::ports::secret_store::SecretKind;
use crate::ports::store::StoreSelectionError;
use crate::ports::terminal::TerminalError;

/// The category of a failure; front-ends map it to an exit code (SPEC.md "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or flag values.
    Usage,
    /// Bad or incomplete configuration (file, environment, profile fields, missing secret).
    Config,
    /// Local I/O: output file, cache directory, terminal.
    Io,
    /// The requested profile does not exist.
    ProfileNotFound,
    /// The IdP refused: bad credentials, unknown app, bad scope, consent, policy.
    Auth,
    /// The IdP could not be reached or kept failing (connect errors, 5xx, throttling).
    Network,
    /// The time limit elapsed.
    Timeout,
}

/// Any use-case failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Profile(#[from] ProfileFailure),
    #[error(transparent)]
    Store(#[from] StoreSelectionError),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// Boxed: the IdP's error body is large and errors travel by value.
    #[error(transparent)]
    Idp(Box<IdpError>),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    ManagedIdentity(#[from] ManagedIdentityError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error(transparent)]
    Input(#[from] InputError),
    /// The operating system's random number generator failed (no made-up id or `state`).
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl Error {
    /// The category, which decides the exit code.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Profile(e) => e.kind(),
            Self::Store(_) => ErrorKind::Config,
            Self::Credential(e) => e.kind(),
            Self::Idp(e) => e.kind(),
            Self::SignIn(e) => e.kind(),
            Self::ManagedIdentity(e) => e.kind(),
            Self::Graph(e) => e.kind(),
            Self::Token(e) => e.kind(),
            Self::Edit(e) => e.kind(),
            Self::Transfer(e) => e.kind(),
            Self::Input(e) => e.kind(),
            Self::Random(_) => ErrorKind::Io,
        }
    }
}

impl From<IdpError> for Error {
    fn from(error: IdpError) -> Self {
        Self::Idp(Box::new(error))
    }
}

impl From<ProfileRepoError> for Error {
    fn from(error: ProfileRepoError) -> Self {
        Self::Profile(ProfileFailure::Repo(error))
    }
}

/// Profiles: the file, lookup and validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileFailure {
    #[error(transparent)]
    Repo(ProfileRepoError),
    /// No such profile in the file, and the environment does not define it.
    #[error("profile `{name}` not found")]
    NotFound {
        name: String,
        /// The profiles that do exist, as written.
        known: Vec<String>,
        /// The config file (`None`: no config directory).
        location: Option<String>,
        file_exists: bool,
    },
    /// The profile exists only in the environment, so the file has nothing to change.
    #[error("profile `{name}` is not in {location}")]
    NotInFile {
        name: String,
        location: String,
        command: FileCommand,
    },
    /// A field is missing or invalid after merging file, environment and flags.
    #[error("{error}")]
    Invalid {
        error: ProfileError,
        location: Option<String>,
    },
    /// A profile variable from the environment has a value of the wrong type.
    #[error("{var} {error}")]
    EnvVar { var: String, error: FieldTextError },
}

/// The commands that need a profile in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCommand {
    Edit,
    Delete,
    Rename,
    Export,
}

impl ProfileFailure {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } | Self::NotInFile { .. } => ErrorKind::ProfileNotFound,
            Self::Repo(ProfileRepoError::Write { .. } | ProfileRepoError::Busy { .. }) => {
                ErrorKind::Io
            }
            Self::Repo(_) | Self::Invalid { .. } | Self::EnvVar { .. } => ErrorKind::Config,
        }
    }
}

/// The app credential of a client-credentials profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("profile `{profile}` has no client secret")]
    NoSecret { profile: String },
    #[error("profile `{profile}` has no credential")]
    NoCredential { profile: String },
    /// A secret variable (`AZURE_CLIENT_SECRET`) is set but blank: a secret that did not
    /// expand, never taken as "unset".
    #[error("{var} is set but empty")]
    EmptySecretVariable { var: &'static str },
    /// The certificate needs a password and the password variable is set but blank.
    #[error("{var} is set but empty, and the certificate {path} needs a password")]
    EmptyPasswordVariable { var: &'static str, path: String },
    #[error("profile `{profile}` is a public client")]
    PublicClient { profile: String },
    #[error("profile `{profile}` has no federated token file")]
    NoFederatedFile { profile: String },
    #[error("profile `{profile}` has no certificate_path")]
    NoCertificatePath { profile: String },
    #[error("cannot read the {} of profile `{profile}` from the {backend} store", kind.as_str())]
    StoreRead {
        profile: String,
        kind: SecretKind,
        backend: &'static str,
        cause: String,
    },
    /// The secret is sealed in the encrypted file store, which this run cannot open: `auto`
    /// fell back to memory because no keyring answers and `ENTRA_AUTH_CACHE_KEY` is not set.
    #[error("the {} of profile `{profile}` is in the file store, which is locked", kind.as_str())]
    LockedFileStore {
        profile: String,
        kind: SecretKind,
        location: String,
    },
    #[error("cannot read the password: {0}")]
    PasswordPrompt(TerminalError),
    #[error(transparent)]
    Certificate(CertificateError),
    #[error("the certificate {path} is not valid yet")]
    NotYetValid { path: String, not_before: i64 },
    #[error("the certificate {path} has expired")]
    Expired { path: String, not_after: i64 },
    #[error(transparent)]
    Assertion(AssertionError),
}

impl CredentialError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::PublicClient { .. } => ErrorKind::Usage,
            Self::PasswordPrompt(_) => ErrorKind::Io,
            _ => ErrorKind::Config,
        }
    }
}

/// The ids Entra returns with every answer, for support requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyIds {
    /// `trace_id` or the `x-ms-request-id` header.
    pub trace: Option<String>,
    /// `correlation_id`, else the `client-request-id` sent.
    pub correlation: String,
    pub timestamp: Option<String>,
}

/// A call to the identity provider's token or device-code endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdpError {
    /// No attempt got an HTTP reply.
    #[error("cannot reach the identity provider at {host}")]
    Unreachable {
        host: String,
        cause: String,
        /// Set when a retry was not made because it would have waited past the deadline.
        skipped_wait: Option<Duration>,
    },
    /// The HTTP client could not be set up.
    #[error("{reason}")]
    Setup { reason: String },
    /// A 2xx reply that is not a usable token response (the body is never kept: it may hold
    /// tokens).
    #[error("the identity provider sent an unusable response (HTTP {status})")]
    Unusable {
        status: u16,
        reason: TokenResponseError,
    },
    /// A 3xx: the identity provider pointed elsewhere, and the request (which carries a
    /// credential) was not sent there.
    #[error("the identity provider redirected the request (HTTP {status}); it was not followed")]
    Redirected {
        status: u16,
        /// `host[:port]` of the `Location`, when it had one.
        to: Option<String>,
    },
    /// The reply's body was larger than `limit` bytes; reading stopped there.
    #[error("the identity provider's reply is larger than {limit} bytes")]
    TooLarge { host: String, limit: usize },
    /// 429 after the retries.
    #[error("the identity provider is throttling token requests (HTTP 429)")]
    Throttled { detail: String, ids: ReplyIds },
    /// 5xx (or another non-4xx status) after the retries.
    #[error("the identity provider failed with HTTP {status}")]
    ServerFailed {
        status: u16,
        attempts: u32,
        detail: String,
        ids: ReplyIds,
    },
    /// A 4xx without an OAuth error body.
    #[error("the identity provider refused the request with HTTP {status}")]
    RefusedWithoutDetails {
        status: u16,
        detail: String,
        ids: ReplyIds,
    },
    /// A 4xx OAuth error (`invalid_client`, `invalid_grant`, ...).
    #[error("authentication failed: {}{}", .0.oauth.error, .0.oauth.aadsts().map_or_else(String::new, |n| format!(" (AADSTS{n})")))]
    Refused(Box<Refusal>),
}

/// The identity provider's OAuth error, with the ids and the app it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub oauth: OAuthError,
    pub ids: ReplyIds,
    pub client_id: String,
    pub tenant_id: String,
}

impl IdpError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Setup { .. } => ErrorKind::Config,
            Self::RefusedWithoutDetails { .. } | Self::Refused(_) => ErrorKind::Auth,
            Self::Unreachable { .. }
            | Self::Unusable { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. }
            | Self::Throttled { .. }
            | Self::ServerFailed { .. } => ErrorKind::Network,
        }
    }

    /// The OAuth error code (`invalid_grant`, ...) of a refusal.
    #[must_use]
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            Self::Refused(refusal) => Some(refusal.oauth.error.as_str()),
            _ => None,
        }
    }

    /// The AADSTS number of a refusal.
    #[must_use]
    pub fn aadsts(&self) -> Option<i64> {
        match self {
            Self::Refused(refusal) => refusal.oauth.aadsts(),
            _ => None,
        }
    }
}

/// A person signing in (browser or device code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("cannot listen for the sign-in redirect: {cause}")]
    Listen { cause: String },
    #[error("the sign-in listener failed: {cause}")]
    Listener { cause: String },
    /// The IdP redirected back with an error (`access_denied`, ...).
    #[error("sign-in failed: {error}")]
    Redirected {
        error: String,
        description: Option<String>,
    },
    /// No redirect with this sign-in's `state` came before the deadline; responses with another
    /// `state` (possible forgeries, older tabs) were ignored.
    #[error("timed out waiting for the sign-in in the browser")]
    RedirectTimedOut { ignored_other_state: u32 },
    #[error("the identity provider sent an unusable device code response")]
    UnusableDeviceCode { reason: String },
    #[error("the device code expired before the sign-in finished")]
    DeviceCodeExpired,
    #[error("the sign-in was declined")]
    Declined,
    #[error("timed out waiting for the device code sign-in")]
    DeviceCodeTimedOut,
    /// A sign-in is needed and nobody may be asked.
    #[error(
        "profile `{profile}` needs a person to sign in ({flow}), and this run is non-interactive"
    )]
    PersonNeeded {
        profile: String,
        flow: Flow,
        /// Why the saved sign-in could not be used, when there was one.
        saved_sign_in_failed: Option<Box<IdpError>>,
    },
}

impl SignInError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Listen { .. } | Self::Listener { .. } => ErrorKind::Io,
            Self::UnusableDeviceCode { .. } => ErrorKind::Network,
            Self::DeviceCodeTimedOut | Self::RedirectTimedOut { .. } => ErrorKind::Timeout,
            _ => ErrorKind::Auth,
        }
    }
}

/// Which managed identity endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedIdentityEndpoint {
    Imds,
    AppService,
}

/// A managed identity endpoint (IMDS, App Service).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManagedIdentityError {
    #[error("profile `{profile}` selects a user-assigned identity in more than one way")]
    SeveralSelectors { profile: String },
    #[error("a managed identity token is for exactly one resource")]
    SeveralResources,
    #[error("no managed identity endpoint was configured")]
    NoEndpoint,
    #[error("cannot reach the managed identity endpoint: {cause}")]
    Unreachable {
        endpoint: ManagedIdentityEndpoint,
        cause: String,
    },
    #[error("the managed identity endpoint sent an unusable token response: {reason}")]
    Unusable {
        endpoint: ManagedIdentityEndpoint,
        reason: TokenResponseError,
    },
    /// A 3xx; the request (with `X-IDENTITY-HEADER`) was not sent to the new location.
    #[error(
        "the managed identity endpoint redirected the request (HTTP {status}); it was not followed"
    )]
    Redirected {
        endpoint: ManagedIdentityEndpoint,
        status: u16,
        /// `host[:port]` of the `Location`, when it had one.
        to: Option<String>,
    },
    #[error("the managed identity endpoint's reply is larger than {limit} bytes")]
    TooLarge {
        endpoint: ManagedIdentityEndpoint,
        limit: usize,
    },
    #[error("the managed identity endpoint refused the request (HTTP {status})")]
    Refused {
        endpoint: ManagedIdentityEndpoint,
        status: u16,
        detail: String,
        identity_not_found: bool,
    },
    #[error("the managed identity endpoint failed with HTTP {status}")]
    Failed {
        endpoint: ManagedIdentityEndpoint,
        status: u16,
        attempts: u32,
        detail: String,
    },
}

impl ManagedIdentityError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::SeveralSelectors { .. } => ErrorKind::Config,
            Self::SeveralResources | Self::NoEndpoint => ErrorKind::Usage,
            Self::Refused { .. } => ErrorKind::Auth,
            Self::Unreachable { .. }
            | Self::Unusable { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. }
            | Self::Failed { .. } => ErrorKind::Network,
        }
    }
}

/// Microsoft Graph (`discover`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("the Microsoft Graph endpoint is not usable: {reason}")]
    BadEndpoint { reason: String },
    #[error("cannot reach Microsoft Graph at {graph}")]
    Unreachable { graph: String, cause: String },
    #[error("{reason}")]
    Setup { reason: String },
    /// A non-2xx reply; `code_message` and `request_id` come from Graph's error body.
    #[error("Microsoft Graph answered HTTP {status}")]
    Status {
        status: u16,
        graph: String,
        code_message: Option<String>,
        request_id: Option<String>,
    },
    #[error("Microsoft Graph sent something that is not a list of applications")]
    NotAPage { reason: String },
    #[error("Microsoft Graph sent a next-page link to another host")]
    ForeignNextLink { link: String },
    /// A 3xx; the request (with the bearer token) was not sent to the new location.
    #[error("Microsoft Graph redirected the request (HTTP {status}); it was not followed")]
    Redirected {
        status: u16,
        graph: String,
        /// `host[:port]` of the `Location`, when it had one.
        to: Option<String>,
    },
    #[error("a Microsoft Graph page is larger than {limit} bytes")]
    TooLarge { graph: String, limit: usize },
    #[error("more than {pages} pages of app registrations")]
    TooManyPages { pages: usize, applications: usize },
    #[error("timed out listing app registrations")]
    TimedOut,
    #[error("--create-profile needs exactly one matching app registration; {matches} match")]
    NotExactlyOne { matches: usize, pattern: String },
}

impl GraphError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadEndpoint { .. } | Self::Setup { .. } => ErrorKind::Config,
            Self::Unreachable { .. }
            | Self::NotAPage { .. }
            | Self::ForeignNextLink { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. } => ErrorKind::Network,
            Self::Status { status, .. } => match status {
                401 | 403 => ErrorKind::Auth,
                400 => ErrorKind::Usage,
                429 | 500..=599 => ErrorKind::Network,
                400..=499 => ErrorKind::Config,
                _ => ErrorKind::Network,
            },
            Self::TooManyPages { .. } | Self::NotExactlyOne { .. } => ErrorKind::Usage,
            Self::TimedOut => ErrorKind::Timeout,
        }
    }
}

/// Getting a token, beyond the IdP's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the `{flow}` flow is not available here")]
    FlowUnavailable { flow: Flow },
    #[error("a managed identity profile cannot use the `{flow}` flow")]
    ManagedIdentityFlow { flow: Flow },
    #[error("timed out waiting for another entra-auth-cli process that is getting the same token")]
    LockTimedOut,
    #[error("timed out after {limit:?} waiting for a token")]
    TimedOut { limit: Duration },
    #[error("cannot start the async runtime: {cause}")]
    Runtime { cause: String },
    /// `--claims` is not a claims request.
    #[error("invalid --claims: {0}")]
    Claims(ClaimsError),
    /// A new token from the IdP already had under 5 minutes left (the credential endpoint never
    /// serves one).
    #[error("the identity provider issued a token with under 5 minutes left")]
    TooShortLived,
}

impl TokenError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::FlowUnavailable { .. } | Self::ManagedIdentityFlow { .. } | Self::Claims(_) => {
                ErrorKind::Usage
            }
            Self::LockTimedOut | Self::TimedOut { .. } => ErrorKind::Timeout,
            Self::Runtime { .. } => ErrorKind::Io,
            Self::TooShortLived => ErrorKind::Auth,
        }
    }
}

/// Why a profile name was being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameUse {
    Create,
    RenameTo,
    DiscoverCreate,
    /// An imported profile; `renamed` when the name came from `-n`.
    Import {
        renamed: bool,
    },
}

/// Which secret-bearing step failed after the profile was already written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWrite {
    Created,
    Edited,
    Imported,
    Deleted,
    Renamed,
}

/// Creating, editing, renaming and deleting profiles, and their secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("invalid profile name: {reason}")]
    BadName {
        name: String,
        reason: String,
        used_for: NameUse,
    },
    #[error("profile `{name}` already exists")]
    Exists {
        name: String,
        location: String,
        used_for: NameUse,
    },
    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("{field} is required")]
    MissingField { field: &'static str },
    #[error("unknown field `{field}`")]
    UnknownField { field: String },
    #[error("nothing to change")]
    NothingToChange,
    #[error("deleting profile `{name}` needs confirmation")]
    NeedsConfirmation { name: String },
    #[error("not deleted")]
    NotConfirmed,
    /// Secrets were to be stored (`import`: by `config import`) in a store that forgets them.
    #[error("the {backend} store keeps nothing between runs")]
    EphemeralStore {
        backend: &'static str,
        reason: String,
        import: bool,
    },
    #[error("a secret of profile `{profile}` could not be read: {cause}")]
    SecretRead { profile: String, cause: String },
    /// The profile was written, but a secret step failed.
    #[error("profile `{profile}`: a secret could not be stored or removed: {cause}")]
    SecretAfterWrite {
        profile: String,
        kind: SecretKind,
        step: AfterWrite,
        cause: String,
    },
    #[error("cannot read from the terminal: {0}")]
    Terminal(TerminalError),
    #[error("cannot list or remove cached tokens: {cause}")]
    Cache { cause: String },
}

impl EditError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadName { .. }
            | Self::Exists { .. }
            | Self::InvalidField { .. }
            | Self::MissingField { .. }
            | Self::UnknownField { .. }
            | Self::NothingToChange
            | Self::NeedsConfirmation { .. }
            | Self::NotConfirmed => ErrorKind::Usage,
            Self::EphemeralStore { .. } => ErrorKind::Config,
            Self::SecretRead { .. }
            | Self::SecretAfterWrite { .. }
            | Self::Terminal(_)
            | Self::Cache { .. } => ErrorKind::Io,
        }
    }
}

/// `config export` / `config import`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("{source_name} is not a profile export: {reason}")]
    NotAnExport { source_name: String, reason: String },
    #[error("{source_name} uses export format {version}, which this version cannot read")]
    UnsupportedVersion {
        source_name: String,
        version: String,
    },
    #[error("wrong passphrase or corrupted file")]
    Decrypt,
    #[error("{source_name} decrypted, but its content is invalid: {reason}")]
    Invalid { source_name: String, reason: String },
    #[error("the seed tool's profiles.json is not usable: {reason}")]
    SeedProfiles { path: String, reason: String },
    #[error("profile `{wanted}` is not in {source_name}")]
    NotInImport {
        wanted: String,
        source_name: String,
        holds: Vec<String>,
    },
    #[error("{source_name} holds no profile")]
    Empty { source_name: String },
    #[error("-n renames one profile, but {source_name} holds {count}")]
    RenameNeedsOne { source_name: String, count: usize },
    #[error("the import holds profile `{name}` twice")]
    Duplicate { name: String },
    #[error("cannot import profile `{name}`: {reason}")]
    InvalidProfile { name: String, reason: String },
    #[error("cannot encrypt the export: {reason}")]
    Seal { reason: String },
    /// A replaced profile's stored secret, meant for its old destination, could not be removed;
    /// nothing was written.
    #[error("cannot remove the stored {} of profile `{profile}`", kind.as_str())]
    SecretNotRemoved {
        profile: String,
        kind: SecretKind,
        cause: String,
    },
}

impl TransferError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotAnExport { .. }
            | Self::Empty { .. }
            | Self::RenameNeedsOne { .. }
            | Self::Duplicate { .. } => ErrorKind::Usage,
            Self::NotInImport { .. } => ErrorKind::ProfileNotFound,
            Self::Seal { .. } | Self::SecretNotRemoved { .. } => ErrorKind::Io,
            Self::UnsupportedVersion { .. }
            | Self::Decrypt
            | Self::Invalid { .. }
            | Self::SeedProfiles { .. }
            | Self::InvalidProfile { .. } => ErrorKind::Config,
        }
    }
}

/// What the front-end reads for a use case: secrets and passphrases from a pipe or a prompt,
/// input files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("no {what} given: standard input was empty")]
    Empty { what: &'static str },
    #[error("cannot read the {what} from standard input: {cause}")]
    Stdin { what: &'static str, cause: String },
    #[error("no terminal to ask for the {what}")]
    NoTerminal { what: &'static str },
    #[error("cannot read from the terminal: {0}")]
    Terminal(TerminalError),
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("the two passphrases differ")]
    PassphraseMismatch,
    #[error("cannot read {source_name}: {cause}")]
    File { source_name: String, cause: String },
    #[error("HOME is not set")]
    NoHome,
}

impl InputError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Empty { .. }
            | Self::NoTerminal { .. }
            | Self::EmptyPassphrase
            | Self::PassphraseMismatch => ErrorKind::Usage,
            Self::NoHome => ErrorKind::Config,
            Self::Stdin { .. } | Self::Terminal(_) | Self::File { .. } => ErrorKind::Io,
        }
    }
}
