//! A hermetic environment for running the real binary: cleared environment, temp HOME, config
//! and cache directories, no proxies; plus insta filters that hide what changes between runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::emulator::{self, Emulator};

/// A fixed, test-only cache key (32 bytes, base64).
pub const CACHE_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// One isolated user: their own HOME, config dir and cache dir, and the variables they set.
pub struct TestEnv {
    pub home: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> Self {
        Self {
            home: tempfile::tempdir().expect("temp HOME"),
            vars: Vec::new(),
        }
    }

    /// The container case: the three AZURE_* variables and the emulator as authority host,
    /// with the encrypted file store chosen explicitly (no keyring probe, no notice).
    pub fn for_emulator(emu: &Emulator) -> Self {
        Self::new()
            .var("AZURE_TENANT_ID", emulator::TENANT_ID)
            .var("AZURE_CLIENT_ID", emulator::CLIENT_ID)
            .var("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET)
            .var("AZURE_AUTHORITY_HOST", &emu.authority())
            .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
            .var("ENTRA_AUTH_STORE", "file")
    }

    /// Uses a private Secret Service (see `secret_service.rs`) instead of no session bus.
    pub fn with_secret_service(self, service: &crate::secret_service::SecretService) -> Self {
        self.var("DBUS_SESSION_BUS_ADDRESS", &service.address)
    }

    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.vars.retain(|(n, _)| n != name);
        self
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join(".config").join("entra-auth-cli")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home.path().join(".cache").join("entra-auth-cli")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        // Private whatever the umask: a group-writable config directory is refused.
        #[cfg(unix)]
        std::fs::set_permissions(
            self.config_dir(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        std::fs::write(self.config_file(), text).unwrap();
    }

    /// The binary with only this environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.program(env!("CARGO_BIN_EXE_entra-auth-cli"), args)
    }

    /// Another program (git, which runs the binary) with only this environment.
    pub fn program(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_PROXY", "127.0.0.1,localhost,::1")
            .env("LANG", "C")
            // Never the developer's keyring: no session bus unless a test brings its own.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}/no-bus", self.home.path().display()),
            )
            .env("XDG_RUNTIME_DIR", self.home.path())
            .args(args);
        for (name, value) in &self.vars {
            cmd.env(name, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run entra-auth-cli")
    }

    /// Runs the binary with `input` on stdin (written from a thread, so a command that stops
    /// reading early, or never reads, is not a test failure).
    pub fn run_with_stdin(&self, args: &[&str], input: impl AsRef<[u8]>) -> Output {
        pipe_stdin(self.cmd(args), input.as_ref())
    }
}

/// Reads `child`'s stderr line by line until `done` holds for the text read so far (or EOF).
/// Returns the reader, to keep the pipe open while the child runs on, and the text.
pub fn stderr_until(
    child: &mut std::process::Child,
    mut done: impl FnMut(&str) -> bool,
) -> (std::io::BufReader<std::process::ChildStderr>, String) {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut seen = String::new();
    while !done(&seen) {
        if reader.read_line(&mut seen).expect("read stderr") == 0 {
            break;
        }
    }
    (reader, seen)
}

/// Runs `cmd` with `input` on its stdin and collects its output.
pub fn pipe_stdin(mut cmd: std::process::Command, input: &[u8]) -> Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = std::io::Write::write_all(&mut stdin, &input);
    });
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    output
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("exited normally, not by a signal")
}

/// Filters for snapshots: temp dirs, ports, JWTs, UUIDs and times vary between runs.
pub fn filters(home: &Path) -> Vec<(String, String)> {
    vec![
        (
            regex_escape(&home.display().to_string()),
            "[HOME]".to_owned(),
        ),
        (
            r"127\.0\.0\.1:\d+".to_owned(),
            "127.0.0.1:[PORT]".to_owned(),
        ),
        (
            r"/\S*/cert-fixtures-[A-Za-z0-9_-]+".to_owned(),
            "[FIXTURES]".to_owned(),
        ),
        (
            r"localhost(%3A|:)\d+".to_owned(),
            "localhost$1[PORT]".to_owned(),
        ),
        (
            r"(state|nonce|code_challenge)=[A-Za-z0-9_-]+".to_owned(),
            "$1=[RANDOM]".to_owned(),
        ),
        (
            r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+".to_owned(),
            "[JWT]".to_owned(),
        ),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".to_owned(),
            "[UUID]".to_owned(),
        ),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z".to_owned(),
            "[TIME]".to_owned(),
        ),
        (r"(expires_(in|on)\W+)\d+".to_owned(), "$1[N]".to_owned()),
    ]
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Snapshots a run as `exit code / stdout / stderr`, filtered.
#[macro_export]
macro_rules! snapshot_run {
    ($env:expr, $args:expr) => {{
        let env = &$env;
        let output = env.run($args);
        let filters = $crate::support::filters(env.home.path());
        let mut settings = insta::Settings::clone_current();
        settings.set_omit_expression(true);
        for (from, to) in &filters {
            settings.add_filter(from, to.as_str());
        }
        settings.bind(|| {
            insta::assert_snapshot!(format!(
                "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
                $crate::support::code(&output),
                $crate::support::stdout(&output),
                $crate::support::stderr(&output)
            ));
        });
        output
    }};
}

/// A rustls server configuration (aws-lc-rs, safe defaults, no client auth) for the PEM
/// certificate chain and key in `cert` and `key`: the loopback HTTPS servers of the tests.
pub fn tls_server_config(cert: &Path, key: &Path) -> std::sync::Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, PrivateKeyDer::from_pem_file(key).unwrap())
    .unwrap();
    std::sync::Arc::new(config)
}
