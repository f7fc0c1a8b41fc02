//! HTTP clients (ports `idp`, `token_endpoint`): reqwest to the identity provider, and the plain loopback client of exec's credential endpoint.

pub mod idp_transport;
pub mod token_endpoint_client;
