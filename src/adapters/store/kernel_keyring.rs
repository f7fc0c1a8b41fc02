//! The `keyring` store's fast tier on Linux: copies of cached access tokens in the kernel's
//! user keyring (keyctl(2), `keyrings(7)`), so a cache hit costs two system calls instead of a
//! D-Bus session with the Secret Service.
//!
//! Who can read it: only processes running as the same uid (in the same user namespace) and
//! root; a tier key grants its possessor everything and other users nothing (the kernel's
//! default `possessor: all, user: view`), and it lives only in kernel memory, never on disk or
//! in swap. For how long: each entry expires with its token and after [`MAX_TTL`] at most
//! (then the next run reads the Secret Service again and refreshes the copy). What: access
//! tokens only (never refresh tokens, client secrets or passwords) and a `store-check` marker
//! saying the Secret Service answered within [`MAX_TTL`]. `logout` and `remove` clear entries
//! here before the Secret Service's.
//!
//! Entries are named `entra-auth-cli:<bus>:<user>`, where `<bus>` is a digest of the D-Bus
//! session address the Secret Service is reached at, so an entry written for one Secret
//! Service is never read for another. The tier is a cache of the Secret Service: when keyctl
//! is unavailable (blocked by Docker's default seccomp profile, `EPERM`/`ENOSYS`) or any call
//! fails, the store reads the Secret Service as if the tier did not exist.

use std::time::Duration;

/// Entries read back: each entry's user name and its payload.
pub type Entries = Vec<(String, zeroize::Zeroizing<Vec<u8>>)>;

/// The longest any tier entry lives.
pub const MAX_TTL: Duration = Duration::from_secs(600);
/// The largest payload read back (a `user` key holds at most 32 767 bytes).
const MAX_PAYLOAD: usize = 32 * 1024;
const PREFIX: &str = "entra-auth-cli:";

/// The namespace of the Secret Service this process talks to: the D-Bus session address zbus
/// uses (`DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`), read from the process
/// environment because that is what the D-Bus connection reads.
#[must_use]
pub fn bus_namespace() -> String {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .ok()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| {
            std::env::var("XDG_RUNTIME_DIR")
                .ok()
                .map(|dir| format!("runtime:{dir}"))
        })
        .unwrap_or_default();
    let mut digest =
        crate::adapters::store::sealed_file::digest_name(&format!("secret-service-bus\0{address}"));
    digest.truncate(16);
    digest
}

#[cfg(target_os = "linux")]
mod imp {
    use linux_keyutils::{Key, KeyError, KeyRing, KeyRingIdentifier, KeySerialId, KeyType};
    use zeroize::Zeroizing;

    use super::{MAX_PAYLOAD, PREFIX};

    /// The most key serials read from the user keyring (a million keys; root's default quota).
    const MAX_LINK_BYTES: usize = 4 * 1024 * 1024;

    /// The user keyring and the namespace of our entries in it.
    pub struct KernelTier {
        ring: KeyRing,
        namespace: String,
    }

    fn describe(error: KeyError) -> String {
        match error {
            KeyError::PermissionDenied => {
                "keyctl is not permitted (EPERM: a seccomp profile such as Docker's default blocks it)"
                    .to_owned()
            }
            KeyError::AccessDenied => "the kernel keyring refused access (EACCES)".to_owned(),
            KeyError::QuotaExceeded => {
                "the kernel's per-user key quota is full (sysctl kernel.keys.maxbytes)".to_owned()
            }
            KeyError::Unknown(code) if code == rustix::io::Errno::NOSYS.raw_os_error() => {
                "the kernel has no key management (ENOSYS)".to_owned()
            }
            other => format!("keyctl failed: {other:?}"),
        }
    }

    fn missing(error: KeyError) -> bool {
        matches!(
            error,
            KeyError::KeyDoesNotExist
                | KeyError::KeyExpired
                | KeyError::KeyRevoked
                | KeyError::KeyringDoesNotExist
        )
    }

    impl KernelTier {
        pub fn open(namespace: String) -> Result<Self, String> {
            let ring = KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(describe)?;
            Ok(Self { ring, namespace })
        }

        pub fn namespace(&self) -> &str {
            &self.namespace
        }

        fn description(&self, user: &str) -> String {
            format!("{PREFIX}{}:{user}", self.namespace)
        }

        fn find(&self, user: &str) -> Result<Option<Key>, String> {
            match self.ring.search(&self.description(user)) {
                Ok(key) => Ok(Some(key)),
                Err(e) if missing(e) => Ok(None),
                Err(e) => Err(describe(e)),
            }
        }

        fn read(key: Key) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
            let mut buffer = Zeroizing::new(vec![0u8; MAX_PAYLOAD]);
            match key.read(&mut *buffer) {
                Ok(len) if len <= MAX_PAYLOAD => {
                    buffer.truncate(len);
                    Ok(Some(buffer))
                }
                Ok(len) => Err(format!("the entry holds {len} bytes, more than a token")),
                Err(e) if missing(e) => Ok(None),
                Err(e) => Err(describe(e)),
            }
        }

        pub fn load(&self, user: &str) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
            match self.find(user)? {
                Some(key) => Self::read(key),
                None => Ok(None),
            }
        }

        pub fn store(&self, user: &str, payload: &[u8], ttl_secs: u64) -> Result<(), String> {
            let key = self
                .ring
                .add_key(&self.description(user), payload)
                .map_err(describe)?;
            let ttl = usize::try_from(ttl_secs.max(1)).unwrap_or(usize::MAX);
            if let Err(e) = key.set_timeout(ttl) {
                let _ = key.invalidate();
                return Err(describe(e));
            }
            Ok(())
        }

        pub fn remove(&self, user: &str) -> Result<(), String> {
            match self.find(user)? {
                Some(key) => match key.invalidate() {
                    Ok(()) => Ok(()),
                    Err(e) if missing(e) => Ok(()),
                    Err(e) => Err(describe(e)),
                },
                None => Ok(()),
            }
        }

        /// The serials linked in the user keyring. Read as a key's payload into our own
        /// bounded buffer (`KeyRing::get_links` trusts the kernel's length past its buffer).
        fn serials() -> Result<Vec<Key>, String> {
            let ring = Key::from_id(KeySerialId::new(KeyRingIdentifier::User as i32));
            let mut buffer = vec![0u8; 16 * 1024];
            let mut len = ring.read(&mut buffer).map_err(describe)?;
            if len > buffer.len() {
                buffer = vec![0u8; len.min(MAX_LINK_BYTES)];
                len = ring.read(&mut buffer).map_err(describe)?;
            }
            let len = len.min(buffer.len());
            Ok(buffer[..len]
                .chunks_exact(4)
                .filter_map(|b| b.try_into().ok())
                .map(|b| Key::from_id(KeySerialId::new(i32::from_ne_bytes(b))))
                .collect())
        }

        /// Every readable entry of this namespace whose user starts with `prefix`.
        pub fn entries(&self, prefix: &str) -> Result<super::Entries, String> {
            let mine = self.description(prefix);
            let mut found = Vec::new();
            for key in Self::serials()? {
                let Ok(metadata) = key.metadata() else {
                    continue;
                };
                if metadata.get_type() != KeyType::User {
                    continue;
                }
                let Some(user) = metadata
                    .get_description()
                    .strip_prefix(&mine)
                    .map(|rest| format!("{prefix}{rest}"))
                else {
                    continue;
                };
                if let Ok(Some(payload)) = Self::read(key) {
                    found.push((user, payload));
                }
            }
            Ok(found)
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use zeroize::Zeroizing;

    /// No kernel keyring outside Linux: [`KernelTier::open`] always fails, so the store reads
    /// the platform keyring (there is never a value of this type).
    pub struct KernelTier(std::convert::Infallible);

    impl KernelTier {
        pub fn open(_namespace: String) -> Result<Self, String> {
            Err("the kernel keyring exists only on Linux".to_owned())
        }
        pub fn namespace(&self) -> &str {
            match self.0 {}
        }
        pub fn load(&self, _user: &str) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
            match self.0 {}
        }
        pub fn store(&self, _user: &str, _payload: &[u8], _ttl_secs: u64) -> Result<(), String> {
            match self.0 {}
        }
        pub fn remove(&self, _user: &str) -> Result<(), String> {
            match self.0 {}
        }
        pub fn entries(&self, _prefix: &str) -> Result<super::Entries, String> {
            match self.0 {}
        }
    }
}

pub use imp::KernelTier;

/// How long a copy of a token expiring at `expires_on` may live at `now` (unix seconds):
/// until it expires, at most [`MAX_TTL`]; `None` when it has expired.
#[must_use]
pub fn ttl_for(expires_on: i64, now: i64) -> Option<u64> {
    let left = u64::try_from(expires_on.checked_sub(now)?).ok()?;
    (left > 0).then(|| left.min(MAX_TTL.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::ttl_for;

    #[test]
    fn copies_live_until_the_token_expires_and_ten_minutes_at_most() {
        assert_eq!(ttl_for(1_000, 1_000), None);
        assert_eq!(ttl_for(999, 1_000), None);
        assert_eq!(ttl_for(1_030, 1_000), Some(30));
        assert_eq!(ttl_for(1_000 + 3_600, 1_000), Some(600));
        assert_eq!(ttl_for(i64::MAX, i64::MIN), None, "no overflow");
        assert_eq!(ttl_for(i64::MIN, i64::MAX), None);
    }
}
