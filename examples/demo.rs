//! The main job, end to end, with no Azure account: starts the bundled Entra emulator on
//! 127.0.0.1, then runs the real `entra-auth-cli` binary against it the way a container would
//! (only AZURE_* variables, no config file), twice, to show the network call and the cache hit.
//!
//! Run it with `cargo run --example demo`.

#[path = "../tests/emulator/mod.rs"]
mod emulator;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn binary_path() -> PathBuf {
    // target/<profile>/examples/demo -> target/<profile>/entra-auth-cli
    let exe = std::env::current_exe().expect("own path");
    let dir = exe
        .parent()
        .and_then(|examples| examples.parent())
        .expect("target/<profile>");
    dir.join(format!("entra-auth-cli{}", std::env::consts::EXE_SUFFIX))
}

fn build_binary() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "--bin", "entra-auth-cli"]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "building entra-auth-cli failed".to_owned())
}

fn main() -> ExitCode {
    // `cargo run --example demo` has built the example; the binary it runs is built now (about
    // 40 s the first time on a fresh checkout, nothing after): say so rather than sit silent.
    eprintln!(
        "demo: building entra-auth-cli (the first time takes a minute; later runs are instant)..."
    );
    if let Err(e) = build_binary() {
        eprintln!("demo: {e}");
        return ExitCode::FAILURE;
    }
    let emu = emulator::Emulator::start();
    let home = tempfile::tempdir().expect("temp dir");
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("randomness");
    let key: String = key.iter().map(|b| format!("{b:02x}")).collect();

    println!("Entra emulator listening at {}", emu.authority());
    println!("Running entra-auth-cli with only AZURE_* variables (the container case):\n");
    let run = |args: &[&str]| {
        println!("$ entra-auth-cli {}", args.join(" "));
        let output = Command::new(binary_path())
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("AZURE_TENANT_ID", emulator::TENANT_ID)
            .env("AZURE_CLIENT_ID", emulator::CLIENT_ID)
            .env("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET)
            .env("AZURE_AUTHORITY_HOST", emu.authority())
            .env("ENTRA_AUTH_CACHE_KEY", &key)
            .output()
            .expect("run entra-auth-cli");
        print!("{}", String::from_utf8_lossy(&output.stdout));
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        println!("(exit code {})\n", output.status.code().unwrap_or(-1));
        output.status.success()
    };
    let ok = run(&["get-token", "-o", "json"])
        && run(&["get-token", "-o", "json"])
        && run(&["get-token", "-o", "yaml", "-s", "api://demo-api/.default"]);
    println!(
        "The emulator received {} token request(s): the second call was served from the encrypted cache.",
        emu.total_token_requests()
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
