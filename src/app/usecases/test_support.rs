//! Test doubles for the use cases: the in-memory stores (the real `memory` backend) and a
//! `StoreProvider` over them, an in-memory profile file (`FakeProfiles`, a `ProfileRepository`
//! with editable documents), a scripted identity provider that records every request, and
//! recording reporter/terminal fakes, wired as `acquire` wires the real adapters.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::error::Error;
use super::token::acquire::acquire_resolved;
use super::token::cache_and_lock::{
    CacheMode, ResolvedTokenPorts, ResolvedTokenRequest, TokenOutcome,
};
use super::token::credentials::CredentialResolver;
use super::token::user_flows::{BrowserOptions, UserFlowPorts};
use crate::adapters::config::layers::{TableLayer, merge};
use crate::adapters::store::memory_store::{MemorySecretStore, MemoryTokenCache};
use crate::domain::flow::Flow;
use crate::domain::profile::{Profile, ProfileSettings};
use crate::ports::browser::Browser;
use crate::ports::clock::Clock;
use crate::ports::credential_loader::MockCredentialLoader;
use crate::ports::env::Env;
use crate::ports::idp::{FormPost, FormValue, HttpGet, HttpReply, IdpTransport, TransportError};
use crate::ports::profile_repository::{
    LayerError, LayeredSettings, ProfileDocument, ProfileRepoError, ProfileRepository,
    StoredProfile,
};
use crate::ports::random::{Random, RandomError};
use crate::ports::redirect_listener::{LoopbackServer, RedirectListener};
use crate::ports::reporter::Reporter;
use crate::ports::store::{StoreInfo, StoreProvider, StoreSelectionError, Stores};
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
    crate::domain::profile::test_profile("default", settings)
}

/// A resolved request for `profile`, reading and writing the cache, valid for 60 s.
pub fn request(profile: Profile, flow: Option<Flow>, interactive: bool) -> ResolvedTokenRequest {
    ResolvedTokenRequest {
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

    pub async fn get(&self, request: ResolvedTokenRequest) -> Result<TokenOutcome, Error> {
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
        let ports = ResolvedTokenPorts {
            cache: &self.cache,
            credentials: &credentials,
            locks: None,
            user: Some(&user),
            idp: &self.idp,
            clock: &self.clock,
            random: &*self.random,
            reporter: &self.reporter,
        };
        acquire_resolved(&ports, request).await
    }
}

/// A `config.toml` in memory: tables by name as written, saved only by a document's `save`
/// (which can be made to fail), merged with the environment and flags by the real figment
/// layering (`adapters::config::layers`), as the real repository does.
#[derive(Clone)]
pub struct FakeProfiles {
    location: Option<String>,
    tables: Arc<Mutex<Vec<(String, ProfileSettings)>>>,
    saves: Arc<AtomicUsize>,
    fail_saves: bool,
}

impl FakeProfiles {
    /// An empty file at `/cfg/config.toml` (not yet on disk).
    pub fn new() -> Self {
        Self {
            location: Some("/cfg/config.toml".to_owned()),
            tables: Arc::default(),
            saves: Arc::default(),
            fail_saves: false,
        }
    }

    /// No config directory at all.
    pub fn nowhere() -> Self {
        Self {
            location: None,
            ..Self::new()
        }
    }

    /// With `[profiles.NAME]` holding `settings`.
    pub fn with(self, name: &str, settings: ProfileSettings) -> Self {
        self.tables
            .lock()
            .unwrap()
            .push((name.to_owned(), settings));
        self
    }

    /// Every `save` fails (a full disk), leaving the file as it was.
    pub fn failing_saves(mut self) -> Self {
        self.fail_saves = true;
        self
    }

    /// The table of `name` as saved (exact name).
    pub fn table(&self, name: &str) -> Option<ProfileSettings> {
        self.tables
            .lock()
            .unwrap()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
    }

    /// The names as written, in file order.
    pub fn written_names(&self) -> Vec<String> {
        self.tables
            .lock()
            .unwrap()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }
}

fn find_table<'a>(
    tables: &'a [(String, ProfileSettings)],
    name: &str,
) -> Option<&'a (String, ProfileSettings)> {
    tables.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))
}

impl ProfileRepository for FakeProfiles {
    fn location(&self) -> Option<String> {
        self.location.clone()
    }

    fn exists(&self) -> bool {
        self.location.is_some() && (self.saves() > 0 || !self.tables.lock().unwrap().is_empty())
    }

    fn names(&self) -> Result<Vec<String>, ProfileRepoError> {
        Ok(self.written_names())
    }

    fn get(&self, name: &str) -> Result<Option<StoredProfile>, ProfileRepoError> {
        Ok(
            find_table(&self.tables.lock().unwrap(), name).map(|(n, s)| StoredProfile {
                name: n.clone(),
                settings: s.clone(),
            }),
        )
    }

    fn layered(
        &self,
        name: &str,
        env: &dyn Env,
        flags: &ProfileSettings,
    ) -> Result<LayeredSettings, LayerError> {
        let path = self.location.clone().unwrap_or_default();
        let found = self.get(name)?.map(|stored| {
            let table = match figment::value::Value::serialize(&stored.settings) {
                Ok(figment::value::Value::Dict(_, dict)) => dict,
                other => panic!("settings serialize to a table: {other:?}"),
            };
            (stored.name, table)
        });
        merge(env, flags, || {
            Ok(found.as_ref().map(|(written, table)| TableLayer {
                path: &path,
                name: written,
                table,
            }))
        })
    }

    fn layered_table(
        &self,
        name: &str,
        env: &dyn Env,
        table: &ProfileSettings,
    ) -> Result<LayeredSettings, LayerError> {
        crate::adapters::config::layers::merge_with_table(
            env,
            &self.location.clone().unwrap_or_default(),
            name,
            table,
        )
    }

    fn open(&self) -> Result<Box<dyn ProfileDocument>, ProfileRepoError> {
        let location = self.location.clone().ok_or(ProfileRepoError::NoLocation)?;
        Ok(Box::new(FakeDocument {
            tables: self.tables.lock().unwrap().clone(),
            repository: self.clone(),
            location,
        }))
    }
}

/// An open copy of a `FakeProfiles`; `save` replaces the repository's tables.
struct FakeDocument {
    tables: Vec<(String, ProfileSettings)>,
    repository: FakeProfiles,
    location: String,
}

/// `lower` with the fields set in `upper` laid over it.
fn laid_over(lower: &ProfileSettings, upper: &ProfileSettings) -> ProfileSettings {
    let mut merged = serde_json::to_value(lower).unwrap();
    if let (Some(merged), serde_json::Value::Object(upper)) =
        (merged.as_object_mut(), serde_json::to_value(upper).unwrap())
    {
        merged.extend(upper);
    }
    serde_json::from_value(merged).unwrap()
}

impl ProfileDocument for FakeDocument {
    fn find(&self, name: &str) -> Option<String> {
        find_table(&self.tables, name).map(|(n, _)| n.clone())
    }

    fn put(&mut self, name: &str, settings: &ProfileSettings) {
        match self
            .tables
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, existing)) => *existing = laid_over(existing, settings),
            None => self.tables.push((name.to_owned(), settings.clone())),
        }
    }

    fn unset(&mut self, name: &str, field: &str) -> bool {
        self.tables
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .is_some_and(|(_, s)| s.unset(field))
    }

    fn remove(&mut self, name: &str) -> bool {
        let before = self.tables.len();
        self.tables.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.tables.len() != before
    }

    fn rename(&mut self, from: &str, to: &str) -> bool {
        match self
            .tables
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(from))
        {
            Some((n, _)) => {
                to.clone_into(n);
                true
            }
            None => false,
        }
    }

    fn save(&self) -> Result<(), ProfileRepoError> {
        if self.repository.fail_saves {
            return Err(ProfileRepoError::Write {
                path: self.location.clone(),
                reason: "No space left on device".to_owned(),
            });
        }
        self.repository
            .tables
            .lock()
            .unwrap()
            .clone_from(&self.tables);
        self.repository.saves.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// The in-memory token cache and secret store as the stores of a run, with the story of a
/// lasting backend (`keyring`) or of the `memory` one.
pub struct FakeStores {
    pub cache: MemoryTokenCache,
    pub secrets: MemorySecretStore,
    info: StoreInfo,
}

impl FakeStores {
    /// Stores that keep what they are given between runs, as far as the use cases can tell.
    pub fn lasting() -> Self {
        Self::named("keyring", "the OS keyring answers")
    }

    /// The `memory` backend: nothing outlives the process.
    pub fn memory() -> Self {
        Self::named("memory", "asked for: nothing is persisted")
    }

    fn named(backend: &'static str, reason: &str) -> Self {
        Self {
            cache: MemoryTokenCache::default(),
            secrets: MemorySecretStore::default(),
            info: StoreInfo {
                backend,
                requested: "auto (the default)".to_owned(),
                reason: reason.to_owned(),
                fallback_notice: None,
                locked_file_store: false,
                fast_tier: None,
            },
        }
    }
}

impl StoreProvider for FakeStores {
    fn stores(&self) -> Result<Stores<'_>, StoreSelectionError> {
        Ok(Stores {
            tokens: &self.cache,
            secrets: &self.secrets,
            locks: None,
            info: &self.info,
        })
    }

    fn take_fallback_notice(&self) -> Option<String> {
        None
    }
}

/// Stores that cannot be chosen (`ENTRA_AUTH_STORE=keyring` without a keyring).
pub struct NoStores;

impl StoreProvider for NoStores {
    fn stores(&self) -> Result<Stores<'_>, StoreSelectionError> {
        Err(StoreSelectionError::KeyringUnavailable {
            requested: "ENTRA_AUTH_STORE=keyring".to_owned(),
            cause: "no keyring service".to_owned(),
        })
    }

    fn take_fallback_notice(&self) -> Option<String> {
        None
    }
}

/// Someone at the terminal who gives these answers in turn (`None`: just Enter) and whose
/// questions are recorded.
#[derive(Default)]
pub struct AnsweringTerminal {
    answers: Mutex<VecDeque<Option<String>>>,
    pub questions: Mutex<Vec<String>>,
}

impl AnsweringTerminal {
    pub fn answering(answers: &[Option<&str>]) -> Self {
        Self {
            answers: Mutex::new(answers.iter().map(|a| a.map(str::to_owned)).collect()),
            questions: Mutex::default(),
        }
    }
}

impl Terminal for AnsweringTerminal {
    fn attended(&self) -> bool {
        true
    }
    fn can_prompt(&self) -> bool {
        true
    }
    fn ask(&self, question: &str, default: Option<&str>) -> Result<Option<String>, TerminalError> {
        self.questions.lock().unwrap().push(question.to_owned());
        let answer = self.answers.lock().unwrap().pop_front().flatten();
        Ok(answer.or_else(|| default.map(str::to_owned)))
    }
    fn secret(&self, _: &str) -> Result<Option<SecretString>, TerminalError> {
        Ok(None)
    }
    fn instruct(&self, _: &str) {}
}
