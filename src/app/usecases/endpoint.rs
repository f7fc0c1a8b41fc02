//! What the credential endpoint's commands (`exec`, `serve`) are asked to do, as plain values:
//! the CLI parses its flags into these and the credential endpoint front-end runs them, so the
//! two front-ends share types without importing each other.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::app::usecases::token::acquire::TokenRequest;

/// A command the credential endpoint front-end runs.
#[derive(Debug, Clone)]
pub enum EndpointCommand {
    Exec(ExecRequest),
    Serve(ServeRequest),
}

/// `exec`: run one command with an endpoint on loopback for as long as it (and its process
/// group) lives.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    /// The profile, its time limit and `--non-interactive`.
    pub token: TokenRequest,
    /// `--allow-resource` values; empty means any resource.
    pub allow_resource: Vec<String>,
    /// `--az-shim`.
    pub az_shim: bool,
    pub program: OsString,
    pub args: Vec<OsString>,
}

/// `serve`: a long-running endpoint for any process that has the identity header.
#[derive(Debug, Clone)]
pub struct ServeRequest {
    /// The profile, its time limit and `--non-interactive`.
    pub token: TokenRequest,
    /// `--listen` (port 0 picks one).
    pub listen: SocketAddr,
    /// `--header-file`: read if it exists, created (mode 0600, 256 random bits) if not.
    pub header_file: Option<PathBuf>,
    /// `--host-name`: further names the `Host` header may carry.
    pub host_names: Vec<String>,
    /// `--allow-resource` values; empty means any resource.
    pub allow_resource: Vec<String>,
    /// `--audit-log`: one JSON line per served token, appended.
    pub audit_log: Option<PathBuf>,
    /// `--max-connections`.
    pub max_connections: usize,
    /// `-v`: the audit lines on stderr too.
    pub verbose: bool,
}
