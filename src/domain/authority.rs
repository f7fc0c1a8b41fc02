//! Authority hosts (clouds) and the endpoint URLs derived from them.

use std::fmt;
use url::{Host, Url};

/// A validated authority host such as `https://login.microsoftonline.com`, kept without a
/// trailing slash. Plain `http` is only accepted for loopback hosts (local emulators and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    base: String,
    loopback: bool,
}

/// The clouds with a well-known authority host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Public,
    UsGov,
    China,
}

impl Cloud {
    /// The name used in config and flags.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::UsGov => "usgov",
            Self::China => "china",
        }
    }

    /// The cloud's authority host.
    #[must_use]
    pub fn authority_host(self) -> &'static str {
        match self {
            Self::Public => "https://login.microsoftonline.com",
            Self::UsGov => "https://login.microsoftonline.us",
            Self::China => "https://login.partner.microsoftonline.cn",
        }
    }

    /// The cloud's Microsoft Graph `.default` scope, the scope used when none is configured.
    #[must_use]
    pub fn default_graph_scope(self) -> &'static str {
        match self {
            Self::Public => "https://graph.microsoft.com/.default",
            Self::UsGov => "https://graph.microsoft.us/.default",
            Self::China => "https://microsoftgraph.chinacloudapi.cn/.default",
        }
    }

    /// Parses `public`, `usgov` or `china` (a few common aliases too).
    ///
    /// # Errors
    /// A message listing the accepted names.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "public" | "azurepublic" | "azurecloud" => Ok(Self::Public),
            "usgov" | "azureusgovernment" | "usgovernment" => Ok(Self::UsGov),
            "china" | "azurechina" | "azurechinacloud" => Ok(Self::China),
            _ => Err(format!(
                "unknown cloud `{text}`: expected one of public, usgov, china"
            )),
        }
    }
}

impl Authority {
    /// Validates an authority host. A bare host name means `https://HOST`, except on a loopback
    /// host (a local emulator), which must name its scheme: it is usually plain http, and
    /// guessing https there ends in a TLS error after every retry.
    ///
    /// # Errors
    /// A message naming what is wrong: an unparsable URL, a path or query, plain `http` on a
    /// host that is not loopback, or a loopback host without a scheme.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("the authority host is empty".to_owned());
        }
        let has_scheme = trimmed.contains("://");
        let with_scheme = if has_scheme {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| format!("`{trimmed}` is not a valid authority host URL ({e})"))?;
        let host = url
            .host()
            .ok_or_else(|| format!("`{trimmed}` has no host name"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "`{trimmed}` contains credentials; an authority host is just scheme and host"
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{trimmed}` has a path or query; give only the host, such as `https://login.microsoftonline.com` (the tenant is set separately)"
            ));
        }
        let loopback = match &host {
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
            Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        };
        if !has_scheme && loopback {
            return Err(format!(
                "`{trimmed}` has no scheme: a local server is usually plain http, so write `http://{trimmed}` (or `https://{trimmed}` if it serves TLS)"
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(format!(
                    "`{trimmed}` uses plain http; authority hosts must use https (http is allowed only for 127.0.0.1, [::1] and localhost)"
                ));
            }
            other => {
                return Err(format!(
                    "`{trimmed}` uses the `{other}` scheme; authority hosts must use https"
                ));
            }
        }
        let base = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { base, loopback })
    }

    /// The authority as `scheme://host[:port]`, no trailing slash.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// True for 127.0.0.0/8, ::1 and localhost: no proxy and no TLS roots are needed there.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    #[must_use]
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.base)
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::{Authority, Cloud};

    #[test]
    fn https_hosts_are_accepted_and_normalized() {
        let a = Authority::parse("https://login.microsoftonline.com/").unwrap();
        assert_eq!(a.as_str(), "https://login.microsoftonline.com");
        assert!(!a.is_loopback());
        assert_eq!(
            Authority::parse("login.microsoftonline.us")
                .unwrap()
                .as_str(),
            "https://login.microsoftonline.us"
        );
        assert_eq!(
            a.token_url("contoso.onmicrosoft.com"),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            let a = Authority::parse(ok).unwrap();
            assert!(a.is_loopback(), "{ok}");
        }
        for bad in [
            "http://login.microsoftonline.com",
            "http://10.0.0.1",
            "ftp://x.example",
        ] {
            let err = Authority::parse(bad).unwrap_err();
            assert!(err.contains("https"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_loopback_host_without_a_scheme_suggests_http() {
        for bare in ["127.0.0.1:8080", "localhost:8080", "[::1]:9"] {
            let err = Authority::parse(bare).unwrap_err();
            assert!(err.contains(&format!("`http://{bare}`")), "{bare}: {err}");
        }
        // Bare public hosts still mean https.
        assert!(Authority::parse("login.microsoftonline.us:443").is_ok());
    }

    #[test]
    fn paths_and_credentials_are_refused() {
        assert!(Authority::parse("https://login.microsoftonline.com/tenant").is_err());
        assert!(Authority::parse("https://u:p@login.microsoftonline.com").is_err());
        assert!(Authority::parse("").is_err());
    }

    #[test]
    fn clouds_have_known_hosts() {
        assert_eq!(
            Cloud::parse("usgov").unwrap().authority_host(),
            "https://login.microsoftonline.us"
        );
        assert_eq!(Cloud::parse("China").unwrap(), Cloud::China);
        assert!(Cloud::parse("mars").is_err());
    }
}
