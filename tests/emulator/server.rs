//! The HTTP servers: the Entra routes, and the thread with its own tokio runtime that serves
//! every listener of one emulator (Entra, IMDS, App Service) until stopped.

use super::connection::{ConnHandle, KillableListener};
use super::discovery;
use super::graph;
use super::state::Shared;
use super::token_endpoint;
use super::users::{authorize, devicecode};
use axum::Router;
use axum::routing::{any, get};
use std::future::IntoFuture as _;
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", any(token_endpoint::token))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            any(devicecode::devicecode),
        )
        .route("/{tenant}/devicelogin", any(devicecode::devicelogin))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route("/{tenant}/discovery/instance", get(discovery::instance))
        .route("/v1.0/applications", get(graph::applications))
        .route("/v1.0/organization", get(graph::organization))
        .with_state(shared)
}

/// A running server; `stop` (or drop) ends it and joins its thread.
pub struct ServerThread {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Serves each router on its already bound (listening) socket, so callers can connect at once.
    pub fn spawn(listeners: Vec<(std::net::TcpListener, Router)>) -> ServerThread {
        for (listener, _) in &listeners {
            listener
                .set_nonblocking(true)
                .expect("the listener can be made non-blocking");
        }
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("entra-emulator".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the emulator runtime starts");
                runtime.block_on(async move {
                    for (listener, router) in listeners {
                        let listener = tokio::net::TcpListener::from_std(listener)
                            .expect("the listener registers with tokio");
                        let app = router.into_make_service_with_connect_info::<ConnHandle>();
                        let serve = axum::serve(KillableListener(listener), app).into_future();
                        tokio::spawn(serve);
                    }
                    let _ = stop_rx.await;
                });
                // Dropping the runtime drops every task: the servers, and the connection tasks,
                // so open keep-alive connections and slow requests end here too.
                drop(runtime);
            })
            .expect("the emulator thread starts");
        ServerThread {
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop();
    }
}
