//! A private, real Secret Service for tests: its own D-Bus session bus and an unlocked
//! gnome-keyring in a temp HOME, so no test ever touches the developer's keyring. Stops when
//! dropped (gnome-keyring exits with its bus). `.ci/run` installs the Debian packages; the tests
//! that use it are `#[ignore]`d with that reason and run with `cargo test -- --ignored`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

pub struct SecretService {
    bus: Child,
    pub address: String,
    home: tempfile::TempDir,
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// `program` as `uid` (gid the same, no supplementary groups) through util-linux `setpriv`,
/// or as is.
pub fn command_as(uid: Option<u32>, program: &str) -> Command {
    match uid {
        Some(uid) => {
            let mut cmd = Command::new("setpriv");
            cmd.args([
                format!("--reuid={uid}"),
                format!("--regid={uid}"),
                "--clear-groups".to_owned(),
                program.to_owned(),
            ]);
            cmd
        }
        None => Command::new(program),
    }
}

impl SecretService {
    /// Starts one. Panics, naming the Debian packages to install, where they are missing.
    pub fn start() -> Self {
        Self::start_as(None)
    }

    /// Starts one whose bus and keyring daemon run as `uid` (needs root), for tests of what
    /// another user's processes see.
    pub fn start_as(uid: Option<u32>) -> Self {
        let missing: Vec<&str> = ["dbus-daemon", "gnome-keyring-daemon", "secret-tool"]
            .into_iter()
            .filter(|program| !have(program))
            .collect();
        assert!(
            missing.is_empty(),
            "no Secret Service for the keyring tests: {} not installed; run \
             `apt-get install dbus-daemon gnome-keyring libsecret-tools` or `.ci/run`",
            missing.join(", ")
        );
        let home = tempfile::tempdir().expect("temp HOME for the keyring");
        let runtime = home.path().join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        if let Some(uid) = uid {
            for dir in [home.path(), runtime.as_path()] {
                std::os::unix::fs::chown(dir, Some(uid), Some(uid)).expect("chown (as root)");
            }
        }
        let mut bus = command_as(uid, "dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .env("HOME", home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .expect("dbus-daemon prints its address");
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus address: {address:?}");
        let mut keyring = command_as(uid, "gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env_clear()
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"test-only-keyring-password")
            .unwrap();
        // It daemonizes once the login collection exists and is unlocked.
        assert!(
            keyring.wait().unwrap().success(),
            "gnome-keyring-daemon failed to start"
        );
        Self { bus, address, home }
    }

    /// `secret-tool ARGS` against this Secret Service: stdout.
    pub fn secret_tool(&self, args: &[&str]) -> String {
        let out = Command::new("secret-tool")
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("secret-tool (libsecret-tools) is installed");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
