//! Runs `exec`'s child with tokio: the environment changed as asked, the interrupt, terminate,
//! hang-up and quit signals passed on while it runs, and its end reported. Nothing it started
//! outlives it: the child runs in its own process group (unless stdin is a terminal, where it
//! stays in exec's so that job control and terminal reads keep working), this process is the
//! "child subreaper" of everything below it (Linux), and when the child ends, its group and
//! every orphaned descendant get SIGTERM, then SIGKILL after a grace period, before `run`
//! returns; until then the credential endpoint keeps its port, so no one else can take it while
//! a descendant still holds `IDENTITY_ENDPOINT`. On Linux the child also gets SIGTERM if this
//! process dies first (`kill -9`): it is started through this binary as a launcher
//! ([`LAUNCHER_NAME`]) that sets the parent-death signal and then execs the command (no unsafe
//! `pre_exec` needed); and a watchdog ([`WATCHDOG_NAME`]) ends the rest of its group then.

use std::ffi::OsString;
use std::io;

use async_trait::async_trait;
use tokio::process::Child;

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
        let path = match &command.path_prefix {
            Some(prefix) => Some(prefixed_path(prefix.as_os_str()).map_err(|e| failed(&e))?),
            None => std::env::var_os("PATH"),
        };
        let mut child_command =
            launcher::command(&command.program, path.as_deref()).map_err(|e| failed(&e))?;
        child_command.args(&command.args);
        for name in &command.remove {
            child_command.env_remove(name);
        }
        for (name, value) in &command.set {
            child_command.env(name, value);
        }
        if let (Some(_), Some(path)) = (&command.path_prefix, &path) {
            child_command.env("PATH", path);
        }
        let own_group = !std::io::IsTerminal::is_terminal(&std::io::stdin());
        #[cfg(unix)]
        if own_group {
            child_command.process_group(0);
        }
        descendants::adopt_orphans();
        // Listen before the child exists, so no signal meant for it can end this process.
        let forwarding = Forwarding::listen();
        let mut child = child_command.spawn().map_err(|e| failed(&e))?;
        let group = own_group.then(|| child.id()).flatten();
        let watchdog = group.and_then(watchdog::start);
        let exit = forwarding.wait(&mut child).await.map_err(|e| failed(&e));
        descendants::end(group, watchdog.as_ref().map(watchdog::Watchdog::pid)).await;
        if let Some(watchdog) = watchdog {
            watchdog.release();
        }
        exit
    }
}

/// What the child leaves behind.
#[cfg(unix)]
mod descendants {
    use std::time::Duration;

    use rustix::process::{Pid, Signal, WaitOptions};

    /// How long descendants get to end after SIGTERM, before SIGKILL.
    const GRACE: Duration = Duration::from_secs(2);
    /// How long to keep ending descendants that keep appearing.
    const LIMIT: Duration = Duration::from_secs(5);
    const POLL: Duration = Duration::from_millis(20);
    /// The most `/proc` entries looked at per round.
    const PROCESS_LIMIT: usize = 65_536;

    /// Orphaned descendants become this process's children (Linux), so they can be found and
    /// ended when the command ends.
    pub fn adopt_orphans() {
        #[cfg(target_os = "linux")]
        if let Err(error) = rustix::process::set_child_subreaper(Some(rustix::process::getpid())) {
            tracing::debug!(%error, "cannot become the subreaper of the command's processes");
        }
    }

    /// Ends the process group `group` (the child's) and every remaining child of this process
    /// (orphans the subreaper adopted) but `spare` (the watchdog): SIGTERM, SIGKILL after
    /// [`GRACE`]; reaps them.
    pub async fn end(group: Option<u32>, spare: Option<u32>) {
        let group = group
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw);
        let start = tokio::time::Instant::now();
        let mut signal = Signal::TERM;
        let mut signalled: Vec<Pid> = Vec::new();
        loop {
            if signal == Signal::TERM && start.elapsed() >= GRACE {
                signal = Signal::KILL;
                signalled.clear();
            }
            if let Some(group) = group {
                // ESRCH once the group is empty.
                if rustix::process::kill_process_group(group, signal).is_err()
                    && children().iter().all(|pid| {
                        spare.is_some_and(|s| {
                            u32::try_from(pid.as_raw_nonzero().get()).ok() == Some(s)
                        })
                    })
                {
                    reap();
                    return;
                }
            }
            let remaining: Vec<Pid> = children()
                .into_iter()
                .filter(|pid| {
                    spare.is_none_or(|s| u32::try_from(pid.as_raw_nonzero().get()).ok() != Some(s))
                })
                .collect();
            if remaining.is_empty() && group.is_none() {
                reap();
                return;
            }
            for pid in remaining {
                if !signalled.contains(&pid) {
                    let _ = rustix::process::kill_process(pid, signal);
                    signalled.push(pid);
                }
            }
            reap();
            if start.elapsed() >= LIMIT {
                tracing::debug!("some of the command's processes did not end");
                return;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Collects every ended child, in any process group (the command itself was waited for
    /// already; orphans it left are in its group, which `waitpid(None)`, this process's group
    /// only, would never collect).
    fn reap() {
        while let Ok(Some(_)) = rustix::process::wait(WaitOptions::NOHANG) {}
    }

    /// This process's children that are still running (zombies are reaped, not listed).
    fn children() -> Vec<Pid> {
        let own = rustix::process::getpid().as_raw_nonzero().get();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .take(PROCESS_LIMIT)
            .filter_map(|entry| {
                let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
                let mut rest = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
                let state = rest.next()?;
                let ppid: i32 = rest.next()?.parse().ok()?;
                (ppid == own && state != "Z")
                    .then(|| Pid::from_raw(pid))
                    .flatten()
            })
            .collect()
    }
}

#[cfg(not(unix))]
mod descendants {
    pub fn adopt_orphans() {}
    pub async fn end(_group: Option<u32>, _spare: Option<u32>) {}
}

/// The argv[0] this binary is started with as the watchdog of the child's process group.
pub const WATCHDOG_NAME: &str = "entra-auth-cli-exec-watchdog";

/// What ends the command's process group when exec itself is killed (`kill -9`): the
/// parent-death signal reaches only the command, not what it started in the background. A
/// second process, this binary as [`WATCHDOG_NAME`], holds a pipe from exec: a byte on it
/// means exec ended the group itself; end of file means exec is gone, and the watchdog ends
/// the group (SIGTERM, SIGKILL after the grace period). Started only when the command has a
/// group of its own (stdin is not a terminal) on Linux.
mod watchdog {
    use std::io::Write as _;
    use std::process::{Child, Command, Stdio};

    pub struct Watchdog {
        child: Child,
    }

    impl Watchdog {
        pub fn pid(&self) -> u32 {
            self.child.id()
        }

        /// Tells the watchdog the group is ended, and collects it.
        pub fn release(mut self) {
            if let Some(mut pipe) = self.child.stdin.take() {
                let _ = pipe.write_all(b"x");
            }
            let _ = self.child.wait();
        }
    }

    /// Starts the watchdog of `group`; `None` where it cannot run (it is a safety net: exec
    /// still ends the group itself).
    pub fn start(group: u32) -> Option<Watchdog> {
        let this = std::path::Path::new("/proc/self/exe");
        if !cfg!(target_os = "linux") || !this.exists() {
            return None;
        }
        let mut command = Command::new(this);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::arg0(&mut command, super::WATCHDOG_NAME);
        // It needs nothing from the environment, and so gets none of its secrets.
        command
            .env_clear()
            .arg(group.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match command.spawn() {
            Ok(child) => Some(Watchdog { child }),
            Err(error) => {
                tracing::debug!(%error, "cannot start the watchdog of the command's group");
                None
            }
        }
    }
}

/// The watchdog's side (`main.rs`, through the credential endpoint front-end, when argv[0] is
/// [`WATCHDOG_NAME`]): `WATCHDOG_NAME PGID`, stdin the pipe from exec. Returns the exit code.
#[must_use]
pub fn watch(args: &[OsString]) -> u8 {
    use std::io::Read as _;
    let Some(group) = args
        .get(1)
        .and_then(|g| g.to_str())
        .and_then(|g| g.parse::<i32>().ok())
    else {
        eprintln!("{WATCHDOG_NAME}: started without its process group");
        return 2;
    };
    let mut byte = [0u8; 1];
    loop {
        match std::io::stdin().read(&mut byte) {
            Ok(0) => break,
            Ok(_) => return 0,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    // exec is gone without ending the group.
    #[cfg(unix)]
    if let Some(group) = rustix::process::Pid::from_raw(group) {
        use rustix::process::{Signal, kill_process_group, test_kill_process_group};
        let _ = kill_process_group(group, Signal::TERM);
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(2) {
            if test_kill_process_group(group).is_err() {
                return 0;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = kill_process_group(group, Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = group;
    0
}

/// The argv[0] this binary is started with as the child's launcher.
pub const LAUNCHER_NAME: &str = "entra-auth-cli-exec-child";

/// The launcher's side (`main.rs`, through the credential endpoint front-end, when argv[0] is
/// [`LAUNCHER_NAME`]): `LAUNCHER_NAME PARENT_PID PATH ARGV0 ARGS…`. Sets SIGTERM as the
/// parent-death signal, checks the parent is still the one that started it, and execs PATH.
/// Returns only on failure: the exit code.
#[must_use]
pub fn launched(args: Vec<OsString>) -> u8 {
    let mut args = args.into_iter().skip(1);
    let (Some(parent), Some(path), Some(argv0)) = (args.next(), args.next(), args.next()) else {
        eprintln!("{LAUNCHER_NAME}: started without its arguments");
        return 127;
    };
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        if let Err(error) =
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))
        {
            tracing::debug!(%error, "cannot set the parent-death signal");
        }
        let expected = parent.to_str().and_then(|p| p.parse::<i32>().ok());
        let actual = rustix::process::getppid().map(|p| p.as_raw_nonzero().get());
        if actual != expected {
            // exec died before the signal was set: do not run without an endpoint.
            return 1;
        }
        let error = std::process::Command::new(&path)
            .arg0(&argv0)
            .args(args)
            .exec();
        eprintln!(
            "entra-auth-cli exec: cannot run `{}`: {error}",
            argv0.to_string_lossy()
        );
        127
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (parent, path, argv0);
        127
    }
}

/// How the child is started.
mod launcher {
    use std::ffi::OsStr;
    use std::io;
    use std::path::{Path, PathBuf};

    use tokio::process::Command;

    /// On Linux with `/proc`: this binary as [`super::LAUNCHER_NAME`] with the program resolved
    /// on `path` here (so a missing program is reported by exec itself); elsewhere the program.
    pub fn command(program: &OsStr, path: Option<&OsStr>) -> io::Result<Command> {
        let this = Path::new("/proc/self/exe");
        if !cfg!(target_os = "linux") || !this.exists() {
            return Ok(Command::new(program));
        }
        let resolved = resolve(program, path)?;
        let mut command = Command::new(this);
        #[cfg(unix)]
        command.arg0(super::LAUNCHER_NAME);
        command
            .arg(std::process::id().to_string())
            .arg(resolved)
            .arg(program);
        Ok(command)
    }

    /// `program` as execvp would find it: a path when it has a `/`, else the first executable
    /// file of that name in `path`.
    fn resolve(program: &OsStr, path: Option<&OsStr>) -> io::Result<PathBuf> {
        let given = Path::new(program);
        if program.is_empty() {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        if given.components().count() > 1 || program.to_string_lossy().contains('/') {
            return check(given).map(|()| given.to_path_buf());
        }
        let dirs: Vec<PathBuf> = path
            .map(|p| std::env::split_paths(p).collect())
            .unwrap_or_default();
        let mut denied = None;
        for dir in dirs {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            let candidate = dir.join(program);
            match check(&candidate) {
                Ok(()) => return Ok(candidate),
                Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
                    denied.get_or_insert(error);
                }
                Err(_) => {}
            }
        }
        Err(denied.unwrap_or_else(|| io::Error::from(io::ErrorKind::NotFound)))
    }

    /// A regular file this process may execute.
    fn check(file: &Path) -> io::Result<()> {
        let metadata = std::fs::metadata(file)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if !metadata.is_file() || metadata.permissions().mode() & 0o111 == 0 {
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
        }
        let _ = metadata;
        Ok(())
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
