//! The composition root: the one place that builds the real adapters (once per process) and
//! plugs them into the use cases. Front-ends ask it for what a use case needs.

pub mod context;
pub mod paths;
pub mod storage;
