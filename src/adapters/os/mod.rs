//! The operating system (ports `env`, `clock`, `random`, `terminal`, `reporter`, `child_process`,
//! `docker_config`, `local_peers`): process environment, time, randomness, the terminal, stderr
//! notices, child processes, the socket tables, private file writes, the checks on the tool's own
//! directories and files, and docker's config.json.

pub mod atomic_file;
pub mod az_shim_dir;
pub mod child_process;
pub mod docker_config;
pub mod env;
pub mod local_peers;
pub mod process_guard;
pub mod random;
pub mod safe_fs;
pub mod serve_files;
pub mod stderr_reporter;
pub mod system_clock;
pub mod terminal;
