//! Real implementations of the ports, grouped by the port they serve. Adapters never reach up
//! into the application layer; only its composition root names them.

pub mod archive;
pub mod config;
pub mod credentials;
pub mod http;
pub mod os;
pub mod sign_in;
pub mod store;
