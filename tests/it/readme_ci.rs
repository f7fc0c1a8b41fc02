//! The README's three CI examples are the ones that run: each of `docs/ci/*.yml` must appear in
//! README.md verbatim (between its BEGIN/END markers), and its commands run, as the CI would run
//! them (each step in a shell with the job's variables and what the CI adds), against the
//! emulator of that CI's token service and the Entra emulator holding the federated credential
//! the example's comment says to register. Only the install step is skipped (the binary under
//! test is on PATH), and `curl` is a stand-in that records its arguments (no test calls Azure).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use serde_yaml::Value as Yaml;

use crate::emulator::Emulator;
use crate::emulator::ci::{AzurePipelines, GitHubActions, GitLab, ServiceConnection};
use crate::support::{TestEnv, code, stderr, stdout};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example file, after checking the README shows it verbatim.
fn example(path: &str) -> String {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = format!("<!-- BEGIN {path} -->\n```yaml\n{text}```\n<!-- END {path} -->\n");
    assert!(
        readme.contains(&block),
        "README.md must show {path} verbatim between its markers (copy the file into the block)"
    );
    text
}

/// The federated credential the example's comment registers: (issuer, subject, audience).
fn federated_credential(text: &str) -> (String, String, String) {
    let start = text
        .find("'{\"name\"")
        .expect("the az command's --parameters")
        + 1;
    let end = start + text[start..].find("}'").unwrap() + 1;
    let json: Value = serde_json::from_str(&text[start..end]).unwrap();
    let s = |k: &str| json[k].as_str().unwrap().to_owned();
    (
        s("issuer"),
        s("subject"),
        json["audiences"][0].as_str().unwrap().to_owned(),
    )
}

fn yaml(text: &str) -> Yaml {
    serde_yaml::from_str(text).unwrap()
}

fn string_map(value: &Yaml) -> Vec<(String, String)> {
    value
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Yaml::String(s) => s.clone(),
                        other => serde_yaml::to_string(other).unwrap().trim().to_owned(),
                    };
                    (k.as_str().unwrap().to_owned(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A job's machine: the binary under test and a recording `curl` first on PATH, the Entra
/// emulator as authority host (the one thing a real job does not set), no keyring.
fn runner(emu: &Emulator) -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let bin = env.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = env.home.path().join("curl.log");
    let curl = bin.join("curl");
    std::fs::write(
        &curl,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" >> \"$CURL_LOG\"\nfor a in \"$@\"; do case \"$a\" in https://management.azure.com/*) exit 0;; esac; done\necho 'curl stand-in: only https://management.azure.com/ is expected' >&2\nexit 2\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_entra-auth-cli"));
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        exe.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = env
        .var("PATH", &path)
        .var("CURL_LOG", &log.display().to_string())
        .var("AZURE_AUTHORITY_HOST", &emu.authority());
    (env, log)
}

fn run_step(env: &TestEnv, script: &str) -> Output {
    let out = env
        .program("sh", &["-e", "-c", script])
        .output()
        .expect("sh runs");
    assert_eq!(
        code(&out),
        0,
        "step failed:\n{script}\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    out
}

/// What every example's steps must show: `status` names the credential, curl got an ARM token
/// from the emulator, and the az shim printed an expiry (not a token).
fn check(emu: &Emulator, log: &Path, outputs: &[Output], credential: &str) {
    let all: String = outputs.iter().map(stdout).collect();
    assert!(all.contains(credential), "{all}");
    let curl = std::fs::read_to_string(log).expect("curl ran");
    let bearer = curl
        .lines()
        .find_map(|l| l.strip_prefix("Authorization: Bearer "))
        .expect("curl got a bearer token");
    let claims = emu.verify(bearer).unwrap();
    assert_eq!(claims["aud"], "https://management.azure.com");
    let expires = all.lines().last().unwrap_or_default();
    assert!(
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S%.f", expires).is_ok(),
        "az account get-access-token --query expiresOn: {expires:?}"
    );
    assert!(!all.contains(bearer), "no token in the job's log");
}

#[test]
fn the_github_actions_example_runs() {
    let text = example("docs/ci/github-actions.yml");
    let doc = yaml(&text);
    assert_eq!(doc["permissions"]["id-token"].as_str(), Some("write"));
    let (issuer, subject, audience) = federated_credential(&text);
    assert_eq!(issuer, "https://token.actions.githubusercontent.com");
    let emu = Emulator::start();
    let github = GitHubActions::start();
    assert_eq!(
        subject,
        github.subject(),
        "the branch the emulated job runs on"
    );
    let job = &doc["jobs"]["deploy"];
    let vars = string_map(&job["env"]);
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).unwrap().1.clone();
    emu.register_federated_credential(
        &get("AZURE_TENANT_ID"),
        &get("AZURE_CLIENT_ID"),
        &github.issuer(),
        &subject,
        &audience,
    );
    let (mut env, log) = runner(&emu);
    for (name, value) in vars
        .iter()
        .map(|(n, v)| (n.as_str(), v.clone()))
        .chain(github.env())
    {
        env = env.var(name, &value);
    }
    let mut outputs = Vec::new();
    let mut skipped = Vec::new();
    for step in job["steps"].as_sequence().unwrap() {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        if step["name"].as_str() == Some("Install entra-auth-cli") {
            skipped.push(run.to_owned());
            continue;
        }
        outputs.push(run_step(&env, run));
    }
    assert_eq!(skipped.len(), 1);
    assert_eq!(outputs.len(), 3);
    check(
        &emu,
        &log,
        &outputs,
        "credential: federated: the GitHub Actions OIDC token (detected",
    );
    assert!(
        github.requests().len() >= 2,
        "one CI token per token request"
    );
}

#[test]
fn the_azure_pipelines_example_runs() {
    let text = example("docs/ci/azure-pipelines.yml");
    let doc = yaml(&text);
    let (issuer, subject, audience) = federated_credential(&text);
    assert_eq!(
        issuer,
        format!(
            "https://vstoken.dev.azure.com/{}",
            AzurePipelines::ORGANIZATION_ID
        )
    );
    let emu = Emulator::start();
    let pipelines = AzurePipelines::start();
    let steps = doc["steps"].as_sequence().unwrap();
    let deploy = steps
        .iter()
        .find(|s| s["displayName"].as_str() == Some("Deploy"))
        .unwrap();
    let vars = string_map(&deploy["env"]);
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(get("SYSTEM_ACCESSTOKEN"), "$(System.AccessToken)");
    pipelines.register_service_connection(ServiceConnection {
        id: get("ENTRA_AUTH_SERVICE_CONNECTION_ID"),
        name: "prod-deploy".into(),
        client_id: get("AZURE_CLIENT_ID"),
        tenant_id: get("AZURE_TENANT_ID"),
    });
    assert_eq!(
        subject,
        pipelines.subject_of(&get("ENTRA_AUTH_SERVICE_CONNECTION_ID"))
    );
    emu.register_federated_credential(
        &get("AZURE_TENANT_ID"),
        &get("AZURE_CLIENT_ID"),
        &pipelines.issuer(),
        &subject,
        &audience,
    );
    let (mut env, log) = runner(&emu);
    // What the agent sets; SYSTEM_ACCESSTOKEN only through the step's mapping.
    for (name, value) in pipelines.env() {
        if name != "SYSTEM_ACCESSTOKEN" {
            env = env.var(name, &value);
        }
    }
    for (name, value) in &vars {
        let value = value.replace("$(System.AccessToken)", &pipelines.access_token());
        env = env.var(name, &value);
    }
    let install = &steps[0];
    assert_eq!(
        install["displayName"].as_str(),
        Some("Install entra-auth-cli")
    );
    let out = run_step(&env, deploy["script"].as_str().unwrap());
    check(
        &emu,
        &log,
        &[out],
        "credential: federated: the Azure Pipelines OIDC token (detected",
    );
    assert!(pipelines.requests().len() >= 2);
}

#[test]
fn the_gitlab_example_runs() {
    let text = example("docs/ci/gitlab-ci.yml");
    let doc = yaml(&text);
    let (issuer, subject, audience) = federated_credential(&text);
    assert_eq!(issuer, "https://gitlab.com");
    let emu = Emulator::start();
    let gitlab = GitLab::start();
    assert_eq!(subject, gitlab.subject());
    let job = &doc["deploy"];
    let vars = string_map(&job["variables"]);
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).unwrap().1.clone();
    emu.register_federated_credential(
        &get("AZURE_TENANT_ID"),
        &get("AZURE_CLIENT_ID"),
        &gitlab.issuer(),
        &subject,
        &audience,
    );
    let (mut env, log) = runner(&emu);
    for (name, value) in &vars {
        env = env.var(name, value);
    }
    // What GitLab does with `id_tokens:`: one variable per entry, a token for its `aud`.
    for (name, spec) in job["id_tokens"].as_mapping().unwrap() {
        let aud = spec["aud"].as_str().unwrap();
        env = env.var(name.as_str().unwrap(), &gitlab.id_token(aud));
    }
    let before = job["before_script"].as_sequence().unwrap();
    assert_eq!(before.len(), 1, "only the install step is skipped");
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let out = run_step(&env, &script.join("\n"));
    check(
        &emu,
        &log,
        &[out],
        "credential: federated token in AZURE_ID_TOKEN",
    );
    // get-token's ARM token; exec's up-front token for the profile's default scope (Graph) and
    // az's ARM token (no keyring on a runner: each process has its own memory store).
    assert_eq!(emu.total_token_requests(), 3);
}
