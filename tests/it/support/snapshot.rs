//! Snapshots of runs: insta filters that hide what changes between runs (temp dirs, ports,
//! JWTs, UUIDs, times, durations) and `snapshot_run!`/`snapshot_output!`, which print a run as
//! `exit code / stdout / stderr`.

use std::path::Path;

/// Filters for snapshots: temp dirs, ports, JWTs, UUIDs and times vary between runs.
pub fn filters(home: &Path) -> Vec<(String, String)> {
    vec![
        (
            regex_escape(&home.display().to_string()),
            "[HOME]".to_owned(),
        ),
        (
            r"127\.0\.0\.1:\d+".to_owned(),
            "127.0.0.1:[PORT]".to_owned(),
        ),
        (
            r"/\S*/cert-fixtures-[A-Za-z0-9_-]+".to_owned(),
            "[FIXTURES]".to_owned(),
        ),
        (
            r"localhost(%3A|:)\d+".to_owned(),
            "localhost$1[PORT]".to_owned(),
        ),
        (
            r"(state|nonce|code_challenge)=[A-Za-z0-9_-]+".to_owned(),
            "$1=[RANDOM]".to_owned(),
        ),
        (
            r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+".to_owned(),
            "[JWT]".to_owned(),
        ),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".to_owned(),
            "[UUID]".to_owned(),
        ),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z".to_owned(),
            "[TIME]".to_owned(),
        ),
        (r"(expires_(in|on)\W+)\d+".to_owned(), "$1[N]".to_owned()),
    ]
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A run as a snapshot shows it: `exit code / stdout / stderr`.
pub fn run_text(output: &std::process::Output) -> String {
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        super::code(output),
        super::stdout(output),
        super::stderr(output)
    )
}

/// Snapshots a run that already happened (`output`) as `exit code / stdout / stderr`, filtered
/// for `env`'s HOME; with a name first, under that name.
#[macro_export]
macro_rules! snapshot_output {
    ($env:expr, $output:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_omit_expression(true);
        for (from, to) in &$crate::support::filters($env.home.path()) {
            settings.add_filter(from, to.as_str());
        }
        settings.bind(|| {
            insta::assert_snapshot!($crate::support::snapshot::run_text($output));
        });
    }};
    ($name:expr, $env:expr, $output:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_omit_expression(true);
        for (from, to) in &$crate::support::filters($env.home.path()) {
            settings.add_filter(from, to.as_str());
        }
        settings.bind(|| {
            insta::assert_snapshot!($name, $crate::support::snapshot::run_text($output));
        });
    }};
}

/// Runs the binary in `env` with `args` and snapshots the run (see `snapshot_output!`).
#[macro_export]
macro_rules! snapshot_run {
    ($env:expr, $args:expr) => {{
        let env = &$env;
        let output = env.run($args);
        $crate::snapshot_output!(env, &output);
        output
    }};
}
