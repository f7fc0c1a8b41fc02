//! Runs `exec`'s child with tokio: the environment changed as asked, the interrupt, terminate,
//! hang-up and quit signals passed on while it runs, and its end reported.

use std::ffi::OsString;
use std::io;

use async_trait::async_trait;
use tokio::process::{Child, Command};

use crate::ports::child_process::{ChildCommand, ChildExit, ChildRunner, SpawnError};

/// The real child runner.
pub struct TokioChildRunner;

#[async_trait(?Send)]
impl ChildRunner for TokioChildRunner {
    async fn run(&self, command: &ChildCommand) -> Result<ChildExit, SpawnError> {
        let program = command.program.to_string_lossy().into_owned();
        let failed = |error: &io::Error| SpawnError {
            program: program.clone(),
            reason: error.to_string(),
            not_found: error.kind() == io::ErrorKind::NotFound,
        };
        let mut child_command = Command::new(&command.program);
        child_command.args(&command.args);
        for name in &command.remove {
            child_command.env_remove(name);
        }
        for (name, value) in &command.set {
            child_command.env(name, value);
        }
        if let Some(prefix) = &command.path_prefix {
            child_command.env(
                "PATH",
                prefixed_path(prefix.as_os_str()).map_err(|e| failed(&e))?,
            );
        }
        // Listen before the child exists, so no signal meant for it can end this process.
        let forwarding = Forwarding::listen();
        let mut child = child_command.spawn().map_err(|e| failed(&e))?;
        forwarding.wait(&mut child).await.map_err(|e| failed(&e))
    }
}

/// `PATH` with `first` in front.
fn prefixed_path(first: &std::ffi::OsStr) -> io::Result<OsString> {
    let mut paths = vec![std::path::PathBuf::from(first)];
    if let Some(old) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

#[cfg(unix)]
struct Forwarding {
    streams: Vec<(tokio::signal::unix::Signal, rustix::process::Signal)>,
}

#[cfg(unix)]
impl Forwarding {
    fn listen() -> Self {
        use rustix::process::Signal as Sig;
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            (SignalKind::interrupt(), Sig::INT),
            (SignalKind::terminate(), Sig::TERM),
            (SignalKind::hangup(), Sig::HUP),
            (SignalKind::quit(), Sig::QUIT),
        ];
        let streams = kinds
            .into_iter()
            .filter_map(|(kind, sig)| match signal(kind) {
                Ok(stream) => Some((stream, sig)),
                Err(error) => {
                    tracing::debug!(%error, "cannot listen for a signal to pass on");
                    None
                }
            })
            .collect();
        Self { streams }
    }

    async fn wait(mut self, child: &mut Child) -> io::Result<ChildExit> {
        if self.streams.is_empty() {
            return child.wait().await.map(exit_of);
        }
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw);
        loop {
            let received =
                futures_util::future::select_all(self.streams.iter_mut().map(|(stream, sig)| {
                    Box::pin(async move { stream.recv().await.map(|()| *sig) })
                }));
            let signal = tokio::select! {
                status = child.wait() => return status.map(exit_of),
                (signal, _, _) = received => signal,
            };
            if let (Some(pid), Some(signal)) = (pid, signal) {
                tracing::debug!(?signal, "passing a signal on to the child");
                let _ = rustix::process::kill_process(pid, signal);
            }
        }
    }
}

#[cfg(not(unix))]
struct Forwarding;

#[cfg(not(unix))]
impl Forwarding {
    fn listen() -> Self {
        Self
    }

    async fn wait(self, child: &mut Child) -> io::Result<ChildExit> {
        child.wait().await.map(exit_of)
    }
}

fn exit_of(status: std::process::ExitStatus) -> ChildExit {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return ChildExit::Signal(signal);
        }
    }
    ChildExit::Code(status.code().unwrap_or(1))
}
