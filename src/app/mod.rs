//! The application: the use cases (against domain and ports only), the one composition root that
//! plugs the adapters in, and the front-ends (the CLI, the credential endpoint of `exec` and
//! `serve`, the az shim, the docker credential helper), which parse, call a use case and render,
//! and never import each other.

pub mod az_shim;
pub mod cli;
pub mod composition;
pub mod credential_endpoint;
pub mod docker_credential;
pub mod usecases;
