//! A person's sign-in (ports `browser`, `redirect_listener`): opening the browser and the loopback redirect listener.

pub mod browser;
pub mod redirect_listener;
