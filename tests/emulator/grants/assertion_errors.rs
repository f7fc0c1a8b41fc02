//! The AADSTS errors of client assertions (certificate and federated), as Entra words them.
//!
//! Codes: 9002313 unsupported `client_assertion_type` (400); 50027 malformed JWT (400);
//! 700027 unknown key, bad signature, unsupported `alg`, missing or replayed `jti` (401; the
//! replay is told apart by its reason text, Entra has no public code for it); 50048 `iss` ≠ `sub`
//! (401); 700021 `iss` = `sub` ≠ `client_id` (401); 700023 wrong `aud` (401); 700024 outside its
//! time range (401); 70021 no matching federated identity record (400 `invalid_request`; the older
//! wording, kept for callers that want it), and the specific ones Entra returns now: 700211
//! issuer, 700213 subject, 7002138 subject that differs only in case, 700212 audience (400
//! `invalid_request`), 50166 the issuer's discovery or keys could not be fetched (400).

use super::super::errors::EntraError;
use axum::http::StatusCode;

const CERT_DOC: &str = "Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .";

fn invalid_client(code: u32, message: String) -> EntraError {
    EntraError::new(StatusCode::UNAUTHORIZED, "invalid_client", code, message)
}

fn invalid_signature(reason: &str) -> EntraError {
    invalid_client(
        700027,
        format!("Client assertion contains an invalid signature. [Reason - {reason}]"),
    )
}

impl EntraError {
    pub fn assertion_type_unsupported(assertion_type: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            9002313,
            format!(
                "Invalid request. Request is malformed or invalid. [Reason - client_assertion_type '{assertion_type}' is not supported; use 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.]"
            ),
        )
    }

    pub fn assertion_malformed(reason: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            50027,
            format!("JWT token is invalid or malformed. [Reason - {reason}]"),
        )
    }

    /// No registered certificate has the presented thumbprint (uppercase hex, or `none`).
    pub fn assertion_key_unknown(thumbprint: &str, client_id: &str) -> Self {
        invalid_signature(&format!(
            "The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to learn more."
        ))
    }

    pub fn assertion_bad_signature(thumbprint: &str) -> Self {
        invalid_signature(&format!(
            "The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{thumbprint}'"
        ))
    }

    pub fn assertion_alg_unsupported(alg: &str) -> Self {
        invalid_signature(&format!(
            "The signing algorithm '{alg}' is not supported. Use PS256 or RS256."
        ))
    }

    pub fn external_token_bad_signature() -> Self {
        invalid_signature(
            "The signature of the presented external token could not be verified with the keys of its issuer.",
        )
    }

    pub fn assertion_missing_jti() -> Self {
        invalid_client(
            700027,
            format!("The client assertion must contain a 'jti' claim. {CERT_DOC}"),
        )
    }

    pub fn assertion_replayed() -> Self {
        invalid_client(
            700027,
            format!(
                "The client assertion has already been used. Create a new assertion (new 'jti') for every request. {CERT_DOC}"
            ),
        )
    }

    pub fn assertion_subject_mismatch(client_id: &str) -> Self {
        invalid_client(
            50048,
            format!(
                "Subject mismatches Issuer claim in the client assertion for application '{client_id}'."
            ),
        )
    }

    pub fn assertion_wrong_client() -> Self {
        invalid_client(
            700021,
            format!(
                "Client assertion application identifier doesn't match 'client_id' parameter. {CERT_DOC}"
            ),
        )
    }

    pub fn assertion_wrong_audience(audience: &str, expected: &str) -> Self {
        invalid_client(
            700023,
            format!(
                "Client assertion audience claim does not match Realm issuer. Assertion audience: '{audience}'. Expected: '{expected}'. {CERT_DOC}"
            ),
        )
    }

    /// Times are epoch seconds; `nbf` may be absent.
    pub fn assertion_time_range(now: i64, nbf: Option<i64>, exp: i64) -> Self {
        let iso = |t: i64| {
            jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
        };
        invalid_client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. {CERT_DOC}",
                iso(now),
                nbf.map_or_else(|| "(not set)".to_owned(), iso),
                iso(exp),
            ),
        )
    }

    pub fn federated_issuer_mismatch(issuer: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            700211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
            ),
        )
    }

    pub fn federated_subject_mismatch(subject: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            700213,
            format!(
                "No matching federated identity record found for presented assertion subject '{subject}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
            ),
        )
    }

    pub fn federated_subject_case_mismatch(subject: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            7002138,
            format!(
                "No matching federated identity record found for presented assertion subject '{subject}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
            ),
        )
    }

    pub fn federated_audience_mismatch(audience: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            700212,
            format!(
                "No matching federated identity record found for presented assertion audience '{audience}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
            ),
        )
    }

    pub fn federated_keys_unavailable(issuer: &str, reason: &str) -> Self {
        Self::bad_request(
            "invalid_client",
            50166,
            format!(
                "Request to External OIDC endpoint failed. Issuer: '{issuer}'. [Reason - {reason}]"
            ),
        )
    }

    pub fn federated_no_match(issuer: &str, subject: &str, audience: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            70021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{audience}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation"
            ),
        )
    }
}
