//! The kubectl exec credential plugin end to end: real `kubectl` runs `get-token -o
//! exec-credential` from a kubeconfig's `users[].user.exec` and sends the token to a loopback
//! HTTPS "API server" (rustls, a self-signed certificate made with the `openssl` CLI) that answers
//! 200 only for a valid token the emulator issued, 401 otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::emulator::{self, Emulator, Grant};
use crate::https_server::HttpsServer;
use crate::support::CACHE_KEY;

/// The AKS server application; its `.default` scope is what AKS clusters accept.
const AKS_SERVER_APP: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";
const PODS: &str = "/api/v1/namespaces/default/pods";

/// A loopback HTTPS server standing for the Kubernetes API server.
struct ApiServer {
    https: HttpsServer,
    /// Requests answered 200 (a valid emulator token) and 401 (anything else).
    accepted: Arc<AtomicUsize>,
    rejected: Arc<AtomicUsize>,
}

impl ApiServer {
    /// Serves until the test process ends; tokens are checked against the emulator's JWKS
    /// (RS256 signature, `exp`) and must be for the AKS server app.
    fn start(emu: &Emulator) -> Self {
        let jwks: JwkSet = serde_json::from_value(emu.jwks()).unwrap();
        let keys: Vec<DecodingKey> = jwks
            .keys
            .iter()
            .map(|k| DecodingKey::from_jwk(k).unwrap())
            .collect();
        let (accepted, rejected) = (Arc::<AtomicUsize>::default(), Arc::<AtomicUsize>::default());
        let counters = (Arc::clone(&accepted), Arc::clone(&rejected));
        let https = HttpsServer::start(move |request| {
            let ok = request.method() == "GET"
                && request.target() == PODS
                && request.bearer().is_some_and(|t| valid(t, &keys));
            if ok {
                counters.0.fetch_add(1, Ordering::SeqCst);
                (
                    "200 OK",
                    r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}"#.to_owned(),
                )
            } else {
                counters.1.fetch_add(1, Ordering::SeqCst);
                (
                    "401 Unauthorized",
                    r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}"#.to_owned(),
                )
            }
        });
        Self {
            https,
            accepted,
            rejected,
        }
    }
}

/// An RS256 token signed by the emulator, unexpired, for the AKS server app.
fn valid(token: &str, keys: &[DecodingKey]) -> bool {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    keys.iter().any(|key| {
        jsonwebtoken::decode::<serde_json::Value>(token, key, &validation).is_ok_and(|data| {
            data.claims["aud"]
                .as_str()
                .is_some_and(|a| a.contains(AKS_SERVER_APP))
        })
    })
}

/// A kubeconfig `name` in `dir` for the server, whose user is `user` (YAML at six spaces).
fn kubeconfig(dir: &Path, name: &str, server: &ApiServer, user: &str) -> PathBuf {
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
  - name: emu
    cluster:
      server: https://127.0.0.1:{port}
      certificate-authority-data: {ca}
contexts:
  - name: emu
    context:
      cluster: emu
      user: emu
current-context: emu
users:
  - name: emu
    user:
{user}",
        port = server.https.port,
        ca = STANDARD.encode(&server.https.ca_pem),
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The `exec:` block running this build's binary with `args`, in `api_version`, with `extra`
/// exec fields and `env` for the plugin.
fn exec_block(api_version: &str, extra: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let args: String = args
        .iter()
        .map(|a| format!("\n          - \"{a}\""))
        .collect();
    let env: String = env
        .iter()
        .map(|(n, v)| format!("\n          - name: {n}\n            value: \"{v}\""))
        .collect();
    format!(
        "      exec:
        apiVersion: {api_version}
        command: \"{bin}\"
        args:{args}
        env:{env}
{extra}",
        bin = env!("CARGO_BIN_EXE_entra-auth-cli"),
    )
}

/// `kubectl get --raw PODS` with only HOME, PATH and loopback (no proxy) in its environment.
fn kubectl(home: &Path, kubeconfig: &Path) -> Output {
    Command::new("kubectl")
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1,localhost,::1")
        .env("LANG", "C")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus", home.display()),
        )
        .env("XDG_RUNTIME_DIR", home)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["get", "--raw", PODS])
        .output()
        .unwrap_or_else(|e| panic!("run kubectl ({e}): it is installed by .ci/run"))
}

/// kubectl's client minor version (`1.N`).
fn kubectl_minor() -> u32 {
    let out = Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .unwrap_or_else(|e| panic!("run kubectl ({e}): it is installed by .ci/run"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let version: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let minor = version["clientVersion"]["minor"]
        .as_str()
        .unwrap_or_default();
    minor
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("kubectl's minor version: {version}"))
}

/// `client.authentication.k8s.io/v1` and `interactiveMode` came with kubectl 1.22: an older
/// kubectl (Debian bookworm's `kubernetes-client` is 1.20) fails these tests, never skips them.
fn require_kubectl_1_22() {
    let minor = kubectl_minor();
    assert!(
        minor >= 22,
        "kubectl 1.{minor} predates client.authentication.k8s.io/v1 and interactiveMode: install kubectl 1.22 or later"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn app_env(emu: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("AZURE_TENANT_ID", emulator::TENANT_ID.to_owned()),
        ("AZURE_CLIENT_ID", emulator::CLIENT_ID.to_owned()),
        ("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET.to_owned()),
        ("AZURE_AUTHORITY_HOST", emu.authority()),
        ("ENTRA_AUTH_STORE", "file".to_owned()),
        ("ENTRA_AUTH_CACHE_KEY", CACHE_KEY.to_owned()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

#[test]
#[ignore = "needs kubectl 1.22 or later (.ci/run installs one when missing); run with: cargo test -- --ignored"]
fn kubectl_gets_pods_with_the_exec_credential_in_v1_and_v1beta1_and_the_cache_serves_the_second_call()
 {
    require_kubectl_1_22();
    let emu = Emulator::start();
    let server = ApiServer::start(&emu);
    let home = tempfile::tempdir().unwrap();
    let env = app_env(&emu);
    let scope = format!("{AKS_SERVER_APP}/.default");
    let args = ["get-token", "-o", "exec-credential", "-s", scope.as_str()];

    // Without a token the server refuses: the 200s below are the plugin's doing.
    let bogus = kubeconfig(
        home.path(),
        "static",
        &server,
        "      token: not-an-emulator-token\n",
    );
    let out = kubectl(home.path(), &bogus);
    assert!(
        !out.status.success(),
        "a bogus token is refused: {}",
        text(&out.stdout)
    );
    assert!(
        server.rejected.load(Ordering::SeqCst) >= 1,
        "the server saw it: {}",
        text(&out.stderr)
    );

    let first = exec_block(
        "client.authentication.k8s.io/v1",
        "        interactiveMode: IfAvailable\n",
        &args,
        &borrowed(&env),
    );
    let config = kubeconfig(home.path(), "first", &server, &first);
    let out = kubectl(home.path(), &config);
    assert!(out.status.success(), "first run: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("PodList"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);

    let beta = exec_block(
        "client.authentication.k8s.io/v1beta1",
        "",
        &args,
        &borrowed(&env),
    );
    let config = kubeconfig(home.path(), "v1beta1", &server, &beta);
    let out = kubectl(home.path(), &config);
    assert!(out.status.success(), "v1beta1: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("PodList"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        emu.total_token_requests(),
        1,
        "the second kubectl run is served from the cache"
    );
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

#[test]
#[ignore = "needs kubectl 1.22 or later (.ci/run installs one when missing); run with: cargo test -- --ignored"]
fn kubectl_interactive_mode_never_fails_fast_with_the_command_to_run() {
    require_kubectl_1_22();
    let emu = Emulator::start();
    let server = ApiServer::start(&emu);
    let home = tempfile::tempdir().unwrap();
    let authority = emu.authority();
    // A user profile with no saved sign-in, asking for the device code flow explicitly: only
    // `spec.interactive: false` keeps it from waiting for a person nobody can see.
    let env = [
        ("AZURE_TENANT_ID", emulator::TENANT_ID),
        ("AZURE_CLIENT_ID", emulator::PUBLIC_CLIENT_ID),
        ("AZURE_AUTHORITY_HOST", authority.as_str()),
        ("ENTRA_AUTH_STORE", "file"),
        ("ENTRA_AUTH_CACHE_KEY", CACHE_KEY),
    ];
    let scope = format!("{AKS_SERVER_APP}/.default");
    let args = [
        "get-token",
        "-o",
        "exec-credential",
        "-s",
        scope.as_str(),
        "-f",
        "device-code",
        "--timeout",
        "30s",
    ];
    let never = exec_block(
        "client.authentication.k8s.io/v1",
        "        interactiveMode: Never\n",
        &args,
        &env,
    );
    let config = kubeconfig(home.path(), "never", &server, &never);
    let started = Instant::now();
    let out = kubectl(home.path(), &config);
    let took = started.elapsed();
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(
        took < Duration::from_secs(15),
        "fails at once, took {took:?}: {err}"
    );
    assert!(
        err.contains("entra-auth-cli get-token -p default -f device-code"),
        "the command to run: {err}"
    );
    assert_eq!(
        emu.devicecode_requests(),
        0,
        "no device flow was started: {err}"
    );
    assert_eq!(server.accepted.load(Ordering::SeqCst), 0);
}

/// The README's kubectl recipe as written: its `aks` profile (the AKS client app, a public
/// client; the emulator's domain for contoso's, the authority host from `AZURE_AUTHORITY_HOST`)
/// and its kubeconfig `users` entry under a cluster and context. Nobody is signed in, so
/// kubectl's first run fails fast with the command to run once in a terminal; that command signs
/// in with a device code, and kubectl's next run gets the pods with no sign-in.
#[test]
#[ignore = "needs kubectl 1.22 or later (.ci/run installs one when missing); run with: cargo test -- --ignored"]
fn the_readme_kubeconfig_signs_in_once_then_gets_pods() {
    require_kubectl_1_22();
    let emu = Emulator::start();
    let server = ApiServer::start(&emu);
    let profile = crate::readme_recipes::recipe("kubectl-profile");
    let client_id = profile
        .lines()
        .find_map(|l| l.strip_prefix("client_id = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("the profile's client_id");
    emu.register_public_client(emulator::TENANT_ID, client_id);
    let env = crate::support::TestEnv::new()
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY);
    env.write_config(&profile.replace("contoso.onmicrosoft.com", emulator::TENANT_DOMAIN));
    let users = crate::readme_recipes::recipe("kubectl-kubeconfig");
    let user = users
        .lines()
        .find_map(|l| l.strip_prefix("  - name: "))
        .expect("the user's name");
    let config = env.home.path().join("kubeconfig");
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1
kind: Config
clusters:
  - name: my-aks
    cluster:
      server: https://127.0.0.1:{port}
      certificate-authority-data: {ca}
contexts:
  - name: my-aks
    context:
      cluster: my-aks
      user: {user}
current-context: my-aks
{users}
",
            port = server.https.port,
            ca = STANDARD.encode(&server.https.ca_pem),
        ),
    )
    .unwrap();
    let shell = crate::readme_recipes::Shell::new(env);
    let get_pods = format!(
        "kubectl --kubeconfig '{}' get --raw {PODS}",
        config.display()
    );

    let out = shell.command(&get_pods).output().unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let hinted = err
        .split('`')
        .find(|part| part.starts_with("entra-auth-cli get-token -p aks"))
        .unwrap_or_else(|| panic!("kubectl shows the command to run: {err}"))
        .to_owned();
    assert_eq!(emu.devicecode_requests(), 0, "no sign-in started: {err}");

    // The command, "in a terminal": the person approves the code it shows.
    let mut sign_in = shell
        .command(&hinted)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let user_code = loop {
        if let Some((code, _)) = emu.last_device_code() {
            break code;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "`{hinted}` asked for no device code"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(emu.approve_device_code(&user_code));
    let signed_in = sign_in.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut sign_in.stderr.take().unwrap(), &mut err).unwrap();
    assert!(signed_in.success(), "`{hinted}`: {err}");

    let out = shell.command(&get_pods).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("PodList"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(emu.devicecode_requests(), 1, "one sign-in, then silent");
}
