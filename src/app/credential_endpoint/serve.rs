//! `serve`: the credential endpoint as a long-running sidecar for any process that has the
//! identity header: announces `IDENTITY_ENDPOINT=…` on stdout, refreshes the tokens it has served
//! ahead of expiry (off the request path), writes an audit line per served token, re-reads the
//! profile and the header file on SIGHUP, and stops gracefully on SIGTERM/SIGINT.

use std::cell::RefCell;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use serde_json::json;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::request::Policy;
use super::server::{CurrentTokens, Endpoint, Hooks, Served, Settings};
use crate::app::composition::Services;
use crate::app::usecases::endpoint::ServeRequest;
use crate::app::usecases::error::{EndpointError, Error};
use crate::app::usecases::token::endpoint_tokens::{EndpointIdentity, EndpointTokens, sha256_hex};
use crate::domain::env_vars::EnvVars;
use crate::domain::scopes::normalized_resource as resource_of;
use crate::domain::text::printable_line;
use crate::ports::env::Env;
use crate::ports::random::Random;
use crate::ports::reporter::Reporter;

/// How often remembered tokens are looked at for a refresh.
const REFRESH_TICK: Duration = Duration::from_secs(1);
/// The shortest header accepted (256 random bits are 43 characters in base64url).
const MIN_HEADER_LEN: usize = 32;
/// The longest header accepted.
const MAX_HEADER_LEN: usize = 1024;
/// Hex digits of the token's SHA-256 in an audit line.
const AUDIT_HASH_LEN: usize = 16;

/// Runs `serve` until SIGTERM or SIGINT; exit code 0 then.
///
/// # Errors
/// No usable header; the profile or its first token; the address cannot be bound; the audit log
/// cannot be opened.
pub fn run(
    request: &ServeRequest,
    services: &Services,
    describe: &dyn Fn(&Error) -> String,
) -> Result<u8, Error> {
    let ports = services.token_ports();
    services.run_async(async {
        let header = read_header(request, services, true)?;
        let mut signals = Signals::listen()?;
        let tokens = EndpointTokens::start(&ports, request.token.clone()).await?;
        let audit = match &request.audit_log {
            Some(path) => Some(RefCell::new(services.open_audit_log(path).map_err(|e| {
                EndpointError::AuditLog {
                    path: path.display().to_string(),
                    cause: e.to_string(),
                }
            })?)),
            None => None,
        };
        let settings = Settings {
            max_connections: request.max_connections,
            same_user_only: false,
        };
        let allowed = request.allow_resource.iter().map(|r| resource_of(r)).collect();
        let host_names = host_names(request.listen, &request.host_names);
        let endpoint = Endpoint::listen(request.listen, settings, |port| Policy {
            port,
            header_secret: header.clone(),
            imds_segment: header.clone(),
            allowed,
            host_names,
            health: true,
        })
        .await?;
        announce(&endpoint);
        services.reporter.progress(&format!(
            "serve: {}",
            serving_notice(tokens.identity(), &endpoint, request)
        ));
        let write_audit = |served: &Served<'_>| {
            let line = audit_line(served, services);
            if let Some(file) = &audit {
                let mut file = file.borrow_mut();
                if let Err(e) = file.write_all(line.as_bytes()) {
                    services
                        .reporter
                        .warn(&format!("serve: cannot write the audit log: {e}"));
                }
            }
            if request.verbose {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        };
        // Looking the client up (socket table, process list) costs: only for a sink.
        let served = (audit.is_some() || request.verbose)
            .then_some(&write_audit as &dyn Fn(&Served<'_>));
        let hooks = Hooks::new(services, "serve", describe, served);
        let current: CurrentTokens<'_> = RefCell::new(Rc::new(tokens));
        let (stop, hang_ups) = signals.split();
        let reload = async {
            while hang_ups.recv().await.is_some() {
                reload(request, services, &ports, &endpoint, &current, describe).await;
            }
            std::future::pending::<()>().await;
        };
        let refresh = async {
            loop {
                tokio::time::sleep(REFRESH_TICK).await;
                let tokens = Rc::clone(&current.borrow());
                for (scope, error) in tokens.refresh_due().await {
                    services.reporter.warn(&format!(
                        "serve: could not refresh the token for {scope} ahead of expiry (the current one is served until then): {}",
                        describe(&error)
                    ));
                }
            }
        };
        tokio::select! {
            () = endpoint.serve(&current, &hooks, stop) => {}
            () = reload => {}
            () = refresh => {}
        }
        Ok(0)
    })?
}

/// `IDENTITY_ENDPOINT=…` as the first and only line on stdout.
fn announce(endpoint: &Endpoint) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}={}",
        EnvVars::IDENTITY_ENDPOINT,
        endpoint.identity_endpoint()
    );
    let _ = out.flush();
}

/// What serve is doing, for its stderr: whose tokens, where, for whom, how to stop.
fn serving_notice(
    identity: &EndpointIdentity,
    endpoint: &Endpoint,
    request: &ServeRequest,
) -> String {
    let who = match &identity.user {
        Some(user) => format!("{} (app {})", printable_line(user), identity.client_id),
        None => format!("app {}", identity.client_id),
    };
    let header = match &request.header_file {
        Some(path) => format!(
            "the header in {}",
            printable_line(&path.display().to_string())
        ),
        None => format!("the header in {}", EnvVars::ENTRA_AUTH_IDENTITY_HEADER),
    };
    format!(
        "tokens of profile `{}` ({who}, tenant {}) at {} for clients that send {header}; SIGHUP reloads, SIGTERM or Ctrl-C stops",
        printable_line(&identity.profile),
        identity.tenant_id,
        endpoint.identity_endpoint(),
    )
}

/// SIGHUP: the header file and the profile again. A failure keeps what was in use.
async fn reload<'t>(
    request: &ServeRequest,
    services: &Services,
    ports: &'t crate::app::usecases::token::acquire::TokenPorts<'t>,
    endpoint: &Endpoint,
    current: &CurrentTokens<'t>,
    describe: &dyn Fn(&Error) -> String,
) {
    let warn = |what: &str, error: &Error| {
        services.reporter.warn(&format!(
            "serve: SIGHUP: kept the {what} in use: {}",
            describe(error)
        ));
    };
    match read_header(request, services, false) {
        Ok(header) => endpoint.set_secret(header.clone(), header),
        Err(error) => warn("identity header", &error),
    }
    ports.profiles.reload();
    match EndpointTokens::start(ports, request.token.clone()).await {
        Ok(tokens) => {
            let before = current.borrow().identity().clone();
            let after = tokens.identity();
            let changed = if (&before.client_id, &before.tenant_id, &before.user)
                == (&after.client_id, &after.tenant_id, &after.user)
            {
                String::new()
            } else {
                format!(
                    " (a different identity: it was app {}, tenant {})",
                    before.client_id, before.tenant_id
                )
            };
            services.reporter.progress(&format!(
                "serve: SIGHUP: reloaded; {}{changed}",
                serving_notice(after, endpoint, request)
            ));
            *current.borrow_mut() = Rc::new(tokens);
        }
        Err(error) => {
            // The tokens in use read the profile on every request: give them the file as it was.
            ports.profiles.revert();
            warn("profile", &error);
        }
    }
}

/// The header from `--header-file` (created when missing and `create`), else
/// `ENTRA_AUTH_IDENTITY_HEADER`.
fn read_header(request: &ServeRequest, services: &Services, create: bool) -> Result<String, Error> {
    let (header, source_name) = match &request.header_file {
        Some(path) => {
            let failed = |e: std::io::Error| EndpointError::HeaderFile {
                path: path.display().to_string(),
                cause: e.to_string(),
            };
            let header = if create {
                services.read_or_create_header_file(path, || {
                    services
                        .random
                        .url_safe_token()
                        .map_err(|e| std::io::Error::other(e.to_string()))
                })
            } else {
                services.read_header_file(path)
            }
            .map_err(failed)?;
            (header, path.display().to_string())
        }
        None => match services.env.non_empty(EnvVars::ENTRA_AUTH_IDENTITY_HEADER) {
            Some(header) => (header, EnvVars::ENTRA_AUTH_IDENTITY_HEADER.to_owned()),
            None => return Err(EndpointError::NoHeader.into()),
        },
    };
    let header = header.trim().to_owned();
    let usable = (MIN_HEADER_LEN..=MAX_HEADER_LEN).contains(&header.len())
        && header.bytes().all(|b| b.is_ascii_graphic());
    if usable {
        Ok(header)
    } else {
        Err(EndpointError::BadHeader { source_name }.into())
    }
}

/// The names `Host` may carry: the listening address (`localhost` too on loopback; on every
/// address, the loopback names its local clients use, which no rebound DNS name can be) and
/// `--host-name`s.
fn host_names(listen: SocketAddr, extra: &[String]) -> Vec<String> {
    let mut names = vec![match listen.ip() {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    }];
    if listen.ip().is_unspecified() {
        names.extend(["127.0.0.1", "[::1]"].map(str::to_owned));
    }
    if listen.ip().is_loopback() || listen.ip().is_unspecified() {
        names.push("localhost".to_owned());
    }
    names.extend(extra.iter().map(|n| n.to_ascii_lowercase()));
    names
}

/// One JSON line: when, who (address; pid and uid when local), what, until when, and a short
/// SHA-256 of the token (never the token).
fn audit_line(served: &Served<'_>, services: &Services) -> String {
    let now = crate::ports::clock::Clock::now(&services.clock);
    let time =
        jiff::Timestamp::from_second(now).map_or_else(|_| now.to_string(), |t| t.to_string());
    let hash = sha256_hex(served.token);
    let line = json!({
        "time": time,
        "client": served.client.to_string(),
        "pid": served.pid,
        "uid": served.uid,
        "resource": served.resource,
        "expires_on": served.token.expires_on,
        "token_sha256": hash.get(..AUDIT_HASH_LEN).unwrap_or_default(),
    });
    format!("{line}\n")
}

/// SIGTERM and SIGINT (stop), SIGHUP (reload), listened for before the endpoint is announced.
struct Signals {
    terminate: Signal,
    interrupt: Signal,
    hang_up: Signal,
}

impl Signals {
    fn listen() -> Result<Self, Error> {
        let failed = |e: std::io::Error| EndpointError::Signals {
            cause: e.to_string(),
        };
        Ok(Self {
            terminate: signal(SignalKind::terminate()).map_err(failed)?,
            interrupt: signal(SignalKind::interrupt()).map_err(failed)?,
            hang_up: signal(SignalKind::hangup()).map_err(failed)?,
        })
    }

    /// A future that resolves at the first SIGTERM or SIGINT, and the SIGHUP stream.
    fn split(&mut self) -> (impl std::future::Future<Output = ()> + '_, HangUps<'_>) {
        let (terminate, interrupt) = (&mut self.terminate, &mut self.interrupt);
        let stop = async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        };
        (stop, HangUps(RefCell::new(&mut self.hang_up)))
    }
}

/// SIGHUPs as they come.
struct HangUps<'a>(RefCell<&'a mut Signal>);

impl HangUps<'_> {
    #[allow(clippy::await_holding_refcell_ref)]
    async fn recv(&self) -> Option<()> {
        // Only the reload loop receives: the borrow is never contended.
        self.0.borrow_mut().recv().await
    }
}
