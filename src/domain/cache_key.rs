//! The identity of a cached token: authority, tenant, client, account and scope set.

use sha2::{Digest, Sha256};

use super::profile::Profile;
use super::scopes::Scopes;

/// The account part of the key for app-only tokens (client credentials).
pub const APP_ACCOUNT: &str = "app";

/// A cache key. Two requests share a cached token exactly when their keys are equal: same
/// authority, tenant, client id and account, and the same set of scopes in any order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key for a token of `profile`'s identity, for `account`, covering `scopes`.
    #[must_use]
    pub fn new(profile: &Profile, account: &str, scopes: &Scopes) -> Self {
        Self(format!(
            "v1|{}|{}|{}|{}|{}",
            profile.authority.as_str().to_ascii_lowercase(),
            profile.tenant_id.to_ascii_lowercase(),
            profile.client_id.to_ascii_lowercase(),
            account,
            scopes.canonical()
        ))
    }

    /// A key for identities that are not an app registration in a tenant (managed identity):
    /// `authority` names the endpoint, `client` the identity selector.
    #[must_use]
    pub fn from_parts(
        authority: &str,
        tenant: &str,
        client: &str,
        account: &str,
        scopes: &Scopes,
    ) -> Self {
        let clean = |s: &str| s.replace('|', "%7C").to_ascii_lowercase();
        Self(format!(
            "v1|{}|{}|{}|{}|{}",
            clean(authority),
            clean(tenant),
            clean(client),
            account,
            scopes.canonical()
        ))
    }

    /// Reads back a key stored as text by [`CacheKey::as_str`]; `None` if it is not one.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('|').collect();
        (parts.len() == 6 && parts[0] == "v1").then(|| Self(text.to_owned()))
    }

    /// The identity part (authority, tenant, client): equal for every token of one app
    /// registration in one tenant, whatever the account and scopes.
    #[must_use]
    pub fn identity(&self) -> &str {
        let mut cut = 0;
        for (i, _) in self.0.match_indices('|').take(4) {
            cut = i;
        }
        &self.0[..cut]
    }

    /// The identity part for `profile`, as [`CacheKey::identity`] returns it for its keys.
    #[must_use]
    pub fn identity_of(profile: &Profile) -> String {
        Self::new(
            profile,
            APP_ACCOUNT,
            &Scopes::parse("x").unwrap_or_else(|_| unreachable!()),
        )
        .identity()
        .to_owned()
    }

    /// The account part: [`APP_ACCOUNT`] for app-only tokens.
    #[must_use]
    pub fn account(&self) -> &str {
        self.0.split('|').nth(4).unwrap_or_default()
    }

    /// The canonical scope set, space-separated.
    #[must_use]
    pub fn scopes(&self) -> &str {
        self.0.split('|').nth(5).unwrap_or_default()
    }

    /// The key as text (used as authenticated data by the encrypted file store).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A file-name-safe digest of the key: 64 lowercase hex digits.
    #[must_use]
    pub fn digest_hex(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{APP_ACCOUNT, CacheKey};
    use crate::domain::profile::ProfileSettings;
    use crate::domain::scopes::Scopes;

    fn profile(tenant: &str, host: Option<&str>) -> crate::domain::profile::Profile {
        ProfileSettings {
            tenant_id: Some(tenant.into()),
            client_id: Some("C1".into()),
            authority_host: host.map(Into::into),
            ..ProfileSettings::default()
        }
        .validate("p")
        .unwrap()
    }

    #[test]
    fn scope_order_and_case_do_not_matter() {
        let p = profile("T", None);
        let a = CacheKey::new(&p, APP_ACCOUNT, &Scopes::parse("x/.default y").unwrap());
        let b = CacheKey::new(&p, APP_ACCOUNT, &Scopes::parse("Y,X/.default").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.digest_hex().len(), 64);
    }

    #[test]
    fn parts_round_trip() {
        let p = profile("T", None);
        let key = CacheKey::new(&p, APP_ACCOUNT, &Scopes::parse("b a").unwrap());
        let back = CacheKey::parse(key.as_str()).unwrap();
        assert_eq!(back, key);
        assert_eq!(back.identity(), "v1|https://login.microsoftonline.com|t|c1");
        assert_eq!(back.identity(), CacheKey::identity_of(&p));
        assert_eq!(back.account(), APP_ACCOUNT);
        assert_eq!(back.scopes(), "a b");
        assert!(CacheKey::parse("v2|a|b|c|d|e").is_none());
        assert!(CacheKey::parse("garbage").is_none());
    }

    #[test]
    fn every_identity_part_separates_keys() {
        let s = Scopes::parse("x/.default").unwrap();
        let base = CacheKey::new(&profile("T", None), APP_ACCOUNT, &s);
        assert_ne!(base, CacheKey::new(&profile("U", None), APP_ACCOUNT, &s));
        assert_ne!(
            base,
            CacheKey::new(&profile("T", Some("http://127.0.0.1:1")), APP_ACCOUNT, &s)
        );
        assert_ne!(base, CacheKey::new(&profile("T", None), "uid.utid", &s));
        assert_ne!(
            base,
            CacheKey::new(
                &profile("T", None),
                APP_ACCOUNT,
                &Scopes::parse("z").unwrap()
            )
        );
    }
}
