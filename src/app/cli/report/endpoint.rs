//! Wording of `error::endpoint`: the credential endpoint of `exec` and `serve`.

use super::Report;
use crate::app::usecases::error::{EndpointError, ErrorKind};

pub(super) fn endpoint(kind: ErrorKind, e: &EndpointError) -> Report {
    match e {
        EndpointError::Listen { .. } => {
            Report::new(kind, "cannot start the credential endpoint").cause(e.to_string())
        }
        EndpointError::Spawn {
            program,
            reason,
            not_found,
        } => Report::new(kind, format!("cannot run `{program}`"))
            .cause(reason.clone())
            .hint(if *not_found {
                "check the command's name, and that it is on PATH"
            } else {
                "check that the command is executable"
            }),
        EndpointError::AzShimDir { cause } => {
            Report::new(kind, "cannot make the az shim's directory")
                .cause(cause.clone())
                .hint("set TMPDIR to a writable directory")
        }
        EndpointError::Stopped => Report::new(kind, e.to_string()),
        EndpointError::NoHeader => Report::new(kind, e.to_string())
            .cause("clients must send it as X-IDENTITY-HEADER; it is never printed")
            .hint("give --header-file PATH (created with a random header when missing) and share that file with the clients, or set ENTRA_AUTH_IDENTITY_HEADER"),
        EndpointError::HeaderFile { path, cause } => {
            Report::new(kind, format!("cannot use the header file {path}"))
                .cause(cause.clone())
                .hint("give --header-file a path in a directory you can write, or set ENTRA_AUTH_IDENTITY_HEADER")
        }
        EndpointError::BadHeader { source_name } => Report::new(kind, e.to_string())
            .cause(format!("{source_name} must hold at least 32 printable ASCII characters without spaces"))
            .hint("remove the file to have a new random header written, or write one with `openssl rand -hex 32`"),
        EndpointError::AuditLog { path, cause } => {
            Report::new(kind, format!("cannot open the audit log {path}"))
                .cause(cause.clone())
                .hint("give --audit-log a path in a directory you can write")
        }
        EndpointError::Signals { cause } => {
            Report::new(kind, "cannot listen for signals").cause(cause.clone())
        }
    }
}
