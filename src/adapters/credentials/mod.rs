//! Loading app credentials (ports `credential_loader`, `assertion`): certificates, client assertions, federated token files.

pub mod certificate;
pub mod client_assertion;
pub mod credential_loader;
pub mod federated_token;
