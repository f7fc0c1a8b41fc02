//! Which container registries get a profile's token, and how Azure Container Registry
//! exchanges it: the anchored match of ACR login servers (`NAME.azurecr.io`, `.cn`, `.us`, the
//! whole host and nothing else), the hosts a profile lists in `container_registries`, https
//! for everything but a listed loopback host, the exchange URL and form, and the reply.

use serde::{Deserialize, Serialize};

/// The scope of the Entra token ACR exchanges (ACR's own audience, not ARM's).
pub const ACR_SCOPE: &str = "https://containerregistry.azure.net/.default";

/// The user name docker and the containers tools read as "the secret is an identity (refresh)
/// token": they then run the registry's `/oauth2/token` refresh grant themselves.
pub const TOKEN_USERNAME: &str = "<token>";

/// The user name `az acr login --expose-token` tells scripts to log in with (ACR reads it as
/// "the password is an ACR refresh token").
pub const NULL_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// The account part of the cache key of ACR refresh tokens (app and user tokens have `app` or
/// `uid.utid` there, so an ACR entry is never served as an access token).
pub const CACHE_ACCOUNT: &str = "acr";

/// The domains of ACR login servers: public, China, US Government.
const ACR_SUFFIXES: [&str; 3] = [".azurecr.io", ".azurecr.cn", ".azurecr.us"];

/// The longest host[:port] accepted (DNS names are at most 253 characters).
const MAX_HOST_LEN: usize = 260;

/// A registry as a client names it: a lowercase host and an optional port, no scheme, user
/// info, path or query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryHost {
    host: String,
    port: Option<u16>,
}

/// Why a server URL names no registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerUrlError {
    #[error("the server URL is empty")]
    Empty,
    #[error("the server URL is longer than {MAX_HOST_LEN} characters")]
    TooLong,
    #[error("the server URL is not a registry host (`host`, `host:port` or `https://host/...`)")]
    NotAHost,
    #[error("the server URL carries a user name or password")]
    UserInfo,
    #[error("the server URL's scheme is not https or http")]
    Scheme,
}

impl RegistryHost {
    /// Parses what docker passes (`myreg.azurecr.io`, `https://myreg.azurecr.io`,
    /// `https://myreg.azurecr.io/v2/`, `127.0.0.1:5000`), surrounding whitespace ignored.
    ///
    /// # Errors
    /// Anything that is not a plain host with an optional port: user info (`a@b`), other
    /// schemes, bad characters, an empty or overlong text.
    pub fn parse(text: &str) -> Result<Self, ServerUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ServerUrlError::Empty);
        }
        if text.len() > 2048 {
            return Err(ServerUrlError::TooLong);
        }
        let rest = match text.split_once("://") {
            Some((scheme, rest)) => {
                if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
                    return Err(ServerUrlError::Scheme);
                }
                rest
            }
            None => text,
        };
        // The authority ends at the first `/`, `?` or `#`.
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(ServerUrlError::UserInfo);
        }
        if authority.len() > MAX_HOST_LEN {
            return Err(ServerUrlError::TooLong);
        }
        let (host, port) = split_port(authority)?;
        if !valid_host(host) {
            return Err(ServerUrlError::NotAHost);
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// `host` or `host:port`, as docker's `credHelpers` keys and ACR's `service` name it.
    #[must_use]
    pub fn login_server(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// True for an ACR login server: exactly one DNS label (letters, digits, `-`) before
    /// `.azurecr.io`, `.azurecr.cn` or `.azurecr.us`, and no port but 443.
    #[must_use]
    pub fn is_acr(&self) -> bool {
        if self.port.is_some_and(|p| p != 443) {
            return false;
        }
        ACR_SUFFIXES.iter().any(|suffix| {
            self.host.strip_suffix(suffix).is_some_and(|name| {
                !name.is_empty()
                    && name.len() <= 63
                    && !name.starts_with('-')
                    && !name.ends_with('-')
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
        })
    }

    /// True for `localhost`, `127.0.0.0/8` and `::1`.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        if self.host == "localhost" {
            return true;
        }
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<core::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    }
}

/// `host:port` → (`host`, port); `[v6]:port` keeps its brackets.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), ServerUrlError> {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let (host, tail) = authority.split_at(end + 1);
                match tail.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None if tail.is_empty() => (host, None),
                    None => return Err(ServerUrlError::NotAHost),
                }
            }
            None => return Err(ServerUrlError::NotAHost),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(text) => match text.parse::<u16>() {
            Ok(p) if p != 0 && !text.starts_with('+') => Some(p),
            _ => return Err(ServerUrlError::NotAHost),
        },
        None => None,
    };
    Ok((host, port))
}

/// A DNS name (labels of letters, digits, `-`, `_`), an IPv4 address, or a bracketed IPv6 one.
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<core::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// A registry this profile's token may be sent to, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRegistry {
    pub host: RegistryHost,
    /// `https`, or `http` for a loopback host the profile lists.
    pub scheme: &'static str,
}

impl ServedRegistry {
    /// The registry when `host` is an ACR login server or one of `listed` (the profile's
    /// `container_registries`, compared as whole `host[:port]`, any case); `None` for any other
    /// host, which must get no request at all.
    #[must_use]
    pub fn of(host: &RegistryHost, listed: &[String]) -> Option<Self> {
        let login_server = host.login_server();
        let is_listed = listed.iter().any(|entry| {
            RegistryHost::parse(entry).is_ok_and(|e| e.login_server() == login_server)
        });
        if !is_listed && !host.is_acr() {
            return None;
        }
        let scheme = if is_listed && host.is_loopback() {
            "http"
        } else {
            "https"
        };
        Some(Self {
            host: host.clone(),
            scheme,
        })
    }

    /// `host[:port]`.
    #[must_use]
    pub fn login_server(&self) -> String {
        self.host.login_server()
    }

    /// `https://HOST/oauth2/exchange` (`http://` for a listed loopback registry).
    #[must_use]
    pub fn exchange_url(&self) -> String {
        format!("{}://{}/oauth2/exchange", self.scheme, self.login_server())
    }
}

/// Checks a `container_registries` entry: a host with an optional port, nothing else.
///
/// # Errors
/// Why the entry is not one.
pub fn validate_listed(entry: &str) -> Result<(), String> {
    let host = RegistryHost::parse(entry)
        .map_err(|e| format!("`{entry}`: {e}; write a host such as myregistry.example.com"))?;
    if host.login_server() != entry.trim().to_ascii_lowercase() {
        return Err(format!(
            "`{entry}` is not a bare host: write `{}` (no scheme or path)",
            host.login_server()
        ));
    }
    Ok(())
}

/// What `az acr login --expose-token` prints (az sorts the keys): the ACR refresh token, the
/// login server, and the user name to log in with.
#[derive(Debug, Serialize)]
pub struct ExposedToken<'a> {
    #[serde(rename = "accessToken")]
    pub access_token: &'a str,
    #[serde(rename = "loginServer")]
    pub login_server: &'a str,
    pub username: &'static str,
}

impl<'a> ExposedToken<'a> {
    #[must_use]
    pub fn new(access_token: &'a str, login_server: &'a str) -> Self {
        Self {
            access_token,
            login_server,
            username: NULL_GUID,
        }
    }
}

/// The reply of `/oauth2/exchange`.
#[derive(Deserialize)]
struct ExchangeReply {
    refresh_token: Option<String>,
}

/// Why an exchange reply holds no usable refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeReplyError {
    #[error("the reply is not JSON with a `refresh_token`")]
    NoRefreshToken,
    #[error(
        "the `refresh_token` cannot be passed on (empty, or with spaces or control characters)"
    )]
    UnsafeToken,
}

/// The ACR refresh token of a 2xx `/oauth2/exchange` reply.
///
/// # Errors
/// No `refresh_token`, or one that could inject anything into a client's configuration.
pub fn parse_exchange_reply(body: &[u8]) -> Result<String, ExchangeReplyError> {
    let reply: ExchangeReply =
        serde_json::from_slice(body).map_err(|_| ExchangeReplyError::NoRefreshToken)?;
    let token = reply
        .refresh_token
        .ok_or(ExchangeReplyError::NoRefreshToken)?;
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ExchangeReplyError::UnsafeToken);
    }
    Ok(token)
}

/// The message of an ACR error body (`{"errors":[{"code":…,"message":…}]}`), if it has one.
#[must_use]
pub fn registry_error_message(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        code: Option<String>,
        message: Option<String>,
    }
    let parsed: Errors = serde_json::from_slice(body).ok()?;
    let first = parsed.errors.into_iter().next()?;
    match (first.code, first.message) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (code, message) => code.or(message),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        ExchangeReplyError, RegistryHost, ServedRegistry, ServerUrlError, parse_exchange_reply,
        registry_error_message, validate_listed,
    };

    fn served(text: &str, listed: &[&str]) -> Option<ServedRegistry> {
        let listed: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
        ServedRegistry::of(&RegistryHost::parse(text).ok()?, &listed)
    }

    #[test]
    fn acr_hosts_are_matched_on_the_whole_host() {
        for ok in [
            "myreg.azurecr.io",
            "MyReg.AzureCR.io",
            "https://myreg.azurecr.io",
            "https://myreg.azurecr.io/v2/",
            "myreg.azurecr.io:443",
            " myreg.azurecr.cn\n",
            "a-1.azurecr.us",
        ] {
            let s = served(ok, &[]).unwrap_or_else(|| panic!("{ok}"));
            assert_eq!(s.scheme, "https");
            assert!(s.exchange_url().starts_with("https://"), "{ok}");
            assert!(s.exchange_url().ends_with("/oauth2/exchange"), "{ok}");
        }
        assert_eq!(
            served("https://MyReg.azurecr.io/v2/", &[])
                .unwrap()
                .exchange_url(),
            "https://myreg.azurecr.io/oauth2/exchange"
        );
        for refused in [
            "evil.azurecr.io.attacker.com",
            "azurecr.io",
            ".azurecr.io",
            "a.b.azurecr.io",
            "evilazurecr.io",
            "myreg.azurecr.io:8443",
            "myreg.azurecr.de",
            "-x.azurecr.io",
            "mcr.microsoft.com",
            "docker.io",
            "myreg.azurecr.io@attacker.com",
            "https://myreg.azurecr.io@attacker.com/",
            "https://attacker.com/myreg.azurecr.io",
            "https://attacker.com?x=.azurecr.io",
            "https://attacker.com#.azurecr.io",
            "attacker.com\\@myreg.azurecr.io",
            "ftp://myreg.azurecr.io",
            "myreg.azurecr.io.",
            "",
        ] {
            assert_eq!(served(refused, &[]), None, "{refused}");
        }
    }

    #[test]
    fn user_info_and_garbage_are_errors_never_panics() {
        assert_eq!(
            RegistryHost::parse("user:pw@myreg.azurecr.io"),
            Err(ServerUrlError::UserInfo)
        );
        assert_eq!(RegistryHost::parse("   "), Err(ServerUrlError::Empty));
        assert_eq!(
            RegistryHost::parse("gopher://x"),
            Err(ServerUrlError::Scheme)
        );
        assert_eq!(
            RegistryHost::parse(&"a".repeat(5000)),
            Err(ServerUrlError::TooLong)
        );
        for bad in [
            "host:0",
            "host:99999",
            "host:+1",
            "[::1",
            "[zz]:1",
            "a b",
            "a..b",
            "ä.io",
        ] {
            assert!(RegistryHost::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn listed_hosts_and_http_for_loopback_only() {
        let s = served("127.0.0.1:5000", &["127.0.0.1:5000"]).unwrap();
        assert_eq!(s.exchange_url(), "http://127.0.0.1:5000/oauth2/exchange");
        assert_eq!(served("127.0.0.1:5001", &["127.0.0.1:5000"]), None);
        assert_eq!(served("127.0.0.1:5000", &[]), None);
        let s = served("https://Reg.Example.com", &["reg.example.com"]).unwrap();
        assert_eq!(s.exchange_url(), "https://reg.example.com/oauth2/exchange");
        let s = served("http://reg.example.com", &["reg.example.com"]).unwrap();
        assert_eq!(s.scheme, "https", "http only for loopback hosts");
        let s = served("localhost:8080", &["localhost:8080"]).unwrap();
        assert_eq!(s.scheme, "http");
        let s = served("[::1]:8080", &["[::1]:8080"]).unwrap();
        assert_eq!(s.exchange_url(), "http://[::1]:8080/oauth2/exchange");
        assert_eq!(served("reg.example.com.evil", &["reg.example.com"]), None);
    }

    #[test]
    fn listed_entries_are_bare_hosts() {
        assert!(validate_listed("reg.example.com").is_ok());
        assert!(validate_listed("127.0.0.1:5000").is_ok());
        assert!(validate_listed("https://reg.example.com").is_err());
        assert!(validate_listed("reg.example.com/path").is_err());
        assert!(validate_listed("u@reg.example.com").is_err());
    }

    #[test]
    fn exchange_replies() {
        assert_eq!(
            parse_exchange_reply(br#"{"refresh_token":"eyJ.a.b"}"#).unwrap(),
            "eyJ.a.b"
        );
        assert_eq!(
            parse_exchange_reply(b"{}"),
            Err(ExchangeReplyError::NoRefreshToken)
        );
        assert_eq!(
            parse_exchange_reply(b"<html>"),
            Err(ExchangeReplyError::NoRefreshToken)
        );
        assert_eq!(
            parse_exchange_reply(br#"{"refresh_token":"a\nb"}"#),
            Err(ExchangeReplyError::UnsafeToken)
        );
        assert_eq!(
            registry_error_message(
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"bad audience"}]}"#
            )
            .as_deref(),
            Some("UNAUTHORIZED: bad audience")
        );
        assert_eq!(registry_error_message(b"nope"), None);
    }

    mod never_panics {
        use proptest::prelude::*;

        use super::super::{RegistryHost, ServedRegistry, validate_listed};

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            /// Whatever docker or a config file hands in: an answer, never a panic; and a served
            /// registry's host is exactly an ACR login server or a listed entry.
            #[test]
            fn any_server_url(input in ".{0,300}", listed in "[a-z0-9.:\\[\\]-]{0,40}") {
                let _ = validate_listed(&listed);
                if let Ok(host) = RegistryHost::parse(&input)
                    && let Some(served) = ServedRegistry::of(&host, std::slice::from_ref(&listed))
                {
                        let server = served.login_server();
                        prop_assert!(
                            host.is_acr()
                                || RegistryHost::parse(&listed).is_ok_and(|l| l.login_server() == server)
                        );
                        prop_assert!(!server.contains(['@', '/', '?', '#']));
                }
            }
        }
    }
}
