//! `completions SHELL` run by the shell itself: the script is loaded into bash, fish and zsh and
//! asked what completes after a subcommand (`get-token -o <TAB>`, `config <TAB>`), as a person
//! pressing Tab would.

use std::process::Command;

use crate::support::{TestEnv, stderr, stdout};

/// The script for `shell`, written to a file in a directory that lives as long as the guard.
fn script(env: &TestEnv, shell: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = env.run(&["completions", shell]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("completion.{shell}"));
    std::fs::write(&path, out.stdout).unwrap();
    (dir, path)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// What bash's completion function offers for `line` (the words typed, the last one partial).
fn bash_offers(path: &std::path::Path, line: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source '{path}' || exit 9
fn=$(complete -p entra-auth-cli | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$fn" ] || exit 8
COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
"$fn" entra-auth-cli "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        path = path.display(),
        words = quoted.join(" ")
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "bash: {}", stderr(&out));
    words(&stdout(&out))
}

#[test]
fn bash_completes_past_the_first_word() {
    let env = TestEnv::new();
    let (_dir, path) = script(&env, "bash");
    let formats = bash_offers(&path, &["entra-auth-cli", "get-token", "-o", ""]);
    assert_eq!(formats, ["token", "json", "yaml", "exec-credential", "az"]);
    let config = bash_offers(&path, &["entra-auth-cli", "config", ""]);
    for sub in ["create", "edit", "show", "set-secret", "export", "import"] {
        assert!(
            config.contains(&sub.to_owned()),
            "config <TAB> offers {sub}: {config:?}"
        );
    }
    let get_token = bash_offers(&path, &["entra-auth-cli", "get-token", "--"]);
    assert!(get_token.contains(&"--profile".to_owned()), "{get_token:?}");
    let top = bash_offers(&path, &["entra-auth-cli", "g"]);
    assert!(top.contains(&"get-token".to_owned()), "{top:?}");
}

#[test]
#[ignore = "needs fish (Debian package fish; .ci/run installs it)"]
fn fish_completes_past_the_first_word() {
    let env = TestEnv::new();
    let (_dir, path) = script(&env, "fish");
    let ask = |line: &str| {
        let out = Command::new("fish")
            .args([
                "--no-config",
                "-c",
                &format!("source '{}'; complete -C '{line}'", path.display()),
            ])
            .output()
            .expect("fish must be installed for this test");
        assert!(out.status.success(), "fish: {}", stderr(&out));
        stdout(&out)
            .lines()
            .filter_map(|l| l.split('\t').next().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let formats = ask("entra-auth-cli get-token -o ");
    for format in ["token", "json", "yaml", "exec-credential", "az"] {
        assert!(formats.contains(&format.to_owned()), "{formats:?}");
    }
    let config = ask("entra-auth-cli config ");
    assert!(config.contains(&"set-secret".to_owned()), "{config:?}");
}

/// zsh completes only inside its line editor: an interactive zsh in a pseudo-terminal (zpty)
/// gets the typed line and a Tab, and a `compadd` wrapper prints what it was given.
#[test]
#[ignore = "needs zsh (Debian package zsh; .ci/run installs it)"]
fn zsh_completes_past_the_first_word() {
    let env = TestEnv::new();
    let (_dir, path) = script(&env, "zsh");
    let driver = r#"zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; autoload -U compinit; compinit -u; source '$1'"
zpty -w z 'compadd() { builtin compadd "$@"; local -a got; builtin compadd -O got "$@"; print -r -- "<<${(j:,:)got}>>" >/dev/tty }'
zpty -w -n z "$2"$'\t'
sleep 1
out=""
while zpty -r -t z line; do out+="$line"; done
print -r -- "$out" | grep -o '<<[a-z-][^>]*>>' | sort -u
zpty -d z"#;
    let ask = |line: &str| {
        let out = Command::new("zsh")
            .args(["-f", "-c", driver, "zsh", &path.display().to_string(), line])
            .output()
            .expect("zsh must be installed for this test");
        assert!(out.status.success(), "zsh: {}", stderr(&out));
        stdout(&out)
    };
    let formats = ask("entra-auth-cli get-token -o ");
    assert!(
        formats.contains("<<token,json,yaml,exec-credential,az>>"),
        "{formats}"
    );
    let config = ask("entra-auth-cli config ");
    assert!(config.contains("set-secret"), "{config}");
}
