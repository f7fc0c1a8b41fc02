//! Test doubles for the token use cases: the in-memory stores (the real `memory` backend),
//! a scripted identity provider that records every request, and recording reporter/terminal
//! fakes, wired as `acquire` wires the real adapters.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::error::Error;
use super::token::cache_and_lock::{CacheMode, GetTokenPorts, GetTokenRequest, TokenOutcome};
use super::token::credentials::CredentialResolver;
use super::token::get_token::get_token;
use super::token::user_flows::{BrowserOptions, UserFlowPorts};
use crate::adapters::store::memory_store::{MemorySecretStore, MemoryTokenCache};
use crate::domain::flow::Flow;
use crate::domain::profile::{Profile, ProfileSettings};
use crate::ports::browser::Browser;
use crate::ports::clock::Clock;
use crate::ports::credential_loader::MockCredentialLoader;
use crate::ports::idp::{FormPost, FormValue, HttpGet, HttpReply, IdpTransport, TransportError};
use crate::ports::random::{Random, RandomError};
use crate::ports::redirect_listener::{LoopbackServer, RedirectListener};
use crate::ports::reporter::Reporter;
use crate::ports::terminal::{Terminal, TerminalError};

/// One POST as the IdP saw it: the URL and the form, secrets exposed for assertions.
#[derive(Debug, Clone)]
pub struct Seen {
    pub url: String,
    pub form: Vec<(String, String)>,
}

impl Seen {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How a scripted IdP answers the `n`th request (from 0).
type Respond = dyn Fn(&Seen, usize) -> Result<HttpReply, TransportError> + Send + Sync;

/// Answers POSTs with `respond(request, n)` and records them.
pub struct ScriptedIdp {
    respond: Box<Respond>,
    pub seen: Mutex<Vec<Seen>>,
}

impl ScriptedIdp {
    pub fn new(
        respond: impl Fn(&Seen, usize) -> Result<HttpReply, TransportError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            respond: Box::new(respond),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// The grant types requested, in order.
    pub fn grants(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.field("grant_type").unwrap_or("-").to_owned())
            .collect()
    }
}

#[async_trait]
impl IdpTransport for ScriptedIdp {
    async fn post_form(&self, request: &FormPost) -> Result<HttpReply, TransportError> {
        let seen = Seen {
            url: request.url.clone(),
            form: request
                .form
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        FormValue::Plain(text) => text.clone(),
                        FormValue::Secret(secret) => secret.expose_secret().to_owned(),
                    };
                    ((*k).to_owned(), v)
                })
                .collect(),
        };
        let n = {
            let mut all = self.seen.lock().unwrap();
            all.push(seen.clone());
            all.len() - 1
        };
        (self.respond)(&seen, n)
    }

    async fn get(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
        panic!("unexpected GET {}", request.url)
    }

    async fn post_empty(&self, request: &HttpGet) -> Result<HttpReply, TransportError> {
        panic!("unexpected empty POST {}", request.url)
    }
}

/// A JSON reply.
pub fn json(status: u16, body: &str) -> Result<HttpReply, TransportError> {
    Ok(HttpReply {
        status,
        retry_after: None,
        request_id: None,
        redirect_host: None,
        body: body.as_bytes().to_vec(),
    })
}

/// A token response; with `refresh_token` for user flows.
pub fn token_reply(
    access: &str,
    lifetime: i64,
    refresh: Option<&str>,
) -> Result<HttpReply, TransportError> {
    let refresh = refresh.map_or_else(String::new, |r| format!(r#","refresh_token":"{r}""#));
    json(
        200,
        &format!(
            r#"{{"token_type":"Bearer","expires_in":{lifetime},"access_token":"{access}"{refresh}}}"#
        ),
    )
}

/// Entra's answer to a dead refresh token.
pub fn invalid_grant() -> Result<HttpReply, TransportError> {
    json(
        400,
        r#"{"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired.","error_codes":[70008]}"#,
    )
}

/// A clock that stands still.
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// Counting ids, so requests are distinguishable.
#[derive(Default)]
pub struct CountingRandom(Mutex<u32>);

impl Random for CountingRandom {
    fn uuid_v4(&self) -> Result<String, RandomError> {
        let mut n = self.0.lock().unwrap();
        *n += 1;
        Ok(format!("00000000-0000-4000-8000-{:012}", *n))
    }

    fn url_safe_token(&self) -> Result<String, RandomError> {
        Ok(format!("token-{}", self.uuid_v4()?))
    }
}

/// A generator that always fails (a sandbox that forbids `getrandom`).
pub struct FailingRandom;

impl FailingRandom {
    pub fn error() -> RandomError {
        RandomError {
            cause: "getrandom: operation not permitted".to_owned(),
        }
    }
}

impl Random for FailingRandom {
    fn uuid_v4(&self) -> Result<String, RandomError> {
        Err(Self::error())
    }

    fn url_safe_token(&self) -> Result<String, RandomError> {
        Err(Self::error())
    }
}

/// Records warnings and progress.
#[derive(Default)]
pub struct RecordingReporter {
    pub warnings: Mutex<Vec<String>>,
    pub progress: Mutex<Vec<String>>,
}

impl Reporter for RecordingReporter {
    fn warn(&self, message: &str) {
        self.warnings.lock().unwrap().push(message.to_owned());
    }

    fn progress(&self, message: &str) {
        self.progress.lock().unwrap().push(message.to_owned());
    }
}

/// Nobody at the terminal; instructions are recorded.
#[derive(Default)]
pub struct UnattendedTerminal {
    pub instructions: Mutex<Vec<String>>,
}

impl Terminal for UnattendedTerminal {
    fn attended(&self) -> bool {
        false
    }
    fn can_prompt(&self) -> bool {
        false
    }
    fn ask(&self, _: &str, _: Option<&str>) -> Result<Option<String>, TerminalError> {
        Ok(None)
    }
    fn secret(&self, _: &str) -> Result<Option<SecretString>, TerminalError> {
        Ok(None)
    }
    fn instruct(&self, text: &str) {
        self.instructions.lock().unwrap().push(text.to_owned());
    }
}

/// No browser on this machine.
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn available(&self) -> bool {
        false
    }
    fn open(&self, _: &str) -> Result<(), String> {
        Err("no browser".to_owned())
    }
}

/// A listener that cannot bind (the browser flow is not under test here).
pub struct NoListener;

#[async_trait]
impl RedirectListener for NoListener {
    async fn bind(&self, _: u16) -> Result<Box<dyn LoopbackServer>, String> {
        Err("not in this test".to_owned())
    }
}

/// A validated profile with tenant `t` and client `c`, plus `settings`.
pub fn profile(settings: ProfileSettings) -> Profile {
    ProfileSettings {
        tenant_id: Some("t".into()),
        client_id: Some("c".into()),
        ..settings
    }
    .validate("default")
    .unwrap()
}

/// A resolved request for `profile`, reading and writing the cache, valid for 60 s.
pub fn request(profile: Profile, flow: Option<Flow>, interactive: bool) -> GetTokenRequest {
    GetTokenRequest {
        scopes: profile.scopes.clone(),
        credential: profile.credential().unwrap(),
        profile,
        flow,
        managed_identity: None,
        browser: BrowserOptions::default(),
        interactive,
        cache_mode: CacheMode {
            read: true,
            write: true,
        },
        min_validity: Duration::from_secs(300),
        deadline: Instant::now() + Duration::from_secs(60),
        claims: None,
    }
}

/// Real in-memory stores and fakes for everything else, wired as `acquire` wires them.
pub struct Fixture {
    pub cache: MemoryTokenCache,
    pub secrets: MemorySecretStore,
    pub env_secret: Option<SecretString>,
    pub idp: ScriptedIdp,
    pub clock: FixedClock,
    pub random: Box<dyn Random>,
    pub reporter: RecordingReporter,
    pub terminal: UnattendedTerminal,
    pub loader: MockCredentialLoader,
    /// The environment the credential resolver sees (CI variables).
    pub env: crate::ports::env::MapEnv,
}

impl Fixture {
    pub fn new(idp: ScriptedIdp, now: i64) -> Self {
        let mut loader = MockCredentialLoader::new();
        loader.expect_certificate().never();
        Self {
            cache: MemoryTokenCache::default(),
            secrets: MemorySecretStore::default(),
            env_secret: Some("s".into()),
            idp,
            clock: FixedClock(now),
            random: Box::new(CountingRandom::default()),
            reporter: RecordingReporter::default(),
            terminal: UnattendedTerminal::default(),
            loader,
            env: crate::ports::env::MapEnv::default(),
        }
    }

    pub async fn get(&self, request: GetTokenRequest) -> Result<TokenOutcome, Error> {
        let credentials = CredentialResolver {
            env_secret: self.env_secret.clone(),
            env_certificate_password: None,
            secrets: &self.secrets,
            loader: &self.loader,
            env: &self.env,
            terminal: &self.terminal,
        };
        let user = UserFlowPorts {
            idp: &self.idp,
            browser: &NoBrowser,
            listener: &NoListener,
            clock: &self.clock,
            reporter: &self.reporter,
            random: &*self.random,
            terminal: &self.terminal,
        };
        let ports = GetTokenPorts {
            cache: &self.cache,
            credentials: &credentials,
            locks: None,
            user: Some(&user),
            idp: &self.idp,
            clock: &self.clock,
            random: &*self.random,
            reporter: &self.reporter,
        };
        get_token(&ports, request).await
    }
}
