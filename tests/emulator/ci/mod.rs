//! Emulators of the CI token services a job gets its OIDC token from, each an OIDC issuer on its
//! own 127.0.0.1 port and thread (so the Entra emulator can fetch their keys by discovery while
//! it answers a token request): `GitHubActions` (the runner's ID token service),
//! `AzurePipelines` (the `oidctoken` call, both issuer generations) and `GitLab` (`id_tokens:`
//! variables). Each records the job-facing requests, mints short-lived tokens with a settable
//! lifetime and clock, and takes queued faults. `issuer` holds what they share.

mod azure_devops;
mod github;
mod gitlab;
mod issuer;

pub use azure_devops::ServiceConnection;
pub use issuer::CiRequest;

use super::jwt::SigningKey;
use super::server::ServerThread;
use azure_devops::{AzureDevOps, IssuerMode};
use issuer::Issuer;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

macro_rules! issuer_controls {
    () => {
        /// `iss` of the tokens (and where their discovery document is).
        pub fn issuer(&self) -> String {
            self.issuer_state().issuer()
        }

        /// Life of the tokens minted from now on.
        pub fn set_token_lifetime(&self, secs: i64) {
            self.issuer_state()
                .lifetime_secs
                .store(secs, Ordering::SeqCst);
        }

        /// Moves this service's clock `secs` ahead (a long job).
        pub fn advance_clock(&self, secs: i64) {
            self.issuer_state()
                .clock_offset
                .fetch_add(secs, Ordering::SeqCst);
        }

        /// Every token minted, in order.
        pub fn minted(&self) -> Vec<String> {
            self.issuer_state().minted()
        }

        /// The job-facing requests received, in order.
        pub fn requests(&self) -> Vec<CiRequest> {
            self.issuer_state().requests()
        }

        /// The next job-facing request gets `status` with `body` (JSON).
        pub fn push_fault(&self, status: u16, body: &str) {
            self.issuer_state().push_fault(status, body);
        }
    };
}

fn bind() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("CI emulator: cannot bind: {e}"));
    let port = listener.local_addr().expect("an address").port();
    (listener, format!("http://127.0.0.1:{port}"))
}

/// GitHub Actions' OIDC token service for one job of `contoso/app`.
pub struct GitHubActions {
    state: Arc<github::GitHub>,
    base: String,
    _server: ServerThread,
}

impl GitHubActions {
    pub const REPOSITORY: &'static str = "contoso/app";

    pub fn start() -> GitHubActions {
        let (listener, base) = bind();
        let state = Arc::new(github::GitHub {
            issuer: Issuer::new(base.clone(), SigningKey::github(), 300),
            request_token: format!("ghs_{}", super::ids::random_b64url(24)),
            repository: Self::REPOSITORY.to_owned(),
            subject: Mutex::new(format!("repo:{}:ref:refs/heads/main", Self::REPOSITORY)),
            request_token_expired: AtomicBool::new(false),
        });
        let server = ServerThread::spawn(vec![(listener, github::router(Arc::clone(&state)))]);
        GitHubActions {
            state,
            base,
            _server: server,
        }
    }

    fn issuer_state(&self) -> &Issuer {
        &self.state.issuer
    }

    issuer_controls!();

    /// What the runner sets in a job with `permissions: id-token: write`.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", self.request_url()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", self.request_token()),
        ]
    }

    pub fn request_url(&self) -> String {
        format!("{}{}?api-version=2.0", self.base, github::REQUEST_PATH)
    }

    pub fn request_token(&self) -> String {
        self.state.request_token.clone()
    }

    /// The subject of the tokens minted from now on (default `repo:contoso/app:ref:refs/heads/main`).
    pub fn subject(&self) -> String {
        self.state.subject()
    }

    pub fn set_subject(&self, subject: &str) {
        *self.state.subject.lock().unwrap() = subject.to_owned();
    }

    /// The request token is past its life: every request gets 401.
    pub fn expire_request_token(&self) {
        self.state
            .request_token_expired
            .store(true, Ordering::SeqCst);
    }
}

/// Azure Pipelines' OIDC token service for one job of `contoso/payments`.
pub struct AzurePipelines {
    state: Arc<AzureDevOps>,
    base: String,
    _server: ServerThread,
}

impl AzurePipelines {
    pub const ORGANIZATION_ID: &'static str = azure_devops::ORGANIZATION_ID;

    pub fn start() -> AzurePipelines {
        let (listener, base) = bind();
        let devops_issuer = format!("{base}/{}", azure_devops::ORGANIZATION_ID);
        let state = Arc::new(AzureDevOps {
            issuer: Issuer::new(devops_issuer.clone(), SigningKey::azure_devops(), 600),
            devops_issuer,
            access_token: super::ids::random_b64url(48),
            connections: Mutex::new(Vec::new()),
            mode: Mutex::new(IssuerMode::AzureDevOps),
        });
        let server =
            ServerThread::spawn(vec![(listener, azure_devops::router(Arc::clone(&state)))]);
        AzurePipelines {
            state,
            base,
            _server: server,
        }
    }

    fn issuer_state(&self) -> &Issuer {
        &self.state.issuer
    }

    issuer_controls!();

    /// Adds a service connection (workload identity federation) the pipeline may use.
    pub fn register_service_connection(&self, connection: ServiceConnection) {
        self.state.connections.lock().unwrap().push(connection);
    }

    /// The subject of tokens for connection `id` in the current issuer mode.
    pub fn subject_of(&self, id: &str) -> String {
        let connections = self.state.connections.lock().unwrap();
        let connection = connections
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no service connection {id}"));
        self.state.subject_of(connection)
    }

    /// Tokens from now on are Entra-issued (`{authority}/{tenant}/v2.0`, Entra's key).
    pub fn use_entra_issuer(&self, authority: &str, tenant_id: &str) {
        *self.state.issuer.issuer.lock().unwrap() = format!("{authority}/{tenant_id}/v2.0");
        *self.state.issuer.key.lock().unwrap() = SigningKey::test_only();
        *self.state.mode.lock().unwrap() = IssuerMode::Entra {
            authority: authority.to_owned(),
        };
    }

    /// The Azure DevOps issuer (`{server}/{organization id}`), whatever the mode.
    pub fn devops_issuer(&self) -> String {
        self.state.devops_issuer.clone()
    }

    /// `SYSTEM_OIDCREQUESTURI`.
    pub fn request_uri(&self) -> String {
        format!("{}{}", self.base, azure_devops::REQUEST_PATH)
    }

    /// `$(System.AccessToken)`.
    pub fn access_token(&self) -> String {
        self.state.access_token.clone()
    }

    /// What the agent sets (with `SYSTEM_ACCESSTOKEN` mapped, as the step must do).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TF_BUILD", "True".to_owned()),
            ("SYSTEM_OIDCREQUESTURI", self.request_uri()),
            ("SYSTEM_ACCESSTOKEN", self.access_token()),
        ]
    }
}

/// A GitLab instance as an OIDC issuer for `contoso/payments`.
pub struct GitLab {
    issuer: Arc<Issuer>,
    _server: ServerThread,
}

impl GitLab {
    pub fn start() -> GitLab {
        let (listener, base) = bind();
        let issuer = Issuer::new(base, SigningKey::gitlab(), 300);
        let server = ServerThread::spawn(vec![(listener, gitlab::router(Arc::clone(&issuer)))]);
        GitLab {
            issuer,
            _server: server,
        }
    }

    fn issuer_state(&self) -> &Issuer {
        &self.issuer
    }

    issuer_controls!();

    /// `project_path:contoso/payments:ref_type:branch:ref:main`.
    pub fn subject(&self) -> String {
        format!(
            "project_path:{}:ref_type:branch:ref:main",
            gitlab::PROJECT_PATH
        )
    }

    /// The token an `id_tokens: NAME: { aud: AUDIENCE }` entry puts in the job's variable.
    pub fn id_token(&self, audience: &str) -> String {
        let mut extra = Map::new();
        for (name, value) in [
            ("project_path", gitlab::PROJECT_PATH),
            ("namespace_path", "contoso"),
            ("ref", "main"),
            ("ref_type", "branch"),
            ("ref_protected", "true"),
            ("runner_environment", "gitlab-hosted"),
        ] {
            extra.insert(name.to_owned(), Value::String(value.to_owned()));
        }
        self.issuer
            .mint(&self.subject(), &Value::String(audience.to_owned()), extra)
    }
}
