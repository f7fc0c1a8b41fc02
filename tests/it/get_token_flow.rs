//! `get-token` end to end for client credentials: the container case, the cache, every output
//! option, against the emulator over real HTTP.

use crate::emulator::{self, Emulator, Grant};
use crate::support::{TestEnv, code, json, stderr, stdout};

/// The output object's keys, in the documented order (SPEC.md "Output shape").
const OUTPUT_KEYS: [&str; 9] = [
    "token_type",
    "access_token",
    "expires_in",
    "expires_on",
    "expires_at",
    "scope",
    "tenant_id",
    "profile",
    "source",
];

#[test]
fn env_only_profile_gets_a_token_then_serves_it_from_the_cache() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);

    let first = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let body = json(&first);
    let keys = OUTPUT_KEYS;
    assert_eq!(
        body.as_object().unwrap().len(),
        keys.len(),
        "exactly the SPEC.md keys: {body}"
    );
    let text = stdout(&first);
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "keys in the documented order: {text}"
    );
    assert_eq!(body["source"], "network");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["profile"], "default");
    assert_eq!(body["tenant_id"], emulator::TENANT_ID);
    assert_eq!(body["scope"], "https://graph.microsoft.com/.default");
    let claims = emu
        .verify(body["access_token"].as_str().unwrap())
        .expect("a token the emulator signed");
    assert_eq!(claims["aud"], "https://graph.microsoft.com");
    assert!(body["expires_in"].as_i64().unwrap() > 3500);
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);
    assert!(
        stderr(&first).is_empty(),
        "nothing on stderr: {}",
        stderr(&first)
    );

    let second = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let again = json(&second);
    assert_eq!(again["source"], "cache");
    assert_eq!(again["access_token"], body["access_token"]);
    assert_eq!(again["expires_on"], body["expires_on"]);
    assert_eq!(
        emu.total_token_requests(),
        1,
        "the cache hit made no request"
    );
}

#[test]
fn the_request_is_what_entra_expects() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "-s", "api://my-api/.default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let request = emu.last_token_request().expect("a request");
    assert_eq!(
        request.path,
        format!("/{}/oauth2/v2.0/token", emulator::TENANT_ID)
    );
    assert_eq!(request.form["grant_type"], "client_credentials");
    assert_eq!(request.form["client_id"], emulator::CLIENT_ID);
    assert_eq!(request.form["client_secret"], emulator::CLIENT_SECRET);
    assert_eq!(request.form["scope"], "api://my-api/.default");
    assert!(request.headers.contains_key("client-request-id"));
    assert!(request.headers["user-agent"].starts_with("entra-auth-cli/"));
}

#[test]
fn token_output_is_the_bare_token_and_a_newline() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token"]);
    let text = stdout(&out);
    assert_eq!(text.matches('\n').count(), 1);
    assert!(emu.verify(text.trim_end()).is_ok());
}

#[test]
fn json_and_yaml_outputs() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    crate::snapshot_run!(env, &["get-token", "-o", "json"]);
    crate::snapshot_run!(env, &["get-token", "-o", "yaml"]);
}

#[test]
fn yaml_has_the_json_keys() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "--output", "yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for key in OUTPUT_KEYS {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{key}: "))),
            "{key} missing in {text}"
        );
    }
}

/// `-o az`: what `az account get-access-token` prints (az's sorted keys, a numeric
/// `expires_on`, local `expiresOn` with six fraction digits, the token's tenant, the
/// subscription from AZURE_SUBSCRIPTION_ID when set).
#[test]
fn az_output_is_what_az_prints() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("TZ", "<+0530>-5:30");
    let out = env.run(&["get-token", "-o", "az"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let body = json(&out);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "accessToken",
            "expiresOn",
            "expires_on",
            "tenant",
            "tokenType"
        ],
        "no subscription without AZURE_SUBSCRIPTION_ID"
    );
    assert!(emu.verify(body["accessToken"].as_str().unwrap()).is_ok());
    assert_eq!(body["tenant"], emulator::TENANT_ID);
    assert_eq!(body["tokenType"], "Bearer");
    let expires_on = body["expires_on"].as_i64().expect("a JSON number");
    let at = jiff::Timestamp::from_second(expires_on).unwrap();
    let local = jiff::tz::TimeZone::posix("<+0530>-5:30")
        .unwrap()
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M:%S.000000")
        .to_string();
    assert_eq!(body["expiresOn"], local, "local time from TZ");
    assert!(
        stdout(&out).starts_with("{\n  \"accessToken\": "),
        "az's layout"
    );

    let env = env.var(
        "AZURE_SUBSCRIPTION_ID",
        "0b1f6471-1bf0-4dda-aec3-111122223333",
    );
    let body = json(&env.run(&["get-token", "-o", "az"]));
    assert_eq!(body["subscription"], "0b1f6471-1bf0-4dda-aec3-111122223333");
}

#[test]
fn file_output_is_private_and_stdout_stays_empty() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let path = env.home.path().join("token.json");
    std::fs::write(&path, "old content").unwrap();
    let out = env.run(&["get-token", "-o", "json", "--file", path.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["source"], "network");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

/// The names in `dir`, sorted.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_killed_file_write_leaves_a_recognisable_temporary_that_a_later_write_removes() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let dir = env.home.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("token.json");
    let args = ["get-token", "--no-cache", "--file", path.to_str().unwrap()];
    let crashed = env
        .cmd(&args)
        .env("ENTRA_AUTH_TEST_CRASH_BEFORE_RENAME", "1")
        .output()
        .unwrap();
    assert!(
        crashed.status.code().is_none(),
        "killed by a signal mid-write"
    );
    let left = names_in(&dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with(".token.json.entra-auth-cli.") && left[0].ends_with(".tmp"),
        "the plaintext leftover says whose it is: {left:?}"
    );
    // A minute later, the next write in that directory removes it.
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(dir.join(&left[0]))
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let out = env.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(names_in(&dir), ["token.json"]);
}

#[test]
fn force_skips_the_cache_and_no_cache_leaves_it_alone() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let forced = json(&env.run(&["get-token", "--force", "-o", "json"]));
    assert_eq!(forced["source"], "network");
    assert_eq!(emu.total_token_requests(), 2);
    // --force stored the new token: the next call serves it.
    let cached = json(&env.run(&["get-token", "-o", "json"]));
    assert_eq!(cached["access_token"], forced["access_token"]);

    let scope = ["-s", "api://other/.default"];
    let no_cache = json(&env.run(&["get-token", "--no-cache", "-o", "json", scope[0], scope[1]]));
    assert_eq!(no_cache["source"], "network");
    let after = json(&env.run(&["get-token", "-o", "json", scope[0], scope[1]]));
    assert_eq!(
        after["source"], "network",
        "--no-cache did not write the cache"
    );
    assert_eq!(emu.total_token_requests(), 4);
}

#[test]
fn min_validity_longer_than_the_token_forces_a_new_one() {
    let emu = Emulator::start();
    emu.set_token_lifetime(600);
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token"])), 0);
    let fresh = json(&env.run(&["get-token", "-o", "json", "--min-validity", "15m"]));
    assert_eq!(fresh["source"], "network");
    let cached = json(&env.run(&["get-token", "-o", "json", "--min-validity", "1m"]));
    assert_eq!(cached["source"], "cache");
}

#[test]
fn scopes_are_a_set_for_the_cache() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    assert_eq!(code(&env.run(&["get-token", "-s", "api://x/.default"])), 0);
    let again = json(&env.run(&["get-token", "-o", "json", "-s", " api://X/.default ,"]));
    assert_eq!(again["source"], "cache");
}

#[test]
fn config_file_profile_with_env_secret() {
    let emu = Emulator::start();
    let env = TestEnv::new()
        .var("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET)
        .var("ENTRA_AUTH_STORE", "memory");
    env.write_config(&format!(
        "# my profiles\n[profiles.Work]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nscopes = [\"api://work/.default\"]\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID,
        emu.authority()
    ));
    let out = env.run(&["get-token", "-p", "work", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = json(&out);
    assert_eq!(body["profile"], "Work");
    assert_eq!(body["scope"], "api://work/.default");
    assert!(
        stderr(&out).is_empty(),
        "explicit memory store is quiet: {}",
        stderr(&out)
    );
}

#[test]
fn without_a_cache_key_auto_says_once_that_it_falls_back_to_memory() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("ENTRA_AUTH_CACHE_KEY")
        .without("ENTRA_AUTH_STORE");
    let quiet = env.run(&["get-token", "-q"]);
    assert!(quiet.stderr.is_empty(), "--silent hides the notice");
    let no_cache = env.run(&["get-token", "--no-cache"]);
    assert!(
        no_cache.stderr.is_empty(),
        "no cache notice when the cache is not used"
    );
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0);
    let err = stderr(&out);
    assert_eq!(
        err,
        "warning: no OS keyring and no ENTRA_AUTH_CACHE_KEY: tokens are not kept between runs (see `entra-auth-cli status`)\n",
        "one short line, without the raw D-Bus cause"
    );
    let again = env.run(&["get-token"]);
    assert!(
        again.stderr.is_empty(),
        "said once per cache directory: {}",
        stderr(&again)
    );
    assert_eq!(emu.total_token_requests(), 4, "nothing persisted");
    let verbose = env.run(&["-v", "get-token"]);
    assert!(
        stderr(&verbose).contains("the OS keyring is unavailable: no keyring service"),
        "-v keeps the raw cause: {}",
        stderr(&verbose)
    );
    let status = env.run(&["status"]);
    assert!(
        stdout(&status).contains("the OS keyring is unavailable (no keyring service"),
        "status keeps the raw cause: {}",
        stdout(&status)
    );
    let files: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["memory-fallback-noticed"], "no token was written");
}

#[test]
fn cache_files_are_encrypted_private_and_tamper_evident() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let token = stdout(&env.run(&["get-token"]));
    let files: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "token"))
        .collect();
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(&files[0]).unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains(token.trim()),
        "no plaintext token on disk"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(env.cache_dir())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
    }
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    std::fs::write(&files[0], &flipped).unwrap();
    let out = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&out), 0, "a bad cache entry is a miss, not a failure");
    assert_eq!(json(&out)["source"], "network");
    assert!(stderr(&out).contains("unreadable"), "{}", stderr(&out));
    let healed = json(&env.run(&["get-token", "-o", "json"]));
    assert_eq!(
        healed["source"], "cache",
        "the bad entry was replaced by a valid write"
    );

    let foreign = env.var("ENTRA_AUTH_CACHE_KEY", &"ab".repeat(32));
    let out = foreign.run(&["get-token", "-o", "json"]);
    assert_eq!(json(&out)["source"], "network");
    let err = stderr(&out);
    assert!(err.contains("the key changed"), "{err}");
    assert_eq!(
        err.lines().count(),
        1,
        "one warning, not one per read: {err}"
    );
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let mut child = env
        .cmd(&["get-token", "-o", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn warn_expiry_warns_on_stderr_only() {
    let emu = Emulator::start();
    emu.set_token_lifetime(600);
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "--warn-expiry", "30", "--min-validity", "1m"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("warning: the token expires in"),
        "{}",
        stderr(&out)
    );
    // A plain number is the .NET tool's minutes: accepted, and said to be deprecated.
    assert!(
        stderr(&out).contains("`--warn-expiry 30` is read as minutes")
            && stderr(&out).contains("write `--warn-expiry 30m`"),
        "{}",
        stderr(&out)
    );
    assert!(emu.verify(stdout(&out).trim()).is_ok());
}

#[test]
fn seed_flow_names_are_accepted() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    for flow in [
        "ClientCredentials",
        "client-credentials",
        "client_credentials",
    ] {
        let out = env.run(&["get-token", "-f", flow]);
        assert_eq!(code(&out), 0, "{flow}: {}", stderr(&out));
    }
}

#[test]
fn verbose_logs_go_to_stderr_without_secrets() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "-v"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let token = stdout(&out);
    assert!(
        emu.verify(token.trim()).is_ok(),
        "stdout holds only the token"
    );
    let err = stderr(&out);
    assert!(err.contains("POST"), "{err}");
    assert!(
        !err.contains(emulator::CLIENT_SECRET),
        "the secret never reaches the logs"
    );
    assert!(
        !err.contains(token.trim()),
        "the token never reaches the logs"
    );
}

#[test]
fn profile_from_entra_auth_profile_and_field_overrides() {
    let emu = Emulator::start();
    let env = TestEnv::new()
        .var("AZURE_CLIENT_SECRET", emulator::CLIENT_SECRET)
        .var("ENTRA_AUTH_STORE", "memory")
        .var("ENTRA_AUTH_PROFILE", "ci")
        .var("ENTRA_AUTH_AUTHORITY_HOST", &emu.authority())
        .var("ENTRA_AUTH_SCOPES", "api://from-env/.default");
    env.write_config(&format!(
        "[profiles.ci]\ntenant_id = \"{}\"\nclient_id = \"{}\"\nauthority_host = \"https://login.microsoftonline.com\"\n",
        emulator::TENANT_DOMAIN,
        emulator::CLIENT_ID,
    ));
    let out = env.run(&["get-token", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = json(&out);
    assert_eq!(body["profile"], "ci");
    assert_eq!(body["scope"], "api://from-env/.default");
    assert_eq!(body["tenant_id"], emulator::TENANT_DOMAIN);
    let request = emu.last_token_request().unwrap();
    assert_eq!(
        request.path,
        format!("/{}/oauth2/v2.0/token", emulator::TENANT_DOMAIN)
    );
}

/// What kubectl runs: the plugin alone, with `KUBERNETES_EXEC_INFO` as client-go sets it.
#[test]
fn exec_info_picks_the_api_version_and_malformed_info_is_exit_1() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let args = [
        "get-token",
        "-o",
        "exec-credential",
        "-s",
        "https://graph.microsoft.com/.default",
    ];

    let out = env.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(body["kind"], "ExecCredential");
    emu.verify(body["status"]["token"].as_str().unwrap())
        .unwrap();
    let expiry = body["status"]["expirationTimestamp"].as_str().unwrap();
    assert!(expiry.ends_with('Z') && expiry.contains('T'), "{expiry}");

    let env = env.var(
        "KUBERNETES_EXEC_INFO",
        r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#,
    );
    let out = env.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(emu.total_token_requests(), 1, "served from the cache");

    let env = env.var("KUBERNETES_EXEC_INFO", "{not json");
    let out = env.run(&args);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("error: KUBERNETES_EXEC_INFO is not a valid ExecCredential"),
        "{err}"
    );
}

#[test]
fn entra_auth_log_filters_diagnostics_and_a_bad_filter_is_only_a_warning() {
    let emu = Emulator::start();
    let run = |filter: &str| {
        let out = TestEnv::for_emulator(&emu)
            .var("ENTRA_AUTH_LOG", filter)
            .run(&["get-token", "--no-cache"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).is_empty(), "the token still goes to stdout");
        stderr(&out)
    };
    let debug = run("entra_auth_cli=debug");
    assert!(
        debug.contains("DEBUG get-token{profile=default}:http: POST "),
        "{debug}"
    );
    assert_eq!(run("some_other_crate=trace"), "", "other targets only");
    let bad = run("entra_auth_cli=loud");
    assert!(
        bad.starts_with("warning: ignoring ENTRA_AUTH_LOG, not a log filter"),
        "{bad}"
    );
    assert_eq!(bad.lines().count(), 1, "no logging on a bad filter: {bad}");
}
