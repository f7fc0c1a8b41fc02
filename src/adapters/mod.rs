//! Real implementations of the ports, one module each, plus the renderers and file helpers
//! the app uses at the edges.

pub mod atomic_file;
pub mod config_file;
pub mod file_cache;
pub mod http_transport;
pub mod memory_cache;
pub mod output;
pub mod process_env;
pub mod stderr_reporter;
pub mod system_clock;
