//! The `az` shim end to end: the real binary started through an `az` symlink, getting its
//! tokens from the emulator's App Service managed identity endpoint (the protocol `exec`'s
//! endpoint speaks), called with every command line SDKs and tools use; forwarding to a real
//! `az` later on PATH.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::emulator::{self, Emulator};
use crate::support::az_shim::{SUBSCRIPTION, Shim, account, link_binary, path_with, shim_env};
use crate::support::{TestEnv, code, stderr, stdout};

const LOGIN_HINT: &str = "Please run 'az login' to setup account.";

/// An emulator, a shim directory, and the child's environment for both.
fn start() -> (Emulator, Shim, TestEnv) {
    let emu = Emulator::start();
    let shim = Shim::new();
    let env = shim_env(&emu, &shim);
    (emu, shim, env)
}

/// The same outside `exec`: no credential endpoint.
fn without_endpoint(env: TestEnv) -> TestEnv {
    env.without("IDENTITY_ENDPOINT").without("IDENTITY_HEADER")
}

fn az(env: &TestEnv, shim: &Shim, args: &[&str]) -> Output {
    env.program(shim.az(), args).output().unwrap()
}

/// A successful run: exit 0, nothing on stderr, one JSON document on stdout.
fn success(out: &Output) -> Value {
    assert_eq!(code(out), 0, "stderr: {}", stderr(out));
    assert_eq!(stderr(out), "", "nothing on stderr on success");
    serde_json::from_str(&stdout(out)).unwrap()
}

/// A failure: exit `expected`, nothing on stdout; returns stderr.
fn failure(out: &Output, expected: i32) -> String {
    assert_eq!(code(out), expected, "stderr: {}", stderr(out));
    assert_eq!(stdout(out), "", "nothing on stdout on failure");
    stderr(out)
}

/// `expiresOn` as az prints it for `expires_on` in `tz` (Python's `datetime.fromtimestamp`).
fn local(expires_on: i64, tz: &str) -> String {
    let tz = jiff::tz::TimeZone::posix(tz).unwrap();
    let at = jiff::Timestamp::from_second(expires_on).unwrap();
    format!(
        "{}.000000",
        tz.to_datetime(at).strftime("%Y-%m-%d %H:%M:%S")
    )
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn get_access_token_in_every_form_sdks_use() {
    let (emu, shim, env) = start();
    let upper_tenant = emulator::TENANT_ID.to_uppercase();
    // (command line after `az`, resource asked of the endpoint, subscription printed)
    let cases: [(String, &str, Option<&str>); 9] = [
        // Python azure-identity
        (
            "account get-access-token --output json --resource https://vault.azure.net".into(),
            "https://vault.azure.net",
            Some(SUBSCRIPTION),
        ),
        // Go azidentity, with a subscription in literal quotes (.NET and Go quote it)
        (
            "account get-access-token -o json --resource https://storage.azure.com --subscription \"sub-2\"".into(),
            "https://storage.azure.com",
            Some("sub-2"),
        ),
        // Rust azure_identity: a scope
        (
            "account get-access-token -o json --scope https://management.azure.com/.default".into(),
            "https://management.azure.com",
            Some(SUBSCRIPTION),
        ),
        // terraform's go-azure-sdk
        (
            "account get-access-token --scope https://graph.microsoft.com/.default -o=json".into(),
            "https://graph.microsoft.com",
            Some(SUBSCRIPTION),
        ),
        (
            "account get-access-token --output=json --resource-type ms-graph".into(),
            "https://graph.microsoft.com/",
            Some(SUBSCRIPTION),
        ),
        (
            "account get-access-token --resource-type=arm".into(),
            "https://management.core.windows.net/",
            Some(SUBSCRIPTION),
        ),
        // No resource: ARM, as az
        (
            "account get-access-token".into(),
            "https://management.core.windows.net/",
            Some(SUBSCRIPTION),
        ),
        // A tenant: no subscription in the output
        (
            format!(
                "account get-access-token --output json --resource https://vault.azure.net --tenant {}",
                emulator::TENANT_ID
            ),
            "https://vault.azure.net",
            None,
        ),
        (
            format!(
                "account get-access-token -t {upper_tenant} --resource https://vault.azure.net --only-show-errors"
            ),
            "https://vault.azure.net",
            None,
        ),
    ];
    for (line, resource, subscription) in cases {
        let argv: Vec<&str> = line.split_whitespace().collect();
        let body = success(&az(&env, &shim, &argv));
        let request = emu.last_app_service_request().unwrap();
        assert_eq!(request.form["resource"], resource, "{argv:?}");
        assert_eq!(request.form["api-version"], "2019-08-01");
        assert_eq!(request.headers["x-identity-header"], emu.identity_header());
        let expected_keys: &[&str] = if subscription.is_some() {
            &[
                "accessToken",
                "expiresOn",
                "expires_on",
                "subscription",
                "tenant",
                "tokenType",
            ]
        } else {
            &[
                "accessToken",
                "expiresOn",
                "expires_on",
                "tenant",
                "tokenType",
            ]
        };
        assert_eq!(keys(&body), expected_keys, "{argv:?}");
        assert_eq!(body["subscription"].as_str(), subscription, "{argv:?}");
        assert_eq!(body["tenant"], emulator::TENANT_ID);
        assert_eq!(body["tokenType"], "Bearer");
        let token = body["accessToken"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3, "a JWT");
        let expires_on = body["expires_on"]
            .as_i64()
            .expect("expires_on is a JSON number");
        assert_eq!(body["expiresOn"], local(expires_on, "UTC0"));
    }
    // Printed the way az prints JSON: 2-space indent, sorted keys, one trailing newline.
    let out = az(
        &env,
        &shim,
        &[
            "account",
            "get-access-token",
            "--resource",
            "https://vault.azure.net",
        ],
    );
    let text = stdout(&out);
    assert!(text.starts_with("{\n  \"accessToken\": \"ey"), "{text}");
    assert!(
        text.ends_with("\n  \"tokenType\": \"Bearer\"\n}\n"),
        "{text}"
    );
}

#[test]
fn expires_on_is_local_time_from_tz() {
    let emu = Emulator::start();
    let shim = Shim::new();
    for tz in ["UTC0", "EST5EDT,M3.2.0,M11.1.0", "<+0530>-5:30"] {
        let env = shim_env(&emu, &shim).var("TZ", tz);
        let body = success(&az(
            &env,
            &shim,
            &["account", "get-access-token", "-o", "json"],
        ));
        let expires_on = body["expires_on"].as_i64().unwrap();
        assert_eq!(body["expiresOn"], local(expires_on, tz), "TZ={tz}");
    }
}

#[test]
fn works_through_bin_sh_as_dotnet_go_and_java_start_it() {
    // Both stay alive for the run: the endpoint and the `az` directory on PATH.
    let (_emu, _shim, env) = start();
    let out = env
        .program(
            "/bin/sh",
            &[
                "-c",
                "az account get-access-token --output json --resource https://vault.azure.net",
            ],
        )
        .current_dir("/bin")
        .output()
        .unwrap();
    let body = success(&out);
    assert!(body["expires_on"].is_i64());
    // Java merges stderr into stdout: the merged text must still be the JSON alone.
    let merged = env
        .program(
            "/bin/sh",
            &[
                "-c",
                "az account get-access-token --output json --resource https://vault.azure.net 2>&1",
            ],
        )
        .output()
        .unwrap();
    let body: Value = serde_json::from_slice(&merged.stdout).unwrap();
    assert_eq!(body["tokenType"], "Bearer");
}

#[test]
fn failures_say_az_login_and_print_nothing() {
    let (emu, shim, env) = start();
    let get: Vec<&str> =
        "account get-access-token --output json --resource https://vault.azure.net"
            .split_whitespace()
            .collect();

    // Not under exec: no endpoint.
    let bare = without_endpoint(shim_env(&emu, &shim));
    let err = failure(&az(&bare, &shim, &get), 1);
    assert!(err.contains(LOGIN_HINT), "{err}");
    assert!(err.contains("IDENTITY_ENDPOINT"), "{err}");

    // The endpoint refuses (a stale secret): its message is shown, the secret is not.
    let stale = shim_env(&emu, &shim).var("IDENTITY_HEADER", "stale-secret");
    let err = failure(&az(&stale, &shim, &get), 1);
    assert!(err.contains(LOGIN_HINT), "{err}");
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(
        err.contains("X-IDENTITY-HEADER value is not valid"),
        "{err}"
    );
    assert!(!err.contains("stale-secret"), "{err}");

    // The endpoint fails (the IdP is down behind it).
    emu.push_app_service_fault(502);
    let err = failure(&az(&env, &shim, &get), 1);
    assert!(
        err.contains("HTTP 502") && err.contains(LOGIN_HINT),
        "{err}"
    );

    // A tenant this session has no account in.
    let mut other = get.to_vec();
    other.extend(["--tenant", "00000000-0000-0000-0000-000000000001"]);
    let err = failure(&az(&env, &shim, &other), 1);
    assert!(err.contains(LOGIN_HINT), "{err}");
    assert!(
        err.contains("00000000-0000-0000-0000-000000000001"),
        "{err}"
    );

    // Nothing listens on the endpoint (port 9, discard: no test server takes it, where a port
    // freed here could be bound by another test meanwhile).
    let gone = shim_env(&emu, &shim).var("IDENTITY_ENDPOINT", "http://127.0.0.1:9/msi/token");
    let err = failure(&az(&gone, &shim, &get), 1);
    assert!(
        err.contains("cannot reach") || err.contains("Cannot reach"),
        "{err}"
    );
    assert!(err.contains(LOGIN_HINT), "{err}");

    // The secret header never leaves loopback.
    let remote = shim_env(&emu, &shim).var("IDENTITY_ENDPOINT", "http://192.0.2.1/msi/token");
    let err = failure(&az(&remote, &shim, &get), 1);
    assert!(
        err.contains("loopback") && err.contains(LOGIN_HINT),
        "{err}"
    );

    let before = emu.app_service_requests();
    // az's own error, before asking anyone, without the login line (SDKs report it as is).
    let mut both = get.to_vec();
    both.extend([
        "--subscription",
        SUBSCRIPTION,
        "--tenant",
        emulator::TENANT_ID,
    ]);
    let err = failure(&az(&env, &shim, &both), 1);
    assert_eq!(
        err,
        "ERROR: Please specify only one of subscription and tenant, not both\n"
    );
    // Arguments az's parser rejects: exit 2.
    let err = failure(
        &az(&env, &shim, &["account", "get-access-token", "--bogus"]),
        2,
    );
    assert!(err.contains("unrecognized arguments: --bogus"), "{err}");
    let err = failure(
        &az(&env, &shim, &["account", "get-access-token", "-o", "yaml"]),
        2,
    );
    assert!(err.contains("--output"), "{err}");
    assert_eq!(emu.app_service_requests(), before, "nothing asked");
}

#[test]
fn account_show_list_and_version() {
    let (emu, shim, env) = start();

    let out = az(&env, &shim, &["account", "show", "-o=json"]);
    assert_eq!(success(&out), account());
    assert_eq!(
        stdout(&out),
        format!("{}\n", serde_json::to_string_pretty(&account()).unwrap()),
        "az's layout: sorted keys, 2-space indent"
    );

    let list = success(&az(&env, &shim, &["account", "list", "-o=json"]));
    let entry = &list.as_array().unwrap()[0];
    assert_eq!(
        entry["cloudName"], "AzureCloud",
        "list renames environmentName"
    );
    assert!(entry.get("environmentName").is_none());
    assert_eq!(entry["id"], SUBSCRIPTION);

    let version = success(&az(&env, &shim, &["version", "-o=json"]));
    let cli = version["azure-cli"].as_str().unwrap();
    let parts: Vec<u32> = cli.split('.').map(|p| p.parse().unwrap()).collect();
    assert!(
        parts[0] == 2 && parts[1] >= 54,
        "terraform and Rust accept {cli}"
    );
    assert!(version["extensions"].is_object());

    // What scripts run.
    let out = az(
        &env,
        &shim,
        &["account", "show", "--query", "id", "-o", "tsv"],
    );
    assert_eq!((code(&out), stdout(&out)), (0, format!("{SUBSCRIPTION}\n")));
    let out = az(
        &env,
        &shim,
        &["account", "show", "--query", "user.type", "--output", "tsv"],
    );
    assert_eq!(stdout(&out), "servicePrincipal\n");
    let out = az(
        &env,
        &shim,
        &[
            "account",
            "get-access-token",
            "--query",
            "accessToken",
            "-o",
            "tsv",
        ],
    );
    assert_eq!(stdout(&out).matches('.').count(), 2, "the bare JWT");

    // Without a session, show fails like az with no account.
    let bare = without_endpoint(shim_env(&emu, &shim)).without("ENTRA_AUTH_AZ_ACCOUNT");
    let err = failure(&az(&bare, &shim, &["account", "show"]), 1);
    assert!(err.contains(LOGIN_HINT), "{err}");
    // `az version` needs no session, and does not mind a broken one.
    success(&az(&bare, &shim, &["version"]));
    let broken = shim_env(&emu, &shim).var("ENTRA_AUTH_AZ_ACCOUNT", "{not json");
    success(&az(&broken, &shim, &["version"]));
    let err = failure(&az(&broken, &shim, &["account", "show"]), 1);
    assert!(
        err.contains("not a JSON object") && err.contains(LOGIN_HINT),
        "{err}"
    );
    assert_eq!(emu.app_service_requests(), 1, "only get-access-token asked");
}

#[test]
fn other_commands_go_to_the_real_az_later_on_path() {
    let emu = Emulator::start();
    let shim = Shim::new();
    let real = tempfile::tempdir().unwrap();
    let script = real.path().join("az");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf 'real az:'; for a in \"$@\"; do printf ' [%s]' \"$a\"; done; echo\nexit 7\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Another link to the shim between them is skipped too (no loop).
    let other_link = tempfile::tempdir().unwrap();
    link_binary(&other_link.path().join("az"));
    let env = shim_env(&emu, &shim).var(
        "PATH",
        &path_with(&[shim.dir.path(), other_link.path(), real.path()]),
    );
    let out = az(&env, &shim, &["acr", "login", "--name", "my reg"]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert_eq!(stdout(&out), "real az: [acr] [login] [--name] [my reg]\n");
    // Through the shell, started by name.
    let out = env
        .program("/bin/sh", &["-c", "az account set --subscription S"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "real az: [account] [set] [--subscription] [S]\n"
    );

    // No real az: a clear message, exit 2.
    let alone = shim_env(&emu, &shim);
    let err = failure(&az(&alone, &shim, &["acr", "login"]), 2);
    assert!(
        err.contains("'az acr login'") && err.contains("no other az on PATH"),
        "{err}"
    );
}

/// Runs `cmd`, killing it after `limit`: `None` when it had to be killed (a forwarding loop).
fn run_within(mut cmd: std::process::Command, limit: std::time::Duration) -> Option<Output> {
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// A copy (not a link) of the binary as `dir/az`.
fn copy_binary(dir: &Path) -> PathBuf {
    let at = dir.join("az");
    std::fs::copy(env!("CARGO_BIN_EXE_entra-auth-cli"), &at).unwrap();
    at
}

#[test]
fn copies_of_the_shim_never_forward_to_each_other() {
    let emu = Emulator::start();
    let limit = std::time::Duration::from_secs(20);
    // Two copies named az on PATH (and `exec --az-shim`'s link before them): each is a shim.
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first_az = copy_binary(first.path());
    copy_binary(second.path());
    let shim = Shim::new();
    for dirs in [
        vec![first.path(), second.path()],
        vec![shim.dir.path(), first.path()],
    ] {
        let env = shim_env(&emu, &shim).var("PATH", &path_with(&dirs));
        let start = dirs[0].join("az");
        let out = run_within(env.program(&start, &["acr", "login"]), limit)
            .expect("the shims exec'd each other without end");
        let err = failure(&out, 2);
        assert!(err.contains("no other az on PATH"), "{err}");
    }
    // The copy still answers as the shim, and forwards to a real az after both copies.
    let real = tempfile::tempdir().unwrap();
    let script = real.path().join("az");
    std::fs::write(&script, "#!/bin/sh\necho \"real az: $*\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = shim_env(&emu, &shim).var(
        "PATH",
        &path_with(&[first.path(), second.path(), real.path()]),
    );
    success(&env.program(&first_az, &["version"]).output().unwrap());
    let out = env.program(&first_az, &["acr", "login"]).output().unwrap();
    assert_eq!(stdout(&out), "real az: acr login\n", "{}", stderr(&out));

    // An `az` that is not a shim but runs one again (a wrapper script): the forwarding depth
    // in the environment ends the loop.
    let wrapper = tempfile::tempdir().unwrap();
    let script = wrapper.path().join("az");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", first_az.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = shim_env(&emu, &shim).var("PATH", &path_with(&[first.path(), wrapper.path()]));
    let out = run_within(env.program(&first_az, &["acr", "login"]), limit)
        .expect("the shim and the wrapper exec'd each other without end");
    let err = failure(&out, 2);
    assert!(err.contains("forwarded"), "{err}");
}
