//! Runs the Entra ID emulator standalone for benchmarks and manual tries.
//!
//! `cargo run --example emulator -- [--port N] [--until-killed]` prints one line on stdout,
//! `authority=http://127.0.0.1:PORT tenant=<TENANT_ID> client_id=<CLIENT_ID>
//! app_service=<IDENTITY_ENDPOINT> registry=127.0.0.1:PORT` (an emulated ACR), and the test-only `client_secret=` and `identity_header=`
//! (App Service managed identity's `IDENTITY_HEADER`) on stderr, then serves:
//! - from a terminal, until Ctrl-C (stdin is not read: a background job `&` is not stopped
//!   for reading the terminal, and Ctrl-D does not end it);
//! - otherwise until stdin reaches EOF (the benchmark scripts hold it open and close it to stop
//!   the emulator);
//! - with `--until-killed`, until the process is killed (for stdin = /dev/null).

#[path = "../tests/emulator/mod.rs"]
mod emulator;

use std::io::{IsTerminal as _, Read as _, Write as _};

fn main() {
    let mut port = 0u16;
    let mut until_killed = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a number"));
            }
            "--until-killed" => until_killed = true,
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }

    let emu = emulator::Emulator::start_on(port);
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "authority={} tenant={} client_id={} app_service={} registry={}",
        emu.authority(),
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.app_service_endpoint(),
        emu.registry_login_server()
    )
    .and_then(|()| stdout.flush())
    .expect("stdout is writable");
    drop(stdout);
    eprintln!("client_secret={}", emulator::CLIENT_SECRET);
    eprintln!("identity_header={}", emu.identity_header());

    if until_killed || std::io::stdin().is_terminal() {
        if !until_killed {
            eprintln!("serving until Ctrl-C");
        }
        // Ctrl-C's SIGINT ends the process; nothing needs cleaning up.
        loop {
            std::thread::park();
        }
    }
    // Serve until stdin closes; read errors count as closed.
    let mut sink = [0u8; 4096];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    drop(emu);
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("emulator: {problem}");
    }
    eprintln!("usage: emulator [--port N] [--until-killed]");
    std::process::exit(if problem.is_empty() { 0 } else { 2 });
}
