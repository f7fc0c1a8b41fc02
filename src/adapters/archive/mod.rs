//! Profile exports (port `profile_archive`): our authenticated format and the .NET entra-auth-cli's `.enc` exports.

pub mod profile_export;
pub mod seed_import;
