//! `git-credential` end to end with real git: a loopback smart-HTTP server (`git http-backend`
//! as CGI) that wants a token the emulator issued, cloned through the helper; plus the
//! protocol on stdin/stdout by hand (Basic and Bearer answers, erase, bad input, no person), and
//! the hosts it answers for (https, Azure DevOps and the profile's `git_hosts` only).

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

/// Which authentication schemes a [`GitServer`] offers (and accepts).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Offers {
    /// `WWW-Authenticate: Basic` only: a Bearer header is refused like a wrong password.
    Basic,
    /// Both `Bearer` and `Basic` challenges (as Azure DevOps sends them).
    BearerAndBasic,
}

/// A smart-HTTP git server on 127.0.0.1 that answers 401 unless the request carries a token
/// the emulator issued in a scheme it offers. Stops when dropped.
struct GitServer {
    port: u16,
    stop: Arc<AtomicBool>,
    /// How requests authenticated: `basic`, `bearer`, `none` or `refused` (a header that is not
    /// a valid token in an offered scheme), in order.
    schemes: Arc<Mutex<Vec<&'static str>>>,
    served: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl GitServer {
    fn start(root: &Path, offers: Offers) -> Self {
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
                        let _ = serve(stream, &root, offers, &schemes, &served);
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
        format!("http://{}/repo.git", self.host())
    }

    /// git's `host` attribute for this server (with the port).
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn schemes(&self) -> Vec<&'static str> {
        self.schemes.lock().unwrap().clone()
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
    offers: Offers,
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
    let scheme = authorized(header("authorization"))
        .filter(|scheme| *scheme == "basic" || offers == Offers::BearerAndBasic);
    let seen = match (header("authorization"), scheme) {
        (_, Some(scheme)) => scheme,
        (Some(_), None) => "refused",
        (None, None) => "none",
    };
    schemes.lock().unwrap().push(seen);
    let Some(_) = scheme else {
        let bearer = if offers == Offers::BearerAndBasic {
            "WWW-Authenticate: Bearer authorization_uri=https://login.example/tenant\r\n"
        } else {
            ""
        };
        return out.write_all(
            format!(
                "HTTP/1.1 401 Unauthorized\r\n{bearer}WWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
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
    let repo = repository();
    let server = GitServer::start(repo.path(), Offers::BearerAndBasic);
    let env = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_GIT_HOSTS", &server.host());
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
    let schemes = server.schemes();
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
fn a_basic_only_server_gets_a_password_even_from_a_git_that_takes_bearer() {
    let emu = Emulator::start();
    let repo = repository();
    let server = GitServer::start(repo.path(), Offers::Basic);
    // The host listed in config.toml this time (the field's config key).
    let env = TestEnv::new()
        .var("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET)
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
        .var("ENTRA_AUTH_STORE", "file");
    env.write_config(&format!(
        "[profiles.ado]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"{}\"\ngit_hosts = [\"{}\"]\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority(),
        server.host(),
    ));
    let dest = env.home.path().join("basic");
    let out = clone(&env, &server.url(), &dest, &helper("ado"));
    assert!(out.status.success(), "clone failed: {}", stderr(&out));
    assert_eq!(cloned_file(&dest), "served through the helper\n");
    let schemes = server.schemes();
    assert_eq!(schemes.first(), Some(&"none"), "{schemes:?}");
    assert!(
        schemes[1..].iter().all(|s| *s == "basic"),
        "Basic only, whatever git offers: {schemes:?}"
    );
}

#[test]
fn an_unscoped_helper_gives_no_token_to_a_server_the_profile_does_not_list() {
    let emu = Emulator::start();
    let repo = repository();
    let server = GitServer::start(repo.path(), Offers::BearerAndBasic);
    // `credential.helper` for every URL (not scoped to a host), no `git_hosts`: the loopback
    // server is nobody's Azure DevOps and must not see the token.
    let env = TestEnv::for_emulator(&emu);
    let dest = env.home.path().join("evil");
    let out = clone(&env, &server.url(), &dest, &helper("default"));
    assert!(!out.status.success());
    assert!(cloned_file(&dest).is_empty());
    let schemes = server.schemes();
    assert!(
        schemes.iter().all(|s| *s == "none"),
        "no Authorization header at all: {schemes:?}"
    );
    assert_eq!(emu.total_token_requests(), 0, "no token was even fetched");
    assert!(
        !stderr(&out).contains("entra-auth-cli"),
        "the helper stays silent; git says what it says: {}",
        stderr(&out)
    );

    // Another host listed, or the same host with another port: still nothing.
    let other =
        TestEnv::for_emulator(&emu).var("ENTRA_AUTH_GIT_HOSTS", "127.0.0.1:1 git.contoso.com");
    let out = clone(
        &other,
        &server.url(),
        &env.home.path().join("other"),
        &helper("default"),
    );
    assert!(!out.status.success());
    assert!(server.schemes().iter().all(|s| *s == "none"));
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn git_fails_without_the_token() {
    let emu = Emulator::start();
    let repo = repository();
    let server = GitServer::start(repo.path(), Offers::BearerAndBasic);
    let env = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_GIT_HOSTS", &server.host());

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
    let bad = TestEnv::for_emulator(&emu)
        .var("ENTRA_AUTH_GIT_HOSTS", &server.host())
        .var("AZURE_CLIENT_SECRET", "wrong");
    let dest = env.home.path().join("bad");
    let out = clone(&bad, &server.url(), &dest, &helper("default"));
    assert!(!out.status.success());
    assert_eq!(server.served.load(Ordering::SeqCst), 0);
}

const REQUEST: &str = "protocol=https\nhost=dev.azure.com\npath=org/project/_git/repo\n\n";

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

    let bearer = format!(
        "capability[]=authtype\nwwwauth[]=Bearer authorization_uri=x\nwwwauth[]=Basic realm=\"x\"\n{REQUEST}"
    );
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
    // git announced authtype but the server offers only Basic: a password.
    let basic_only = format!("capability[]=authtype\nwwwauth[]=Basic realm=\"x\"\n{REQUEST}");
    let lines = answer(&env.run_with_stdin(&["git-credential", "get"], basic_only));
    let keys: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["username", "password", "password_expiry_utc"]);
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
        // The setup the hint suggests is scoped to Azure DevOps's URL.
        assert!(
            stderr(&out).contains("credential.https://dev.azure.com.helper"),
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

/// `get` for `request` under `env`: (exit code, stdout, stderr).
fn get(env: &TestEnv, request: &str) -> (i32, String, String) {
    let out = env.run_with_stdin(&["git-credential", "get"], request);
    (code(&out), stdout(&out), stderr(&out))
}

#[test]
fn get_answers_only_https_azure_devops_and_the_hosts_the_profile_lists() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var(
        "ENTRA_AUTH_GIT_HOSTS",
        "git.contoso.com, 127.0.0.1:8443 localhost:9000",
    );
    let silent = (0, String::new(), String::new());
    for refused in [
        "",
        "\n",
        "host=dev.azure.com\n\n",
        "protocol=https\n\n",
        "protocol=http\nhost=dev.azure.com\n\n",
        "protocol=ssh\nhost=dev.azure.com\n\n",
        "protocol=https\nhost=evil.example\n\n",
        "protocol=https\nhost=dev.azure.com.evil.example\n\n",
        "protocol=https\nhost=evildev.azure.com\n\n",
        "protocol=https\nhost=visualstudio.com\n\n",
        "protocol=https\nhost=org.visualstudio.com.evil.example\n\n",
        "protocol=https\nhost=dev.azure.com:8443\n\n",
        "protocol=https\nhost=dev.azure.com\nhost=evil.example\n\n",
        "protocol=https\nhost=evil.example\nhost=dev.azure.com\n\n",
        // A listed host, but plain http off loopback, or another port.
        "protocol=http\nhost=git.contoso.com\n\n",
        "protocol=https\nhost=git.contoso.com:444\n\n",
        "protocol=https\nhost=127.0.0.1\n\n",
        "protocol=http\nhost=127.0.0.1:8444\n\n",
        "protocol=http\nhost=localhost:9001\n\n",
    ] {
        assert_eq!(get(&env, refused), silent, "{refused:?}");
    }
    assert_eq!(emu.total_token_requests(), 0, "nothing was fetched");
    // Erase for a host it does not answer forgets nothing (and fetches nothing).
    let out = env.run_with_stdin(
        &["git-credential", "erase"],
        "protocol=https\nhost=evil.example\n\n",
    );
    assert_eq!((code(&out), stdout(&out)), (0, String::new()));

    for answered in [
        "protocol=https\nhost=dev.azure.com\n\n",
        "protocol=https\nhost=DEV.Azure.com\npath=o/p/_git/r\n\n",
        "protocol=https\nhost=dev.azure.com:443\n\n",
        "protocol=https\nhost=contoso.visualstudio.com\n\n",
        "protocol=https\nhost=git.contoso.com\n\n",
        "protocol=https\nhost=127.0.0.1:8443\n\n",
        "protocol=http\nhost=127.0.0.1:8443\n\n",
        "protocol=http\nhost=LOCALHOST:9000\n\n",
    ] {
        let (code, out, err) = get(&env, answered);
        assert_eq!(code, 0, "{answered:?}: {err}");
        assert!(
            out.starts_with("username=entra\npassword=ey"),
            "{answered:?}: {out}"
        );
    }
    assert_eq!(emu.total_token_requests(), 1, "one token, then the cache");

    // `config create --git-hosts` stores the list; `config show` has it.
    let out = env.run(&[
        "config",
        "create",
        "--name",
        "lab",
        "--tenant-id",
        emulator::TENANT_ID,
        "--client-id",
        emulator::CLIENT_ID,
        "--git-hosts",
        "git.lab.example",
        "--git-hosts",
        "127.0.0.1:7000",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(env.config_file()).unwrap();
    assert!(
        text.contains("git_hosts = [\"git.lab.example\", \"127.0.0.1:7000\"]"),
        "{text}"
    );
    // A host that is not a host is refused when the profile is used, with the field named.
    let bad = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_GIT_HOSTS", "https://git.contoso.com/");
    let (code, out, err) = get(&bad, REQUEST);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("git_hosts"), "{err}");
}
