//! Client authentication shared by the grants: `client_secret` in the body, HTTP Basic
//! (`client_secret_basic`), or a client assertion (checked by `client_assertion`); app lookup
//! and credential checks.

use super::super::errors::EntraError;
use super::super::state::App;
use super::GrantRequest;
use super::client_assertion;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The credential a request presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCredential {
    Secret(String),
    Assertion {
        assertion_type: String,
        assertion: String,
    },
    None,
}

#[derive(Clone, Debug)]
pub struct ClientAuth {
    /// From the body, else from HTTP Basic.
    pub client_id: Option<String>,
    pub credential: ClientCredential,
    pub via_basic: bool,
}

/// Reads `client_id` and the credential from the body and the `Authorization: Basic` header.
pub fn extract(req: &GrantRequest<'_>) -> ClientAuth {
    let basic = basic_credentials(req);
    let client_id = req
        .param("client_id")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()))
        .filter(|id| !id.is_empty());
    let (credential, via_basic) = if let Some(secret) = req.param("client_secret") {
        (ClientCredential::Secret(secret.to_owned()), false)
    } else if let Some(assertion) = req.param("client_assertion") {
        let assertion_type = req.param("client_assertion_type").unwrap_or_default();
        let credential = ClientCredential::Assertion {
            assertion_type: assertion_type.to_owned(),
            assertion: assertion.to_owned(),
        };
        (credential, false)
    } else if let Some((_, secret)) = basic.filter(|(_, s)| !s.is_empty()) {
        (ClientCredential::Secret(secret), true)
    } else {
        (ClientCredential::None, false)
    };
    ClientAuth {
        client_id,
        credential,
        via_basic,
    }
}

/// Finds the app in the tenant and checks its credential (a confidential client).
pub fn authenticate_confidential(
    req: &GrantRequest<'_>,
    auth: &ClientAuth,
    tenant_id: &str,
) -> Result<App, EntraError> {
    let client_id = auth
        .client_id
        .as_deref()
        .ok_or_else(|| EntraError::missing_parameter("client_id"))?;
    let app = req
        .shared
        .find_app(tenant_id, client_id)
        .ok_or_else(|| EntraError::app_not_found(client_id, req.tenant_segment))?;
    match &auth.credential {
        ClientCredential::Secret(secret) if app.secrets.iter().any(|s| s == secret) => Ok(app),
        ClientCredential::Secret(_) => Err(EntraError::invalid_client_secret(client_id)),
        ClientCredential::Assertion {
            assertion_type,
            assertion,
        } => client_assertion::authenticate(req, &app, tenant_id, assertion_type, assertion)
            .map(|()| app),
        ClientCredential::None => Err(EntraError::missing_client_credential()),
    }
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(req: &GrantRequest<'_>) -> Option<(String, String)> {
    let value = req.headers.get("authorization")?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

fn form_decode(part: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={part}"))
        .ok()
        .and_then(|mut pairs| pairs.pop())
        .map_or_else(|| part.to_owned(), |(_, v)| v)
}
