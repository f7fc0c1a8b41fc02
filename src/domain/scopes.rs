//! Scopes as a set: parsed from space- or comma-separated text, compared without regard to order;
//! and the one place where a resource (what managed identity and az speak) becomes a scope and back.

use std::collections::BTreeSet;
use std::fmt;

/// A non-empty set of scopes, kept in the order the user gave (for the request) and comparable
/// as a set (for cache keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes {
    items: Vec<String>,
}

impl Scopes {
    /// Parses `"A B"`, `"A,B"` or `"A, B"`. Duplicates are dropped.
    ///
    /// # Errors
    /// When no scope is left after splitting.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::from_items(text.split([' ', ',', '\t', '\n']).map(str::to_owned))
    }

    /// Builds the set from a list of entries, each of which may itself hold several scopes.
    ///
    /// # Errors
    /// When the list holds no scope.
    pub fn from_items(items: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut seen = BTreeSet::new();
        let mut ordered = Vec::new();
        for entry in items {
            for scope in entry.split([' ', ',', '\t', '\n']) {
                let scope = scope.trim();
                if !scope.is_empty() && seen.insert(scope.to_ascii_lowercase()) {
                    ordered.push(scope.to_owned());
                }
            }
        }
        if ordered.is_empty() {
            return Err(
                "no scope given: use a value such as `https://graph.microsoft.com/.default`"
                    .to_owned(),
            );
        }
        Ok(Self { items: ordered })
    }

    /// For app-only flows: a bare resource (`https://management.azure.com`, `api://my-api`)
    /// becomes `<resource>/.default`; anything else is kept as given.
    #[must_use]
    pub fn with_default_suffix(&self) -> Self {
        let items = self
            .items
            .iter()
            .map(|scope| {
                let Some((scheme, rest)) = scope.split_once("://") else {
                    return scope.clone();
                };
                let bare = !scheme.is_empty()
                    && !rest.trim_end_matches('/').contains('/')
                    && !rest.is_empty();
                if bare {
                    format!("{}/.default", scope.trim_end_matches('/'))
                } else {
                    scope.clone()
                }
            })
            .collect();
        Self { items }
    }

    /// The single resource of an app-only scope set (`<resource>/.default` → `<resource>`), as
    /// managed identity endpoints want it; `None` when there is not exactly one scope.
    #[must_use]
    pub fn single_resource(&self) -> Option<String> {
        match self.items.as_slice() {
            [one] => Some(resource_of_scope(one).to_owned()),
            _ => None,
        }
    }

    /// The scopes in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(String::as_str)
    }

    /// Space-separated, as sent in the `scope` request parameter.
    #[must_use]
    pub fn to_request_param(&self) -> String {
        self.items.join(" ")
    }

    /// Sorted, lower-cased and space-separated: equal for equal sets, whatever the order.
    #[must_use]
    pub fn canonical(&self) -> String {
        let set: BTreeSet<String> = self.items.iter().map(|s| s.to_ascii_lowercase()).collect();
        set.into_iter().collect::<Vec<_>>().join(" ")
    }
}

/// The scope that gets a token for `resource`: `R/.default` (a scope already ending in
/// `/.default` is kept as it is), as MSAL turns a managed-identity resource into a scope. A
/// trailing slash stays: `https://management.core.windows.net/` is
/// `https://management.core.windows.net//.default`, as Entra expects.
#[must_use]
pub fn scope_for_resource(resource: &str) -> String {
    if resource.ends_with("/.default") {
        resource.to_owned()
    } else {
        format!("{resource}/.default")
    }
}

/// The resource of a scope: `X/.default` is `X`; anything else is taken as a resource already.
#[must_use]
pub fn resource_of_scope(scope: &str) -> &str {
    scope.strip_suffix("/.default").unwrap_or(scope)
}

/// A resource or scope as compared with another (`--allow-resource`): without `/.default`,
/// trailing slashes and surrounding blanks, lower-cased.
#[must_use]
pub fn normalized_resource(text: &str) -> String {
    resource_of_scope(text.trim())
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_request_param())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resources_and_their_default_scopes() {
        use super::{normalized_resource, resource_of_scope, scope_for_resource};
        assert_eq!(
            scope_for_resource("https://management.azure.com"),
            "https://management.azure.com/.default"
        );
        assert_eq!(
            scope_for_resource("https://vault.azure.net/.default"),
            "https://vault.azure.net/.default"
        );
        assert_eq!(
            scope_for_resource("https://management.core.windows.net/"),
            "https://management.core.windows.net//.default"
        );
        assert_eq!(
            resource_of_scope("https://management.azure.com/.default"),
            "https://management.azure.com"
        );
        assert_eq!(
            resource_of_scope("https://vault.azure.net"),
            "https://vault.azure.net"
        );
        for text in [
            "https://Management.azure.com",
            "https://management.azure.com/",
            " https://management.azure.com//.default ",
        ] {
            assert_eq!(
                normalized_resource(text),
                "https://management.azure.com",
                "{text}"
            );
        }
    }

    use super::Scopes;

    #[test]
    fn splits_on_spaces_and_commas() {
        let s = Scopes::parse("User.Read, Mail.Read  Files.Read").unwrap();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            ["User.Read", "Mail.Read", "Files.Read"]
        );
        assert_eq!(s.to_request_param(), "User.Read Mail.Read Files.Read");
    }

    #[test]
    fn compares_as_a_set() {
        let a = Scopes::parse("B A").unwrap();
        let b = Scopes::parse("a,b,A").unwrap();
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(b.iter().count(), 2);
    }

    #[test]
    fn bare_resources_get_the_default_suffix() {
        let s = Scopes::parse("https://management.azure.com api://my-api/ https://graph.microsoft.com/.default User.Read api://x/scope").unwrap();
        assert_eq!(
            s.with_default_suffix().to_request_param(),
            "https://management.azure.com/.default api://my-api/.default https://graph.microsoft.com/.default User.Read api://x/scope"
        );
        assert_eq!(
            Scopes::parse("https://vault.azure.net/.default")
                .unwrap()
                .single_resource()
                .as_deref(),
            Some("https://vault.azure.net")
        );
        assert_eq!(Scopes::parse("a b").unwrap().single_resource(), None);
    }

    #[test]
    fn empty_is_an_error() {
        assert!(Scopes::parse(" , ").is_err());
        assert!(Scopes::from_items(Vec::new()).is_err());
    }
}
