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
//!
//! Possession: a key grants its rights only to a process that possesses it (reaches it from
//! its session keyring). Under a private session keyring (`keyctl new_session`, systemd
//! `KeyringMode=private`, runc) a process can add keys to the user keyring but neither set their
//! timeout nor read or remove them; [`KernelTier::open`] writes, times and reads back a check
//! entry first and turns the tier off when that fails, so no copy is ever left without expiry.
//!
//! Quota: the user keyring shares the kernel's per-user quota (`kernel.keys.maxbytes`, 20 000
//! bytes for non-root users) with every other program (Kerberos `KEYRING:` caches, fscrypt).
//! The tier keeps all of its entries within [`BUDGET_SHARE`] of the quota read from
//! `/proc/key-users`, leaves at least a quarter of the quota free, and evicts its oldest token
//! copies (by the record's `cached_at`) to make room; a copy that does not fit is not made.

use std::time::Duration;

/// Entries read back: each entry's user name and its payload.
pub type Entries = Vec<(String, zeroize::Zeroizing<Vec<u8>>)>;

/// The longest any tier entry lives.
pub const MAX_TTL: Duration = Duration::from_secs(600);
/// The largest payload read back (a `user` key holds at most 32 767 bytes).
const MAX_PAYLOAD: usize = 32 * 1024;
const PREFIX: &str = "entra-auth-cli:";
/// The tier's share of the user's key quota: a quarter.
pub const BUDGET_SHARE: u64 = 4;
/// The quota assumed when `/proc/key-users` cannot be read: the kernel's default for users.
const DEFAULT_MAX_BYTES: u64 = 20_000;
/// The user names of entries that may be evicted (token copies, not the markers).
const EVICTABLE: &str = "token:";
/// The entry written, timed and read back to check possession (one for every namespace: where
/// the timeout cannot be set, the one entry is updated in place run after run).
const POSSESSION_CHECK: &str = "possession-check";

/// The user's key quota in bytes and how much of it is in use, from `/proc/key-users`
/// (`uid: usage nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes`).
#[must_use]
pub fn parse_key_users(text: &str, uid: u32) -> Option<(u64, u64)> {
    let line = text.lines().find(|line| {
        line.split_whitespace()
            .next()
            .and_then(|first| first.strip_suffix(':'))
            .and_then(|n| n.parse::<u32>().ok())
            == Some(uid)
    })?;
    let bytes = line.split_whitespace().nth(4)?;
    let (used, max) = bytes.split_once('/')?;
    Some((used.parse().ok()?, max.parse().ok()?))
}

/// What the kernel charges a `user` key against the quota: its description (with the NUL)
/// and its payload.
#[must_use]
pub fn charge(description: &str, payload: usize) -> u64 {
    u64::try_from(description.len() + 1 + payload).unwrap_or(u64::MAX)
}

/// One of the tier's entries as eviction sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub description: String,
    pub bytes: u64,
    /// The record's `cached_at`; `None` for entries that are not token copies (never evicted).
    pub cached_at: Option<i64>,
}

/// Which of `held` to evict (oldest first) so that a new entry of `incoming` bytes under
/// `description` fits: the tier's entries within `max / BUDGET_SHARE`, and the quota's use
/// (`used`, everyone's) at most three quarters of `max`. An entry under the same description
/// is replaced, so it counts as freed. `None` when it cannot fit.
#[must_use]
pub fn plan_eviction(
    held: &[Held],
    description: &str,
    incoming: u64,
    used: u64,
    max: u64,
) -> Option<Vec<String>> {
    let budget = max / BUDGET_SHARE;
    let ceiling = max.saturating_mul(3) / 4;
    let replaced: u64 = held
        .iter()
        .filter(|h| h.description == description)
        .map(|h| h.bytes)
        .sum();
    let mut ours: u64 = held
        .iter()
        .map(|h| h.bytes)
        .sum::<u64>()
        .saturating_sub(replaced);
    let mut total = used.saturating_sub(replaced);
    let mut candidates: Vec<&Held> = held
        .iter()
        .filter(|h| h.description != description && h.cached_at.is_some())
        .collect();
    candidates.sort_by_key(|h| h.cached_at);
    let mut evict = Vec::new();
    let mut next = candidates.into_iter();
    while ours.saturating_add(incoming) > budget || total.saturating_add(incoming) > ceiling {
        let victim = next.next()?;
        ours = ours.saturating_sub(victim.bytes);
        total = total.saturating_sub(victim.bytes);
        evict.push(victim.description.clone());
    }
    Some(evict)
}

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

    use super::{
        DEFAULT_MAX_BYTES, EVICTABLE, Held, MAX_PAYLOAD, POSSESSION_CHECK, PREFIX, charge,
        parse_key_users, plan_eviction,
    };

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
        /// The user keyring, once this process is shown to possess it: a check entry is
        /// written, given a timeout and read back.
        ///
        /// # Errors
        /// keyctl is unavailable, or the keyring is not possessed (a private session keyring).
        pub fn open(namespace: String) -> Result<Self, String> {
            let ring = KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(describe)?;
            let tier = Self { ring, namespace };
            tier.check_possession()?;
            Ok(tier)
        }

        fn check_possession(&self) -> Result<(), String> {
            let not_possessed = |e: KeyError| {
                format!(
                    "this process does not possess the user keyring (a private session keyring?): {}",
                    describe(e)
                )
            };
            // Updating the entry a run without possession left also needs possession.
            let key = self
                .ring
                .add_key(&format!("{PREFIX}{POSSESSION_CHECK}"), b"1")
                .map_err(|e| match e {
                    KeyError::AccessDenied => not_possessed(e),
                    other => describe(other),
                })?;
            key.set_timeout(60).map_err(not_possessed)?;
            let mut buffer = [0u8; 8];
            match key.read(&mut buffer) {
                Ok(1) if buffer[0] == b'1' => Ok(()),
                Ok(_) => Err("the user keyring gave back another value".to_owned()),
                Err(e) => Err(not_possessed(e)),
            }
        }

        /// The quota's `(used, max)` bytes for this user; `max` defaults to the kernel's.
        fn quota() -> (u64, u64) {
            use std::io::Read;
            let mut text = String::new();
            let read = std::fs::File::open("/proc/key-users")
                .and_then(|f| f.take(256 * 1024).read_to_string(&mut text));
            let uid = rustix::process::geteuid().as_raw();
            match read.ok().and_then(|_| parse_key_users(&text, uid)) {
                Some((used, max)) if max > 0 => (used, max),
                _ => (0, DEFAULT_MAX_BYTES),
            }
        }

        /// Every entry of the tier (all namespaces), with what it costs and, for token copies,
        /// when the token was cached.
        fn held() -> Result<Vec<Held>, String> {
            let mut held = Vec::new();
            for key in Self::serials()? {
                let Ok(metadata) = key.metadata() else {
                    continue;
                };
                let description = metadata.get_description().to_owned();
                if metadata.get_type() != KeyType::User || !description.starts_with(PREFIX) {
                    continue;
                }
                let Ok(Some(payload)) = Self::read(key) else {
                    continue;
                };
                let user = description[PREFIX.len()..]
                    .split_once(':')
                    .map_or("", |(_, user)| user);
                let cached_at = user.starts_with(EVICTABLE).then(|| {
                    serde_json::from_slice::<serde_json::Value>(&payload)
                        .ok()
                        .and_then(|v| v.get("cached_at").and_then(serde_json::Value::as_i64))
                        .unwrap_or(i64::MIN)
                });
                held.push(Held {
                    bytes: charge(&description, payload.len()),
                    description,
                    cached_at,
                });
            }
            Ok(held)
        }

        /// Makes room for `payload` under `description` (evicting the oldest copies), or says
        /// why it does not fit.
        fn make_room(&self, description: &str, payload: &[u8]) -> Result<(), String> {
            let (used, max) = Self::quota();
            let held = Self::held()?;
            let evict = plan_eviction(&held, description, charge(description, payload.len()), used, max)
                .ok_or_else(|| {
                    format!("no room within the tier's share of the kernel key quota ({used} of {max} bytes in use)")
                })?;
            for victim in evict {
                if let Ok(key) = self.ring.search(&victim) {
                    key.invalidate().map_err(describe)?;
                }
            }
            Ok(())
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
            let description = self.description(user);
            self.make_room(&description, payload)?;
            let key = self.ring.add_key(&description, payload).map_err(describe)?;
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
    use super::{Held, charge, parse_key_users, plan_eviction, ttl_for};

    #[test]
    fn reads_the_users_quota() {
        let text = "    0:     9 8/8 3/1000000 40/25000000\n65534:     2 2/2 2/200 1234/20000\n";
        assert_eq!(parse_key_users(text, 65534), Some((1234, 20_000)));
        assert_eq!(parse_key_users(text, 0), Some((40, 25_000_000)));
        assert_eq!(parse_key_users(text, 1000), None);
        assert_eq!(parse_key_users("garbage", 0), None);
        assert_eq!(parse_key_users("0: 1 1/1 1/1 x/y", 0), None);
    }

    fn held(name: &str, bytes: u64, cached_at: Option<i64>) -> Held {
        Held {
            description: name.to_owned(),
            bytes,
            cached_at,
        }
    }

    #[test]
    fn evicts_the_oldest_copies_to_stay_within_the_budget() {
        let tier = [
            held("new", 1_200, Some(30)),
            held("old", 1_200, Some(10)),
            held("marker", 50, None),
            held("mid", 1_200, Some(20)),
        ];
        // 3 650 held; budget 5 000 of 20 000: one more fits as is.
        assert_eq!(
            plan_eviction(&tier, "x", 1_200, 4_000, 20_000),
            Some(vec![])
        );
        // Two more would not: the oldest goes first, never the marker.
        assert_eq!(
            plan_eviction(&tier, "x", 2_400, 4_000, 20_000),
            Some(vec!["old".to_owned()])
        );
        // Replacing an entry frees its bytes.
        assert_eq!(
            plan_eviction(&tier, "new", 2_400, 4_000, 20_000),
            Some(vec![])
        );
        // Others fill the quota: ours make room down to a quarter free.
        assert_eq!(
            plan_eviction(&tier, "x", 1_200, 15_500, 20_000),
            Some(vec!["old".to_owned(), "mid".to_owned()])
        );
        // Cannot fit at all.
        assert_eq!(plan_eviction(&tier, "x", 6_000, 0, 20_000), None);
        assert_eq!(plan_eviction(&[], "x", 100, 20_000, 20_000), None);
        assert!(charge("abc", 10) == 14);
    }

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
