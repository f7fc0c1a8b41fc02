//! git's credential-helper protocol: the `key=value` request git writes on a helper's stdin
//! (bounded, never a panic), which requests get an answer at all (https to Azure DevOps or to a
//! host the profile lists; http only to a listed loopback host), and the answer `get` prints (a
//! Basic password, or a Bearer credential when git announced `capability[]=authtype` and the
//! server offers Bearer).

/// The most bytes of a request read from git (git's own requests are a few hundred bytes).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// The most lines of a request.
pub const MAX_REQUEST_LINES: usize = 256;

/// Azure DevOps's resource: the default scope of `git-credential`.
pub const AZURE_DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// The user name answered with a Basic password (Azure DevOps accepts any non-empty one).
pub const USERNAME: &str = "entra";

/// A request that is not git's protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the request is longer than {MAX_REQUEST_BYTES} bytes")]
    TooLarge,
    #[error("the request has more than {MAX_REQUEST_LINES} lines")]
    TooManyLines,
    #[error("line {line} is not `key=value`")]
    NotKeyValue { line: usize },
    #[error("the token holds a newline or NUL and cannot be sent in git's protocol")]
    UnsafeValue,
}

/// What git asked, as far as the answer depends on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialRequest {
    /// The attributes in order (`protocol`, `host`, `path`, ...); unknown ones are kept, unused.
    pub attributes: Vec<(String, String)>,
}

impl CredentialRequest {
    /// The first value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// True when git announced `capability[]=NAME`.
    #[must_use]
    pub fn has_capability(&self, name: &str) -> bool {
        self.attributes
            .iter()
            .any(|(k, v)| k == "capability[]" && v == name)
    }

    /// The only value of `key`: `None` when it is missing or given more than once (an
    /// ambiguous request is nobody's).
    fn only(&self, key: &str) -> Option<&str> {
        let mut values = self.attributes.iter().filter(|(k, _)| k == key);
        let (_, value) = values.next()?;
        values.next().is_none().then_some(value.as_str())
    }

    /// True when the server offers the Bearer scheme (git passes the server's
    /// `WWW-Authenticate` challenges on as `wwwauth[]`).
    #[must_use]
    pub fn server_offers_bearer(&self) -> bool {
        self.attributes.iter().any(|(k, v)| {
            k == "wwwauth[]"
                && v.split_whitespace()
                    .next()
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"))
        })
    }

    /// True when this helper answers the request: `protocol=https` to Azure DevOps
    /// (`dev.azure.com`, `ORG.visualstudio.com`, the whole host) or to a host in `listed` (the
    /// profile's `git_hosts`, port included when not the default one), or `protocol=http` to a
    /// listed loopback host. Anything else (another host, another protocol, no host, a host or
    /// protocol given twice) gets no answer, so git moves on to its next helper.
    #[must_use]
    pub fn is_answered(&self, listed: &[String]) -> bool {
        let (Some(protocol), Some(host)) = (self.only("protocol"), self.only("host")) else {
            return false;
        };
        let Ok(host) = GitHost::parse(host) else {
            return false;
        };
        let default_port = match protocol {
            "https" => 443,
            "http" => 80,
            _ => return false,
        };
        let host = host.without_port(default_port);
        if protocol == "https" && host.is_azure_devops() {
            return true;
        }
        let listed = listed
            .iter()
            .filter_map(|entry| GitHost::parse(entry).ok())
            .any(|entry| entry.without_port(default_port) == host);
        listed && (protocol == "https" || host.is_loopback())
    }
}

/// A host as git names it in `host=`: a name or address, and a port when the URL has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHost {
    /// Lower-cased; an IPv6 address keeps its brackets.
    name: String,
    port: Option<u16>,
}

impl GitHost {
    /// Parses `name`, `name:port`, `[v6]` or `[v6]:port`.
    ///
    /// # Errors
    /// What is wrong, as the predicate of a sentence about the text (a URL, a path, a bad port).
    pub fn parse(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        let (name, port) = if lower.starts_with('[') {
            match lower.split_once(']') {
                Some((v6, rest)) => (format!("{v6}]"), rest.strip_prefix(':').map(str::to_owned)),
                None => return Err("has no closing `]`".to_owned()),
            }
        } else {
            match lower.split_once(':') {
                Some((name, port)) => (name.to_owned(), Some(port.to_owned())),
                None => (lower.clone(), None),
            }
        };
        let name_ok = if let Some(v6) = name.strip_prefix('[') {
            v6.len() > 1
                && v6
                    .trim_end_matches(']')
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        } else {
            !name.is_empty()
                && !name.starts_with(['.', '-'])
                && !name.ends_with('.')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        };
        if !name_ok {
            return Err("is not a host name (write it as git does: git.contoso.com, or 127.0.0.1:8080 with a port; no scheme, no path)".to_owned());
        }
        let port = match port {
            None => None,
            Some(port) => match port.parse::<u16>() {
                Ok(number) if number != 0 && port.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(number)
                }
                _ => {
                    return Err(format!(
                        "has `{port}` as its port: use a number from 1 to 65535"
                    ));
                }
            },
        };
        Ok(Self { name, port })
    }

    /// The same host with `default` (the protocol's port) written as no port.
    fn without_port(mut self, default: u16) -> Self {
        if self.port == Some(default) {
            self.port = None;
        }
        self
    }

    /// `dev.azure.com` or `ORG.visualstudio.com` on the default port.
    fn is_azure_devops(&self) -> bool {
        if self.port.is_some() {
            return false;
        }
        self.name == "dev.azure.com"
            || self
                .name
                .strip_suffix(".visualstudio.com")
                .is_some_and(|org| {
                    !org.is_empty()
                        && !org.starts_with('-')
                        && org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
    }

    /// `localhost`, `127.x.y.z` or `[::1]`: reachable only from this machine.
    fn is_loopback(&self) -> bool {
        self.name == "localhost"
            || self.name == "[::1]"
            || self
                .name
                .parse::<core::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// Parses a request: lines up to the first blank line (or the end); `\r\n` is accepted.
/// Input past the blank line is ignored.
///
/// # Errors
/// Input over [`MAX_REQUEST_BYTES`] or [`MAX_REQUEST_LINES`], or a line without `=`.
pub fn parse_request(input: &[u8]) -> Result<CredentialRequest, ProtocolError> {
    let mut request = CredentialRequest::default();
    let mut consumed = 0usize;
    for (index, raw) in input.split(|&b| b == b'\n').enumerate() {
        consumed = consumed.saturating_add(raw.len() + 1);
        if consumed > MAX_REQUEST_BYTES + 1 {
            return Err(ProtocolError::TooLarge);
        }
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            break;
        }
        if index >= MAX_REQUEST_LINES {
            return Err(ProtocolError::TooManyLines);
        }
        let text = String::from_utf8_lossy(line);
        let (key, value) = text
            .split_once('=')
            .ok_or(ProtocolError::NotKeyValue { line: index + 1 })?;
        request.attributes.push((key.to_owned(), value.to_owned()));
    }
    Ok(request)
}

/// The answer to `get`: `username`/`password` for any git, or, when git announced
/// `capability[]=authtype` and the server offers Bearer, `authtype=Bearer` + `credential` (git
/// then sends `Authorization: Bearer`). `password_expiry_utc` is the token's expiry either way.
///
/// # Errors
/// `UnsafeValue` when the token holds a newline or NUL (it would inject attributes).
pub fn render_answer(
    request: &CredentialRequest,
    token: &str,
    expires_on: i64,
) -> Result<String, ProtocolError> {
    if token.is_empty() || token.contains(['\n', '\r', '\0']) {
        return Err(ProtocolError::UnsafeValue);
    }
    Ok(
        if request.has_capability("authtype") && request.server_offers_bearer() {
            format!(
                "capability[]=authtype\nauthtype=Bearer\ncredential={token}\npassword_expiry_utc={expires_on}\n"
            )
        } else {
            format!("username={USERNAME}\npassword={token}\npassword_expiry_utc={expires_on}\n")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{
        GitHost, MAX_REQUEST_BYTES, MAX_REQUEST_LINES, ProtocolError, parse_request, render_answer,
    };

    fn answered(request: &str, listed: &[&str]) -> bool {
        let listed: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
        parse_request(request.as_bytes())
            .unwrap()
            .is_answered(&listed)
    }

    #[test]
    fn answers_https_azure_devops_and_listed_hosts_only() {
        assert!(answered("protocol=https\nhost=dev.azure.com\n", &[]));
        assert!(answered(
            "protocol=https\nhost=Org-1.VisualStudio.com\n",
            &[]
        ));
        assert!(answered("protocol=https\nhost=dev.azure.com:443\n", &[]));
        assert!(!answered("protocol=http\nhost=dev.azure.com\n", &[]));
        assert!(!answered(
            "protocol=https\nhost=a.b.visualstudio.com\n",
            &[]
        ));
        assert!(!answered("protocol=https\nhost=.visualstudio.com\n", &[]));
        assert!(!answered("protocol=https\nhost=xdev.azure.com\n", &[]));
        assert!(!answered("protocol=https\n", &[]));
        assert!(!answered("", &[]));
        assert!(!answered(
            "protocol=https\nhost=dev.azure.com\nprotocol=http\n",
            &[]
        ));
        let listed = ["git.example", "[::1]:8080", "127.0.0.2:80", "localhost:81"];
        assert!(answered("protocol=https\nhost=GIT.example:443\n", &listed));
        assert!(!answered("protocol=http\nhost=git.example\n", &listed));
        assert!(!answered(
            "protocol=https\nhost=git.example:8443\n",
            &listed
        ));
        assert!(answered("protocol=http\nhost=[::1]:8080\n", &listed));
        assert!(answered("protocol=http\nhost=127.0.0.2\n", &listed));
        assert!(answered("protocol=http\nhost=localhost:81\n", &listed));
        assert!(!answered("protocol=http\nhost=localhost\n", &listed));
        assert!(!answered("protocol=https\nhost=[::1]\n", &listed));
    }

    #[test]
    fn parses_hosts_as_git_writes_them() {
        assert!(GitHost::parse("git.example").is_ok());
        assert!(GitHost::parse("127.0.0.1:8080").is_ok());
        assert!(GitHost::parse("[fe80::1]:22").is_ok());
        for bad in [
            "",
            "https://git.example",
            "git.example/path",
            "git.example:",
            "git.example:0",
            "git.example:70000",
            "git.example:+80",
            "[::1",
            "[]",
            "*.example",
            "a b",
            ".example",
        ] {
            assert!(GitHost::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_attributes_until_the_blank_line() {
        let r = parse_request(
            b"capability[]=authtype\r\nprotocol=https\nhost=dev.azure.com\npath=org/p/_git/r\nwwwauth[]=Basic realm=\"x\"\n\nhost=ignored\n",
        )
        .unwrap();
        assert_eq!(r.get("host"), Some("dev.azure.com"));
        assert_eq!(r.get("wwwauth[]"), Some("Basic realm=\"x\""));
        assert!(r.has_capability("authtype"));
        assert!(!r.has_capability("state"));
        assert_eq!(r.attributes.len(), 5);
        assert_eq!(parse_request(b"").unwrap().attributes.len(), 0);
        assert_eq!(parse_request(b"a=b").unwrap().get("a"), Some("b"));
        assert_eq!(parse_request(b"a=b=c\n").unwrap().get("a"), Some("b=c"));
    }

    #[test]
    fn bounded_and_strict_without_panic() {
        assert_eq!(
            parse_request(b"protocol=https\nnonsense\n"),
            Err(ProtocolError::NotKeyValue { line: 2 })
        );
        let long = vec![b'a'; MAX_REQUEST_BYTES + 10];
        assert_eq!(parse_request(&long), Err(ProtocolError::TooLarge));
        let many = "k=v\n".repeat(MAX_REQUEST_LINES + 1);
        assert_eq!(
            parse_request(many.as_bytes()),
            Err(ProtocolError::TooManyLines)
        );
        let exact = "k=v\n".repeat(MAX_REQUEST_LINES);
        assert!(parse_request(exact.as_bytes()).is_ok());
        // Not UTF-8: kept lossily, never a panic.
        assert!(parse_request(&[0xff, b'=', 0xfe, b'\n', 0]).is_err());
        assert!(parse_request(&[0xff, b'=', 0xfe, b'\n']).is_ok());
    }

    #[test]
    fn answers_basic_or_bearer() {
        let plain = parse_request(b"protocol=http\nhost=h\n").unwrap();
        assert_eq!(
            render_answer(&plain, "tok", 1_700_000_000).unwrap(),
            "username=entra\npassword=tok\npassword_expiry_utc=1700000000\n"
        );
        let bearer = parse_request(
            b"capability[]=authtype\nprotocol=http\nwwwauth[]=Basic realm=x\nwwwauth[]=bearer x=y\n",
        )
        .unwrap();
        assert_eq!(
            render_answer(&bearer, "tok", 5).unwrap(),
            "capability[]=authtype\nauthtype=Bearer\ncredential=tok\npassword_expiry_utc=5\n"
        );
        // git takes Bearer, the server offers only Basic (or nothing): a password.
        for offers in ["wwwauth[]=Basic realm=x\n", "", "wwwauth[]=Bearerish\n"] {
            let request =
                parse_request(format!("capability[]=authtype\n{offers}").as_bytes()).unwrap();
            assert!(
                render_answer(&request, "tok", 5)
                    .unwrap()
                    .starts_with("username=entra\npassword=tok\n"),
                "{offers}"
            );
        }
        assert_eq!(
            render_answer(&plain, "a\npassword=b", 5),
            Err(ProtocolError::UnsafeValue)
        );
        assert_eq!(
            render_answer(&plain, "", 5),
            Err(ProtocolError::UnsafeValue)
        );
    }
}
