//! Wording of a failed random number generator.

use super::Report;
use crate::app::usecases::error::ErrorKind;
use crate::ports::random::RandomError;

pub(super) fn random(kind: ErrorKind, e: &RandomError) -> Report {
    Report::new(kind, "cannot get random bytes from the operating system")
        .cause(e.cause.clone())
        .hint("nothing was sent: request ids, PKCE verifiers and `state` must be unpredictable; check that the kernel's random source (getrandom, /dev/urandom) is available to this process (seccomp profile, sandbox)")
}
