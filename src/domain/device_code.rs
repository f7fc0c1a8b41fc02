//! The device authorization response (RFC 8628, Entra §1.3) and what to tell the user.

use secrecy::SecretString;
use serde::Deserialize;

/// Parsed `/devicecode` response. `Debug` never shows the device code.
#[derive(Debug)]
pub struct DeviceCode {
    pub device_code: SecretString,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
    pub message: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    device_code: Option<String>,
    user_code: Option<String>,
    verification_uri: Option<String>,
    verification_url: Option<String>,
    verification_uri_complete: Option<String>,
    expires_in: Option<serde_json::Value>,
    interval: Option<serde_json::Value>,
    message: Option<String>,
}

fn number(value: Option<&serde_json::Value>) -> Option<u64> {
    match value? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses the response; `interval` defaults to 5 s and `expires_in` to 900 s.
///
/// # Errors
/// A reason when required fields are missing or the body is not JSON.
pub fn parse_device_code(body: &[u8]) -> Result<DeviceCode, String> {
    let wire: Wire =
        serde_json::from_slice(body).map_err(|_| "the response is not JSON".to_owned())?;
    let device_code = wire
        .device_code
        .filter(|c| !c.is_empty())
        .ok_or("no device_code")?;
    let user_code = wire
        .user_code
        .filter(|c| !c.is_empty())
        .ok_or("no user_code")?;
    let verification_uri = wire
        .verification_uri
        .or(wire.verification_url)
        .filter(|u| !u.is_empty())
        .ok_or("no verification_uri")?;
    Ok(DeviceCode {
        device_code: SecretString::from(device_code),
        user_code,
        verification_uri,
        verification_uri_complete: wire.verification_uri_complete,
        expires_in: number(wire.expires_in.as_ref()).unwrap_or(900),
        interval: number(wire.interval.as_ref()).unwrap_or(5).max(1),
        message: wire.message.filter(|m| !m.trim().is_empty()),
    })
}

impl DeviceCode {
    /// The instructions for the user: the IdP's own `message` when it sent one, else the URI
    /// and code; plus the one-step link when the IdP offers it.
    #[must_use]
    pub fn instructions(&self) -> String {
        let mut text = self.message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                self.verification_uri, self.user_code
            )
        });
        if let Some(complete) = &self.verification_uri_complete {
            text.push_str(&format!("\nOr open {complete}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::parse_device_code;

    #[test]
    fn entra_and_generic_shapes() {
        let entra = br#"{"user_code":"FQK5HW3UF","device_code":"secret-dc","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FQK5HW3UF to authenticate."}"#;
        let d = parse_device_code(entra).unwrap();
        assert_eq!(d.interval, 5);
        assert!(d.instructions().contains("enter the code FQK5HW3UF"));
        assert!(!format!("{d:?}").contains("secret-dc"));
        let generic = br#"{"user_code":"ABCD-EFGH","device_code":"x","verification_uri":"http://127.0.0.1/device","verification_uri_complete":"http://127.0.0.1/device?user_code=ABCD-EFGH","expires_in":"600"}"#;
        let d = parse_device_code(generic).unwrap();
        assert_eq!((d.interval, d.expires_in), (5, 600));
        assert!(d.instructions().contains("enter the code ABCD-EFGH"));
        assert!(
            d.instructions()
                .contains("Or open http://127.0.0.1/device?user_code=ABCD-EFGH")
        );
        assert!(parse_device_code(b"{}").is_err());
        assert!(parse_device_code(b"nope").is_err());
    }
}
