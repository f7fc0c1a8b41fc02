//! `exec` with a probe as its child: `tests/support/endpoint_probe.py` (Python's http.client)
//! asks the credential endpoint what a test says and prints what it got as JSON.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

use crate::support::{TestEnv, code, stderr, stdout};

/// The probe script.
pub fn probe() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/endpoint_probe.py")
}

/// Runs `exec [flags] -- python3 endpoint_probe.py SPECS` and returns its output and what the
/// child printed.
pub fn exec_probe(env: &TestEnv, flags: &[&str], specs: &Value) -> (Output, Value) {
    let specs = specs.to_string();
    let probe = probe();
    let mut args = vec!["exec"];
    args.extend_from_slice(flags);
    args.extend(["--", "python3", probe.to_str().unwrap(), &specs]);
    let output = env.run(&args);
    assert_eq!(code(&output), 0, "exec failed: {}", stderr(&output));
    let seen = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the child printed no JSON ({e}): {}", stdout(&output)));
    (output, seen)
}
