//! The application: the use cases (against domain and ports only), the one composition root that
//! plugs the adapters in, and the front-ends (CLI, exec's credential endpoint, the az shim), which
//! parse, call a use case and render, and never import each other.

pub mod az_shim;
pub mod cli;
pub mod composition;
pub mod credential_endpoint;
pub mod usecases;
