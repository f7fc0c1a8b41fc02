//! Cross-process locks as OS file locks (`flock` on Unix, `LockFileEx` on Windows) on files in a
//! private directory: one per token identity, and `config.toml.lock` for edits of the config
//! file. The OS releases a lock when its holder exits, even when killed.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::adapters::os::safe_fs::{ensure_private_dir, open_lock_file};
use crate::adapters::store::sealed_file::digest_name;
use crate::domain::env_vars::EnvVars;
use crate::ports::lock::{LockError, LockGuard, ProfileLocks};

/// How often a waiting process retries.
const POLL: Duration = Duration::from_millis(20);

/// Lock files under one directory, one per lock name (named by the name's digest).
pub struct FileLocks {
    dir: PathBuf,
}

struct Held {
    _file: File,
}

impl LockGuard for Held {}

impl FileLocks {
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

impl ProfileLocks for FileLocks {
    fn acquire(&self, name: &str, wait: Duration) -> Result<Box<dyn LockGuard>, LockError> {
        let path = self.dir.join(format!("{}.lock", digest_name(name)));
        let file = lock_file(&path, EnvVars::ENTRA_AUTH_CACHE_DIR, wait)?;
        Ok(Box::new(Held { _file: file }))
    }
}

/// Takes an exclusive OS lock on the file at `path` (created 0600, with a private parent
/// directory, when missing), waiting at most `wait`. The lock lasts as long as the returned
/// file is open. The directory must be the user's own and writable by no one else (`variable`
/// chooses another, for the message); the file is never opened through a link and must be a
/// regular file.
///
/// # Errors
/// `TimedOut` when another holder kept it for `wait`; `Io` when the file cannot be used.
pub fn lock_file(path: &Path, variable: &'static str, wait: Duration) -> Result<File, LockError> {
    let io = |e: std::io::Error| LockError::Io {
        location: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_private_dir(dir, variable).map_err(io)?;
    }
    let file = open_lock_file(path).map_err(io)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        if started.elapsed() >= wait {
            return Err(LockError::TimedOut {
                location: path.display().to_string(),
                waited: wait,
            });
        }
        std::thread::sleep(POLL.min(wait.saturating_sub(started.elapsed())));
    }
}

#[cfg(test)]
mod tests {
    use super::FileLocks;
    use crate::ports::lock::{LockError, ProfileLocks};
    use std::time::Duration;

    #[test]
    fn second_holder_waits_then_times_out_and_gets_it_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let locks = FileLocks::new(dir.path().join("locks"));
        let first = locks.acquire("identity-a", Duration::from_secs(1)).unwrap();
        let err = locks
            .acquire("identity-a", Duration::from_millis(60))
            .err()
            .unwrap();
        assert!(matches!(err, LockError::TimedOut { .. }));
        let other = locks.acquire("identity-b", Duration::ZERO);
        assert!(other.is_ok(), "locks are per name");
        drop(first);
        assert!(locks.acquire("identity-a", Duration::ZERO).is_ok());
    }
}
