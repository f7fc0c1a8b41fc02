//! `git-credential` end to end with real git: a loopback smart-HTTP server (`git http-backend`
//! as CGI) that wants a token the emulator issued, cloned through the helper; plus the
//! protocol on stdin/stdout by hand (Basic and Bearer answers, erase, bad input, no person).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;

use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, TestEnv, code, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_entra-auth-cli");
const ADO_AUDIENCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// A smart-HTTP git server on 127.0.0.1 that answers 401 unless the request carries a token
/// the emulator issued (Basic password or Bearer). Stops when dropped.
struct GitServer {
    port: u16,
    stop: Arc<AtomicBool>,
    /// How requests authenticated: `basic`, `bearer` or `none`, in order.
    schemes: Arc<Mutex<Vec<&'static str>>>,
    served: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl GitServer {
    fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let schemes = Arc::new(Mutex::new(Vec::new()));
        let served = Arc::new(AtomicUsize::new(0));
        let root = root.to_owned();
        let thread = {
            let (stop, schemes, served) = (stop.clone(), schemes.clone(), served.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        // One request per connection (`Connection: close`); errors end it.
                        let _ = serve(stream, &root, &schemes, &served);
                    }
                }
            })
        };
        Self {
            port,
            stop,
            schemes,
            served,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/repo.git", self.port)
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The scheme of a valid `Authorization` header, or `None`.
fn authorized(header: Option<&str>) -> Option<&'static str> {
    let verify = Emulator::token_verifier();
    let header = header?;
    if let Some(token) = header.strip_prefix("Bearer ") {
        return verify(token.trim()).then_some("bearer");
    }
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    (!user.is_empty() && verify(password)).then_some("basic")
}

fn serve(
    stream: TcpStream,
    root: &Path,
    schemes: &Mutex<Vec<&'static str>>,
    served: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut out = stream;
    let scheme = authorized(header("authorization"));
    schemes.lock().unwrap().push(scheme.unwrap_or("none"));
    let Some(_) = scheme else {
        return out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    served.fetch_add(1, Ordering::SeqCst);
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", length.to_string())
        .env("REMOTE_USER", "entra")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(encoding) = header("content-encoding") {
        cgi.env("HTTP_CONTENT_ENCODING", encoding);
    }
    if let Some(protocol) = header("git-protocol") {
        cgi.env("GIT_PROTOCOL", protocol);
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output()?;
    let _ = writer.join();
    // CGI output: headers (`Status:` among them), a blank line, the body.
    let text = output.stdout;
    let split = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            text.windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        })
        .unwrap_or((text.len(), text.len()));
    let head = String::from_utf8_lossy(&text[..split.0]).into_owned();
    let mut status = "200 OK".to_owned();
    let mut response = String::new();
    for line in head.lines() {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                status = value.trim().to_owned();
            }
            Some(_) => {
                response.push_str(line.trim_end());
                response.push_str("\r\n");
            }
            None => {}
        }
    }
    let body = &text[split.1..];
    out.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )?;
    out.write_all(body)
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@localhost"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .expect("git is installed");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// A bare `repo.git` under a new temp root, with one commit holding `README.txt`.
fn repository() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(work.join("README.txt"), "served through the helper\n").unwrap();
    git(&work, &["add", "README.txt"]);
    git(&work, &["commit", "-q", "-m", "first"]);
    git(root.path(), &["clone", "-q", "--bare", "work", "repo.git"]);
    root
}

/// `git clone URL DEST` with `helper` as the only credential helper (none when empty).
fn clone(env: &TestEnv, url: &str, dest: &Path, helper: &str) -> Output {
    let dest = dest.to_str().unwrap();
    let helper = format!("credential.helper={helper}");
    env.program("git", &["-c", "credential.helper=", "-c", &helper])
        .args(["clone", "-q", url, dest])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .stdin(Stdio::null())
        .output()
        .expect("git is installed")
}

/// True when the installed git is 2.46 or newer (the `authtype` capability).
fn git_has_authtype() -> bool {
    let out = Command::new("git").arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let version: Vec<u32> = text
        .split_whitespace()
        .nth(2)
        .unwrap_or_default()
        .split('.')
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    version.as_slice() >= [2, 46].as_slice()
}

fn helper(profile: &str) -> String {
    format!("!'{BIN}' git-credential -p {profile}")
}

fn cloned_file(dest: &Path) -> String {
    std::fs::read_to_string(dest.join("README.txt")).unwrap_or_default()
}

#[test]
fn git_clones_through_the_helper_and_the_second_clone_uses_the_cache() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let repo = repository();
    let server = GitServer::start(repo.path());
    let dest: PathBuf = env.home.path().join("first");

    let out = clone(&env, &server.url(), &dest, &helper("default"));
    assert!(out.status.success(), "clone failed: {}", stderr(&out));
    assert_eq!(cloned_file(&dest), "served through the helper\n");
    assert_eq!(emu.total_token_requests(), 1);
    let request = emu.last_token_request().unwrap();
    assert!(
        format!("{request:?}").contains(ADO_AUDIENCE),
        "Azure DevOps is the default scope: {request:?}"
    );
    let schemes = server.schemes.lock().unwrap().clone();
    assert_eq!(schemes.first(), Some(&"none"), "{schemes:?}");
    // git 2.46 and newer offer `capability[]=authtype` and then send the Bearer answer.
    let expected = if git_has_authtype() {
        "bearer"
    } else {
        "basic"
    };
    assert!(
        schemes[1..].iter().all(|s| *s == expected),
        "{expected}: {schemes:?}"
    );
    assert!(server.served.load(Ordering::SeqCst) >= 2, "{schemes:?}");

    let again = env.home.path().join("second");
    let out = clone(&env, &server.url(), &again, &helper("default"));
    assert!(out.status.success(), "clone failed: {}", stderr(&out));
    assert_eq!(cloned_file(&again), "served through the helper\n");
    assert_eq!(emu.total_token_requests(), 1, "served from the cache");
}

#[test]
fn git_fails_without_the_token() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let repo = repository();
    let server = GitServer::start(repo.path());

    let wrong = env.home.path().join("wrong");
    let out = clone(
        &env,
        &server.url(),
        &wrong,
        "!f() { echo username=entra; echo password=not-a-token; }; f",
    );
    assert!(!out.status.success());
    assert!(cloned_file(&wrong).is_empty());

    let none = env.home.path().join("none");
    let out = clone(&env, &server.url(), &none, "");
    assert!(!out.status.success());
    assert!(cloned_file(&none).is_empty());

    // A helper that cannot get a token (bad secret): git gets nothing, the clone fails.
    let bad = TestEnv::for_emulator(&emu).var("AZURE_CLIENT_SECRET", "wrong");
    let dest = env.home.path().join("bad");
    let out = clone(&bad, &server.url(), &dest, &helper("default"));
    assert!(!out.status.success());
    assert_eq!(server.served.load(Ordering::SeqCst), 0);
}

const REQUEST: &str = "protocol=http\nhost=127.0.0.1:1\npath=repo.git\n\n";

/// The lines of a `get` answer, checked: a token the emulator issued, its expiry.
fn answer(out: &Output) -> Vec<(String, String)> {
    assert_eq!(code(out), 0, "{}", stderr(out));
    stdout(out)
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("key=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn get_answers_basic_or_bearer_and_erase_forgets_the_token() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = env.run_with_stdin(&["git-credential", "get"], REQUEST);
    let lines = answer(&out);
    let keys: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["username", "password", "password_expiry_utc"]);
    assert_eq!(lines[0].1, "entra");
    let claims = emu.verify(&lines[1].1).expect("an emulator token");
    assert_eq!(claims["exp"].to_string(), lines[2].1);
    assert!(claims["aud"].to_string().contains(ADO_AUDIENCE), "{claims}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    let bearer = format!("capability[]=authtype\n{REQUEST}");
    let out = env.run_with_stdin(&["git-credential", "get"], bearer);
    let lines = answer(&out);
    let keys: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "capability[]",
            "authtype",
            "credential",
            "password_expiry_utc"
        ]
    );
    assert_eq!(lines[1].1, "Bearer");
    emu.verify(&lines[2].1).expect("an emulator token");
    assert_eq!(emu.total_token_requests(), 1);

    // store: accepted, nothing printed; erase: the cached token goes, the next get fetches.
    let out = env.run_with_stdin(&["git-credential", "store"], REQUEST);
    assert_eq!(
        (code(&out), stdout(&out), stderr(&out)),
        (0, String::new(), String::new())
    );
    let out = env.run_with_stdin(&["git-credential", "erase"], REQUEST);
    assert_eq!(
        (code(&out), stdout(&out), stderr(&out)),
        (0, String::new(), String::new())
    );
    answer(&env.run_with_stdin(&["git-credential", "get"], REQUEST));
    assert_eq!(emu.total_token_requests(), 2);
    // Another scope's token is not erased by the default scope's erase.
    let graph = [
        "git-credential",
        "-s",
        "https://graph.microsoft.com/.default",
    ];
    answer(&env.run_with_stdin(&[graph.as_slice(), &["get"]].concat(), REQUEST));
    env.run_with_stdin(&["git-credential", "erase"], REQUEST);
    answer(&env.run_with_stdin(&[graph.as_slice(), &["get"]].concat(), REQUEST));
    assert_eq!(emu.total_token_requests(), 3);
    // Unknown actions are ignored, as git's protocol asks.
    let out = env.run_with_stdin(&["git-credential", "capability"], REQUEST);
    assert_eq!((code(&out), stdout(&out)), (0, String::new()));
}

#[test]
fn bad_input_unknown_profiles_and_sign_ins_fail_with_nothing_on_stdout() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let big = "k=v\n".repeat(100_000);
    for input in ["no equals sign\n\n", big.as_str(), "\u{0}\u{1}\n"] {
        let out = env.run_with_stdin(&["git-credential", "get"], input);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        assert!(
            stderr(&out).contains("credential-helper protocol"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(emu.total_token_requests(), 0);

    let out = env.run_with_stdin(&["git-credential", "-p", "nope", "get"], REQUEST);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    // A user profile with no saved sign-in, stdin a pipe, no browser: like get-token, exit 3.
    let user = TestEnv::new()
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", emulator::PUBLIC_CLIENT_ID)
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY);
    let out = user.run_with_stdin(&["git-credential", "get"], REQUEST);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let token = user.run(&["get-token"]);
    assert_eq!(code(&token), 3, "get-token agrees: {}", stderr(&token));
}
