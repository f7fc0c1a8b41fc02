//! The profile file (port `profile_repository`): `config.toml` read through figment and edited with toml_edit.

pub mod profile_repository;
pub mod reader;
pub mod writer;
