//! The user sign-in flows (protocol.md §1.2, §1.3, §4, §5, §7.6): authorization code with PKCE
//! through the browser and a loopback listener, device code, and refresh-token redemption.
//! Each returns the access token and the account (with its new refresh token).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::app::usecases::error::{Error, IdpError, SignInError};
use crate::app::usecases::http_retry::checked_deadline;
use crate::app::usecases::token::idp_call::{interpret_token_reply, post_to_authority, refusal};
use crate::domain::account::{Account, home_account_id, username};
use crate::domain::claims::Claims;
use crate::domain::device_code::parse_device_code;
use crate::domain::jwt::unverified_string_claim;
use crate::domain::oauth_error::OAuthError;
use crate::domain::pkce;
use crate::domain::profile::Profile;
use crate::domain::scopes::Scopes;
use crate::domain::token::Token;
use crate::domain::token_response::parse_user_extras;
use crate::ports::browser::Browser;
use crate::ports::clock::Clock;
use crate::ports::idp::{
    FormPost, FormValue, HttpReply, IdpTransport, TOKEN_REPLY_LIMIT, TransportError,
};
use crate::ports::random::Random;
use crate::ports::redirect_listener::{RedirectListener, RedirectOutcome};
use crate::ports::reporter::Reporter;
use crate::ports::terminal::Terminal;

/// Scopes every user flow adds: an ID token, the profile, and a refresh token.
const OIDC_SCOPES: &str = "openid profile offline_access";
/// The longest device code life honoured (Entra's codes live 15 minutes).
const MAX_DEVICE_CODE_LIFETIME_SECS: u64 = 3600;
/// The longest wait between device code polls.
const MAX_POLL_INTERVAL_SECS: u64 = 60;

/// The ports the user flows need.
pub struct UserFlowPorts<'a> {
    pub idp: &'a dyn IdpTransport,
    pub browser: &'a dyn Browser,
    pub listener: &'a dyn RedirectListener,
    pub clock: &'a dyn Clock,
    pub reporter: &'a dyn Reporter,
    pub random: &'a dyn Random,
    /// Where sign-in instructions go: always shown, even with `--silent` (a person must act).
    pub terminal: &'a dyn Terminal,
}

/// Options of the browser flow.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    pub port: Option<u16>,
    pub redirect_uri: Option<String>,
    pub no_browser: bool,
}

/// A token and the account it belongs to.
pub struct UserTokens {
    pub token: Token,
    pub account: Option<Account>,
}

/// Why a refresh token could not be redeemed.
pub enum RefreshFailure {
    /// `invalid_grant`: the refresh token is expired, revoked or replayed; sign in again.
    Rejected(IdpError),
    /// Anything else (network, other IdP errors).
    Other(Error),
}

fn user_scope(scopes: &Scopes) -> String {
    let mut all: Vec<&str> = OIDC_SCOPES.split(' ').collect();
    for scope in scopes.iter() {
        if !all.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
            all.push(scope);
        }
    }
    all.join(" ")
}

/// Sends a token request (with `client_request_id`) and turns the reply into a token and an
/// account.
async fn redeem(
    ports: &UserFlowPorts<'_>,
    profile: &Profile,
    scopes: &Scopes,
    form: Vec<(&'static str, FormValue)>,
    client_request_id: String,
    deadline: Instant,
) -> Result<UserTokens, IdpError> {
    let reply = post_to_authority(
        ports.idp,
        ports.reporter,
        profile,
        profile.authority.token_url(&profile.tenant_id),
        form,
        &client_request_id,
        deadline,
    )
    .await?;
    parse_user_token_reply(
        &reply,
        ports.clock.now(),
        scopes,
        profile,
        &client_request_id,
    )
}

fn parse_user_token_reply(
    reply: &HttpReply,
    now: i64,
    scopes: &Scopes,
    profile: &Profile,
    client_request_id: &str,
) -> Result<UserTokens, IdpError> {
    let mut token = interpret_token_reply(
        reply,
        now,
        &scopes.to_request_param(),
        profile,
        client_request_id,
    )?;
    if let Some(tid) = unverified_string_claim(token.access_token.expose_secret(), "tid") {
        token.tenant_id = tid;
    }
    let extras = parse_user_extras(&reply.body);
    let account = extras.refresh_token.map(|refresh_token| Account {
        home_account_id: home_account_id(extras.client_info.as_deref(), extras.id_token.as_deref())
            .unwrap_or_else(|| "unknown.unknown".to_owned()),
        username: username(extras.id_token.as_deref()),
        refresh_token,
        updated_at: now,
    });
    Ok(UserTokens { token, account })
}

/// Adds the `claims` parameter, when there are claims to request.
fn add_claims(form: &mut Vec<(&'static str, FormValue)>, claims: Option<&Claims>) {
    if let Some(claims) = claims {
        form.push(("claims", FormValue::Plain(claims.to_param())));
    }
}

/// Redeems `account`'s refresh token for `scopes`; the result carries the rotated one.
pub async fn refresh(
    ports: &UserFlowPorts<'_>,
    profile: &Profile,
    scopes: &Scopes,
    account: &Account,
    claims: Option<&Claims>,
    deadline: Instant,
) -> Result<UserTokens, RefreshFailure> {
    let mut form = vec![
        ("grant_type", FormValue::Plain("refresh_token".to_owned())),
        ("client_id", FormValue::Plain(profile.client_id.clone())),
        (
            "refresh_token",
            FormValue::Secret(account.refresh_token.clone()),
        ),
        ("scope", FormValue::Plain(user_scope(scopes))),
        ("client_info", FormValue::Plain("1".to_owned())),
    ];
    add_claims(&mut form, claims);
    let client_request_id = ports
        .random
        .uuid_v4()
        .map_err(|e| RefreshFailure::Other(e.into()))?;
    match redeem(ports, profile, scopes, form, client_request_id, deadline).await {
        Ok(mut tokens) => {
            // Keep the account's identity; a server that does not rotate keeps the old token.
            let refresh_token = tokens
                .account
                .take()
                .map_or_else(|| account.refresh_token.clone(), |a| a.refresh_token);
            tokens.account = Some(Account {
                refresh_token,
                updated_at: ports.clock.now(),
                ..account.clone()
            });
            Ok(tokens)
        }
        Err(error) if error.oauth_code() == Some("invalid_grant") => {
            Err(RefreshFailure::Rejected(error))
        }
        Err(error) => Err(RefreshFailure::Other(error.into())),
    }
}

/// Authorization code + PKCE: opens the browser (or prints the URL), waits for the loopback
/// redirect with this sign-in's `state` until `deadline` (others are ignored), and redeems the
/// code.
///
/// # Errors
/// `Auth` when the user or the IdP declines; `Io` when the port cannot be bound or randomness
/// fails; `Timeout` when no redirect with our `state` came by `deadline`.
pub async fn browser_sign_in(
    ports: &UserFlowPorts<'_>,
    profile: &Profile,
    scopes: &Scopes,
    options: &BrowserOptions,
    claims: Option<&Claims>,
    deadline: Instant,
) -> Result<UserTokens, Error> {
    // Randomness first: nothing is bound or opened when the generator fails.
    let verifier = ports.random.url_safe_token()?;
    let state = ports.random.url_safe_token()?;
    let nonce = ports.random.url_safe_token()?;
    let client_request_id = ports.random.uuid_v4()?;
    let port_from_uri = options
        .redirect_uri
        .as_deref()
        .and_then(|uri| url::Url::parse(uri).ok())
        .and_then(|uri| uri.port());
    let port = options.port.or(profile.port).or(port_from_uri).unwrap_or(0);
    let mut server = ports
        .listener
        .bind(port)
        .await
        .map_err(|cause| SignInError::Listen { cause })?;
    let redirect_uri = options
        .redirect_uri
        .clone()
        .or_else(|| profile.redirect_uri.clone())
        .unwrap_or_else(|| format!("http://localhost:{}", server.port()));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", &profile.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", &user_scope(scopes))
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &pkce::s256_challenge(&verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("response_mode", "form_post");
    if let Some(hint) = &profile.login_hint {
        query.append_pair("login_hint", hint);
    }
    if let Some(claims) = claims {
        query.append_pair("claims", &claims.to_param());
    }
    let url = format!(
        "{}/{}/oauth2/v2.0/authorize?{}",
        profile.authority.as_str(),
        profile.tenant_id,
        query.finish()
    );
    let opened = if options.no_browser || !ports.browser.available() {
        Err("--no-browser".to_owned())
    } else {
        ports.browser.open(&url)
    };
    match opened {
        Ok(()) => ports.terminal.instruct(&format!(
            "Opened your browser to sign in. If it did not open, visit this URL:\n  {url}"
        )),
        Err(reason) => ports.terminal.instruct(&format!(
            "To sign in, open this URL in a browser{}:\n  {url}",
            if reason == "--no-browser" {
                String::new()
            } else {
                format!(" (could not start one: {reason})")
            }
        )),
    }
    ports
        .terminal
        .instruct(&format!("Waiting for the sign-in on {redirect_uri} ..."));
    // Responses with another `state` are ignored by the listener, so only the deadline ends a
    // wait that never sees ours; say then how many were ignored.
    let outcome = match tokio::time::timeout_at(deadline, server.wait_for_redirect(&state)).await {
        Ok(outcome) => outcome.map_err(|cause| SignInError::Listener { cause })?,
        Err(_) => {
            return Err(SignInError::RedirectTimedOut {
                ignored_other_state: server.ignored_responses(),
            }
            .into());
        }
    };
    let code = match outcome {
        RedirectOutcome::Code(code) => code,
        RedirectOutcome::Error { error, description } => {
            return Err(SignInError::Redirected { error, description }.into());
        }
    };
    let mut form = vec![
        (
            "grant_type",
            FormValue::Plain("authorization_code".to_owned()),
        ),
        ("client_id", FormValue::Plain(profile.client_id.clone())),
        ("code", FormValue::Secret(code)),
        ("redirect_uri", FormValue::Plain(redirect_uri)),
        (
            "code_verifier",
            FormValue::Secret(SecretString::from(verifier)),
        ),
        ("scope", FormValue::Plain(user_scope(scopes))),
        ("client_info", FormValue::Plain("1".to_owned())),
    ];
    add_claims(&mut form, claims);
    Ok(redeem(ports, profile, scopes, form, client_request_id, deadline).await?)
}

/// Device code: shows the code, polls at the IdP's interval (`slow_down` adds 5 s) until the
/// user approves, declines, or the code expires.
///
/// # Errors
/// `Auth` when declined or expired; `Network` when the IdP cannot be reached.
pub async fn device_sign_in(
    ports: &UserFlowPorts<'_>,
    profile: &Profile,
    scopes: &Scopes,
    claims: Option<&Claims>,
    deadline: Instant,
) -> Result<UserTokens, Error> {
    let mut form = vec![
        ("client_id", FormValue::Plain(profile.client_id.clone())),
        ("scope", FormValue::Plain(user_scope(scopes))),
    ];
    add_claims(&mut form, claims);
    let client_request_id = ports.random.uuid_v4()?;
    let url = format!(
        "{}/{}/oauth2/v2.0/devicecode",
        profile.authority.as_str(),
        profile.tenant_id
    );
    let reply = post_to_authority(
        ports.idp,
        ports.reporter,
        profile,
        url,
        form,
        &client_request_id,
        deadline,
    )
    .await?;
    if !(200..300).contains(&reply.status) {
        // Same error reporting as the token endpoint.
        return Err(refusal(&reply, profile, &client_request_id).into());
    }
    let device = parse_device_code(&reply.body)
        .map_err(|reason| SignInError::UnusableDeviceCode { reason })?;
    ports.terminal.instruct(&device.instructions());
    // Bounded: a code that claims to live longer than the deadline ends with the deadline.
    let expires = checked_deadline(
        Instant::now(),
        Duration::from_secs(device.expires_in.min(MAX_DEVICE_CODE_LIFETIME_SECS)),
    )
    .unwrap_or(deadline);
    let mut interval = Duration::from_secs(device.interval.min(MAX_POLL_INTERVAL_SECS));
    loop {
        tokio::time::sleep(interval).await;
        if Instant::now() >= expires {
            return Err(SignInError::DeviceCodeExpired.into());
        }
        let mut form = vec![
            (
                "grant_type",
                FormValue::Plain("urn:ietf:params:oauth:grant-type:device_code".to_owned()),
            ),
            ("client_id", FormValue::Plain(profile.client_id.clone())),
            ("device_code", FormValue::Secret(device.device_code.clone())),
            ("client_info", FormValue::Plain("1".to_owned())),
        ];
        add_claims(&mut form, claims);
        let poll = FormPost {
            url: profile.authority.token_url(&profile.tenant_id),
            form,
            client_request_id: ports.random.uuid_v4()?,
            max_reply_bytes: TOKEN_REPLY_LIMIT,
        };
        let reply = match ports.idp.post_form(&poll).await {
            Ok(reply) => reply,
            Err(TransportError::TooLarge { limit }) => {
                return Err(IdpError::TooLarge {
                    host: profile.authority.as_str().to_owned(),
                    limit,
                }
                .into());
            }
            Err(e) => {
                ports
                    .reporter
                    .progress(&format!("polling failed ({e}); trying again"));
                continue;
            }
        };
        if (200..300).contains(&reply.status) {
            return Ok(parse_user_token_reply(
                &reply,
                ports.clock.now(),
                scopes,
                profile,
                &poll.client_request_id,
            )?);
        }
        if reply.status == 429 || reply.status >= 500 {
            interval = interval
                .max(reply.retry_after.unwrap_or(interval))
                .min(Duration::from_secs(MAX_POLL_INTERVAL_SECS));
            continue;
        }
        let error = OAuthError::parse(&reply.body)
            .map(|e| e.error)
            .unwrap_or_default();
        match error.as_str() {
            "authorization_pending" => {}
            "slow_down" => {
                interval = interval
                    .saturating_add(Duration::from_secs(5))
                    .min(Duration::from_secs(MAX_POLL_INTERVAL_SECS));
            }
            "expired_token" | "code_expired" => return Err(SignInError::DeviceCodeExpired.into()),
            "authorization_declined" | "access_denied" => return Err(SignInError::Declined.into()),
            _ => return Err(refusal(&reply, profile, &poll.client_request_id).into()),
        }
        if Instant::now() >= deadline {
            return Err(SignInError::DeviceCodeTimedOut.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;
    use crate::app::usecases::test_support::{
        FailingRandom, FixedClock, NoBrowser, NoListener, RecordingReporter, ScriptedIdp,
        UnattendedTerminal, profile, token_reply,
    };
    use crate::domain::account::Account;
    use crate::domain::profile::ProfileSettings;

    /// Fakes for the user flows, with a generator that always fails.
    struct FailingFakes {
        idp: ScriptedIdp,
        clock: FixedClock,
        reporter: RecordingReporter,
        terminal: UnattendedTerminal,
    }

    impl FailingFakes {
        fn new() -> Self {
            Self {
                idp: ScriptedIdp::new(|_, _| token_reply("tok", 3599, None)),
                clock: FixedClock(1_000),
                reporter: RecordingReporter::default(),
                terminal: UnattendedTerminal::default(),
            }
        }

        fn ports(&self) -> UserFlowPorts<'_> {
            UserFlowPorts {
                idp: &self.idp,
                browser: &NoBrowser,
                listener: &NoListener,
                clock: &self.clock,
                reporter: &self.reporter,
                random: &FailingRandom,
                terminal: &self.terminal,
            }
        }

        fn sent(&self) -> usize {
            self.idp.seen.lock().unwrap().len()
        }
    }

    fn deadline() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[tokio::test]
    async fn a_failing_random_generator_stops_every_flow_before_anything_is_sent() {
        let p = profile(ProfileSettings::default());
        let random_error = Some(Error::Random(FailingRandom::error()));
        // The browser flow fails before binding a port (NoListener would say so) or opening a page.
        let f = FailingFakes::new();
        let out = browser_sign_in(
            &f.ports(),
            &p,
            &p.scopes,
            &BrowserOptions::default(),
            None,
            deadline(),
        )
        .await
        .err();
        assert_eq!((out, f.sent()), (random_error.clone(), 0));
        assert!(
            f.terminal.instructions.lock().unwrap().is_empty(),
            "no URL shown"
        );

        let f = FailingFakes::new();
        let out = device_sign_in(&f.ports(), &p, &p.scopes, None, deadline())
            .await
            .err();
        assert_eq!((out, f.sent()), (random_error.clone(), 0));

        let f = FailingFakes::new();
        let account = Account {
            home_account_id: "u.t".into(),
            username: None,
            refresh_token: "rt".into(),
            updated_at: 0,
        };
        let out = match refresh(&f.ports(), &p, &p.scopes, &account, None, deadline()).await {
            Err(RefreshFailure::Other(error)) => Some(error),
            _ => None,
        };
        assert_eq!((out, f.sent()), (random_error, 0));
    }

    #[test]
    fn user_flows_ask_for_oidc_scopes_once() {
        let s = Scopes::parse("https://graph.microsoft.com/User.Read openid").unwrap();
        assert_eq!(
            user_scope(&s),
            "openid profile offline_access https://graph.microsoft.com/User.Read"
        );
    }
}
