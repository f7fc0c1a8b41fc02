//! How the command line shows a failure: the ONE place where a use-case error becomes a
//! message, its causes, what to do next (`error:` / `caused by:` / `hint:` on stderr), and an
//! exit code (SPEC.md "Exit codes").
//!
//! One file per error family, named as in `crate::app::usecases::error`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::app::usecases::error::{Error, ErrorKind};
use crate::domain::exit_code::ExitCode;
use crate::domain::text::printable;

mod credential;
mod edit;
mod endpoint;
mod federated;
mod git;
mod graph;
mod idp;
mod input;
mod managed_identity;
mod profile;
mod random;
mod registry;
mod repo;
mod sign_in;
mod store;
mod token;
mod transfer;

use credential::credential;
use edit::edit;
use endpoint::endpoint;
use federated::federated;
pub use git::git_protocol;
use graph::graph;
use idp::idp;
use input::input;
use managed_identity::managed_identity;
use profile::profile;
use random::random;
use registry::registry;
use sign_in::sign_in;
use store::store;
use token::token;
use transfer::transfer;

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
pub(super) fn safe(text: &str) -> String {
    printable(text).lines().collect::<Vec<_>>().join("\n    ")
}

impl From<Error> for Report {
    fn from(error: Error) -> Self {
        report(&error)
    }
}

pub(super) const KEY_HINT: &str = "generate a key with `openssl rand -base64 32` and export it as ENTRA_AUTH_CACHE_KEY (keep it in your secret manager, not next to the cache)";
pub(super) const KEYRING_HINT: &str = "on a headless Linux box, run a Secret Service (e.g. `gnome-keyring-daemon --unlock` inside `dbus-run-session`), or use ENTRA_AUTH_STORE=file with ENTRA_AUTH_CACHE_KEY";
pub(super) const LASTING_STORE_HINT: &str =
    "use the OS keyring, or ENTRA_AUTH_STORE=file with ENTRA_AUTH_CACHE_KEY";

/// The report of any use-case error.
#[must_use]
pub fn report(error: &Error) -> Report {
    let kind = error.kind();
    let r = match error {
        Error::Profile(e) => profile(kind, e),
        Error::Store(e) => store(kind, e),
        Error::Credential(e) => credential(kind, e),
        Error::Federated(e) => federated(kind, e),
        Error::Idp(e) => idp(kind, e),
        Error::SignIn(e) => sign_in(kind, e),
        Error::ManagedIdentity(e) => managed_identity(kind, e),
        Error::Graph(e) => graph(kind, e),
        Error::Token(e) => token(kind, e),
        Error::Edit(e) => edit(kind, e),
        Error::Transfer(e) => transfer(kind, e),
        Error::Input(e) => input(kind, e),
        Error::Registry(e) => registry(kind, e),
        Error::Endpoint(e) => endpoint(kind, e),
        Error::Random(e) => random(kind, e),
    };
    debug_assert_eq!(r.kind, kind);
    r
}

pub(super) fn file_or_default(location: Option<&String>) -> String {
    location
        .cloned()
        .unwrap_or_else(|| "config.toml".to_owned())
}

/// `ENTRA_AUTH_TENANT_ID or AZURE_TENANT_ID` for a field.
pub(super) fn env_names_for(field: &str) -> String {
    let mut names = vec![crate::domain::profile::entra_env_name(field)];
    if let Some(var) = crate::domain::profile::field(field).and_then(|f| f.azure_env) {
        names.push(var.to_owned());
    }
    names.join(" or ")
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

#[cfg(test)]
mod tests {
    use super::{Report, exit_code, report};
    use crate::app::usecases::error::{ErrorKind, SignInError, TokenError};

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
        use crate::app::usecases::error::IdpError;
        use crate::domain::token_response::TokenResponseError;
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
        let e = crate::app::usecases::token::idp_call::refusal(&reply, &profile, "crid");
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
