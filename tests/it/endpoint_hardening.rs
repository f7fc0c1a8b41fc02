//! The credential endpoint under pressure and from other users (issues 19 and 23), against the
//! real binary over real sockets: `exec`'s endpoint refuses another user's connections (the
//! attacker runs as `nobody`), 100 keep-alive clients get no errors, and a local process holding
//! 200 trickling connections neither keeps them past the head deadline nor starves a client that
//! has the header; and after exec ends, a background grandchild is gone before the port is
//! free, so `nobody` binding it serves its forged token to no one. `serve` gets the same load
//! cases in `serve.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::emulator::Emulator;
use crate::support::TestEnv;

pub const ARM: &str = "https://management.azure.com";

pub fn load_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/endpoint_load.py")
}

/// `endpoint_load.py` as another user (`nobody`), with Debian's own Python (a user's pyenv is
/// not theirs to run). Tests run as root in CI; as anyone else, `setpriv` fails and so does the
/// test.
pub fn as_nobody(args: &[&str]) -> Command {
    let python = Path::new("/usr/bin/python3");
    assert!(
        python.is_file(),
        "needs /usr/bin/python3 for the other user's process"
    );
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(python)
        .arg(load_script())
        .args(args);
    cmd
}

/// `endpoint_load.py` as this user.
pub fn as_us(args: &[&str]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(load_script()).args(args);
    cmd
}

/// A process holding `count` trickling connections until dropped.
pub struct Slowloris {
    child: Child,
}

impl Slowloris {
    pub fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start endpoint_load.py");
        let mut out = BufReader::new(child.stdout.as_mut().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line, "ready\n", "the slow connections did not open");
        Self { child }
    }

    /// Stops it; its counts.
    pub fn finish(mut self) -> Value {
        drop(self.child.stdin.take());
        let mut text = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let _ = self.child.wait();
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text:?}"))
    }
}

/// One GET on a kept-alive connection; `None` when the endpoint closed or reset it.
pub fn get(
    stream: &mut TcpStream,
    host: &str,
    target: &str,
    header: Option<&str>,
) -> Option<(u16, Value)> {
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n");
    if let Some(header) = header {
        request.push_str(&format!("X-IDENTITY-HEADER: {header}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).ok()?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-length:")
            .map(|v| v.trim().parse().ok())
    })??;
    let mut body = vec![0_u8; length];
    stream.read_exact(&mut body).ok()?;
    Some((status, serde_json::from_slice(&body).ok()?))
}

/// One request on a new connection, within `limit`.
pub fn ask_once(address: SocketAddr, header: &str, limit: Duration) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect_timeout(&address, limit).ok()?;
    stream.set_read_timeout(Some(limit)).ok()?;
    get(
        &mut stream,
        &address.to_string(),
        &format!("/msi/token?api-version=2019-08-01&resource={ARM}"),
        Some(header),
    )
}

/// `exec` running a shell that hands the test its endpoint and header (through a file only the
/// test reads) and waits for a stop file.
struct RunningExec {
    child: Child,
    address: SocketAddr,
    header: String,
    stop: PathBuf,
    _dir: tempfile::TempDir,
}

impl RunningExec {
    fn start(env: &TestEnv) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("endpoint");
        let stop = dir.path().join("stop");
        let script = r#"printf '%s\n%s\n' "$IDENTITY_ENDPOINT" "$IDENTITY_HEADER" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"; while [ ! -e "$STOP" ]; do sleep 0.1; done"#;
        let child = env
            .cmd(&["exec", "--", "sh", "-c", script])
            .env("OUT", &out)
            .env("STOP", &stop)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !out.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "exec did not start its child"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        let endpoint = lines.next().unwrap();
        let address = endpoint
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let header = lines.next().unwrap().to_owned();
        Self {
            child,
            address,
            header,
            stop,
            _dir: dir,
        }
    }
}

impl Drop for RunningExec {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.stop, "");
        let start = Instant::now();
        while self.child.try_wait().ok().flatten().is_none()
            && start.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 100 clients, each on one kept-alive connection, all at once: every request answered.
pub fn hundred_keep_alive_clients(address: SocketAddr, host: &str, header: &str) {
    let threads: Vec<_> = (0..100)
        .map(|_| {
            let (host, header) = (host.to_owned(), header.to_owned());
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(address).expect("connect");
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
                let target = format!("/msi/token?api-version=2019-08-01&resource={ARM}");
                (0..20)
                    .map(|_| get(&mut stream, &host, &target, Some(&header)).map(|(s, _)| s))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        let statuses = thread.join().unwrap();
        assert!(
            statuses.iter().all(|s| *s == Some(200)),
            "a client got an error or a reset: {statuses:?}"
        );
    }
}

/// While `slow` holds its connections, a client with the header asks on a new connection every
/// half second for longer than the head deadline: every request is answered. Like the SDKs'
/// managed-identity clients, it retries a connection dropped before its head was read (with
/// the connection cap full, a head not yet read cannot be told from a slow one; on a loaded
/// machine that happens now and then), at most twice. Returns the slowest answer (for the
/// notes; not asserted).
pub fn served_through_slowloris(address: SocketAddr, header: &str) -> Duration {
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    while start.elapsed() < Duration::from_secs(7) {
        let asked = Instant::now();
        let reply = (0..3).find_map(|_| ask_once(address, header, Duration::from_secs(10)));
        slowest = slowest.max(asked.elapsed());
        let (status, body) = reply.expect("the client with the header got no reply in 3 tries");
        assert_eq!(status, 200, "{body}");
        std::thread::sleep(Duration::from_millis(500));
    }
    slowest
}

/// [`served_through_slowloris`] while `slow` (started against `address`) holds its
/// connections, then `slow`'s counts once it has seen the endpoint close them.
pub fn slowloris_round(slow: Slowloris, address: SocketAddr, header: &str) -> Value {
    let slowest = served_through_slowloris(address, header);
    // Time for the slow process to notice the last closures (it looks once a second), with
    // room for a loaded machine: the last connections it opened reach their 5 s deadline late.
    std::thread::sleep(Duration::from_secs(6));
    let stats = slow.finish();
    eprintln!("slowest answer during the slowloris: {slowest:?}; {stats}");
    stats
}

#[test]
fn exec_serves_100_keep_alive_clients_without_errors() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let exec = RunningExec::start(&env);
    hundred_keep_alive_clients(exec.address, &exec.address.to_string(), &exec.header);
}

#[test]
fn trickling_connections_are_dropped_at_the_head_deadline_and_never_starve_the_child() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let exec = RunningExec::start(&env);
    let port = exec.address.port().to_string();
    let slow = Slowloris::start(as_us(&["slowloris", "127.0.0.1", &port, "200"]));
    let stats = slowloris_round(slow, exec.address, &exec.header);
    // One byte a second never completes a head: each connection ends at its deadline (5 s),
    // not at a per-read timeout that each byte would restart.
    assert!(
        stats["closed_by_endpoint"].as_u64().unwrap() >= 150,
        "{stats}"
    );
    assert_eq!(stats["refused"], 0, "{stats}");
}

#[cfg(target_os = "linux")]
#[test]
fn another_user_is_refused_even_with_the_header() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let exec = RunningExec::start(&env);
    let port = exec.address.port().to_string();
    let theirs = as_nobody(&["ask", "127.0.0.1", &port, ARM])
        .env("ENDPOINT_HEADER", &exec.header)
        .output()
        .unwrap();
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    let theirs: Value = serde_json::from_slice(&theirs.stdout).unwrap();
    assert!(
        theirs["error"].is_string(),
        "nobody got an answer: {theirs}"
    );
    let ours = as_us(&["ask", "127.0.0.1", &port, ARM])
        .env("ENDPOINT_HEADER", &exec.header)
        .output()
        .unwrap();
    let ours: Value = serde_json::from_slice(&ours.stdout).unwrap();
    assert_eq!(ours["status"], 200, "{ours}");
}

/// Issue 19.7: the child leaves a grandchild in the background that asks the endpoint for a
/// token 3 s later. Exec ends it before giving up the port; `nobody`, listening on the freed
/// port with a forged token, hears nothing, and the grandchild never reports a token.
#[cfg(target_os = "linux")]
#[test]
fn a_background_grandchild_ends_with_exec_before_anyone_can_take_the_port() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let dir = tempfile::tempdir().unwrap();
    let (got, pid_file, port_file) = (
        dir.path().join("got"),
        dir.path().join("pid"),
        dir.path().join("port"),
    );
    let script = load_script();
    let grandchild = format!(
        r#"addr=${{IDENTITY_ENDPOINT#http://}}; addr=${{addr%%/*}}; port=${{addr##*:}}; echo "$port" > '{port}'
sh -c 'echo $$ > "{pid}"; sleep 3; ENDPOINT_HEADER="$IDENTITY_HEADER" python3 "{script}" ask 127.0.0.1 "$0" {ARM} > "{got}"' "$port" &
while [ ! -s '{pid}' ]; do sleep 0.05; done
exit 0"#,
        port = port_file.display(),
        pid = pid_file.display(),
        script = script.display(),
        got = got.display(),
    );
    let output = env.run(&["exec", "--", "sh", "-c", &grandchild]);
    assert_eq!(
        crate::support::code(&output),
        0,
        "{}",
        crate::support::stderr(&output)
    );
    let port = std::fs::read_to_string(&port_file)
        .unwrap()
        .trim()
        .to_owned();
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z ")),
        "the grandchild {pid} outlived exec"
    );
    let mut impostor = as_nobody(&["impostor", "127.0.0.1", &port, "5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(impostor.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n", "nobody could not bind the freed port");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let _ = impostor.wait();
    let stats: Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(
        stats["with_header"], 0,
        "the header reached the impostor: {stats}"
    );
    assert!(
        !got.exists(),
        "the grandchild got an answer: {:?}",
        std::fs::read_to_string(&got)
    );
}

/// What the command leaves in the background is adopted by exec (the subreaper) and, once
/// ended, collected: exec does not wait its whole time limit on the zombie of a process in the
/// command's group and then report that it "did not end".
#[cfg(target_os = "linux")]
#[test]
fn exec_collects_the_background_processes_it_ends() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_LOG", "debug");
    let output = env.run(&["exec", "--", "sh", "-c", "sleep 60 & echo started"]);
    let errors = crate::support::stderr(&output);
    assert_eq!(crate::support::code(&output), 0, "{errors}");
    assert_eq!(crate::support::stdout(&output), "started\n");
    assert!(
        !errors.contains("did not end"),
        "the ended sleep was never collected: {errors}"
    );
}

/// Issue 19.7: when exec itself is killed (`kill -9`, nothing to clean up), its command gets
/// SIGTERM from the kernel (the parent-death signal), and what the command left running in the
/// background gets it from exec's watchdog: nothing lives on with a dead endpoint.
#[cfg(target_os = "linux")]
#[test]
fn the_command_and_its_background_processes_end_when_exec_is_killed() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let script = format!(
        "sleep 100 & echo \"$$ $!\" > '{}.tmp'; mv '{0}.tmp' '{0}'; wait",
        pid_file.display()
    );
    let mut exec = env
        .cmd(&["exec", "--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !pid_file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the command did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pids: Vec<String> = std::fs::read_to_string(&pid_file)
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
    let background = format!("/proc/{}/stat", pids[1]);
    assert!(
        std::fs::read_to_string(&background)
            .unwrap()
            .contains("(sleep)")
    );
    exec.kill().unwrap();
    exec.wait().unwrap();
    for pid in &pids {
        let stat = format!("/proc/{pid}/stat");
        let start = Instant::now();
        loop {
            match std::fs::read_to_string(&stat) {
                Err(_) => break,
                Ok(text) if text.contains(") Z ") => break,
                Ok(_) => {}
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{pid} (of {pids:?}) outlived exec"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
