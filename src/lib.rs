//! entra-auth-cli: Microsoft Entra ID access tokens for shells, scripts, CI jobs and containers.
//!
//! Layers (see ARCHITECTURE.md): [`domain`] (pure rules, no I/O) → [`ports`] (traits the use
//! cases need) → [`usecases`] (what the tool does, against ports only); [`adapters`] implement
//! the ports; [`composition`] builds the adapters and plugs them in; [`cli`] is the
//! command-line front-end.

pub mod adapters;
pub mod cli;
pub mod composition;
pub mod domain;
pub mod endpoint;
pub mod ports;
pub mod usecases;
