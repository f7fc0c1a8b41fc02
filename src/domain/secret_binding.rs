//! Stored secrets are bound to where they may be sent: the authority, tenant and client ID of
//! the profile they were stored for. A secret left behind by a profile that was removed by hand
//! (or re-created, imported or edited to point elsewhere) is never sent to the new destination.
//! The binding travels with the secret, in the stored value: a header line, the destination,
//! then the secret. Values stored before bindings existed have no header and are used as is.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::profile::Profile;

/// The first line of a bound value.
const HEADER: &str = "entra-auth-cli bound secret v1";

/// Where a profile's credentials go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDestination {
    /// `scheme://host[:port]` of the authority.
    pub authority: String,
    pub tenant: String,
    pub client: String,
}

impl SecretDestination {
    /// Where `profile` sends its credentials.
    #[must_use]
    pub fn of(profile: &Profile) -> Self {
        Self {
            authority: profile.authority.as_str().to_owned(),
            tenant: profile.tenant_id.clone(),
            client: profile.client_id.clone(),
        }
    }

    /// The same place: hosts, tenants and client IDs compare case-insensitively.
    #[must_use]
    pub fn same_as(&self, other: &Self) -> bool {
        self.authority.eq_ignore_ascii_case(&other.authority)
            && self.tenant.eq_ignore_ascii_case(&other.tenant)
            && self.client.eq_ignore_ascii_case(&other.client)
    }
}

impl std::fmt::Display for SecretDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, tenant {}, client {}",
            self.authority, self.tenant, self.client
        )
    }
}

/// `secret` bound to `destination`, as it is stored.
#[must_use]
pub fn bind(destination: &SecretDestination, secret: &SecretString) -> SecretString {
    let text = Zeroizing::new(format!(
        "{HEADER}\n{}\n{}\n{}\n{}",
        one_line(&destination.authority),
        one_line(&destination.tenant),
        one_line(&destination.client),
        secret.expose_secret()
    ));
    SecretString::from(text.as_str())
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A stored value, read back.
#[derive(Debug)]
pub enum StoredSecret {
    /// Stored for `destination`.
    Bound {
        destination: SecretDestination,
        secret: SecretString,
    },
    /// Stored before bindings existed: its destination is unknown.
    Unbound(SecretString),
    /// A header without a whole destination after it.
    Malformed,
}

/// Reads a stored value back.
#[must_use]
pub fn unbind(stored: &SecretString) -> StoredSecret {
    let text = stored.expose_secret();
    let Some(rest) = text.strip_prefix(HEADER).and_then(|r| r.strip_prefix('\n')) else {
        return StoredSecret::Unbound(stored.clone());
    };
    let mut parts = rest.splitn(4, '\n');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(authority), Some(tenant), Some(client), Some(secret)) => StoredSecret::Bound {
            destination: SecretDestination {
                authority: authority.to_owned(),
                tenant: tenant.to_owned(),
                client: client.to_owned(),
            },
            secret: SecretString::from(secret),
        },
        _ => StoredSecret::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use secrecy::{ExposeSecret, SecretString};

    use super::{SecretDestination, StoredSecret, bind, unbind};

    fn destination(authority: &str) -> SecretDestination {
        SecretDestination {
            authority: authority.to_owned(),
            tenant: "T".to_owned(),
            client: "c".to_owned(),
        }
    }

    #[test]
    fn a_bound_secret_reads_back_with_its_destination() {
        let here = destination("https://login.microsoftonline.com");
        let stored = bind(&here, &SecretString::from("s3cr\net=x"));
        let StoredSecret::Bound {
            destination,
            secret,
        } = unbind(&stored)
        else {
            panic!("bound");
        };
        assert!(destination.same_as(&here));
        assert!(destination.same_as(&SecretDestination {
            tenant: "t".to_owned(),
            ..here.clone()
        }));
        assert!(!destination.same_as(&self::destination("https://evil.example")));
        assert_eq!(secret.expose_secret(), "s3cr\net=x");
        assert!(matches!(
            unbind(&SecretString::from("plain")),
            StoredSecret::Unbound(s) if s.expose_secret() == "plain"
        ));
        assert!(matches!(
            unbind(&SecretString::from(
                "entra-auth-cli bound secret v1\nhttps://x\nt"
            )),
            StoredSecret::Malformed
        ));
    }
}
