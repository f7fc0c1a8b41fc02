//! Keeps the layering visible (ARCHITECTURE.md): the domain does no I/O; ports know only the
//! domain; use cases know only the domain and the ports (no adapter, clap, reqwest, figment,
//! toml_edit, file system or terminal); adapters never reach up; only the composition root
//! names adapters; and no two modules of `src/` import each other, directly or in a ring.
//! Unit-test code (from a file's first `#[cfg(test)]` on, and `tests.rs`/`test_support.rs`
//! files) is production-free and may use in-memory adapters as test doubles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `(path, production code)` of every `.rs` file under `src/<dir>`.
fn sources(dir: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![src().join(dir)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name == "tests.rs" || name == "test_support.rs" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let production = match text.find("#[cfg(test)]") {
                    Some(at) => &text[..at],
                    None => text.as_str(),
                };
                files.push((path.display().to_string(), without_comments(production)));
            }
        }
    }
    assert!(!files.is_empty(), "no sources under src/{dir}");
    files
}

/// The code without `//` comments (docs may name what the code must not use), keeping the
/// module's first `//!` line so `every_module_says_what_it_owns` can see it.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let code = match line.find("//") {
            Some(at) if i > 0 => &line[..at],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
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

const OUTER_LAYERS: [&str; 5] = [
    "crate::endpoint",
    "crate::adapters",
    "crate::usecases",
    "crate::cli",
    "crate::composition",
];

#[test]
fn domain_has_no_io() {
    let mut forbidden = vec![
        "std::fs",
        "std::net",
        "std::env",
        "std::process",
        "std::io",
        "tokio",
        "reqwest",
        "figment",
        "toml_edit",
        "clap",
        "crate::ports",
    ];
    forbidden.extend(OUTER_LAYERS);
    assert_none("domain", &forbidden);
}

#[test]
fn ports_depend_only_on_the_domain() {
    let mut forbidden = vec!["std::fs", "reqwest", "figment", "toml_edit", "clap"];
    forbidden.extend(OUTER_LAYERS);
    assert_none("ports", &forbidden);
}

#[test]
fn use_cases_see_only_the_domain_and_the_ports() {
    assert_none(
        "usecases",
        &[
            "crate::adapters",
            "crate::cli",
            "crate::composition",
            "clap",
            "reqwest",
            "figment",
            "toml_edit",
            "std::fs",
            "std::env",
            "std::process",
            "std::io",
            "IsTerminal",
            "rpassword",
            "eprintln!",
            "println!",
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
fn the_credential_endpoint_is_a_front_end() {
    // It parses requests, asks a use case and renders; it never reaches the adapters, the
    // composition root or the command line.
    assert_none(
        "endpoint",
        &[
            "crate::adapters",
            "crate::composition",
            "crate::cli",
            "clap",
            "reqwest",
        ],
    );
}

#[test]
fn only_the_composition_root_names_adapters() {
    assert_none("cli", &["crate::adapters"]);
    assert_none("endpoint", &["crate::adapters"]);
    assert_none("composition", &["crate::cli"]);
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
        "endpoint",
    ] {
        for (path, text) in sources(dir) {
            assert!(
                text.starts_with("//!"),
                "{path} must start with a `//!` line saying what it owns"
            );
        }
    }
}

/// The module a file is (`usecases::get_token` for `src/usecases/get_token.rs`, `cli::config`
/// for `src/cli/config/mod.rs`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The modules `text` (the production code of `module`) refers to through `crate::` or
/// `super::` paths, resolved to the longest known module.
fn references(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let parent: Vec<&str> = module.split("::").collect();
    let mut found = BTreeSet::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", parent[..parent.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let tail = &rest[at + prefix.len()..];
            let path: String = tail
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut segments: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
            segments.extend(
                path.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            while !segments.is_empty() {
                let candidate = segments.join("::");
                if known.contains(&candidate) {
                    if candidate != module && !module.starts_with(&format!("{candidate}::")) {
                        found.insert(candidate);
                    }
                    break;
                }
                segments.pop();
            }
            rest = &rest[at + prefix.len()..];
        }
    }
    found
}

#[test]
fn no_import_cycles_between_modules() {
    let mut files = Vec::new();
    for dir in [
        "domain",
        "ports",
        "adapters",
        "usecases",
        "composition",
        "cli",
        "endpoint",
    ] {
        for (path, text) in sources(dir) {
            files.push((module_of(Path::new(&path)), text));
        }
    }
    let known: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let graph: BTreeMap<String, BTreeSet<String>> = files
        .iter()
        .map(|(module, text)| (module.clone(), references(module, text, &known)))
        .collect();
    assert!(
        graph["usecases::get_token"].contains("usecases::user_token"),
        "the reference scan works: {:?}",
        graph["usecases::get_token"]
    );
    // Depth-first search for a back edge; report the ring it closes.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut ring = stack[from..].to_vec();
                    ring.push(next.clone());
                    return Some(ring);
                }
                Some(_) => {}
                None => {
                    if let Some(ring) = visit(next, graph, state, stack) {
                        return Some(ring);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node) {
            let mut stack = Vec::new();
            if let Some(ring) = visit(node, &graph, &mut state, &mut stack) {
                panic!("import cycle: {}", ring.join(" -> "));
            }
        }
    }
}
