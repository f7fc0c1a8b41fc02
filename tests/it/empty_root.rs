//! The static release binary alone in an empty root filesystem (issue 14): a fresh directory
//! holding only the binary and a CA bundle (plus an `/etc/hosts` for the name-lookup case) becomes
//! `/` through `unshare --map-root-user --root` (a user and mount namespace; the network stays the
//! host's), and `get-token` runs there against the emulator on 127.0.0.1:
//!
//! - plain HTTP to `localhost` with no `/etc/hosts`, no NSS modules and no resolver config;
//! - HTTPS to a host name that only the root's `/etc/hosts` knows, through a loopback TLS front
//!   whose CA is only in the bundle named by `SSL_CERT_FILE` (or the directory in `SSL_CERT_DIR`);
//!   without either the connection fails with an error, never a panic.
//!
//! The binary is the one `cargo build-static` makes (`.ci/run` builds it first); a missing or stale
//! one is a failure, not a skip.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, tls_server_config};

/// The name the HTTPS case reaches the TLS front by: only the empty root's `/etc/hosts` has it.
const TLS_HOST: &str = "login.emulator.test";

/// `target/x86_64-unknown-linux-gnu/release/entra-auth-cli`, next to the debug binary's target dir.
fn static_binary() -> PathBuf {
    let debug = Path::new(env!("CARGO_BIN_EXE_entra-auth-cli"));
    let target = debug
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in <target>/<profile>/");
    let bin = target.join("x86_64-unknown-linux-gnu/release/entra-auth-cli");
    let built = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}; build it with `cargo build-static`", bin.display()));
    let newest_source = newest_mtime(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        built >= newest_source,
        "{} is older than the sources; rebuild it with `cargo build-static`",
        bin.display()
    );
    bin
}

fn newest_mtime(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let meta = entry.metadata().unwrap();
        let time = if meta.is_dir() {
            newest_mtime(&path)
        } else {
            meta.modified().unwrap()
        };
        newest = newest.max(time);
    }
    newest
}

/// A directory that will be `/`: the static binary as `/entra-auth-cli` and nothing else.
fn empty_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(static_binary(), root.path().join("entra-auth-cli")).unwrap();
    root
}

/// `unshare` from PATH (the command's own environment is cleared).
fn unshare() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("unshare"))
        .find(|path| path.is_file())
        .expect("util-linux `unshare` on PATH")
}

/// Runs `/entra-auth-cli ARGS` with `root` as `/` and only `vars` in its environment.
fn run_in_root(root: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let out = Command::new(unshare())
        .arg("--map-root-user")
        .arg(format!("--root={}", root.display()))
        .arg("/entra-auth-cli")
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.starts_with("unshare:"),
        "the binary did not run in the empty root (not static?): {stderr}"
    );
    out
}

/// The container case's variables, with `/` as HOME (the cache goes to `/.cache`).
fn app_vars(authority: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HOME", "/".to_owned()),
        ("AZURE_TENANT_ID", emulator::TENANT_ID.to_owned()),
        ("AZURE_CLIENT_ID", emulator::CLIENT_ID.to_owned()),
        ("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET.to_owned()),
        ("AZURE_AUTHORITY_HOST", authority.to_owned()),
        ("ENTRA_AUTH_STORE", "file".to_owned()),
        ("ENTRA_AUTH_CACHE_KEY", CACHE_KEY.to_owned()),
    ]
}

fn with<'a>(
    vars: &'a [(&'static str, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    vars.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .chain(extra.iter().copied())
        .collect()
}

/// `get-token -o json` succeeded with a token the emulator signed; returns its `source`.
fn token_source(out: &Output, emu: &Emulator) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = json["access_token"].as_str().expect("an access_token");
    emu.verify(token).expect("a token the emulator signed");
    json["source"].as_str().unwrap().to_owned()
}

#[test]
#[ignore = "needs the static release build (`cargo build-static`, made by .ci/run), util-linux `unshare` with user namespaces, and openssl"]
fn static_binary_gets_a_token_over_http_to_localhost_in_an_empty_root() {
    let emu = Emulator::start();
    let root = empty_root();
    // No /etc/hosts, no resolv.conf, no NSS modules: `localhost` is loopback by itself.
    let vars = app_vars(&format!("http://localhost:{}", emu.port()));
    let vars = with(&vars, &[]);
    let first = run_in_root(root.path(), &vars, &["get-token", "-o", "json"]);
    assert_eq!(token_source(&first, &emu), "network");
    let second = run_in_root(root.path(), &vars, &["get-token", "-o", "json"]);
    assert_eq!(token_source(&second, &emu), "cache");
    assert!(root.path().join(".cache/entra-auth-cli").is_dir());
}

#[test]
#[ignore = "needs the static release build (`cargo build-static`, made by .ci/run), util-linux `unshare` with user namespaces, and openssl"]
fn static_binary_trusts_the_bundle_in_ssl_cert_file_in_an_empty_root() {
    let emu = Emulator::start();
    let front = TlsFront::start(emu.port());
    let root = empty_root();
    std::fs::write(root.path().join("ca.pem"), &front.ca_pem).unwrap();
    std::fs::create_dir(root.path().join("etc")).unwrap();
    std::fs::write(
        root.path().join("etc/hosts"),
        format!("127.0.0.1 {TLS_HOST}\n"),
    )
    .unwrap();
    let vars = app_vars(&format!("https://{TLS_HOST}:{}", front.port));

    // No bundle: no roots at all, so the TLS client cannot be set up or the server not trusted.
    let out = run_in_root(root.path(), &with(&vars, &[]), &["get-token", "--no-cache"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SSL_CERT_FILE"),
        "says where roots come from: {stderr}"
    );
    assert_eq!(
        front.served(),
        0,
        "nothing may be sent without trusted roots"
    );

    // SSL_CERT_FILE names the bundle.
    let file = with(&vars, &[("SSL_CERT_FILE", "/ca.pem")]);
    let out = run_in_root(root.path(), &file, &["get-token", "-o", "json"]);
    assert_eq!(token_source(&out, &emu), "network");
    assert_eq!(front.served(), 1);
    let out = run_in_root(root.path(), &file, &["get-token", "-o", "json"]);
    assert_eq!(token_source(&out, &emu), "cache");

    // SSL_CERT_DIR names a directory holding it.
    std::fs::create_dir(root.path().join("certs")).unwrap();
    std::fs::rename(root.path().join("ca.pem"), root.path().join("certs/ca.pem")).unwrap();
    let dir = with(&vars, &[("SSL_CERT_DIR", "/certs")]);
    let out = run_in_root(
        root.path(),
        &dir,
        &["get-token", "-o", "json", "--no-cache"],
    );
    assert_eq!(token_source(&out, &emu), "network");
    assert_eq!(front.served(), 2);
}

/// A loopback TLS front for the emulator: its certificate for [`TLS_HOST`] is signed by a fresh
/// CA (made with the `openssl` CLI); each connection carries one request, forwarded to the
/// emulator with `Connection: close` and answered with the emulator's reply. Stops when dropped.
struct TlsFront {
    port: u16,
    ca_pem: String,
    served: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl TlsFront {
    fn start(backend_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        // A CA, then a leaf for TLS_HOST signed by it (P-256 keys, valid for a day).
        let subject = format!("/CN={TLS_HOST}");
        let san = format!("subjectAltName=DNS:{TLS_HOST}");
        openssl_ec_cert(
            &["-subj", "/CN=entra-auth-cli test CA"],
            &[("-keyout", path("ca.key")), ("-out", path("ca.pem"))],
        );
        openssl_ec_cert(
            &[
                "-subj",
                &subject,
                "-addext",
                &san,
                "-addext",
                "basicConstraints=critical,CA:FALSE",
            ],
            &[
                ("-CA", path("ca.pem")),
                ("-CAkey", path("ca.key")),
                ("-keyout", path("leaf.key")),
                ("-out", path("leaf.pem")),
            ],
        );
        let config = tls_server_config(&path("leaf.pem"), &path("leaf.key"));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (served_in, stop_in) = (Arc::clone(&served), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_in.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (config, served) = (Arc::clone(&config), Arc::clone(&served_in));
                std::thread::spawn(move || {
                    let _ = forward(stream, config, backend_port, &served);
                });
            }
        });
        Self {
            port,
            ca_pem: std::fs::read_to_string(path("ca.pem")).unwrap(),
            served,
            stop,
            _dir: dir,
        }
    }

    fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// `openssl req -x509` with a fresh P-256 key, valid for a day, plus `args` and `paths`.
fn openssl_ec_cert(args: &[&str], paths: &[(&str, PathBuf)]) {
    let mut cmd = Command::new("openssl");
    cmd.args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
    ])
    .args(["-nodes", "-days", "1"])
    .args(args);
    for (flag, path) in paths {
        cmd.arg(flag).arg(path);
    }
    let out = cmd.output().expect("run openssl (installed by .ci/run)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const LIMIT: usize = 1 << 20;

/// One request: read it over TLS (head, then `Content-Length` bytes), send it to the emulator
/// with `Connection: close`, count it, relay the whole reply, close.
fn forward(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    backend_port: u16,
    served: &AtomicUsize,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = tls.read(&mut buf)?;
        if n == 0 || data.len() > LIMIT {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0)
        .min(LIMIT);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&buf[..n]);
    }
    let mut request = String::new();
    for line in head.split("\r\n") {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case("connection"));
        if !is_connection {
            request.push_str(line);
            request.push_str("\r\n");
        }
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut backend = TcpStream::connect(("127.0.0.1", backend_port))?;
    backend.set_read_timeout(Some(Duration::from_secs(10)))?;
    backend.write_all(request.as_bytes())?;
    backend.write_all(&body)?;
    let mut reply = Vec::new();
    backend.take(LIMIT as u64).read_to_end(&mut reply)?;
    // Counted before the client sees the reply, so a test reading the count after the CLI
    // exits never races this thread.
    served.fetch_add(1, Ordering::SeqCst);
    tls.write_all(&reply)?;
    tls.conn.send_close_notify();
    tls.flush()
}
