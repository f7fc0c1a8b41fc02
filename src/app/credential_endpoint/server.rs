//! The server both commands share: the listening socket, who may connect (on Linux, `exec`
//! refuses other users' connections), how many connections are held and which one makes room
//! ([`super::connections`]), the request/refusal/answer loop per connection, and stopping
//! (finish what is in flight, close the rest).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::net::{TcpListener, TcpStream};

use super::cached_reply::TokenReplies;
use super::connections::{Phase, Slot, Slots};
use super::http::{Connection, Incoming};
use super::reply::{self, Reply};
use super::request::{
    APP_SERVICE_PATH, Ask, IMDS_PATH, Policy, Refusal, Route, is_health_check, judge,
};
use crate::app::composition::Services;
use crate::app::usecases::error::{EndpointError, Error};
use crate::app::usecases::token::endpoint_tokens::EndpointTokens;
use crate::domain::scopes::normalized_resource as resource_of;
use crate::domain::token::Token;
use crate::ports::clock::Clock;
use crate::ports::local_peers::{LocalPeers, PeerOwner};
use crate::ports::random::Random;
use crate::ports::reporter::Reporter;

/// The most connections held at once unless told otherwise (`serve --max-connections`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long stopping waits for requests in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(4);
/// How long to wait before accepting again after accept failed (out of file descriptors).
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// How the endpoint treats connections.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub max_connections: usize,
    /// Refuse connections whose client socket belongs to another user (exec, where the system
    /// can tell: Linux).
    pub same_user_only: bool,
}

/// What the endpoint needs besides the token use case.
pub struct Hooks<'a> {
    /// Turns a use-case failure into one line for the client and for stderr (the CLI's
    /// wording; never a secret).
    pub describe: &'a dyn Fn(&Error) -> String,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub reporter: &'a dyn Reporter,
    pub peers: &'a dyn LocalPeers,
    /// Told of every token served (`serve`'s audit lines).
    pub served: Option<&'a dyn Fn(&Served<'_>)>,
    /// The command, for warnings (`exec`, `serve`).
    pub command: &'static str,
}

impl<'a> Hooks<'a> {
    /// The hooks of `command` over the process's services.
    pub fn new(
        services: &'a Services,
        command: &'static str,
        describe: &'a dyn Fn(&Error) -> String,
        served: Option<&'a dyn Fn(&Served<'_>)>,
    ) -> Self {
        Self {
            describe,
            clock: &services.clock,
            random: &services.random,
            reporter: &services.reporter,
            peers: &services.peers,
            served,
            command,
        }
    }
}

/// A token given to a client.
pub struct Served<'a> {
    pub client: SocketAddr,
    /// The client socket's owner and process, when the client is local and visible.
    pub uid: Option<u32>,
    pub pid: Option<u32>,
    pub resource: &'a str,
    pub token: &'a Token,
}

/// The tokens the endpoint serves; replaced when `serve` re-reads its profile.
pub type CurrentTokens<'t> = RefCell<Rc<EndpointTokens<'t>>>;

/// A bound endpoint, not yet serving.
pub struct Endpoint {
    listener: Cell<Option<TcpListener>>,
    address: SocketAddr,
    policy: RefCell<Policy>,
    settings: Settings,
    warned_other_user: Cell<bool>,
    replies: TokenReplies,
}

impl Endpoint {
    /// `exec`'s: binds 127.0.0.1 on a free port and draws the secrets (the
    /// `X-IDENTITY-HEADER` value and the IMDS path segment, 256 bits each). `allowed` are
    /// `--allow-resource` values.
    ///
    /// # Errors
    /// The port cannot be bound; the random generator failed.
    pub async fn bind(random: &dyn Random, allowed: &[String]) -> Result<Self, Error> {
        let header = random.url_safe_token()?;
        let segment = random.url_safe_token()?;
        let settings = Settings {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            same_user_only: true,
        };
        Self::listen(
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            settings,
            |port| {
                Policy::loopback(
                    port,
                    header,
                    segment,
                    allowed.iter().map(|r| resource_of(r)).collect(),
                )
            },
        )
        .await
    }

    /// Binds `address` and makes the policy for the port it got.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn listen(
        address: SocketAddr,
        settings: Settings,
        policy: impl FnOnce(u16) -> Policy,
    ) -> Result<Self, Error> {
        let failed = |e: std::io::Error| EndpointError::Listen {
            address: address.to_string(),
            cause: e.to_string(),
        };
        let listener = TcpListener::bind(address).await.map_err(failed)?;
        let address = listener.local_addr().map_err(failed)?;
        Ok(Self {
            listener: Cell::new(Some(listener)),
            address,
            policy: RefCell::new(policy(address.port())),
            settings,
            warned_other_user: Cell::new(false),
            replies: TokenReplies::default(),
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `IDENTITY_ENDPOINT`.
    #[must_use]
    pub fn identity_endpoint(&self) -> String {
        format!("http://{}{APP_SERVICE_PATH}", self.address)
    }

    /// `IDENTITY_HEADER`.
    #[must_use]
    pub fn identity_header(&self) -> String {
        self.policy.borrow().header_secret.clone()
    }

    /// The IMDS-shaped URL (`ARM_MSI_ENDPOINT`); its path is the secret.
    #[must_use]
    pub fn imds_endpoint(&self) -> String {
        format!(
            "http://{}/{}{IMDS_PATH}",
            self.address,
            self.policy.borrow().imds_segment
        )
    }

    /// A new header (and IMDS segment) for the requests from now on (`serve`, SIGHUP).
    pub fn set_secret(&self, header: String, segment: String) {
        let mut policy = self.policy.borrow_mut();
        policy.header_secret = header;
        policy.imds_segment = segment;
    }

    /// Serves until `stop` resolves, then stops accepting, drops idle connections, lets the
    /// requests in flight finish (up to a few seconds) and returns. Serves only once.
    pub async fn serve(
        &self,
        tokens: &CurrentTokens<'_>,
        hooks: &Hooks<'_>,
        stop: impl Future<Output = ()>,
    ) {
        let Some(listener) = self.listener.take() else {
            return;
        };
        let slots = Slots::new(self.settings.max_connections);
        let mut connections = FuturesUnordered::new();
        let mut stop = std::pin::pin!(stop);
        loop {
            // When every connection is answering a request, newcomers wait in the listening
            // queue (they are not reset); look again shortly.
            let room = slots.has_room();
            tokio::select! {
                accepted = listener.accept(), if room => match accepted {
                    Ok((stream, client)) => {
                        if !self.admissible(&stream, client, hooks) {
                            continue;
                        }
                        if let Some(slot) = slots.admit() {
                            connections.push(self.converse(stream, client, slot, tokens, hooks));
                        }
                    }
                    Err(error) => {
                        tracing::debug!(%error, "the endpoint could not accept a connection");
                        tokio::time::sleep(ACCEPT_PAUSE).await;
                    }
                },
                Some(()) = connections.next(), if !connections.is_empty() => {}
                () = tokio::time::sleep(ACCEPT_PAUSE), if !room => {}
                () = &mut stop => break,
            }
        }
        drop(listener);
        slots.drop_all();
        let finish = async { while connections.next().await.is_some() {} };
        let _ = tokio::time::timeout(DRAIN_LIMIT, finish).await;
    }

    /// Whether a connection may be served: with `same_user_only`, its client socket must belong
    /// to this user (refused when the socket table names another, or no longer lists it).
    fn admissible(&self, stream: &TcpStream, client: SocketAddr, hooks: &Hooks<'_>) -> bool {
        if !self.settings.same_user_only {
            return true;
        }
        let Some(own) = hooks.peers.own_uid() else {
            return true;
        };
        let local = stream.local_addr().unwrap_or(self.address);
        match hooks.peers.owner(local, client) {
            PeerOwner::Uid(uid) if uid == own => true,
            PeerOwner::Unknown => true,
            PeerOwner::Gone => false,
            PeerOwner::Uid(uid) => {
                tracing::debug!(uid, "the endpoint refused a connection from another user");
                if !self.warned_other_user.replace(true) {
                    hooks.reporter.warn(&format!(
                        "{}: refused a connection to the credential endpoint from another user (uid {uid})",
                        hooks.command
                    ));
                }
                false
            }
        }
    }

    /// Answers requests on one connection until it closes, idles out or is dropped.
    async fn converse(
        &self,
        stream: TcpStream,
        client: SocketAddr,
        slot: Rc<Slot>,
        tokens: &CurrentTokens<'_>,
        hooks: &Hooks<'_>,
    ) {
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().unwrap_or(self.address);
        let mut connection = Connection::new(stream);
        let mut first = true;
        let mut who: Option<(Option<u32>, Option<u32>)> = None;
        loop {
            slot.set_phase(Phase::Waiting);
            let incoming = tokio::select! {
                incoming = connection.next_request(first, &slot) => incoming,
                () = slot.dropped() => return,
            };
            first = false;
            slot.set_phase(Phase::Busy);
            let (outgoing, keep_alive) = match incoming {
                Incoming::Closed => return,
                Incoming::Unusable { status, message } => (
                    Outgoing::Reply(refusal(hooks, Route::AppService, status, message)),
                    false,
                ),
                Incoming::Request { head, keep_alive } => {
                    let judged = {
                        let policy = self.policy.borrow();
                        if is_health_check(&head, &policy) {
                            None
                        } else {
                            Some(judge(&head, &policy))
                        }
                    };
                    match judged {
                        None => (Outgoing::Reply(reply::health()), keep_alive),
                        Some(Ok(ask)) => {
                            slot.trust();
                            let tokens = Rc::clone(&tokens.borrow());
                            match answer(&ask, &tokens, hooks).await {
                                Ok(token) => {
                                    if let Some(audit) = hooks.served {
                                        let (uid, pid) = *who.get_or_insert_with(|| {
                                            let uid = match hooks.peers.owner(local, client) {
                                                PeerOwner::Uid(uid) => Some(uid),
                                                PeerOwner::Gone | PeerOwner::Unknown => None,
                                            };
                                            (uid, hooks.peers.pid(local, client))
                                        });
                                        audit(&Served {
                                            client,
                                            uid,
                                            pid,
                                            resource: &ask.resource,
                                            token: &token,
                                        });
                                    }
                                    let now = hooks.clock.now();
                                    let client_id = &tokens.identity().client_id;
                                    let outgoing = if keep_alive && !slot.is_dropped() {
                                        Outgoing::Rendered(self.replies.keep_alive(
                                            &ask.resource,
                                            &token,
                                            client_id,
                                            now,
                                        ))
                                    } else {
                                        Outgoing::Reply(reply::token(
                                            &token,
                                            &ask.resource,
                                            client_id,
                                            now,
                                        ))
                                    };
                                    (outgoing, keep_alive)
                                }
                                Err(refused) => (Outgoing::Reply(refused), keep_alive),
                            }
                        }
                        Some(Err(Refusal {
                            route,
                            status,
                            message,
                        })) => {
                            tracing::debug!(status, %message, "endpoint refused a request");
                            (
                                Outgoing::Reply(refusal(hooks, route, status, &message)),
                                keep_alive,
                            )
                        }
                    }
                }
            };
            let keep_alive = keep_alive && !slot.is_dropped();
            let sent = match &outgoing {
                Outgoing::Reply(reply) => connection.send(reply, keep_alive).await,
                Outgoing::Rendered(bytes) => connection.send_bytes(bytes).await,
            };
            if sent.is_err() || !keep_alive {
                return;
            }
        }
    }
}

/// The token for an accepted request, or the reply that says why there is none.
async fn answer(
    ask: &Ask,
    tokens: &EndpointTokens<'_>,
    hooks: &Hooks<'_>,
) -> Result<Arc<Token>, Reply> {
    match tokens.token(&ask.resource, ask.revoked.as_deref()).await {
        Ok(token) => {
            tracing::trace!(resource = %ask.resource, "endpoint served a token");
            Ok(token)
        }
        Err(error) => {
            let message = (hooks.describe)(&error);
            hooks.reporter.warn(&format!(
                "{}: no token for {} given to the {}: {message}",
                hooks.command,
                ask.resource,
                if hooks.command == "exec" {
                    "command"
                } else {
                    "client"
                }
            ));
            let status = reply::status_of(error.kind());
            Err(refusal(hooks, ask.route, status, &message))
        }
    }
}

/// What goes back on the connection.
enum Outgoing {
    Reply(Reply),
    /// A whole keep-alive response, rendered once for many.
    Rendered(Rc<[u8]>),
}

fn refusal(hooks: &Hooks<'_>, route: Route, status: u16, message: &str) -> Reply {
    let correlation = hooks.random.uuid_v4().unwrap_or_default();
    reply::error(route, status, message, &correlation)
}
