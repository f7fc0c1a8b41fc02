//! The `az` shim's adapters: the process environment, the clock and the parent's credential
//! endpoint, nothing else (no profile file, no store, no HTTP client), so `az` answers in
//! milliseconds.

use std::time::Duration;

use crate::adapters::http::credential_endpoint_client::AppServiceEndpoint;
use crate::adapters::os::env::ProcessEnv;
use crate::adapters::os::process_guard::forbid_core_dumps;
use crate::adapters::os::system_clock::SystemClock;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;

/// How long the shim waits for the endpoint (which may be asking the IdP, with its own
/// retries and limit). SDKs give `az` 10 to 60 seconds.
pub const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(30);

/// Every adapter the shim uses.
pub struct ShimServices {
    pub env: ProcessEnv,
    pub clock: SystemClock,
    pub endpoint: AppServiceEndpoint,
}

impl ShimServices {
    /// Builds them from the process environment.
    #[must_use]
    pub fn new() -> Self {
        // The shim holds a token for a moment: no core dump of it either.
        let _ = forbid_core_dumps();
        let env = ProcessEnv;
        let endpoint = AppServiceEndpoint::new(
            env.var(EnvVars::IDENTITY_ENDPOINT),
            env.var(EnvVars::IDENTITY_HEADER),
            ENDPOINT_TIMEOUT,
        );
        Self {
            env,
            clock: SystemClock,
            endpoint,
        }
    }
}

impl Default for ShimServices {
    fn default() -> Self {
        Self::new()
    }
}
