//! The `keyring` store: tokens and secrets in the OS keyring (Secret Service over D-Bus on
//! Linux/BSD, Keychain on macOS, Credential Manager on Windows), service `entra-auth-cli`.
//! Entries: `profile:NAME:secret`, `profile:NAME:cert-password`, `token:<digest>`, and
//! `file-store-key` (the `file` store's key when the keyring holds it).
//!
//! Every call runs on a helper thread with a deadline: a missing or hung D-Bus must not stall
//! the CLI (it has been seen to hang for two minutes in the field).
//!
//! On Linux, `auto` and `keyring` put a fast tier in front of it ([`crate::adapters::store::kernel_keyring`]):
//! access tokens are copied to the kernel's user keyring when read or written, and a cache hit
//! found there opens no D-Bus connection at all; a `store-check` marker there spares the probe
//! for 10 minutes after the Secret Service last answered it. The Secret Service stays the
//! store of record: every write and removal goes to both, removals to the tier first.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::adapters::store::file_secret_store::entry_name;
use crate::adapters::store::kernel_keyring::{self, KernelTier};
use crate::adapters::store::sealed_file::KeyMaterial;
use crate::adapters::store::token_record;
use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::token::Token;
use crate::ports::secret_store::{SecretKind, SecretStore, SecretStoreError};
use crate::ports::token_cache::{CacheError, TokenCache};

/// The keyring service name of every entry.
pub const SERVICE: &str = "entra-auth-cli";
/// The longest one keyring call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);
const PROBE_USER: &str = "store-check";
const FILE_KEY_USER: &str = "file-store-key";
const TOKEN_PREFIX: &str = "token:";
const ACCOUNT_PREFIX: &str = "account:";

/// Runs `call` on a helper thread and gives up after [`CALL_TIMEOUT`].
fn bounded<T: Send + 'static>(
    what: &str,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (send, receive) = mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".to_owned())
        .spawn(move || {
            let _ = send.send(call());
        })
        .map_err(|e| format!("cannot start a keyring call: {e}"))?;
    receive.recv_timeout(CALL_TIMEOUT).map_err(|_| {
        format!(
            "the keyring did not answer {what} within {} s (is the D-Bus session or the Secret Service hung?)",
            CALL_TIMEOUT.as_secs()
        )
    })
}

/// Why the platform store is unusable, with the real cause (the keyring crate reports only
/// `NoDefaultStore` from `Entry::new`; the cause is in `store_status`).
fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
            Err(cause) => format!("no keyring service: {cause}"),
            Ok(()) => "no keyring service".to_owned(),
        },
        keyring::Error::NoStorageAccess(cause) => {
            format!(
                "the keyring refused access (locked, or it needs a prompt nobody can answer): {cause}"
            )
        }
        other => other.to_string(),
    }
}

fn entry(user: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, user).map_err(|e| describe(&e))
}

fn get(user: String) -> Result<Option<Zeroizing<String>>, String> {
    bounded("a read", move || match entry(&user)?.get_password() {
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(&e)),
    })?
}

fn set(user: String, value: Zeroizing<String>) -> Result<(), String> {
    bounded("a write", move || {
        entry(&user)?.set_password(&value).map_err(|e| describe(&e))
    })?
}

fn delete(user: String) -> Result<(), String> {
    bounded("a delete", move || {
        match entry(&user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        }
    })?
}

/// Every entry of our service as `(user, value)`.
fn search_all() -> Result<Vec<(String, Zeroizing<String>)>, String> {
    bounded("a search", || {
        keyring::Entry::store_status()
            .as_ref()
            .map_err(ToString::to_string)?;
        let spec = HashMap::from([("service", SERVICE)]);
        let found = keyring_core::Entry::search(&spec).map_err(|e| e.to_string())?;
        let mut entries = Vec::new();
        for item in found {
            let Some((_, user)) = item.get_specifiers() else {
                continue;
            };
            if let Ok(value) = item.get_password() {
                entries.push((user, Zeroizing::new(value)));
            }
        }
        Ok(entries)
    })?
}

/// The OS keyring as token cache and secret store. Clones share the "keyring hung" state.
#[derive(Clone)]
pub struct KeyringStore {
    /// Set after a call timed out: later calls fail at once instead of waiting again.
    hung: Arc<AtomicBool>,
    /// The kernel keyring copies of access tokens, when the tier is on.
    tier: Option<Arc<KernelTier>>,
}

/// What [`KeyringStore::probe_with_fast_tier`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastTierReport {
    /// The Secret Service was not asked: it answered within the marker's lifetime.
    pub remembered: bool,
    /// For `status`: what the tier is and who can read it, or why there is none.
    pub description: String,
}

impl KeyringStore {
    /// Like [`KeyringStore::probe`], with the kernel keyring fast tier in front of the Secret
    /// Service when keyctl works. A `store-check` marker in the tier (written after a probe
    /// succeeded, gone 10 minutes later or as soon as a Secret Service call fails) stands for
    /// the probe.
    ///
    /// # Errors
    /// Why the keyring cannot be used, in words for a one-line notice.
    pub fn probe_with_fast_tier() -> Result<(Self, FastTierReport), String> {
        let tier = match KernelTier::open(kernel_keyring::bus_namespace()) {
            Ok(tier) => Arc::new(tier),
            Err(cause) => {
                tracing::debug!("no kernel keyring fast tier: {cause}");
                return Self::probe().map(|store| {
                    (
                        store,
                        FastTierReport {
                            remembered: false,
                            description: format!(
                                "none ({cause}): every cache hit reads the Secret Service"
                            ),
                        },
                    )
                });
            }
        };
        let description = format!(
            "the kernel user keyring (entries `entra-auth-cli:{}:*`): copies of access tokens, \
             readable only by processes of this user, each kept until its token expires and {} \
             min at most; `logout` clears them",
            tier.namespace(),
            kernel_keyring::MAX_TTL.as_secs() / 60
        );
        let remembered = matches!(tier.load(PROBE_USER), Ok(Some(_)));
        let store = if remembered {
            Self {
                hung: Arc::new(AtomicBool::new(false)),
                tier: Some(tier),
            }
        } else {
            let mut store = Self::probe()?;
            if let Err(cause) = tier.store(PROBE_USER, b"ok", kernel_keyring::MAX_TTL.as_secs()) {
                tracing::debug!("cannot remember the probe in the kernel keyring: {cause}");
            }
            store.tier = Some(tier);
            store
        };
        Ok((
            store,
            FastTierReport {
                remembered,
                description,
            },
        ))
    }

    /// Connects and checks that the keyring can be read and written: a locked keyring or one
    /// that needs a prompt is reported, not used.
    ///
    /// # Errors
    /// Why the keyring cannot be used, in words for a one-line notice.
    pub fn probe() -> Result<Self, String> {
        match get(PROBE_USER.to_owned())? {
            Some(_) => {}
            None => set(PROBE_USER.to_owned(), Zeroizing::new("ok".to_owned()))?,
        }
        Ok(Self {
            hung: Arc::new(AtomicBool::new(false)),
            tier: None,
        })
    }

    fn guard<T>(&self, result: Result<T, String>) -> Result<T, String> {
        if self.hung.load(Ordering::Relaxed) {
            return Err("the keyring stopped answering earlier in this run".to_owned());
        }
        if let Err(message) = &result {
            if message.contains("did not answer") {
                self.hung.store(true, Ordering::Relaxed);
            }
            // The Secret Service failed: the next run probes it again instead of trusting the
            // marker.
            if let Some(tier) = &self.tier {
                let _ = tier.remove(PROBE_USER);
            }
        }
        result
    }

    /// Copies a token record to the fast tier, or drops the tier's older copy when that fails
    /// (a stale copy must not outlive a newer token in the Secret Service).
    fn copy_to_tier(&self, user: &str, record: &[u8], expires_on: i64) {
        let Some(tier) = &self.tier else {
            return;
        };
        let now = jiff::Timestamp::now().as_second();
        let copied = match kernel_keyring::ttl_for(expires_on, now) {
            Some(ttl) => tier.store(user, record, ttl),
            None => Err("the token has expired".to_owned()),
        };
        if let Err(cause) = copied {
            tracing::debug!("no kernel keyring copy of {user}: {cause}");
            if let Err(cause) = tier.remove(user) {
                tracing::warn!("cannot drop the kernel keyring copy of {user}: {cause}");
            }
        }
    }

    /// The fast tier's copy of `key`'s token: `None` on a miss, and for a copy that cannot be
    /// trusted (corrupt, under another key's name, unreadable), which is dropped.
    fn load_from_tier(&self, user: &str, key: &CacheKey) -> Option<Token> {
        let tier = self.tier.as_deref()?;
        match tier.load(user) {
            Ok(Some(bytes)) => match token_record::decode_for(key, &bytes) {
                Ok(token) => return Some(token),
                Err(reason) => {
                    tracing::debug!("ignoring the kernel keyring copy of {user}: {reason}");
                    let _ = tier.remove(user);
                }
            },
            Ok(None) => {}
            Err(cause) => tracing::debug!("kernel keyring read of {user} failed: {cause}"),
        }
        None
    }

    /// The `file` store's key kept in the keyring, created on first use.
    ///
    /// # Errors
    /// When the keyring cannot be read or written, or holds a malformed key.
    pub fn file_store_key(&self) -> Result<KeyMaterial, String> {
        if let Some(stored) = self.guard(get(FILE_KEY_USER.to_owned()))? {
            return KeyMaterial::parse(&stored)
                .map_err(|e| format!("the keyring's `{FILE_KEY_USER}` entry is malformed: {e}"));
        }
        let key = KeyMaterial::generate()?;
        self.guard(set(FILE_KEY_USER.to_owned(), key.to_base64()))?;
        Ok(key)
    }

    fn token_user(key: &CacheKey) -> String {
        format!("{TOKEN_PREFIX}{}", key.digest_hex())
    }

    fn account_user(identity: &str) -> String {
        format!(
            "{ACCOUNT_PREFIX}{}",
            crate::adapters::store::sealed_file::digest_name(identity)
        )
    }

    fn io(user: &str) -> impl Fn(String) -> CacheError + '_ {
        move |reason| CacheError::Io {
            location: format!("keyring entry {user}"),
            reason,
        }
    }
}

impl TokenCache for KeyringStore {
    fn backend_name(&self) -> &'static str {
        "keyring"
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Token>, CacheError> {
        let user = Self::token_user(key);
        if let Some(token) = self.load_from_tier(&user, key) {
            return Ok(Some(token));
        }
        let value = self.guard(get(user.clone())).map_err(Self::io(&user))?;
        let Some(json) = value else {
            return Ok(None);
        };
        let token = token_record::decode_for(key, json.as_bytes()).map_err(|reason| {
            CacheError::Unreadable {
                location: format!("keyring entry {user}"),
                reason,
            }
        })?;
        self.copy_to_tier(&user, json.as_bytes(), token.expires_on);
        Ok(Some(token))
    }

    fn store(&self, key: &CacheKey, token: &Token) -> Result<(), CacheError> {
        let user = Self::token_user(key);
        let record = token_record::encode(key, token);
        let json = Zeroizing::new(String::from_utf8_lossy(&record).into_owned());
        let stored = self.guard(set(user.clone(), json)).map_err(Self::io(&user));
        if stored.is_ok() {
            self.copy_to_tier(&user, &record, token.expires_on);
        }
        stored
    }

    fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        let user = Self::token_user(key);
        // The copy first; when it cannot go, the Secret Service entry still does, and the
        // copy's failure is reported (it expires within MAX_TTL).
        let copy = match &self.tier {
            Some(tier) => tier.remove(&user).map_err(|reason| CacheError::Io {
                location: format!("kernel keyring copy of {user}"),
                reason,
            }),
            None => Ok(()),
        };
        self.guard(delete(user.clone())).map_err(Self::io(&user))?;
        copy
    }

    /// The Secret Service's tokens, and any the fast tier still holds a copy of that the
    /// Secret Service no longer has (so `logout` and `status` cover the tier too).
    fn list(&self) -> Result<Vec<(CacheKey, Token)>, CacheError> {
        let entries = self.guard(search_all()).map_err(|reason| CacheError::Io {
            location: "the keyring".to_owned(),
            reason,
        })?;
        let copies = match &self.tier {
            Some(tier) => tier
                .entries(TOKEN_PREFIX)
                .map_err(|reason| CacheError::Io {
                    location: "the kernel keyring".to_owned(),
                    reason,
                })?,
            None => Vec::new(),
        };
        let mut found: Vec<(CacheKey, Token)> = Vec::new();
        let records = entries
            .iter()
            .filter(|(user, _)| user.starts_with(TOKEN_PREFIX))
            .map(|(user, json)| (user.as_str(), json.as_bytes()))
            .chain(
                copies
                    .iter()
                    .map(|(user, bytes)| (user.as_str(), &bytes[..])),
            );
        for (user, bytes) in records {
            let Ok((key, token)) = token_record::decode(bytes) else {
                continue;
            };
            if user == Self::token_user(&key) && !found.iter().any(|(k, _)| k == &key) {
                found.push((key, token));
            }
        }
        Ok(found)
    }

    fn load_account(&self, identity: &str) -> Result<Option<Account>, CacheError> {
        let user = Self::account_user(identity);
        let value = self.guard(get(user.clone())).map_err(Self::io(&user))?;
        value
            .map(|json| token_record::decode_account_for(identity, json.as_bytes()))
            .transpose()
            .map_err(|reason| CacheError::Unreadable {
                location: format!("keyring entry {user}"),
                reason,
            })
    }

    fn store_account(&self, identity: &str, account: &Account) -> Result<(), CacheError> {
        let user = Self::account_user(identity);
        let json = Zeroizing::new(
            String::from_utf8_lossy(&token_record::encode_account(identity, account)).into_owned(),
        );
        self.guard(set(user.clone(), json)).map_err(Self::io(&user))
    }

    fn remove_account(&self, identity: &str) -> Result<(), CacheError> {
        let user = Self::account_user(identity);
        self.guard(delete(user.clone())).map_err(Self::io(&user))
    }

    fn list_accounts(&self) -> Result<Vec<(String, Account)>, CacheError> {
        let entries = self.guard(search_all()).map_err(Self::io("(search)"))?;
        Ok(entries
            .into_iter()
            .filter(|(user, _)| user.starts_with(ACCOUNT_PREFIX))
            .filter_map(|(user, json)| {
                let (identity, account) = token_record::decode_account(json.as_bytes()).ok()?;
                (user == Self::account_user(&identity)).then_some((identity, account))
            })
            .collect())
    }
}

impl SecretStore for KeyringStore {
    fn backend_name(&self) -> &'static str {
        "keyring"
    }

    fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretStoreError> {
        let value = self
            .guard(get(entry_name(profile, kind)))
            .map_err(SecretStoreError::Unavailable)?;
        Ok(value.map(|v| SecretString::from(v.as_str().to_owned())))
    }

    fn set(
        &self,
        profile: &str,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<(), SecretStoreError> {
        let value = Zeroizing::new(secret.expose_secret().to_owned());
        self.guard(set(entry_name(profile, kind), value))
            .map_err(SecretStoreError::Unavailable)
    }

    fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), SecretStoreError> {
        self.guard(delete(entry_name(profile, kind)))
            .map_err(SecretStoreError::Unavailable)
    }

    fn list(&self) -> Result<Vec<(String, SecretKind)>, SecretStoreError> {
        let entries = self
            .guard(search_all())
            .map_err(SecretStoreError::Unavailable)?;
        let mut found: Vec<_> = entries
            .into_iter()
            .filter_map(|(user, _)| {
                let rest = user.strip_prefix("profile:")?;
                let (name, kind) = rest.rsplit_once(':')?;
                Some((name.to_owned(), SecretKind::parse(kind)?))
            })
            .collect();
        found.sort();
        Ok(found)
    }
}
