//! HTTP clients (ports `idp`, `credential_endpoint`): reqwest to the identity provider, and the plain loopback client of exec's credential endpoint.

pub mod credential_endpoint_client;
pub mod idp_transport;
