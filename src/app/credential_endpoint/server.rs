//! The server both commands share: the listening socket, the request/refusal/answer loop per
//! connection, and the secrets a request must carry.

use std::net::{Ipv4Addr, SocketAddr};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::net::{TcpListener, TcpStream};

use super::http::{Connection, Incoming};
use super::reply::{self, Reply};
use super::request::{APP_SERVICE_PATH, Ask, IMDS_PATH, Policy, Refusal, Route, judge};
use crate::app::usecases::error::{EndpointError, Error};
use crate::app::usecases::token::endpoint_tokens::{EndpointTokens, resource_of};
use crate::ports::clock::Clock;
use crate::ports::random::Random;
use crate::ports::reporter::Reporter;

/// The most connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 64;

/// What the endpoint needs besides the token use case.
pub struct Hooks<'a> {
    /// Turns a use-case failure into one line for the child and for stderr (the front-end's
    /// wording; never a secret).
    pub describe: &'a dyn Fn(&Error) -> String,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub reporter: &'a dyn Reporter,
}

/// A bound endpoint, not yet serving.
pub struct Endpoint {
    listener: TcpListener,
    policy: Policy,
}

impl Endpoint {
    /// Binds 127.0.0.1 on a free port and draws the secrets (the `X-IDENTITY-HEADER` value and
    /// the IMDS path segment, 256 bits each). `allowed` are `--allow-resource` values.
    ///
    /// # Errors
    /// The port cannot be bound; the random generator failed.
    pub async fn bind(random: &dyn Random, allowed: &[String]) -> Result<Self, Error> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let failed = |e: std::io::Error| EndpointError::Listen {
            address: address.ip().to_string(),
            cause: e.to_string(),
        };
        let listener = TcpListener::bind(address).await.map_err(failed)?;
        let port = listener.local_addr().map_err(failed)?.port();
        let policy = Policy {
            port,
            header_secret: random.url_safe_token()?,
            imds_segment: random.url_safe_token()?,
            allowed: allowed.iter().map(|r| resource_of(r)).collect(),
        };
        Ok(Self { listener, policy })
    }

    /// `IDENTITY_ENDPOINT`.
    #[must_use]
    pub fn identity_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}{APP_SERVICE_PATH}", self.policy.port)
    }

    /// `IDENTITY_HEADER`.
    #[must_use]
    pub fn identity_header(&self) -> &str {
        &self.policy.header_secret
    }

    /// The IMDS-shaped URL (`ARM_MSI_ENDPOINT`); its path is the secret.
    #[must_use]
    pub fn imds_endpoint(&self) -> String {
        format!(
            "http://127.0.0.1:{}/{}{IMDS_PATH}",
            self.policy.port, self.policy.imds_segment
        )
    }

    /// Serves until the future is dropped (when the child exits).
    pub async fn serve(&self, tokens: &EndpointTokens<'_>, hooks: &Hooks<'_>) {
        let mut connections = FuturesUnordered::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    if connections.len() < MAX_CONNECTIONS {
                        connections.push(self.converse(stream, tokens, hooks));
                    }
                }
                Some(()) = connections.next(), if !connections.is_empty() => {}
            }
        }
    }

    /// Answers requests on one connection until it closes.
    async fn converse(&self, stream: TcpStream, tokens: &EndpointTokens<'_>, hooks: &Hooks<'_>) {
        let _ = stream.set_nodelay(true);
        let mut connection = Connection::new(stream);
        loop {
            let (reply, keep_alive) = match connection.next_request().await {
                Incoming::Closed => return,
                Incoming::Unusable { status, message } => {
                    (refusal(hooks, Route::AppService, status, message), false)
                }
                Incoming::Request { head, keep_alive } => match judge(&head, &self.policy) {
                    Ok(ask) => (self.answer(&ask, tokens, hooks).await, keep_alive),
                    Err(Refusal {
                        route,
                        status,
                        message,
                    }) => {
                        tracing::debug!(status, %message, "endpoint refused a request");
                        (refusal(hooks, route, status, &message), keep_alive)
                    }
                },
            };
            if connection.send(&reply, keep_alive).await.is_err() || !keep_alive {
                return;
            }
        }
    }

    async fn answer(&self, ask: &Ask, tokens: &EndpointTokens<'_>, hooks: &Hooks<'_>) -> Reply {
        match tokens.token(&ask.resource, ask.revoked.as_deref()).await {
            Ok(token) => {
                tracing::debug!(resource = %ask.resource, "endpoint served a token");
                reply::token(
                    &token,
                    &ask.resource,
                    &tokens.identity().client_id,
                    hooks.clock.now(),
                )
            }
            Err(error) => {
                let message = (hooks.describe)(&error);
                hooks.reporter.warn(&format!(
                    "exec: no token for {} given to the command: {message}",
                    ask.resource
                ));
                let status = reply::status_of(error.kind());
                refusal(hooks, ask.route, status, &message)
            }
        }
    }
}

fn refusal(hooks: &Hooks<'_>, route: Route, status: u16, message: &str) -> Reply {
    let correlation = hooks.random.uuid_v4().unwrap_or_default();
    reply::error(route, status, message, &correlation)
}
