//! Profiles: resolving the one to run with (file → environment → flags, merged by the
//! repository's `layered`), managing them, listing and showing
//! them, and exporting/importing them.

pub mod manage;
pub mod resolution;
pub mod secret_binding;
pub mod summary;
pub mod transfer;
