//! entra-auth-cli: Microsoft Entra ID access tokens for shells, scripts, CI jobs and containers.
//!
//! Layers: [`domain`] (pure rules, no I/O) → [`ports`] (traits) → [`adapters`] (real
//! implementations) → [`app`] (use cases, commands, wiring). See ARCHITECTURE.md.

pub mod adapters;
pub mod app;
pub mod domain;
pub mod ports;
