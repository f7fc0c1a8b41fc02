//! Entra's error body builder (every field of protocol.md §3.1) and the catalogue of AADSTS errors the emulator sends.

use super::ids;
use super::responses::{CachePolicy, RequestCtx, json_response};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

/// One Entra error, before the per-request ids are added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraError {
    pub status: StatusCode,
    /// The OAuth `error` value.
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    /// The text after `AADSTS{code}: `.
    pub message: String,
    pub suberror: Option<&'static str>,
    /// A claims challenge (JSON string).
    pub claims: Option<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: String,
    error_codes: [u32; 1],
    timestamp: String,
    trace_id: &'a str,
    correlation_id: &'a str,
    error_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    suberror: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<&'a str>,
}

impl EntraError {
    pub fn new(
        status: StatusCode,
        error: &'static str,
        code: u32,
        message: impl Into<String>,
    ) -> Self {
        EntraError {
            status,
            error,
            code,
            message: message.into(),
            suberror: None,
            claims: None,
        }
    }

    pub fn bad_request(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, code, message)
    }

    pub fn with_suberror(mut self, suberror: &'static str) -> Self {
        self.suberror = Some(suberror);
        self
    }

    pub fn with_claims(mut self, claims: impl Into<String>) -> Self {
        self.claims = Some(claims.into());
        self
    }

    pub fn into_response(self, ctx: &RequestCtx, cache: CachePolicy) -> Response {
        let timestamp = ids::entra_timestamp(jiff::Timestamp::now());
        let body = ErrorBody {
            error: self.error,
            error_description: format!(
                "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                self.code, self.message, ctx.trace_id, ctx.correlation_id, timestamp
            ),
            error_codes: [self.code],
            timestamp,
            trace_id: &ctx.trace_id,
            correlation_id: &ctx.correlation_id,
            error_uri: format!("{}/error?code={}", ctx.authority, self.code),
            suberror: self.suberror,
            claims: self.claims.as_deref(),
        };
        json_response(self.status, &body, ctx, cache, self.code)
    }

    // ---- catalogue (texts as Entra sends them; protocol.md §3.3) ----

    /// Token endpoint, a claims challenge not met (CAE, authentication context `acrs`).
    pub fn insufficient_claims(acrs: &str) -> Self {
        Self::bad_request(
            "insufficient_claims",
            50_076,
            "The access policy requires authentication context claims the request did not carry.",
        )
        .with_claims(format!(
            r#"{{"access_token":{{"acrs":{{"essential":true,"value":"{acrs}"}}}}}}"#
        ))
    }

    /// Token endpoint, unknown tenant.
    pub fn tenant_not_found(tenant: &str) -> Self {
        Self::bad_request("invalid_request", 90002, tenant_not_found_text(tenant))
    }

    /// Discovery endpoints, unknown tenant.
    pub fn invalid_tenant(tenant: &str) -> Self {
        Self::bad_request("invalid_tenant", 90002, tenant_not_found_text(tenant))
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    pub fn post_only(method: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900561,
            format!("The endpoint only accepts POST requests. Received a {method} request."),
        )
    }

    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self::bad_request(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        )
    }

    pub fn grant_not_on_multi_tenant() -> Self {
        Self::bad_request(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        )
    }

    pub fn app_not_found(client_id: &str, tenant: &str) -> Self {
        Self::bad_request(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    pub fn invalid_client_secret(client_id: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        )
    }

    pub fn missing_client_credential() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }

    pub fn scope_needs_default(scope: &str) -> Self {
        Self::bad_request(
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        )
    }

    pub fn scope_too_many_resources(scope: &str) -> Self {
        Self::bad_request(
            "invalid_scope",
            70011,
            format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. static scope limit exceeded."
            ),
        )
    }

    pub fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            "There was an error issuing a token or an issue with our sign-in service. Please try again later.",
        )
    }

    pub fn invalid_instance() -> Self {
        Self::bad_request("invalid_instance", 50049, "Unknown or invalid instance.")
    }
}

fn tenant_not_found_text(tenant: &str) -> String {
    format!(
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
    )
}
