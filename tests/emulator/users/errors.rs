//! The user-flow part of the AADSTS catalogue: authorization codes, PKCE, refresh tokens, device
//! codes, public clients and `/authorize`. Texts follow Entra's where known (protocol.md §3.3);
//! 9002325 for a missing or non-S256 PKCE challenge and 70000 for a replayed refresh token or a
//! grant presented by another client are the emulator's choices.

use super::super::errors::EntraError;
use axum::http::StatusCode;

impl EntraError {
    /// A public client sent `client_secret` or `client_assertion` (401).
    pub fn public_client_with_credential() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    }

    /// An unknown or garbled code or refresh token.
    pub fn malformed_grant() -> Self {
        Self::bad_request(
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    }

    pub fn code_redeemed() -> Self {
        Self::bad_request(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        )
    }

    pub fn code_expired() -> Self {
        Self::bad_request(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        )
    }

    pub fn code_other_tenant() -> Self {
        Self::bad_request(
            "invalid_grant",
            700005,
            "Provided Authorization Code is intended to use against other tenant, thus rejected.",
        )
    }

    /// A code, refresh token or device code issued to another client; also a replayed refresh
    /// token when reuse revokes the chain, and every later use of that chain.
    pub fn grant_invalid() -> Self {
        Self::bad_request(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed.",
        )
    }

    pub fn redirect_mismatch(sent: &str, original: &str) -> Self {
        Self::bad_request(
            "invalid_grant",
            500112,
            format!(
                "The reply address '{sent}' does not match the reply address '{original}' provided when requesting Authorization code."
            ),
        )
    }

    pub fn pkce_mismatch() -> Self {
        Self::bad_request(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    }

    /// `revoke_refresh_tokens`: a password reset or an admin revoked the user's sessions.
    pub fn refresh_revoked(issued: &str, valid_from: &str) -> Self {
        Self::bad_request(
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{valid_from}'."
            ),
        )
        .with_suberror("bad_token")
    }

    pub fn authorization_pending() -> Self {
        Self::bad_request(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    }

    pub fn slow_down() -> Self {
        Self::bad_request(
            "slow_down",
            70016,
            "OAuth 2.0 device flow error. The client is polling too fast; add 5 seconds to the interval.",
        )
    }

    pub fn authorization_declined() -> Self {
        Self::bad_request(
            "authorization_declined",
            65004,
            "User declined to consent to access the app.",
        )
    }

    pub fn device_code_expired() -> Self {
        Self::bad_request("expired_token", 70019, "Verification code expired.")
    }

    pub fn bad_verification_code() -> Self {
        Self::bad_request(
            "bad_verification_code",
            70018,
            "Invalid verification code. The device_code sent to the /token endpoint wasn't recognized.",
        )
    }

    pub fn invalid_user_scope(scope: &str) -> Self {
        Self::bad_request(
            "invalid_scope",
            70011,
            format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )
    }

    // ---- `/authorize` ----

    /// The redirect URI is not a loopback URI of this (public) app: an error page, no redirect.
    pub fn redirect_uri_not_registered(uri: &str, client_id: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
            ),
        )
    }

    pub fn unsupported_response_type(response_type: &str) -> Self {
        Self::bad_request(
            "unsupported_response_type",
            700054,
            format!("response_type '{response_type}' is not enabled for the application."),
        )
    }

    pub fn pkce_required() -> Self {
        Self::bad_request(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required: send code_challenge with code_challenge_method=S256.",
        )
    }

    pub fn unsupported_response_mode(mode: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900144,
            format!(
                "The response_mode '{mode}' is not supported; use query, fragment or form_post."
            ),
        )
    }
}
