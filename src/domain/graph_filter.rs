//! Searching app registrations in Microsoft Graph: each cloud's Graph endpoint, the `discover`
//! pattern (a `*` wildcard match on display names, case-insensitive), the OData `$filter` that
//! narrows it on the server, and the request URLs. Pure: no I/O.
//!
//! Pattern semantics (what `discover -s` documents):
//! - empty or only `*`: every application, no server filter;
//! - no `*` (`MyApp`): the exact display name, `$filter=displayName eq 'MyApp'`;
//! - a literal prefix then `*` (`MyApp*`, `My*App`): `$filter=startswith(displayName,'My…')`,
//!   then the whole pattern is matched on each result;
//! - a leading `*` (`*App`, `*App*`): Graph cannot filter on it (no substring or suffix filter
//!   on `applications.displayName`), so every page is fetched and matched here.
//!
//! None of these is a Graph "advanced query", so no `ConsistencyLevel: eventual` is needed.

use url::Url;

use super::authority::Cloud;

/// The properties `discover` reads.
pub const SELECT: &str = "id,appId,displayName,signInAudience,createdDateTime";

/// The largest page Graph serves for `applications`.
pub const PAGE_SIZE: u32 = 999;

/// The cloud's Microsoft Graph endpoint (no trailing slash).
#[must_use]
pub fn graph_endpoint(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "https://graph.microsoft.com",
        Cloud::UsGov => "https://graph.microsoft.us",
        Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
    }
}

/// A display-name pattern: `*` matches any run of characters (none included); everything else
/// matches itself, case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// The lowercased pattern with runs of `*` collapsed.
    folded: Vec<char>,
}

impl Pattern {
    /// Reads a pattern; every string is a valid pattern.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut folded: Vec<char> = Vec::new();
        for c in text.chars().flat_map(char::to_lowercase) {
            if !(c == '*' && folded.last() == Some(&'*')) {
                folded.push(c);
            }
        }
        Self {
            text: text.to_owned(),
            folded,
        }
    }

    /// The pattern as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when every name matches (`*` or empty).
    #[must_use]
    pub fn matches_everything(&self) -> bool {
        self.folded.iter().all(|c| *c == '*')
    }

    /// Whether `name` matches the whole pattern, ignoring case (an empty pattern matches all).
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        if self.matches_everything() {
            return true;
        }
        let name: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
        let pattern = &self.folded;
        // Greedy matching with backtracking to the last `*`: O(len(name) * len(pattern)).
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            if p < pattern.len() && pattern[p] == '*' {
                star = Some((p, n));
                p += 1;
            } else if p < pattern.len() && pattern[p] == name[n] {
                p += 1;
                n += 1;
            } else if let Some((star_p, star_n)) = star {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|c| *c == '*')
    }

    /// The OData `$filter` that narrows the search on the server, if Graph can express one.
    /// Results must still be checked with [`Pattern::matches`].
    #[must_use]
    pub fn server_filter(&self) -> Option<String> {
        match self.text.find('*') {
            None if self.text.is_empty() => None,
            None => Some(format!("displayName eq {}", odata_string(&self.text))),
            Some(0) => None,
            Some(star) => Some(format!(
                "startswith(displayName,{})",
                odata_string(&self.text[..star])
            )),
        }
    }
}

/// An OData string literal: single quotes around, each `'` doubled.
#[must_use]
pub fn odata_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Percent-encodes a query parameter value (everything but unreserved characters and `(),`).
#[must_use]
pub fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~(),".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The first page's URL: `{graph}/v1.0/applications?$select=…&$top=999[&$filter=…]`.
#[must_use]
pub fn applications_url(graph: &str, filter: Option<&str>) -> String {
    let mut url = format!(
        "{}/v1.0/applications?$select={}&$top={PAGE_SIZE}",
        graph.trim_end_matches('/'),
        encode_query_value(SELECT)
    );
    if let Some(filter) = filter {
        url.push_str("&$filter=");
        url.push_str(&encode_query_value(filter));
    }
    url
}

/// Whether an `@odata.nextLink` points at the same scheme, host and port as the Graph endpoint
/// (the bearer token is only ever sent there).
#[must_use]
pub fn same_origin(link: &str, graph: &str) -> bool {
    match (Url::parse(link), Url::parse(graph)) {
        (Ok(link), Ok(graph)) => link.origin() == graph.origin(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{Pattern, applications_url, odata_string, same_origin};

    #[test]
    fn wildcards_match_the_whole_name_ignoring_case() {
        let cases = [
            ("*", "anything", true),
            ("", "anything", true),
            ("MyApp", "myapp", true),
            ("MyApp", "MyApp2", false),
            ("MyApp*", "myapp-prod", true),
            ("MyApp*", "the MyApp", false),
            ("*test*", "Integration TEST app", true),
            ("*test*", "tes", false),
            ("*app", "WebApp", true),
            ("*app", "Apps", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXcYYb", false),
            ("a**b", "ab", true),
            ("*aab", "aaab", true),
            ("Ünïcode*", "üNÏCODE app", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                Pattern::new(pattern).matches(name),
                expected,
                "{pattern:?} vs {name:?}"
            );
        }
        assert!(Pattern::new("**").matches_everything());
        assert!(!Pattern::new("a*").matches_everything());
    }

    #[test]
    fn server_filters_use_only_what_graph_supports() {
        let filter = |p: &str| Pattern::new(p).server_filter();
        assert_eq!(filter("*"), None);
        assert_eq!(filter(""), None);
        assert_eq!(filter("*term*"), None);
        assert_eq!(filter("*term"), None);
        assert_eq!(
            filter("term*").as_deref(),
            Some("startswith(displayName,'term')")
        );
        assert_eq!(
            filter("a*b").as_deref(),
            Some("startswith(displayName,'a')")
        );
        assert_eq!(filter("exact").as_deref(), Some("displayName eq 'exact'"));
        assert_eq!(
            filter("O'Brien's*").as_deref(),
            Some("startswith(displayName,'O''Brien''s')")
        );
        assert_eq!(odata_string("''"), "''''''");
    }

    #[test]
    fn urls_are_percent_encoded() {
        assert_eq!(
            applications_url("https://graph.microsoft.com/", None),
            "https://graph.microsoft.com/v1.0/applications?$select=id,appId,displayName,signInAudience,createdDateTime&$top=999"
        );
        let url = applications_url(
            "https://graph.microsoft.com",
            Some("startswith(displayName,'a&b +c''')"),
        );
        assert!(
            url.ends_with("&$filter=startswith(displayName,%27a%26b%20%2Bc%27%27%27)"),
            "{url}"
        );
    }

    #[test]
    fn next_links_must_stay_on_the_graph_origin() {
        let graph = "https://graph.microsoft.com";
        assert!(same_origin(
            "https://graph.microsoft.com/v1.0/applications?$skiptoken=x",
            graph
        ));
        assert!(!same_origin(
            "https://evil.example/v1.0/applications",
            graph
        ));
        assert!(!same_origin(
            "http://graph.microsoft.com/v1.0/applications",
            graph
        ));
        assert!(!same_origin("not a url", graph));
        assert!(same_origin(
            "http://127.0.0.1:8080/v1.0/applications?$skiptoken=1",
            "http://127.0.0.1:8080"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:9/v1.0/applications",
            "http://127.0.0.1:8080"
        ));
    }
}
