//! `az account get-access-token` as the `az` shim answers it: the token comes from the parent's
//! credential endpoint ([`CredentialEndpoint`]); the tenant is the token's `tid`; az's own rules
//! apply (`--subscription` and `--tenant` exclude each other, no `subscription` in the output
//! when a tenant was asked for, a tenant the session has no account in fails).

use secrecy::SecretString;
use serde_json::Value;

use crate::app::usecases::error::AzCliError;
use crate::domain::jwt::unverified_string_claim;
use crate::domain::text::{clip, excerpt};
use crate::domain::token_response::parse_token_response;
use crate::ports::clock::Clock;
use crate::ports::credential_endpoint::CredentialEndpoint;

/// What the caller asked az for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzTokenRequest {
    /// The resource (a scope's `/.default` already removed).
    pub resource: String,
    pub tenant: Option<String>,
    pub subscription: Option<String>,
}

/// What the session's account says (from `ENTRA_AUTH_AZ_ACCOUNT`, when `exec` set it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzAccountHint {
    pub subscription_id: Option<String>,
    pub tenant_id: Option<String>,
}

/// The token and the facts az prints with it.
#[derive(Debug, Clone)]
pub struct AzToken {
    pub access_token: SecretString,
    pub expires_on: i64,
    pub tenant: String,
    /// `None` when a tenant was asked for (az leaves `subscription` out then).
    pub subscription: Option<String>,
}

/// The longest endpoint message carried into an error.
const MESSAGE_CHARS: usize = 400;

/// Gets the token az would print for `request`.
///
/// # Errors
/// [`AzCliError`]: both `--subscription` and `--tenant`, no usable reply from the endpoint, or
/// a tenant other than the token's.
pub fn access_token(
    endpoint: &dyn CredentialEndpoint,
    clock: &dyn Clock,
    request: &AzTokenRequest,
    account: &AzAccountHint,
) -> Result<AzToken, AzCliError> {
    if request.subscription.is_some() && request.tenant.is_some() {
        return Err(AzCliError::SubscriptionAndTenant);
    }
    let reply = endpoint.get_token(&request.resource)?;
    if !(200..300).contains(&reply.status) {
        return Err(AzCliError::Refused {
            status: reply.status,
            message: error_message(&reply.body),
        });
    }
    let token = parse_token_response(&reply.body, clock.now(), &request.resource, "")
        .map_err(AzCliError::Unusable)?;
    let token_tenant =
        unverified_string_claim(token.secret(), "tid").or_else(|| account.tenant_id.clone());
    let tenant = match (&request.tenant, token_tenant) {
        (Some(requested), Some(actual)) if !requested.eq_ignore_ascii_case(&actual) => {
            return Err(AzCliError::OtherTenant {
                requested: requested.clone(),
                token_tenant: actual,
            });
        }
        (_, Some(actual)) => actual,
        (Some(requested), None) => requested.clone(),
        (None, None) => String::new(),
    };
    let subscription = match request.tenant {
        Some(_) => None,
        None => request
            .subscription
            .clone()
            .or_else(|| account.subscription_id.clone()),
    };
    Ok(AzToken {
        access_token: token.access_token,
        expires_on: token.expires_on,
        tenant,
        subscription,
    })
}

/// The endpoint's own words: App Service's `message`, IMDS's `error_description` or `error`,
/// else the start of a non-JSON body. Not yet printable (the front-end escapes it).
fn error_message(body: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(value) => ["message", "error_description", "error"]
            .iter()
            .find_map(|key| value.get(key)?.as_str().map(str::to_owned))?,
        Err(_) => excerpt(body, MESSAGE_CHARS),
    };
    let text = clip(text.trim(), MESSAGE_CHARS);
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use base64::Engine as _;
    use secrecy::ExposeSecret;

    use super::{AzAccountHint, AzTokenRequest, access_token};
    use crate::app::usecases::error::AzCliError;
    use crate::ports::clock::MockClock;
    use crate::ports::credential_endpoint::{CredentialEndpoint, EndpointError, EndpointReply};

    /// Answers every request with one reply and records the resources asked for.
    struct Scripted {
        reply: Result<EndpointReply, EndpointError>,
        asked: RefCell<Vec<String>>,
    }

    impl CredentialEndpoint for Scripted {
        fn get_token(&self, resource: &str) -> Result<EndpointReply, EndpointError> {
            self.asked.borrow_mut().push(resource.to_owned());
            self.reply.clone()
        }
    }

    fn jwt(tid: &str) -> String {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!(r#"{{"tid":"{tid}"}}"#));
        format!("eyJhbGciOiJub25lIn0.{claims}.sig")
    }

    fn ok(token: &str) -> Scripted {
        let body = format!(
            r#"{{"access_token":"{token}","expires_on":"1767022200","resource":"r","token_type":"Bearer"}}"#
        );
        Scripted {
            reply: Ok(EndpointReply {
                status: 200,
                body: body.into_bytes(),
            }),
            asked: RefCell::new(Vec::new()),
        }
    }

    fn clock() -> MockClock {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(1_767_018_600_i64);
        clock
    }

    fn request(tenant: Option<&str>, subscription: Option<&str>) -> AzTokenRequest {
        AzTokenRequest {
            resource: "https://management.core.windows.net/".into(),
            tenant: tenant.map(str::to_owned),
            subscription: subscription.map(str::to_owned),
        }
    }

    #[test]
    fn tenant_from_the_token_and_subscription_from_the_request_or_account() {
        let token = jwt("tid-1");
        let endpoint = ok(&token);
        let account = AzAccountHint {
            subscription_id: Some("acct-sub".into()),
            tenant_id: Some("other".into()),
        };
        let got = access_token(&endpoint, &clock(), &request(None, None), &account).unwrap();
        assert_eq!(got.access_token.expose_secret(), token);
        assert_eq!(got.expires_on, 1_767_022_200);
        assert_eq!(got.tenant, "tid-1");
        assert_eq!(got.subscription.as_deref(), Some("acct-sub"));
        assert_eq!(
            endpoint.asked.borrow().as_slice(),
            ["https://management.core.windows.net/"]
        );
        let got = access_token(&endpoint, &clock(), &request(None, Some("s")), &account).unwrap();
        assert_eq!(got.subscription.as_deref(), Some("s"));
        let got =
            access_token(&endpoint, &clock(), &request(Some("TID-1"), None), &account).unwrap();
        assert_eq!(
            got.subscription, None,
            "no subscription when a tenant is asked"
        );
    }

    #[test]
    fn az_rules_refuse_before_asking() {
        let endpoint = ok(&jwt("t"));
        let err = access_token(
            &endpoint,
            &clock(),
            &request(Some("t"), Some("s")),
            &AzAccountHint::default(),
        )
        .unwrap_err();
        assert_eq!(err, AzCliError::SubscriptionAndTenant);
        assert!(endpoint.asked.borrow().is_empty());
        let err = access_token(
            &endpoint,
            &clock(),
            &request(Some("elsewhere"), None),
            &AzAccountHint::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            AzCliError::OtherTenant {
                requested: "elsewhere".into(),
                token_tenant: "t".into()
            }
        );
    }

    #[test]
    fn endpoint_errors_keep_its_message() {
        let refused = |status: u16, body: &str| {
            let endpoint = Scripted {
                reply: Ok(EndpointReply {
                    status,
                    body: body.as_bytes().to_vec(),
                }),
                asked: RefCell::new(Vec::new()),
            };
            access_token(
                &endpoint,
                &clock(),
                &request(None, None),
                &AzAccountHint::default(),
            )
            .unwrap_err()
        };
        assert_eq!(
            refused(
                403,
                r#"{"statusCode":403,"message":"resource not allowed","correlationId":"c"}"#
            ),
            AzCliError::Refused {
                status: 403,
                message: Some("resource not allowed".into())
            }
        );
        assert_eq!(
            refused(
                400,
                r#"{"error":"invalid_request","error_description":"AADSTS1: no"}"#
            ),
            AzCliError::Refused {
                status: 400,
                message: Some("AADSTS1: no".into())
            }
        );
        assert_eq!(
            refused(502, "  "),
            AzCliError::Refused {
                status: 502,
                message: None
            }
        );
        assert!(matches!(refused(200, "{}"), AzCliError::Unusable(_)));
    }
}
