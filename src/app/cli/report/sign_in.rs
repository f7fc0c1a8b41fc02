//! Wording of `error::sign_in`: browser, redirect listener, device code, non-interactive runs.

use super::Report;
use super::idp::idp;
use crate::app::usecases::error::{ErrorKind, SignInError};

pub(super) fn sign_in(kind: ErrorKind, e: &SignInError) -> Report {
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
            .hint(format!(
                "if `{profile}` is an app (a service principal) rather than a person, give it a credential: `entra-auth-cli config set-secret -p {profile}` (or AZURE_CLIENT_SECRET, a certificate, a federated token; in CI, the job's OIDC token)"
            ))
        }
    }
}
