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

#[test]
fn every_other_command_has_help() {
    for args in [
        &["status", "--help"][..],
        &["logout", "--help"],
        &["config", "--help"],
        &["config", "set-secret", "--help"],
        &["git-credential", "--help"],
        &["exec", "--help"],
        &["docker-credential", "--help"],
        &["serve", "--help"],
    ] {
        let env = TestEnv::new();
        let output = env.run(args);
        assert!(output.status.success(), "{args:?}");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(args[..args.len() - 1].join("-"));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(crate::support::stdout(&output)));
    }
}
