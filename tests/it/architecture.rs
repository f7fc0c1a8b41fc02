//! Keeps the layering visible: the domain does no I/O, ports do not reach for adapters, and
//! nothing below `app` knows about the command line.

use std::path::Path;

fn sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path.display().to_string(), text));
            }
        }
    }
    assert!(!files.is_empty(), "no sources under src/{dir}");
    files
}

fn assert_none(dir: &str, forbidden: &[&str]) {
    for (path, text) in sources(dir) {
        for needle in forbidden {
            assert!(
                !text.contains(needle),
                "{path} uses `{needle}`, which src/{dir} must not"
            );
        }
    }
}

#[test]
fn domain_has_no_io() {
    assert_none(
        "domain",
        &[
            "std::fs",
            "std::net",
            "std::env",
            "std::process",
            "std::io",
            "tokio",
            "reqwest",
            "figment",
            "crate::ports",
            "crate::adapters",
            "crate::usecases",
            "crate::cli",
            "crate::composition",
        ],
    );
}

#[test]
fn ports_depend_only_on_the_domain() {
    assert_none(
        "ports",
        &[
            "std::fs",
            "reqwest",
            "figment",
            "crate::adapters",
            "crate::usecases",
            "crate::cli",
            "crate::composition",
        ],
    );
}

#[test]
fn adapters_do_not_depend_on_use_cases_or_front_ends() {
    assert_none(
        "adapters",
        &["crate::usecases", "crate::cli", "crate::composition"],
    );
}

#[test]
fn every_module_says_what_it_owns() {
    for dir in [
        "domain",
        "ports",
        "adapters",
        "usecases",
        "composition",
        "cli",
    ] {
        for (path, text) in sources(dir) {
            assert!(
                text.starts_with("//!"),
                "{path} must start with a `//!` line saying what it owns"
            );
        }
    }
}
