//! `--help` of every command is a snapshot: a help change is a reviewed change.

use crate::support::TestEnv;

#[test]
fn top_level_help() {
    let env = TestEnv::new();
    let out = crate::snapshot_run!(env, &["--help"]);
    assert!(out.status.success());
}

#[test]
fn get_token_help() {
    let env = TestEnv::new();
    let out = crate::snapshot_run!(env, &["get-token", "--help"]);
    assert!(out.status.success());
}

#[test]
fn get_token_short_help() {
    let env = TestEnv::new();
    crate::snapshot_run!(env, &["get-token", "-h"]);
}

#[test]
fn no_command_is_a_usage_error_with_exit_1() {
    let env = TestEnv::new();
    let out = env.run(&[]);
    assert_eq!(crate::support::code(&out), 1);
    assert!(crate::support::stderr(&out).contains("Usage"));
    assert!(out.stdout.is_empty());
}

#[test]
fn version() {
    let env = TestEnv::new();
    let out = env.run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        crate::support::stdout(&out),
        format!("entra-auth-cli {}\n", env!("CARGO_PKG_VERSION"))
    );
}
