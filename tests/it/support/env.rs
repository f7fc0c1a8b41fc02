//! A hermetic user for running the real binary: cleared environment, temp HOME, config and
//! cache directories, no proxies.

use std::path::PathBuf;
use std::process::{Command, Output};

use super::output::pipe_stdin;

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
