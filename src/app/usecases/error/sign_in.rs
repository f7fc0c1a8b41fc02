//! A person's sign-in failures: browser, redirect listener, device code, non-interactive runs.

use super::ErrorKind;
use super::idp::IdpError;
use crate::domain::flow::Flow;

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
    pub(super) fn kind(&self) -> ErrorKind {
        match self {
            Self::Listen { .. } | Self::Listener { .. } => ErrorKind::Io,
            Self::UnusableDeviceCode { .. } => ErrorKind::Network,
            Self::DeviceCodeTimedOut | Self::RedirectTimedOut { .. } => ErrorKind::Timeout,
            _ => ErrorKind::Auth,
        }
    }
}
