//! The README's recipes (issue 20). Every ```` ```sh ```` block of README.md is marked on the
//! line before it: `<!-- recipe: NAME -->` is run as written by the test `RUN_HERE` names (here,
//! or in the module of the tool it needs); `<!-- recipe: NAME; not run here: WHY -->` says why
//! not and what covers it instead. Other blocks (a `config.toml`, a kubeconfig) may be marked too.
//!
//! A recipe runs the way a reader types it: bash, `entra-auth-cli` on PATH, a fresh HOME, its
//! commands one after another in one shell (what an earlier one exported or unset stays so),
//! against the bundled emulator. The only edits are the ones the README asks the reader to make:
//! the port (`8080`), and the values it says to copy from what the emulator printed (`PORT`,
//! `...`, the device code).

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use base64::Engine as _;

use crate::emulator::{self, Emulator};
use crate::support::{TestEnv, code, free_port, stderr, stdout};

/// The recipes run here, and the test that runs each.
const RUN_HERE: [(&str, &str); 11] = [
    (
        "quick-start",
        "the_quick_start_recipe_calls_graph_with_the_token",
    ),
    (
        "emulator-app",
        "the_emulator_recipes_run_as_written_in_order",
    ),
    (
        "emulator-managed-identity",
        "the_emulator_recipes_run_as_written_in_order",
    ),
    (
        "emulator-device-code",
        "the_emulator_recipes_run_as_written_in_order",
    ),
    (
        "claims-challenge",
        "the_emulator_recipes_run_as_written_in_order",
    ),
    ("workstation", "the_workstation_recipes_run_as_written"),
    ("get-token-az", "the_workstation_recipes_run_as_written"),
    (
        "workstation-config",
        "the_workstation_recipes_run_as_written",
    ),
    (
        "kubectl-profile",
        "kubectl::the_readme_kubeconfig_signs_in_once_then_gets_pods",
    ),
    (
        "kubectl-kubeconfig",
        "kubectl::the_readme_kubeconfig_signs_in_once_then_gets_pods",
    ),
    (
        "headless-keyring",
        "the_headless_keyring_recipe_prints_only_the_token",
    ),
];

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// One marked block.
struct Recipe {
    name: String,
    /// Why it is not run here (`None`: run here).
    not_run: Option<String>,
    body: String,
}

/// Every marked fenced block, with its marker. Panics on a ```` ```sh ```` block without one.
fn recipes() -> Vec<Recipe> {
    let text = readme();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(language) = lines[i].strip_prefix("```").filter(|l| !l.is_empty()) else {
            i += 1;
            continue;
        };
        let marker = i
            .checked_sub(1)
            .and_then(|before| lines[before].strip_prefix("<!-- recipe: "))
            .and_then(|m| m.strip_suffix(" -->"));
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| **l != "```")
            .copied()
            .collect();
        let next = i + body.len() + 2;
        let Some(marker) = marker else {
            assert_ne!(
                language,
                "sh",
                "README.md line {}: a shell block without `<!-- recipe: NAME -->` (run by tests/it/readme_recipes.rs) or `<!-- recipe: NAME; not run here: WHY -->` on the line before",
                i + 1
            );
            i = next;
            continue;
        };
        let (name, not_run) = match marker.split_once("; not run here: ") {
            Some((name, why)) => (name, Some(why.to_owned())),
            None => (marker, None),
        };
        found.push(Recipe {
            name: name.to_owned(),
            not_run,
            body: body.join("\n"),
        });
        i = next;
    }
    found
}

/// The text of the block marked `name`.
pub fn recipe(name: &str) -> String {
    recipes()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("README.md has no recipe `{name}`"))
        .body
}

/// The commands of a recipe: comment and blank lines left out, `\` continuations joined.
pub fn commands(body: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut pending = String::new();
    for line in body.lines() {
        if pending.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with('#')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => pending.push_str(start),
            None => {
                pending.push_str(line);
                commands.push(std::mem::take(&mut pending));
            }
        }
    }
    assert!(pending.is_empty(), "a recipe ends in a continuation");
    commands
}

/// The README's comment lines that show output, `# ` removed.
fn shown_output(body: &str, starts_with: &str) -> String {
    body.lines()
        .filter_map(|l| l.strip_prefix("# "))
        .find(|l| l.starts_with(starts_with))
        .unwrap_or_else(|| panic!("the recipe shows a line starting with {starts_with:?}"))
        .to_owned()
}

/// A reader's shell: one HOME, the binary on PATH, the environment earlier commands left.
pub struct Shell {
    env: TestEnv,
    /// The environment after the last command (`None`: the `TestEnv`'s, not yet run).
    state: Option<Vec<(String, String)>>,
    /// The edits the README asks for (a port, a value copied from what was printed).
    edits: Vec<(String, String)>,
}

impl Shell {
    pub fn new(env: TestEnv) -> Self {
        Self {
            env,
            state: None,
            edits: Vec::new(),
        }
    }

    pub fn edit(&mut self, from: &str, to: &str) {
        self.edits.push((from.to_owned(), to.to_owned()));
    }

    fn edited(&self, command: &str) -> String {
        self.edits
            .iter()
            .fold(command.to_owned(), |text, (from, to)| {
                text.replace(from, to)
            })
    }

    fn state_file(&self) -> PathBuf {
        self.env.home.path().join(".recipe-shell-environment")
    }

    /// `bash -c` running the command, then saving the environment it leaves for the next one
    /// (so `export KEY="$(openssl rand ...)"` runs once, as at a prompt).
    pub fn command(&self, command: &str) -> Command {
        let script = format!(
            "set -e\n{}\nenv -0 > '{}'",
            self.edited(command),
            self.state_file().display()
        );
        let mut cmd = self.env.program("bash", &["-c", &script]);
        match &self.state {
            Some(vars) => {
                cmd.env_clear().envs(vars.iter().map(|(k, v)| (k, v)));
            }
            None => {
                let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_entra-auth-cli"))
                    .parent()
                    .unwrap()
                    .to_owned();
                let path = format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                );
                cmd.env("PATH", path);
            }
        }
        cmd.current_dir(self.env.home.path());
        cmd
    }

    /// Runs one command to its end; it must succeed.
    pub fn run(&mut self, command: &str) -> Output {
        let out = self
            .command(command)
            .stdin(Stdio::null())
            .output()
            .expect("bash runs");
        assert_eq!(
            code(&out),
            0,
            "`{}` failed:\n{}{}",
            self.edited(command),
            stdout(&out),
            stderr(&out)
        );
        let saved = std::fs::read(self.state_file()).expect("the environment after the command");
        self.state = Some(
            saved
                .split(|b| *b == 0)
                .filter_map(|entry| {
                    let entry = String::from_utf8_lossy(entry);
                    let (name, value) = entry.split_once('=')?;
                    Some((name.to_owned(), value.to_owned()))
                })
                .collect(),
        );
        out
    }

    /// Starts a command that waits (a sign-in), its output on pipes.
    fn spawn(&self, command: &str) -> Child {
        self.command(command)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bash starts")
    }
}

/// A JWT's payload, decoded.
fn claims(token: &str) -> serde_json::Value {
    let payload = token.trim().split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The `emulator` example, started as Terminal 1 says; serves until its stdin closes.
struct ExampleEmulator {
    child: Child,
    _stdin: ChildStdin,
    printed: String,
    app_service: String,
    identity_header: String,
}

impl Drop for ExampleEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Terminal 1 on a free port (`8080` replaced); another port when a concurrent test took the
/// one picked before the emulator bound it.
fn start_example(terminal_1: &str) -> (ExampleEmulator, u16) {
    for _ in 0..3 {
        let port = free_port();
        if let Some(emu) = start_example_on(terminal_1, port) {
            return (emu, port);
        }
    }
    panic!("the emulator example did not start on three free ports");
}

/// `None` when the example ended before printing (its port was taken).
fn start_example_on(terminal_1: &str, port: u16) -> Option<ExampleEmulator> {
    let example = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples/emulator");
    assert!(
        example.is_file(),
        "{} is missing: a plain `cargo test` builds it, or `cargo build --example emulator`",
        example.display()
    );
    let args = terminal_1
        .strip_prefix("cargo run --example emulator -- ")
        .expect("Terminal 1 runs the emulator example")
        .replace("8080", &port.to_string());
    let mut child = Command::new(&example)
        .args(args.split_whitespace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut printed = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut printed)
        .unwrap();
    if printed.is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    }
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut value = |key: &str| {
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        line.trim_end()
            .strip_prefix(key)
            .unwrap_or_else(|| panic!("the emulator printed {line:?}, not {key}"))
            .to_owned()
    };
    let _secret = value("client_secret=");
    let identity_header = value("identity_header=");
    let app_service = printed
        .split_whitespace()
        .find_map(|f| f.strip_prefix("app_service="))
        .expect("app_service= printed")
        .to_owned();
    Some(ExampleEmulator {
        child,
        _stdin: stdin,
        printed: printed.trim_end().to_owned(),
        app_service,
        identity_header,
    })
}

/// The same line, with each port after `127.0.0.1:` written `PORT`.
fn ports_as_placeholders(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(before);
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str(if digits > 0 { "PORT" } else { "" });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_shell_block_is_run_here_or_says_why_not() {
    let recipes = recipes();
    let mut names: Vec<&str> = recipes.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "recipe names are unique: {names:?}");
    for recipe in &recipes {
        if let Some(why) = &recipe.not_run {
            assert!(!why.trim().is_empty(), "`{}` says why not", recipe.name);
        }
    }
    let mut run: Vec<&str> = recipes
        .iter()
        .filter(|r| r.not_run.is_none())
        .map(|r| r.name.as_str())
        .collect();
    run.sort_unstable();
    let mut here: Vec<&str> = RUN_HERE.iter().map(|(name, _)| *name).collect();
    here.sort_unstable();
    assert_eq!(
        run, here,
        "the README's runnable recipes are exactly the ones this module runs"
    );
}

/// Terminal 1 and 2 of "Try the installed CLI against the bundled emulator", then the
/// managed-identity and device-code recipes in the same shell, then the claims challenge for
/// the profile `me` the device code signed in.
#[test]
fn the_emulator_recipes_run_as_written_in_order() {
    let app = recipe("emulator-app");
    let steps = commands(&app);
    let (emu, port) = start_example(&steps[0]);
    assert_eq!(
        ports_as_placeholders(&emu.printed),
        ports_as_placeholders(&shown_output(&app, "authority=")),
        "the README shows what the emulator prints"
    );

    let mut shell = Shell::new(TestEnv::new());
    shell.edit("8080", &port.to_string());
    let mut printed = Vec::new();
    for step in &steps[1..] {
        printed.push(shell.run(step));
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&printed[printed.len() - 2])).expect("get-token -o json");
    assert_eq!(json["source"], "network");
    assert_eq!(json["tenant_id"], emulator::TENANT_ID);
    let inspected = stdout(printed.last().unwrap());
    assert!(inspected.contains(emulator::CLIENT_ID), "{inspected}");

    // Managed identity, with the values the emulator printed.
    shell.edit("http://127.0.0.1:PORT/msi/token", &emu.app_service);
    shell.edit(
        "IDENTITY_HEADER=...",
        &format!("IDENTITY_HEADER={}", emu.identity_header),
    );
    let mut last = None;
    for step in commands(&recipe("emulator-managed-identity")) {
        last = Some(shell.run(&step));
    }
    let last = last.unwrap();
    assert_eq!(
        claims(&stdout(&last))["aud"],
        "https://vault.azure.net",
        "{}",
        stderr(&last)
    );

    // A person's device-code sign-in, approved with curl.
    let device = recipe("emulator-device-code");
    let steps = commands(&device);
    assert_eq!(
        steps.len(),
        4,
        "create, sign in, approve, silent: {steps:?}"
    );
    shell.run(&steps[0]);
    let mut sign_in = shell.spawn(&steps[1]);
    let mut err = BufReader::new(sign_in.stderr.take().unwrap());
    let mut message = String::new();
    err.read_line(&mut message).unwrap();
    let message = message.trim_end();
    let user_code = message
        .split_once("enter the code ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("a device code on stderr: {message:?}"));
    let shown = shown_output(&device, "To sign in").replace("XXXXXXXXX", user_code);
    assert_eq!(
        message,
        shell.edited(&shown),
        "the README shows the message get-token prints"
    );
    shell.edit("XXXXXXXXX", user_code);
    let approved = shell.run(&steps[2]);
    assert!(
        stdout(&approved).contains("Signed in"),
        "{}",
        stdout(&approved)
    );
    let mut token = String::new();
    sign_in
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut token)
        .unwrap();
    let status = sign_in.wait().unwrap();
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    assert!(status.success(), "{rest}");
    assert_eq!(claims(&token)["upn"], emulator::USER_NAME, "{token}");
    let silent = shell.run(&steps[3]);
    assert_eq!(stderr(&silent), "", "silent afterwards");
    assert_eq!(claims(&stdout(&silent))["upn"], emulator::USER_NAME);

    // The claims challenge of "Claims challenges and CAE", for the signed-in `me`.
    let challenged = shell.run(&commands(&recipe("claims-challenge"))[0]);
    let challenged = claims(&stdout(&challenged));
    assert_eq!(challenged["aud"], "https://vault.azure.net");
    assert_eq!(
        challenged["acrs"],
        serde_json::json!(["cp1"]),
        "{challenged}"
    );
    drop(emu);
}

/// The first "Quick start" recipe, with the emulator as the authority host and as Microsoft
/// Graph, its domain for contoso's and its secret for `...`.
#[test]
fn the_quick_start_recipe_calls_graph_with_the_token() {
    let emu = Emulator::start();
    let mut shell = Shell::new(TestEnv::new().var("AZURE_AUTHORITY_HOST", &emu.authority()));
    shell.edit("contoso.onmicrosoft.com", emulator::TENANT_DOMAIN);
    shell.edit(
        "AZURE_CLIENT_SECRET=...",
        &format!("AZURE_CLIENT_SECRET='{}'", emulator::CLIENT_SECRET),
    );
    shell.edit(
        "https://graph.microsoft.com/v1.0/",
        &format!("{}/v1.0/", emu.authority()),
    );
    let outputs: Vec<Output> = commands(&recipe("quick-start"))
        .iter()
        .map(|step| shell.run(step))
        .collect();
    let graph: serde_json::Value =
        serde_json::from_str(&stdout(outputs.last().unwrap())).expect("Graph's JSON");
    assert_eq!(graph["value"][0]["id"], emulator::TENANT_ID, "{graph}");
}

/// "Quick start" on a workstation: the README's `config.toml` (its commented authority host
/// line pointed at the emulator, the domain the emulator's), the secret stored from a file, then
/// `get-token -o az` of "`get-token -o az`".
#[test]
fn the_workstation_recipes_run_as_written() {
    let emu = Emulator::start();
    let toml = recipe("workstation-config");
    assert!(toml.contains("# authority_host = "), "{toml}");
    let config = toml
        .replace("contoso.onmicrosoft.com", emulator::TENANT_DOMAIN)
        .lines()
        .map(|line| match line.strip_prefix("# authority_host = ") {
            Some(_) => format!("authority_host = \"{}\"", emu.authority()),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let env = TestEnv::new();
    env.write_config(&config);
    std::fs::write(env.home.path().join("secret.txt"), emulator::CLIENT_SECRET).unwrap();

    let mut shell = Shell::new(env);
    let outputs: Vec<Output> = commands(&recipe("workstation"))
        .iter()
        .map(|step| shell.run(step))
        .collect();
    let token = stdout(&outputs[2]);
    assert_eq!(claims(&token)["appid"], emulator::CLIENT_ID);
    assert!(emu.verify(token.trim()).is_ok());
    let status = stdout(&outputs[3]);
    assert!(
        status.contains("file (")
            && status.contains("token:      https://management.azure.com/.default"),
        "{status}"
    );

    let az = shell.run(&commands(&recipe("get-token-az"))[0]);
    let az: serde_json::Value = serde_json::from_str(&stdout(&az)).unwrap();
    assert!(emu.verify(az["accessToken"].as_str().unwrap()).is_ok());
    assert_eq!(az["tenant"], emulator::TENANT_ID);
    assert_eq!(az["tokenType"], "Bearer");
}

/// The headless keyring recipe prints the token and nothing else on stdout, so `TOKEN=$(...)`
/// works.
#[test]
#[ignore = "needs a Secret Service: dbus-run-session, gnome-keyring (installed by .ci/run); run with: cargo test -- --ignored"]
fn the_headless_keyring_recipe_prints_only_the_token() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("ENTRA_AUTH_STORE")
        .without("ENTRA_AUTH_CACHE_KEY")
        .var("KEYRING_PASSWORD", "test-only");
    let runtime = env.home.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let shell = Shell::new(env);
    let steps = commands(&recipe("headless-keyring"));
    assert_eq!(steps.len(), 1, "{steps:?}");
    let out = shell
        .command(&steps[0])
        .env("XDG_RUNTIME_DIR", &runtime)
        // The session bus is the one dbus-run-session starts.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("dbus-run-session and gnome-keyring-daemon installed?");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let printed = stdout(&out);
    let token = printed.strip_suffix('\n').unwrap_or(&printed);
    assert!(
        !token.contains(char::is_whitespace),
        "only the token on stdout: {printed:?}"
    );
    assert!(emu.verify(token).is_ok(), "{printed:?}");
}
