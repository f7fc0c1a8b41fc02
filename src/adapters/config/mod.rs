//! The profile file (port `profile_repository`): `config.toml` parsed by toml_edit (`reader`),
//! merged with the environment and flags by figment (`layers`), edited in place (`writer`).

pub mod layers;
pub mod profile_repository;
pub mod reader;
pub mod writer;
