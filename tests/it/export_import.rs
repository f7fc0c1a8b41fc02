//! `config export` / `config import` end to end: round trips between two users (with and without
//! secrets) then get-token against the emulator, and failures that must leave everything as it
//! was. The seed tool's formats are in `export_import/seed.rs`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::emulator::{self, Emulator};
use crate::support::{CACHE_KEY, TestEnv, code, stderr, stdout};

mod seed;

const PASS: &str = "correct horse battery staple";

fn user() -> TestEnv {
    TestEnv::new()
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", CACHE_KEY)
}

fn run_in(env: &TestEnv, args: &[&str], input: &str) -> Output {
    env.run_with_stdin(args, input)
}

/// Snapshots a run that needed stdin, like `snapshot_run!`.
fn snapshot(env: &TestEnv, name: &str, output: &Output) {
    let mut settings = insta::Settings::clone_current();
    settings.set_omit_expression(true);
    for (from, to) in crate::support::filters(env.home.path()) {
        settings.add_filter(&from, to);
    }
    settings.bind(|| {
        insta::assert_snapshot!(
            name,
            format!(
                "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
                code(output),
                stdout(output),
                stderr(output)
            )
        );
    });
}

/// A user with profile `emu` for the emulator and its client secret in the file store.
fn exporter(emu: &Emulator) -> TestEnv {
    let env = user();
    env.write_config(&format!(
        "# the emulator\n[profiles.emu]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nscopes = [\"api://emu-api/.default\"]\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    ));
    let out = run_in(
        &env,
        &["config", "set-secret", "-p", "emu"],
        emulator::CLIENT_SECRET,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    env
}

fn export(env: &TestEnv, extra: &[&str]) -> PathBuf {
    let file = env.home.path().join("emu.export");
    let mut args = vec!["config", "export", "-p", "emu", "--passphrase-stdin", "-o"];
    let file_arg = file.display().to_string();
    args.push(&file_arg);
    args.extend_from_slice(extra);
    let out = run_in(env, &args, &format!("{PASS}\n"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    file
}

fn import(env: &TestEnv, file: &Path, pass: &str, extra: &[&str]) -> Output {
    let file = file.display().to_string();
    let mut args = vec!["config", "import", "-i", &file, "--passphrase-stdin"];
    args.extend_from_slice(extra);
    run_in(env, &args, &format!("{pass}\n"))
}

fn get_token(env: &TestEnv, profile: &str) -> Output {
    env.run(&["get-token", "-p", profile, "-o", "json"])
}

fn secret_files(env: &TestEnv) -> usize {
    walk(env.home.path())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "secret"))
        .count()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn round_trip_with_secrets_then_get_token_works_on_the_other_side() {
    let emu = Emulator::start();
    let alice = exporter(&emu);
    let file = export(&alice, &["--include-secrets"]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("ENTRA-AUTH-CLI-EXPORT v1\n"), "{text}");
    assert_eq!(text.lines().count(), 2);
    assert!(!text.contains(emulator::CLIENT_SECRET) && !text.contains(emulator::TENANT_ID));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let bob = user();
    let out = import(&bob, &file, PASS, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("imported profile `emu` with its client secret"));
    let config = std::fs::read_to_string(bob.config_file()).unwrap();
    assert!(
        config.contains("[profiles.emu]") && config.contains(&emu.authority()),
        "{config}"
    );
    let got = get_token(&bob, "emu");
    assert_eq!(code(&got), 0, "{}", stderr(&got));
    let token: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(token["scope"], "api://emu-api/.default");
}

#[test]
fn round_trip_without_secrets_needs_the_secret_again() {
    let emu = Emulator::start();
    let alice = exporter(&emu);
    let file = export(&alice, &[]);
    let bob = user();
    let out = import(&bob, &file, PASS, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("client secret"), "{}", stderr(&out));
    assert_eq!(secret_files(&bob), 0, "no secret was stored");
    let got = get_token(&bob, "emu");
    assert_ne!(code(&got), 0, "no secret yet: {}", stderr(&got));
    let out = run_in(
        &bob,
        &["config", "set-secret", "-p", "emu"],
        emulator::CLIENT_SECRET,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(code(&get_token(&bob, "emu")), 0);
}

#[test]
fn export_to_stdout_and_the_environment_secret_is_never_exported() {
    let emu = Emulator::start();
    let alice = exporter(&emu).var("AZURE_CLIENT_SECRET", "from-the-environment");
    let out = run_in(
        &alice,
        &[
            "config",
            "export",
            "-p",
            "emu",
            "--passphrase-stdin",
            "--include-secrets",
        ],
        PASS,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ENTRA-AUTH-CLI-EXPORT v1\n"));
    let file = alice.home.path().join("stdout.export");
    std::fs::write(&file, &out.stdout).unwrap();
    // Had the environment's secret been exported, Bob's get-token would be refused.
    let bob = user();
    assert_eq!(code(&import(&bob, &file, PASS, &[])), 0);
    assert_eq!(
        code(&get_token(&bob, "emu")),
        0,
        "the stored secret came along"
    );
    let missing = run_in(
        &alice,
        &["config", "export", "-p", "nope", "--passphrase-stdin"],
        PASS,
    );
    assert_eq!(code(&missing), 2, "{}", stderr(&missing));
}

#[test]
fn wrong_passphrase_truncation_and_tampering_change_nothing() {
    let emu = Emulator::start();
    let alice = exporter(&emu);
    let file = export(&alice, &["--include-secrets"]);
    let text = std::fs::read_to_string(&file).unwrap();
    let bob = user();
    let before = "# mine\nstore = \"file\"\n\n[profiles.other]\ntenant_id = \"t.example\"\nclient_id = \"c\"\n";
    bob.write_config(before);

    let wrong = import(&bob, &file, "Correct horse battery staple", &[]);
    snapshot(&bob, "wrong_passphrase", &wrong);
    let truncated = bob.home.path().join("truncated.export");
    std::fs::write(&truncated, &text[..text.len() - 9]).unwrap();
    let mut tampered = text.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered_file = bob.home.path().join("tampered.export");
    std::fs::write(&tampered_file, tampered).unwrap();
    let header_only = bob.home.path().join("header-only.export");
    std::fs::write(&header_only, "ENTRA-AUTH-CLI-EXPORT v1\n").unwrap();
    let future = bob.home.path().join("future.export");
    std::fs::write(&future, text.replacen("v1", "v2", 1)).unwrap();
    for (bad, expected) in [
        (&truncated, "wrong passphrase or corrupted file"),
        (&tampered_file, "wrong passphrase or corrupted file"),
        (&header_only, "wrong passphrase or corrupted file"),
        (
            &future,
            "uses export format v2, which this version cannot read",
        ),
    ] {
        let out = import(&bob, bad, PASS, &[]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(bob.config_file()).unwrap(), before);
    assert_eq!(secret_files(&bob), 0, "no secret stored");
    let garbage = bob.home.path().join("garbage.txt");
    std::fs::write(&garbage, "hello world!\n").unwrap();
    let path = garbage.display().to_string();
    crate::snapshot_run!(bob, &["config", "import", "-i", &path]);
}

#[test]
fn existing_profiles_need_overwrite_and_rename_imports_beside_them() {
    let emu = Emulator::start();
    let alice = exporter(&emu);
    let file = export(&alice, &["--include-secrets"]);
    let bob = user();
    let before =
        "[profiles.EMU]\ntenant_id = \"t.example\"\nclient_id = \"c\"\nlogin_hint = \"x@y\"\n";
    bob.write_config(before);
    let clash = import(&bob, &file, PASS, &[]);
    snapshot(&bob, "existing_profile", &clash);
    assert_eq!(std::fs::read_to_string(bob.config_file()).unwrap(), before);
    assert_eq!(secret_files(&bob), 0);

    let renamed = import(&bob, &file, PASS, &["-n", "emu2"]);
    assert_eq!(code(&renamed), 0, "{}", stderr(&renamed));
    assert_eq!(code(&get_token(&bob, "emu2")), 0);
    let replaced = import(&bob, &file, PASS, &["--overwrite"]);
    assert_eq!(code(&replaced), 0, "{}", stderr(&replaced));
    let config = std::fs::read_to_string(bob.config_file()).unwrap();
    assert!(
        !config.contains("login_hint") && !config.contains("EMU"),
        "{config}"
    );
    assert_eq!(code(&get_token(&bob, "emu")), 0);
}

/// Mallory's export of a profile `emu` like Bob's, but for her own server, without secrets
/// (and Mallory, who holds the file).
fn foreign_export(her_server: &Emulator) -> (TestEnv, PathBuf) {
    let mallory = user();
    mallory.write_config(&format!(
        "[profiles.emu]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauth_method = \"client-secret\"\nscopes = [\"api://emu-api/.default\"]\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        her_server.authority()
    ));
    let file = export(&mallory, &[]);
    (mallory, file)
}

#[test]
fn an_overwrite_that_redirects_a_profile_removes_its_stored_secret() {
    let emu = Emulator::start();
    let hers = Emulator::start();
    let (_mallory, file) = foreign_export(&hers);
    let bob = exporter(&emu);
    assert_eq!(code(&get_token(&bob, "emu")), 0);
    assert_eq!(secret_files(&bob), 1);

    let out = import(&bob, &file, PASS, &["--overwrite"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "authority host: {} -> {}",
            emu.authority(),
            hers.authority()
        )),
        "{err}"
    );
    assert!(
        err.contains("its stored client secret (for the old destination) was removed"),
        "{err}"
    );
    assert_eq!(secret_files(&bob), 0, "the secret is gone");
    let got = get_token(&bob, "emu");
    assert_ne!(code(&got), 0, "no secret to send: {}", stderr(&got));
    assert_eq!(hers.total_token_requests(), 0, "nothing reached her server");
}

#[test]
fn keep_secrets_for_new_destination_keeps_them_and_says_so() {
    let emu = Emulator::start();
    let hers = Emulator::start();
    let (_mallory, file) = foreign_export(&hers);
    let bob = exporter(&emu);
    let flag = import(&bob, &file, PASS, &["--keep-secrets-for-new-destination"]);
    assert_eq!(code(&flag), 1, "needs --overwrite: {}", stderr(&flag));
    let out = import(
        &bob,
        &file,
        PASS,
        &["--overwrite", "--keep-secrets-for-new-destination"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("its stored client secret was kept (--keep-secrets-for-new-destination)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(secret_files(&bob), 1);
    // Bob asked for it: the secret now goes to the new host.
    assert_eq!(code(&get_token(&bob, "emu")), 0);
    assert_eq!(hers.total_token_requests(), 1);
}

#[test]
fn an_overwrite_to_the_same_destination_keeps_the_stored_secret_quietly() {
    let emu = Emulator::start();
    let alice = exporter(&emu);
    let file = export(&alice, &[]);
    let bob = exporter(&emu);
    let out = import(&bob, &file, PASS, &["--overwrite"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(secret_files(&bob), 1);
    assert_eq!(code(&get_token(&bob, "emu")), 0);
}

#[test]
fn bad_names_and_a_memory_store_are_refused_before_writing() {
    let emu = Emulator::start();
    let alice = exporter(&emu);
    let file = export(&alice, &["--include-secrets"]);
    let bob = user();
    for name in ["../evil", "a/b", "tab\there", ""] {
        let out = import(&bob, &file, PASS, &["-n", name]);
        assert_eq!(code(&out), 1, "{name:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("bad name"), "{}", stderr(&out));
    }
    let out = import(&bob, &file, PASS, &["-n", "a/b"]);
    snapshot(&bob, "bad_name", &out);
    assert!(!bob.config_file().exists());

    let memory = TestEnv::new().var("ENTRA_AUTH_STORE", "memory");
    let out = import(&memory, &file, PASS, &[]);
    snapshot(&memory, "memory_store", &out);
    assert!(!memory.config_file().exists());
    let out = import(&memory, &file, PASS, &["--skip-secrets"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(memory.config_file().exists());
}

#[test]
fn help_for_export_and_import() {
    for args in [
        &["config", "export", "--help"],
        &["config", "import", "--help"],
    ] {
        let env = TestEnv::new();
        let output = env.run(args);
        assert!(output.status.success(), "{args:?}");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(args[..2].join("-"));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(stdout(&output)));
    }
}
