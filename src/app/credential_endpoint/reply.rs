//! What the credential endpoint sends back: a token in the shape every Azure SDK's
//! managed-identity parser accepts at once (numbers as strings, both expiries, `token_type`,
//! `resource`, `client_id`), and errors in each route's own shape.

use serde_json::json;

use super::request::Route;
use crate::app::usecases::error::ErrorKind;
use crate::domain::token::Token;

/// A status and a JSON body.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// The token reply. `expires_on` is an epoch and `expires_in` the seconds left, both as
/// strings (Rust's azure_identity accepts only a string `expires_on`; MSAL Python's IMDS path
/// and terraform read `expires_in`; msal-node reads `expires_on`).
#[must_use]
pub fn token(token: &Token, resource: &str, client_id: &str, now: i64) -> Reply {
    let body = json!({
        "access_token": token.access_token_str(),
        "expires_on": token.expires_on.to_string(),
        "expires_in": token.expires_in(now).max(0).to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": client_id,
    });
    Reply {
        status: 200,
        body: body.to_string(),
    }
}

/// `GET /healthz`: up (no token, nothing about the identity).
#[must_use]
pub fn health() -> Reply {
    Reply {
        status: 200,
        body: r#"{"status":"ok"}"#.to_owned(),
    }
}

/// An error reply: App Service's `statusCode`/`message`/`correlationId`, or IMDS's OAuth
/// `error`/`error_description`.
#[must_use]
pub fn error(route: Route, status: u16, message: &str, correlation_id: &str) -> Reply {
    let body = match route {
        Route::AppService => json!({
            "statusCode": status,
            "message": message,
            "correlationId": correlation_id,
        }),
        Route::Imds => json!({
            "error": imds_error_code(status),
            "error_description": message,
        }),
    };
    Reply {
        status,
        body: body.to_string(),
    }
}

fn imds_error_code(status: u16) -> &'static str {
    match status {
        400 | 404 | 405 => "invalid_request",
        401 | 403 => "unauthorized_client",
        504 => "timeout",
        _ => "server_error",
    }
}

/// The status for a failure of the token use case: the identity provider's refusal and bad
/// configuration are 400 (retrying cannot help), network trouble 502 (SDKs retry it), a time
/// limit 504.
#[must_use]
pub fn status_of(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::Usage
        | ErrorKind::Config
        | ErrorKind::ProfileNotFound
        | ErrorKind::Auth
        | ErrorKind::Io => 400,
        ErrorKind::Network => 502,
        ErrorKind::Timeout => 504,
    }
}

/// The reason phrase of the statuses the endpoint sends.
#[must_use]
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use serde_json::Value;

    use super::*;

    #[test]
    fn the_token_reply_has_every_field_as_sdks_parse_it() {
        let token = Token {
            access_token: SecretString::from("eyJ.abc.def"),
            token_type: "Bearer".to_owned(),
            expires_on: 1_764_090_000,
            ext_expires_on: None,
            refresh_on: None,
            scope: "https://management.azure.com/.default".to_owned(),
            tenant_id: "t".to_owned(),
            cached_at: 0,
        };
        let reply = token_reply(&token);
        assert_eq!(reply.status, 200);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["access_token"], "eyJ.abc.def");
        assert_eq!(body["expires_on"], "1764090000");
        assert_eq!(body["expires_in"], "3599");
        assert_eq!(body["resource"], "https://management.azure.com");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["client_id"], "cid");
    }

    fn token_reply(token: &Token) -> Reply {
        super::token(
            token,
            "https://management.azure.com",
            "cid",
            1_764_090_000 - 3599,
        )
    }

    #[test]
    fn errors_take_the_shape_of_their_route() {
        let app = error(Route::AppService, 401, "no header", "c-1");
        let body: Value = serde_json::from_str(&app.body).unwrap();
        assert_eq!(body["statusCode"], 401);
        assert_eq!(body["message"], "no header");
        assert_eq!(body["correlationId"], "c-1");
        let imds = error(
            Route::Imds,
            400,
            "Required metadata header not specified",
            "c",
        );
        let body: Value = serde_json::from_str(&imds.body).unwrap();
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(
            body["error_description"],
            "Required metadata header not specified"
        );
    }
}
