//! OAuth2 flows and client authentication methods a profile can use.

use std::fmt;
use std::str::FromStr;

/// The OAuth2 flow used to get a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    ClientCredentials,
    Interactive,
    DeviceCode,
    AuthorizationCode,
}

impl Flow {
    pub const ALL: [Flow; 4] = [
        Flow::ClientCredentials,
        Flow::Interactive,
        Flow::DeviceCode,
        Flow::AuthorizationCode,
    ];

    /// The canonical kebab-case name used in flags, config and output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientCredentials => "client-credentials",
            Self::Interactive => "interactive",
            Self::DeviceCode => "device-code",
            Self::AuthorizationCode => "authorization-code",
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lower-cases and drops `-`/`_` so `ClientCredentials`, `client_credentials` and
/// `client-credentials` (the .NET entra-auth-cli's names and ours) compare equal.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '-' && *c != '_' && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl FromStr for Flow {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match normalize(text).as_str() {
            "clientcredentials" | "clientsecret" => Ok(Self::ClientCredentials),
            "interactive" | "interactivebrowser" | "browser" => Ok(Self::Interactive),
            "devicecode" => Ok(Self::DeviceCode),
            "authorizationcode" | "authcode" => Ok(Self::AuthorizationCode),
            _ => Err(format!(
                "unknown flow `{text}`: expected one of client-credentials, interactive, device-code, authorization-code"
            )),
        }
    }
}

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecret,
    Certificate,
    Federated,
    ManagedIdentity,
    None,
}

impl AuthMethod {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "client-secret",
            Self::Certificate => "certificate",
            Self::Federated => "federated",
            Self::ManagedIdentity => "managed-identity",
            Self::None => "none",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match normalize(text).as_str() {
            "clientsecret" | "secret" => Ok(Self::ClientSecret),
            "certificate" | "cert" | "passwordlesscertificate" => Ok(Self::Certificate),
            "federated" | "workloadidentity" => Ok(Self::Federated),
            "managedidentity" | "msi" => Ok(Self::ManagedIdentity),
            "none" | "public" => Ok(Self::None),
            _ => Err(format!(
                "unknown auth_method `{text}`: expected one of client-secret, certificate, federated, managed-identity, none"
            )),
        }
    }
}

/// Which signature and thumbprint header to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS SHA-256 with `x5t#S256` (Microsoft's current guidance).
    Ps256,
    /// RSASSA-PKCS1-v1_5 SHA-256 with the SHA-1 `x5t` (legacy).
    Rs256,
}

impl AssertionAlgorithm {
    /// Parses `PS256` / `RS256`, case-insensitively.
    ///
    /// # Errors
    /// Names the accepted values.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_uppercase().as_str() {
            "PS256" => Ok(Self::Ps256),
            "RS256" => Ok(Self::Rs256),
            _ => Err(format!(
                "unknown assertion algorithm `{text}`: expected PS256 or RS256"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AuthMethod, Flow};

    #[test]
    fn accepts_seed_pascal_case_and_kebab_case() {
        for (text, flow) in [
            ("client-credentials", Flow::ClientCredentials),
            ("ClientCredentials", Flow::ClientCredentials),
            ("CLIENT_CREDENTIALS", Flow::ClientCredentials),
            ("DeviceCode", Flow::DeviceCode),
            ("device-code", Flow::DeviceCode),
            ("InteractiveBrowser", Flow::Interactive),
            ("AuthorizationCode", Flow::AuthorizationCode),
        ] {
            assert_eq!(text.parse::<Flow>(), Ok(flow), "{text}");
        }
        assert!(
            "password"
                .parse::<Flow>()
                .unwrap_err()
                .contains("expected one of")
        );
    }

    #[test]
    fn names_round_trip() {
        for flow in Flow::ALL {
            assert_eq!(flow.as_str().parse::<Flow>(), Ok(flow));
        }
        for method in [
            AuthMethod::ClientSecret,
            AuthMethod::Certificate,
            AuthMethod::Federated,
            AuthMethod::ManagedIdentity,
            AuthMethod::None,
        ] {
            assert_eq!(method.as_str().parse::<AuthMethod>(), Ok(method));
        }
    }
}
