//! The cache, config and lock directories are trusted only when they are the user's own and
//! writable by nobody else (another local user, uid 65534 through `setpriv`, plays the
//! attacker); files in them are opened without following links or blocking, must be regular
//! files, and are read up to a cap (a FIFO or a link to /dev/zero at a token file's name); the
//! files a user names (a federated token file) must be regular files too; and the process is
//! not dumpable, so another process of the same user cannot read its memory.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::emulator::Emulator;
use crate::support::{TestEnv, code, stderr};

const NEEDS_ROOT: &str = "needs root, to run the attacker as uid 65534 with setpriv (.ci/run runs as root); run with: cargo test -- --ignored";

/// Runs `script` in `sh` as uid/gid 65534 (nobody) with no supplementary groups.
fn as_attacker(script: &str) {
    assert!(
        is_root(),
        "this test runs the attacker as another uid: {NEEDS_ROOT}"
    );
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sh",
            "-c",
        ])
        .arg(script)
        .output()
        .expect("setpriv (util-linux) is installed");
    assert!(out.status.success(), "{script}: {}", stderr(&out));
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A `/tmp`-like directory (mode 1777) in a directory others may traverse.
fn shared_tmp() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let shared = root.path().join("tmp");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    (root, shared)
}

/// Runs `cmd`, killing it after `limit`: `None` when it had to be killed.
fn run_within(mut cmd: Command, limit: Duration) -> Option<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while started.elapsed() < limit {
        if child.try_wait().expect("wait").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
#[ignore = "needs root, to run the attacker as uid 65534 with setpriv (.ci/run runs as root); run with: cargo test -- --ignored"]
fn a_cache_directory_another_user_owns_or_others_can_write_is_refused() {
    let emu = Emulator::start();
    let (_root, shared) = shared_tmp();
    let cache = shared.join("entra-auth-cli");
    // The attacker got there first: their directory, writable by all.
    as_attacker(&format!("mkdir -m 0777 '{}'", cache.display()));
    let env = TestEnv::for_emulator(&emu).var("XDG_CACHE_HOME", shared.to_str().unwrap());
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&cache.display().to_string()), "{err}");
    assert!(err.contains("belongs to another user (uid 65534)"), "{err}");
    assert!(err.contains("ENTRA_AUTH_CACHE_DIR"), "{err}");
    assert_eq!(emu.total_token_requests(), 0, "refused before any request");
    assert!(
        entries(&cache).is_empty(),
        "nothing written: {:?}",
        entries(&cache)
    );

    // The user's own directory, but writable by everyone: refused, with the chmod to run.
    let own = shared.join("own");
    std::fs::create_dir(&own).unwrap();
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o777)).unwrap();
    let env = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_CACHE_DIR", own.to_str().unwrap());
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("writable by other users"), "{err}");
    assert!(
        err.contains(&format!("chmod 700 {}", own.display())),
        "{err}"
    );
    assert!(entries(&own).is_empty());
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(emu.total_token_requests(), 1);
}

#[test]
#[ignore = "needs root, to run the attacker as uid 65534 with setpriv (.ci/run runs as root); run with: cargo test -- --ignored"]
fn a_config_directory_another_user_can_write_is_never_read() {
    let emu = Emulator::start();
    let (_root, shared) = shared_tmp();
    let config = shared.join("entra-auth-cli");
    // A planted config.toml that would send the client secret to the attacker's server.
    as_attacker(&format!(
        "mkdir -m 0777 '{0}' && printf '[profiles.default]\\nauthority_host = \"http://127.0.0.1:9\"\\n' > '{0}/config.toml'",
        config.display()
    ));
    let env = TestEnv::for_emulator(&emu)
        .without("AZURE_AUTHORITY_HOST")
        .var("XDG_CONFIG_HOME", shared.to_str().unwrap());
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&config.display().to_string()), "{err}");
    assert!(err.contains("belongs to another user"), "{err}");
    assert!(err.contains("ENTRA_AUTH_CONFIG_DIR"), "{err}");
}

#[test]
#[ignore = "needs root, to run the attacker as uid 65534 with setpriv (.ci/run runs as root); run with: cargo test -- --ignored"]
fn a_planted_lock_link_makes_no_file_where_the_attacker_points_it() {
    let emu = Emulator::start();
    // The lock's name for this identity, from a run in a private cache directory.
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lock = entries(&env.cache_dir().join("locks"))
        .into_iter()
        .find(|n| n.ends_with(".lock"))
        .expect("a lock file");

    // The attacker plants `locks/<digest>.lock` -> a file only root could create.
    let (_root, shared) = shared_tmp();
    let target = tempfile::tempdir().unwrap();
    let victim = target.path().join("created-by-root");
    let cache = shared.join("entra-auth-cli");
    as_attacker(&format!(
        "mkdir -m 0777 '{0}' '{0}/locks' && ln -s '{1}' '{0}/locks/{lock}'",
        cache.display(),
        victim.display()
    ));
    let env = TestEnv::for_emulator(&emu).var("XDG_CACHE_HOME", shared.to_str().unwrap());
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!victim.exists(), "the link was followed");
    assert!(
        stderr(&out).contains("belongs to another user"),
        "{}",
        stderr(&out)
    );
}

/// The token file of the one cached token in `env`'s cache directory.
fn token_file(env: &TestEnv) -> PathBuf {
    let name = entries(&env.cache_dir())
        .into_iter()
        .find(|n| n.ends_with(".token"))
        .expect("a cached token file");
    env.cache_dir().join(name)
}

#[test]
fn a_fifo_at_a_token_files_name_does_not_hang_get_token() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let file = token_file(&env);
    std::fs::remove_file(&file).unwrap();
    let made = Command::new("mkfifo").arg(&file).status().unwrap();
    assert!(made.success());

    let out = run_within(
        env.cmd(&["get-token", "--timeout", "5s"]),
        Duration::from_secs(20),
    )
    .expect("get-token hung on the FIFO past --timeout");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emu.total_token_requests(), 2, "the FIFO was a miss");
    // The new token replaced the FIFO with a regular file.
    assert!(std::fs::symlink_metadata(&file).unwrap().is_file());
}

#[test]
fn a_token_file_linked_to_dev_zero_or_too_big_is_not_read() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let file = token_file(&env);
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap();

    let out = run_within(env.cmd(&["get-token"]), Duration::from_secs(20))
        .expect("get-token kept reading /dev/zero");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(emu.total_token_requests(), 2, "the link was a miss");
    assert!(std::fs::symlink_metadata(&file).unwrap().is_file());

    // A (sparse) 4 GiB file: read up to the cap only.
    let big = std::fs::File::options().write(true).open(&file).unwrap();
    big.set_len(4 << 30).unwrap();
    let out = run_within(env.cmd(&["get-token"]), Duration::from_secs(20))
        .expect("get-token read the whole file");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("larger than"), "{}", stderr(&out));
    assert_eq!(emu.total_token_requests(), 3);
}

/// A link or a FIFO at a lock's name is never followed or opened for writing: at
/// `config.toml.lock` an edit is an error and `config.toml` is left as it was; at a token
/// identity's lock the run warns and goes on without the lock (it only spares the identity
/// provider parallel calls).
#[test]
fn a_link_at_a_locks_name_is_an_error_for_config_edits_and_skipped_for_tokens() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let lock = entries(&env.cache_dir().join("locks"))
        .into_iter()
        .find(|n| n.ends_with(".lock"))
        .expect("a lock file");
    let lock = env.cache_dir().join("locks").join(lock);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("made-through-the-link");
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    let out = run_within(
        env.cmd(&["get-token", "--force", "--timeout", "10s"]),
        Duration::from_secs(30),
    )
    .expect("get-token returned");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("symbolic link") && stderr(&out).contains("continuing without it"),
        "{}",
        stderr(&out)
    );
    assert!(!target.exists(), "the link was followed");

    env.write_config("[profiles.work]\ntenant_id = \"contoso.onmicrosoft.com\"\n");
    let config_lock = env.config_dir().join("config.toml.lock");
    let _ = std::fs::remove_file(&config_lock);
    std::os::unix::fs::symlink(&target, &config_lock).unwrap();
    let out = run_within(
        env.cmd(&["config", "edit", "-p", "work", "--port", "8400"]),
        Duration::from_secs(30),
    )
    .expect("config edit returned");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(!target.exists(), "the link was followed");
    assert_eq!(
        std::fs::read_to_string(env.config_file()).unwrap(),
        "[profiles.work]\ntenant_id = \"contoso.onmicrosoft.com\"\n"
    );
}

#[test]
fn a_federated_token_file_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let emu = Emulator::start();
    let fifo = tempfile::tempdir().unwrap();
    let fifo = fifo.path().join("azure-identity-token");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for file in [fifo.to_str().unwrap(), "/dev/zero"] {
        let env = TestEnv::new()
            .var("ENTRA_AUTH_STORE", "memory")
            .var("AZURE_TENANT_ID", crate::emulator::TENANT_ID)
            .var("AZURE_CLIENT_ID", crate::emulator::CLIENT_ID)
            .var("AZURE_AUTHORITY_HOST", &emu.authority())
            .var("AZURE_FEDERATED_TOKEN_FILE", file);
        let out = run_within(
            env.cmd(&["get-token", "--timeout", "5s"]),
            Duration::from_secs(20),
        )
        .unwrap_or_else(|| panic!("get-token kept reading {file}"));
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(emu.total_token_requests(), 0);
}

/// The process holds secrets, so it is non-dumpable: no core file, and another process of the
/// same (unprivileged) user cannot read its memory or environment. The kernel shows it by
/// giving its `/proc/PID` files to root: a `cat` of the same user keeps its own.
#[test]
#[ignore = "needs root, to run the CLI as uid 65534 with setpriv (.ci/run runs as root); run with: cargo test -- --ignored"]
fn the_process_is_not_dumpable() {
    assert!(is_root(), "{NEEDS_ROOT}");
    let (_root, shared) = shared_tmp();
    let bin = shared.join("entra-auth-cli");
    std::fs::copy(env!("CARGO_BIN_EXE_entra-auth-cli"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let owner_of_environ = |program: &Path, args: &[&str]| {
        // `inspect -` (and `cat`) wait on stdin until it closes.
        let mut child = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(program)
            .args(args)
            .env_clear()
            .env("HOME", &shared)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // setpriv execs the program in the same process: wait (bounded) until it has.
        let exe = std::path::PathBuf::from(format!("/proc/{}/exe", child.id()));
        let started = Instant::now();
        while std::fs::read_link(&exe).ok().as_deref() != Some(program)
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let owner = std::os::unix::fs::MetadataExt::uid(
            &std::fs::metadata(format!("/proc/{}/environ", child.id())).unwrap(),
        );
        drop(child.stdin.take());
        let _ = child.wait();
        owner
    };
    let cat = std::fs::canonicalize("/bin/cat").unwrap();
    assert_eq!(owner_of_environ(&cat, &[]), 65534, "a dumpable process");
    assert_eq!(
        owner_of_environ(&bin, &["inspect", "-"]),
        0,
        "entra-auth-cli is not dumpable"
    );
}
