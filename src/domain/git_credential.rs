//! git's credential-helper protocol: the `key=value` request git writes on a helper's stdin
//! (bounded, never a panic) and the answer `get` prints (a Basic password, or a Bearer
//! credential when git announced `capability[]=authtype`).

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
/// `capability[]=authtype`, `authtype=Bearer` + `credential` (git then sends
/// `Authorization: Bearer`). `password_expiry_utc` is the token's expiry either way.
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
    Ok(if request.has_capability("authtype") {
        format!(
            "capability[]=authtype\nauthtype=Bearer\ncredential={token}\npassword_expiry_utc={expires_on}\n"
        )
    } else {
        format!("username={USERNAME}\npassword={token}\npassword_expiry_utc={expires_on}\n")
    })
}

#[cfg(test)]
mod tests {
    use super::{
        MAX_REQUEST_BYTES, MAX_REQUEST_LINES, ProtocolError, parse_request, render_answer,
    };

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
        let bearer = parse_request(b"capability[]=authtype\nprotocol=http\n").unwrap();
        assert_eq!(
            render_answer(&bearer, "tok", 5).unwrap(),
            "capability[]=authtype\nauthtype=Bearer\ncredential=tok\npassword_expiry_utc=5\n"
        );
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
