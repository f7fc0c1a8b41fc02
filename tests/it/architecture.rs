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

/// Everything outside the domain and the ports.
const OUTER_LAYERS: [&str; 2] = ["crate::adapters", "crate::app"];

/// The front-ends under `src/app/`: each parses its input, calls a use case and renders.
const FRONT_ENDS: [&str; 4] = ["cli", "credential_endpoint", "az_shim", "docker_credential"];

/// Every source folder, for the checks that cover the whole tree.
const ALL: [&str; 4] = ["domain", "ports", "adapters", "app"];

/// The names directly inside `dir` (files and folders), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "snapshots")
        .collect();
    names.sort();
    names
}

#[test]
fn src_holds_exactly_the_cards_four_layers() {
    assert_eq!(
        entries(&src()),
        ["adapters", "app", "domain", "lib.rs", "main.rs", "ports"],
        "src/ holds domain/, ports/, adapters/, app/, main.rs and lib.rs only (DESIGN.md, Shape)"
    );
    assert_eq!(
        entries(&src().join("app")),
        [
            "az_shim",
            "cli",
            "composition",
            "credential_endpoint",
            "docker_credential",
            "mod.rs",
            "usecases"
        ],
        "src/app/ holds the use cases, the composition root and the front-ends"
    );
    // Adapters are grouped by the port they serve: no loose files but mod.rs.
    for name in entries(&src().join("adapters")) {
        assert!(
            name == "mod.rs" || src().join("adapters").join(&name).is_dir(),
            "src/adapters/{name}: adapters live in a folder named after the port they serve"
        );
    }
}

#[test]
fn main_only_picks_the_front_end() {
    let text = std::fs::read_to_string(src().join("main.rs")).unwrap();
    let code = without_comments(&text);
    assert!(code.lines().count() <= 30, "src/main.rs stays a few lines");
    for needle in ["adapters", "usecases", "composition", "domain", "ports"] {
        assert!(
            !code.contains(needle),
            "src/main.rs names `{needle}`: it only picks a front-end"
        );
    }
}

#[test]
fn no_source_file_is_over_700_lines_of_code() {
    for dir in ALL {
        for (path, text) in sources(dir) {
            let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
            assert!(
                lines <= 700,
                "{path}: {lines} lines of non-test code; split it on its concepts (DESIGN.md)"
            );
        }
    }
}

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
        "app/usecases",
        &[
            "crate::adapters",
            "crate::app::cli",
            "crate::app::composition",
            "crate::app::credential_endpoint",
            "crate::app::az_shim",
            "crate::app::docker_credential",
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
fn adapters_never_import_the_app() {
    assert_none("adapters", &["crate::app"]);
}

#[test]
fn only_the_composition_root_names_adapters() {
    for front_end in FRONT_ENDS {
        assert_none(&format!("app/{front_end}"), &["crate::adapters"]);
    }
    let mut front_ends: Vec<String> = FRONT_ENDS
        .iter()
        .map(|f| format!("crate::app::{f}"))
        .collect();
    front_ends.push("clap".to_owned());
    let front_ends: Vec<&str> = front_ends.iter().map(String::as_str).collect();
    assert_none("app/composition", &front_ends);
}

/// The front-ends never import each other (`main.rs` hands the CLI's `exec` and `serve` requests
/// to the credential endpoint).
#[test]
fn front_ends_never_import_each_other() {
    for front_end in FRONT_ENDS {
        for other in FRONT_ENDS.iter().filter(|o| **o != front_end) {
            for (path, text) in sources(&format!("app/{front_end}")) {
                assert!(
                    !text.contains(&format!("crate::app::{other}")),
                    "{path} imports the front-end `{other}`: front-ends never import each other"
                );
            }
        }
    }
}

/// Front-ends that are not the CLI need nothing of clap or reqwest; the az shim needs no store.
/// The docker helper parses its few words by hand: docker starts it for every pull.
#[test]
fn the_other_front_ends_stay_small() {
    assert_none("app/credential_endpoint", &["clap", "reqwest"]);
    assert_none("app/docker_credential", &["clap", "reqwest"]);
    assert_none("app/az_shim", &["clap", "reqwest", "composition::Services"]);
}

#[test]
fn every_module_says_what_it_owns() {
    for dir in ALL {
        for (path, text) in sources(dir) {
            assert!(
                text.starts_with("//!"),
                "{path} must start with a `//!` line saying what it owns"
            );
        }
    }
}

/// The module a file is (`app::usecases::token::acquire` for `src/app/usecases/token/acquire.rs`,
/// `app::cli::config`
/// for `src/app/cli/config/mod.rs`).
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
    for dir in ALL {
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
        graph["app::usecases::token::acquire"].contains("app::usecases::token::user_token"),
        "the reference scan works: {:?}",
        graph["app::usecases::token::acquire"]
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
