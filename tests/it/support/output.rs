//! Reading what a run of the binary left: exit code, stdout, stderr, stdout as JSON, stderr as
//! it comes, and stdin fed from a thread.

use std::process::Output;

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

/// Stdout parsed as JSON; a test failure showing both streams when it is not.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {} / {}",
            stdout(output),
            stderr(output)
        )
    })
}
