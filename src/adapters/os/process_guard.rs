//! Keeps the process's memory (tokens, secrets, keys) out of core dumps: on Linux the process
//! is made non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`: no core file, and other processes of the
//! same user cannot ptrace it or read its `/proc/PID/mem`); on other Unixes the core size limit
//! is set to 0. Programs it starts (the browser) are not affected on Linux (exec resets the
//! flag). Windows has no per-process switch for crash dumps: nothing is done there.

/// Turns core dumps off for this process, where the OS allows it.
///
/// # Errors
/// The OS refused (the process then runs as before).
pub fn forbid_core_dumps() -> Result<(), String> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        set_dumpable_behavior(DumpableBehavior::NotDumpable)
            .map_err(|e| format!("prctl(PR_SET_DUMPABLE) failed: {e}"))
    }
    #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Core);
        setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: limit.maximum,
            },
        )
        .map_err(|e| format!("setrlimit(RLIMIT_CORE) failed: {e}"))
    }
    #[cfg(not(unix))]
    {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn after_the_call_the_process_dumps_no_core() {
        super::forbid_core_dumps().unwrap();
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
        #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
        assert_eq!(
            rustix::process::getrlimit(rustix::process::Resource::Core).current,
            Some(0)
        );
    }
}
