//! An independent authorization server for end-to-end tests: panva `oidc-provider` 9.x (an
//! OpenID-certified implementation) with Entra v2.0 URL shapes, from `tests/peers/oidc-provider`
//! (see `server.mjs` there). One tenant per process, loopback only, state in memory.
//!
//! ```ignore
//! let peer = OidcPeer::start(PeerOptions::new());
//! // AZURE_AUTHORITY_HOST = peer.authority(), AZURE_TENANT_ID = peer.tenant()
//! ```
//!
//! The Node packages come from `package-lock.json` via `.ci/run`'s npm step. Tests that use the
//! peer are `#[ignore]`d with that reason, so plain `cargo test` lists them as ignored; run with
//! `--ignored`, `start` panics with the install command when the packages are missing.

// A harness for several test modules: not every module uses every accessor.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The public native client: auth code + PKCE (any loopback port), refresh token, device code.
pub const PUBLIC_CLIENT: &str = "cli-public";
/// The confidential client with a secret (`client_secret_post` or `client_secret_basic`).
pub const SECRET_CLIENT: &str = "app-secret";
pub const CLIENT_SECRET: &str = "Xy7~Q.secret_value-0123456789ABCDEFGHIJ";
/// The `private_key_jwt` client; its key is the certificate given as `PeerOptions::pkjwt_cert`.
pub const CERT_CLIENT: &str = "app-cert";

/// How long the peer may take to print its port (it takes about 0.3 s).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `tests/peers/oidc-provider`: server.mjs, login.mjs, device-approve.mjs and node_modules.
pub fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/oidc-provider")
}

/// `login.mjs`: a `$BROWSER` for the CLI that signs in through headless Chromium.
pub fn login_script() -> PathBuf {
    peer_dir().join("login.mjs")
}

/// `device-approve.mjs <verification_uri> <user_code>`: approves a device code.
pub fn device_approve_script() -> PathBuf {
    peer_dir().join("device-approve.mjs")
}

/// `server.mjs` options.
#[derive(Clone, Debug)]
pub struct PeerOptions {
    /// The tenant path segment (default `tenant-a`).
    pub tenant: String,
    /// PEM certificate whose public key authenticates `app-cert` (`--pkjwt-cert`). `None`: the
    /// shared fixture `certs::shared().cert_pem()` (whose key is `key.pem`).
    pub pkjwt_cert: Option<PathBuf>,
    /// Adds `interval` to device-code responses (`--device-interval`); stock has none.
    pub device_interval: Option<u32>,
    /// Extra resource ids besides Graph, ARM and `api://example` (`--resource`).
    pub resources: Vec<String>,
}

impl Default for PeerOptions {
    fn default() -> Self {
        Self {
            tenant: "tenant-a".to_owned(),
            pkjwt_cert: None,
            device_interval: None,
            resources: Vec::new(),
        }
    }
}

impl PeerOptions {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn tenant(mut self, tenant: &str) -> Self {
        self.tenant = tenant.to_owned();
        self
    }

    pub fn pkjwt_cert(mut self, cert: impl Into<PathBuf>) -> Self {
        self.pkjwt_cert = Some(cert.into());
        self
    }

    pub fn device_interval(mut self, seconds: u32) -> Self {
        self.device_interval = Some(seconds);
        self
    }

    pub fn resource(mut self, resource: &str) -> Self {
        self.resources.push(resource.to_owned());
        self
    }
}

/// A running `server.mjs`; killed on drop. If the thread is panicking at drop (a failed
/// assertion), the server's stderr is printed, since error details never reach the client.
pub struct OidcPeer {
    child: Child,
    port: u16,
    authority: String,
    tenant: String,
    issuer: String,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl OidcPeer {
    /// Starts the peer. Panics if its Node packages are not installed or it does not come up in
    /// two tries (a Node start now and then stalls past the timeout on a loaded machine: seen
    /// once in about ten CI runs, the next start then took a second).
    pub fn start(opts: PeerOptions) -> OidcPeer {
        Self::launch(&opts).unwrap_or_else(|first| {
            eprintln!("oidc-provider peer: starting it once more after: {first}");
            Self::launch(&opts).unwrap_or_else(|second| panic!("{second}"))
        })
    }

    /// One start of the peer; the error says what it printed when it did not come up.
    fn launch(opts: &PeerOptions) -> Result<OidcPeer, String> {
        let dir = peer_dir();
        assert!(
            dir.join("node_modules").join("oidc-provider").is_dir(),
            "the oidc-provider peer is not installed ({}/node_modules is missing): run \
             `(cd tests/peers/oidc-provider && npm ci --no-audit --no-fund)` or `.ci/run`",
            dir.display()
        );

        let cert = match &opts.pkjwt_cert {
            Some(cert) => cert.clone(),
            None => crate::certs::shared().cert_pem(),
        };
        let mut cmd = Command::new("node");
        // ESM resolves packages from the script's directory; NODE_PATH is ignored.
        cmd.current_dir(&dir)
            .arg("server.mjs")
            .args(["--tenant", &opts.tenant, "--port", "0"])
            .arg("--pkjwt-cert")
            .arg(&cert)
            .env_remove("NODE_OPTIONS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(interval) = opts.device_interval {
            cmd.args(["--device-interval", &interval.to_string()]);
        }
        for resource in &opts.resources {
            cmd.args(["--resource", resource]);
        }

        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `node` for the oidc-provider peer: {e}"));

        // Collect stderr for the whole life of the process.
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });

        // Lines 1 and 2 on stdout, with a timeout; keep draining afterwards.
        let out_pipe = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out_pipe).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Nobody listens any more; keep reading so the pipe never fills up.
                    continue;
                }
            }
        });
        let mut next_line = |what: &str| -> Result<String, String> {
            let left = START_TIMEOUT.saturating_sub(started.elapsed());
            rx.recv_timeout(left).map_err(|e| {
                let _ = child.kill();
                let status = child.wait().ok();
                // Let the stderr reader catch up with the last words.
                std::thread::sleep(Duration::from_millis(100));
                format!(
                    "oidc-provider peer did not print its {what} ({e}; exit {status:?}); stderr:\n{}",
                    String::from_utf8_lossy(&stderr.lock().unwrap())
                )
            })
        };
        let port_line = next_line("port")?;
        let info_line = next_line("authority line")?;
        let port: u16 = port_line
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("peer stdout line 1 is not a port ({e}): {port_line:?}"));
        let field = |name: &str| -> String {
            info_line
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("peer stdout line 2 lacks {name}=: {info_line:?}"))
                .to_owned()
        };
        let peer = OidcPeer {
            port,
            authority: field("authority"),
            tenant: field("tenant"),
            issuer: field("issuer"),
            child,
            stderr,
        };
        assert_eq!(peer.authority, format!("http://127.0.0.1:{port}"));
        assert_eq!(peer.tenant, opts.tenant);
        eprintln!(
            "oidc-provider peer on port {port} (tenant {}), up in {:?}",
            peer.tenant,
            started.elapsed()
        );
        Ok(peer)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`: the value for `AZURE_AUTHORITY_HOST`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// `http://127.0.0.1:PORT/<tenant>/v2.0`: the `iss` of its tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `http://127.0.0.1:PORT/<tenant>/oauth2/v2.0/token`: also an accepted client-assertion `aud`.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant)
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/authorize", self.authority, self.tenant)
    }

    pub fn device_code_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/devicecode", self.authority, self.tenant)
    }

    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/{}/discovery/v2.0/keys", self.authority, self.tenant)
    }

    /// Everything the server wrote to stderr so far: oidc-provider's start-up warnings and one
    /// `[grant.error] …` line per rejected request, with the `error_detail` clients never see.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits up to `timeout` for `needle` to appear in the server's stderr (it is read on a
    /// background thread, so a line may land just after the response).
    pub fn wait_for_stderr(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stderr().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- oidc-provider peer stderr (port {}) ---\n{}--- end of peer stderr ---",
                self.port,
                self.stderr()
            );
        }
    }
}
