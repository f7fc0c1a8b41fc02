//! entra-auth-cli: Microsoft Entra ID access tokens for shells, scripts, CI jobs and containers.
//!
//! Layers (see ARCHITECTURE.md): [`domain`] (pure rules, no I/O) → [`ports`] (traits the use
//! cases need) → [`adapters`] (the real implementations, grouped by port) → [`app`] (use cases,
//! the composition root and the front-ends: the CLI, exec's credential endpoint, the az shim).

pub mod adapters;
pub mod app;
pub mod domain;
pub mod ports;
