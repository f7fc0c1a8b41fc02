//! The docker credential helper end to end against the emulated ACR: `get` exchanges the
//! profile's Entra token (checked by the registry for signature and audience) for an ACR refresh
//! token and serves it from the cache after; hosts it does not serve get docker's not-found
//! answer with no request anywhere; failures are one line on stdout; `configure`, `list`,
//! `erase`, `store`, `version`, the `docker-credential-entra-auth-cli` program name, and
//! `get-token --registry`.

use std::path::PathBuf;
use std::process::Output;

use crate::emulator::{self, Emulator, Grant, RecordingProxy};
use crate::support::{TestEnv, code, stderr, stdout};

/// The default profile from AZURE_* variables, listing the emulated registry.
fn env_for(emu: &Emulator) -> TestEnv {
    TestEnv::for_emulator(emu).var(
        "ENTRA_AUTH_CONTAINER_REGISTRIES",
        &emu.registry_login_server(),
    )
}

fn helper(env: &TestEnv, args: &[&str], stdin: &str) -> Output {
    let mut all = vec!["docker-credential"];
    all.extend_from_slice(args);
    env.run_with_stdin(&all, stdin)
}

/// The binary under the helper's own name, `docker-credential-entra-auth-cli[-SUFFIX]`.
fn helper_link(env: &TestEnv, suffix: &str) -> PathBuf {
    let dir = env.home.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join(format!("docker-credential-entra-auth-cli{suffix}"));
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_entra-auth-cli"), &link).unwrap();
    }
    link
}

fn answer(output: &Output) -> serde_json::Value {
    assert_eq!(
        code(output),
        0,
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    serde_json::from_slice(&output.stdout).expect("get prints JSON")
}

#[test]
fn get_exchanges_the_entra_token_then_serves_the_cache() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let server = emu.registry_login_server();
    let output = helper(&env, &["get"], &format!("{server}\n"));
    let first = answer(&output);
    let mut settings = insta::Settings::clone_current();
    for (from, to) in crate::support::filters(env.home.path()) {
        settings.add_filter(&from, to.as_str());
    }
    settings.bind(|| insta::assert_snapshot!(stdout(&output)));
    assert_eq!(first["ServerURL"], server.as_str());
    assert_eq!(first["Username"], "<token>");
    let secret = first["Secret"].as_str().unwrap().to_owned();
    // The registry issued it: signed by the emulator, for this registry, a refresh token.
    let claims = emu.verify(&secret).expect("the registry's refresh token");
    assert_eq!(claims["aud"], server.as_str());
    assert_eq!(claims["grant_type"], "refresh_token");
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);
    let idp = emu.last_token_request().unwrap();
    assert_eq!(
        idp.form.get("scope").map(String::as_str),
        Some("https://containerregistry.azure.net/.default")
    );
    let exchange = &emu.registry_requests()[0];
    assert_eq!(exchange.path, "/oauth2/exchange");
    assert_eq!(exchange.form["grant_type"], "access_token");
    assert_eq!(exchange.form["service"], server);
    assert_eq!(exchange.form["tenant"], emulator::TENANT_ID);

    // The second pull: the cached refresh token, no IdP and no exchange call.
    let second = answer(&helper(&env, &["get"], &format!("http://{server}/v2/")));
    assert_eq!(second["Secret"], secret.as_str());
    assert_eq!(emu.total_token_requests(), 1);
    assert_eq!(emu.registry_requests().len(), 1);

    // Under its own name, as docker runs it.
    let link = helper_link(&env, "");
    let third = crate::support::pipe_stdin(env.program(&link, &["get"]), server.as_bytes());
    assert_eq!(answer(&third)["Secret"], secret.as_str());
    assert_eq!(emu.registry_requests().len(), 1);
}

/// Every host that is neither an ACR login server (anchored on the whole host) nor listed gets
/// docker's not-found answer, and nothing is sent anywhere: not to the IdP, not to the
/// registry, not through the proxy that every other host would go through.
#[test]
fn hosts_it_does_not_serve_get_not_found_and_no_request_anywhere() {
    let emu = Emulator::start();
    let proxy = RecordingProxy::start();
    let env = env_for(&emu)
        .var("HTTPS_PROXY", &proxy.url())
        .var("HTTP_PROXY", &proxy.url());
    let unlisted_port = emu.registry_login_server().replace(':', ":1");
    for host in [
        "evil.azurecr.io.attacker.com",
        "https://evil.azurecr.io.attacker.com/v2/",
        "myreg.azurecr.io@attacker.com",
        "https://user:pw@myreg.azurecr.io",
        "https://attacker.com/myreg.azurecr.io",
        "https://attacker.com?x=.azurecr.io",
        "myreg.azurecr.io:8443",
        "a.b.azurecr.io",
        "azurecr.io",
        "myreg.azurecr.de",
        "mcr.microsoft.com",
        "docker.io",
        "https://index.docker.io/v1/",
        "ftp://myreg.azurecr.io",
        unlisted_port.as_str(),
        "",
        "\u{0}\u{7}",
    ] {
        let output = helper(&env, &["get"], host);
        assert_eq!(
            (code(&output), stdout(&output).as_str()),
            (1, "credentials not found in native keychain\n"),
            "{host:?}: {}",
            stderr(&output)
        );
    }
    // A profile that does not exist lists nothing either.
    let output = helper(&env, &["-p", "nobody", "get"], "docker.io");
    assert_eq!(
        stdout(&output),
        "credentials not found in native keychain\n"
    );
    assert_eq!(emu.total_token_requests(), 0);
    assert!(emu.registry_requests().is_empty());
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());

    // The control: an ACR host is served, over https (through the proxy, which refuses).
    let output = helper(&env, &["get"], "MyReg.azurecr.io");
    assert_eq!(code(&output), 1);
    assert_ne!(
        stdout(&output),
        "credentials not found in native keychain\n"
    );
    assert_eq!(emu.total_token_requests(), 1);
    // (Retried by the one retry policy: the proxy answers 502 to the tunnel.)
    let tunnels = proxy.requests();
    assert!(!tunnels.is_empty());
    assert!(
        tunnels
            .iter()
            .all(|line| line == "CONNECT myreg.azurecr.io:443 HTTP/1.1"),
        "{tunnels:?}"
    );
    // A listed host that is not loopback gets https too, even when named with http://.
    let env = env.var("ENTRA_AUTH_CONTAINER_REGISTRIES", "reg.example.com");
    let output = helper(&env, &["get"], "http://reg.example.com");
    assert_eq!(code(&output), 1);
    assert_eq!(
        proxy.requests().last().map(String::as_str),
        Some("CONNECT reg.example.com:443 HTTP/1.1")
    );
}

/// Failures: one line on stdout, exit 1, what went wrong and the next step, never the
/// not-found sentence and never a secret.
#[test]
fn failures_are_one_line_on_stdout() {
    let emu = Emulator::start();
    let server = emu.registry_login_server();
    let cases: Vec<(&str, TestEnv)> = vec![
        (
            "idp_refusal",
            env_for(&emu).var("AZURE_CLIENT_SECRET", "wrong-secret-value"),
        ),
        (
            "missing_profile",
            env_for(&emu).var("ENTRA_AUTH_PROFILE", "nobody"),
        ),
        ("registry_refusal", env_for(&emu)),
        ("registry_unreachable", {
            let env = env_for(&emu);
            env.var("ENTRA_AUTH_CONTAINER_REGISTRIES", "127.0.0.1:9")
        }),
    ];
    for (name, env) in cases {
        let host = match name {
            "registry_unreachable" => "127.0.0.1:9".to_owned(),
            // An ACR host: a missing profile is an error there, not "not found".
            "missing_profile" => "myreg.azurecr.io".to_owned(),
            _ => server.clone(),
        };
        if name == "registry_refusal" {
            emu.push_registry_exchange_fault(401);
        }
        let output = helper(&env, &["--timeout", "10s", "get"], &host);
        let text = stdout(&output);
        assert_eq!(code(&output), 1, "{name}");
        assert_eq!(text.lines().count(), 1, "{name}: {text}");
        assert!(!text.contains("credentials not found"), "{name}: {text}");
        assert!(!text.contains("wrong-secret-value") && !text.contains(emulator::CLIENT_SECRET));
        assert!(!text.contains("eyJ"), "{name}: no token in {text}");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(name);
        for (from, to) in crate::support::filters(env.home.path()) {
            settings.add_filter(&from, to.as_str());
        }
        settings.add_filter(r"Trace ID: \S+|Correlation ID: \S+|Timestamp: .*?Z", "[ID]");
        settings.bind(|| insta::assert_snapshot!(text));
    }
}

#[test]
fn list_erase_store_and_version() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let server = emu.registry_login_server();
    let list = helper(&env, &["list"], "");
    assert_eq!((code(&list), stdout(&list)), (0, "{}\n".to_owned()));
    answer(&helper(&env, &["get"], &server));
    let list = helper(&env, &["list"], "");
    assert_eq!(stdout(&list), format!("{{\"{server}\":\"<token>\"}}\n"));
    // docker login: accepted, nothing printed, nothing kept.
    let store = helper(
        &env,
        &["store"],
        r#"{"ServerURL":"x.azurecr.io","Username":"u","Secret":"s"}"#,
    );
    assert_eq!(
        (code(&store), stdout(&store), stderr(&store)),
        (0, String::new(), String::new())
    );
    // docker logout: forgets the cached token; the next get exchanges again.
    let erase = helper(&env, &["erase"], &server);
    assert_eq!((code(&erase), stdout(&erase)), (0, String::new()));
    assert_eq!(stdout(&helper(&env, &["list"], "")), "{}\n");
    answer(&helper(&env, &["get"], &server));
    assert_eq!(emu.registry_count("/oauth2/exchange"), 2);
    // The Entra token stayed cached: one IdP call for both exchanges.
    assert_eq!(emu.total_token_requests(), 1);
    let version = helper(&env, &["version"], "");
    assert_eq!(
        stdout(&version),
        format!(
            "docker-credential-entra-auth-cli (entra-auth-cli) {}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    let usage = helper(&env, &["fetch"], "");
    assert_eq!(code(&usage), 1);
    assert_eq!(
        stdout(&usage),
        "unknown credential action `fetch`; see `docker-credential-entra-auth-cli --help`\n"
    );
    // A global option before the word: the CLI says where it goes.
    let misplaced = env.run(&["-v", "docker-credential", "get"]);
    assert_eq!(code(&misplaced), 1);
    assert!(
        stderr(&misplaced).contains("must come right after"),
        "{}",
        stderr(&misplaced)
    );
}

/// A stdin larger than the bound is an error, read no further, never a panic.
#[test]
fn stdin_is_bounded() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let output = helper(&env, &["get"], &"a".repeat(200 * 1024));
    assert_eq!(code(&output), 1);
    assert!(
        stdout(&output).contains("longer than 65536 bytes"),
        "{}",
        stdout(&output)
    );
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn configure_edits_docker_config_and_keeps_the_rest() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let docker = env.home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    let file = docker.join("config.json");
    std::fs::write(
        &file,
        r#"{"auths":{"ghcr.io":{"auth":"dTpw"}},"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"},"experimental":"enabled"}"#,
    )
    .unwrap();
    let server = emu.registry_login_server();
    let output = helper(&env, &["configure", "myreg.azurecr.io", &server], "");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let mut settings = insta::Settings::clone_current();
    for (from, to) in crate::support::filters(env.home.path()) {
        settings.add_filter(&from, to.as_str());
    }
    settings.bind(|| insta::assert_snapshot!(stdout(&output)));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["auths"]["ghcr.io"]["auth"], "dTpw");
    assert_eq!(written["credsStore"], "desktop");
    assert_eq!(written["experimental"], "enabled");
    assert_eq!(written["credHelpers"]["gcr.io"], "gcloud");
    assert_eq!(written["credHelpers"]["myreg.azurecr.io"], "entra-auth-cli");
    assert_eq!(written["credHelpers"][server.as_str()], "entra-auth-cli");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Again: nothing to change, nothing written.
    let again = helper(&env, &["configure", "myreg.azurecr.io"], "");
    assert!(stdout(&again).contains("unchanged"), "{}", stdout(&again));
    // Another profile: its own helper name, which carries the profile.
    env.write_config(&format!(
        "[profiles.prod]\ntenant_id = \"{}\"\nclient_id = \"{}\"\n",
        emulator::TENANT_ID,
        emulator::CLIENT_ID
    ));
    let prod = helper(&env, &["-p", "prod", "configure", "prod.azurecr.io"], "");
    assert_eq!(code(&prod), 0, "{}", stderr(&prod));
    assert!(stdout(&prod).contains("docker-credential-entra-auth-cli-prod"));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        written["credHelpers"]["prod.azurecr.io"],
        "entra-auth-cli-prod"
    );
    // The name after `docker-credential-entra-auth-cli-` is the profile docker's `get` uses.
    let link = helper_link(&env, "-nobody");
    let nobody = crate::support::pipe_stdin(env.program(&link, &["get"]), b"myreg.azurecr.io");
    assert_eq!(code(&nobody), 1);
    assert!(
        stdout(&nobody).starts_with("entra-auth-cli: profile `nobody` not found"),
        "{}",
        stdout(&nobody)
    );
    // A host the profile does not serve: refused, nothing written.
    let before = std::fs::read(&file).unwrap();
    let refused = helper(&env, &["configure", "docker.io"], "");
    assert_eq!(code(&refused), 1);
    assert!(
        stderr(&refused).starts_with(
            "error: entra-auth-cli: `docker.io` is not an Azure Container Registry host"
        ),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // An invalid file is reported and left as it is; DOCKER_CONFIG picks the directory.
    let other = env.home.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("config.json"), "{\"auths\": ").unwrap();
    let env = env.var("DOCKER_CONFIG", &other.display().to_string());
    let invalid = helper(&env, &["configure", "myreg.azurecr.io"], "");
    assert_eq!(code(&invalid), 1);
    assert!(
        stderr(&invalid).contains("other/config.json cannot be edited: it is not JSON"),
        "{}",
        stderr(&invalid)
    );
    assert_eq!(
        std::fs::read_to_string(other.join("config.json")).unwrap(),
        "{\"auths\": "
    );
    // An unreadable one (here a directory where the file should be) likewise.
    let odd = env.home.path().join("odd");
    std::fs::create_dir_all(odd.join("config.json")).unwrap();
    let env = env.var("DOCKER_CONFIG", &odd.display().to_string());
    let unreadable = helper(&env, &["configure", "myreg.azurecr.io"], "");
    assert_eq!(code(&unreadable), 1);
    assert!(
        stderr(&unreadable).contains("cannot read"),
        "{}",
        stderr(&unreadable)
    );
    assert!(odd.join("config.json").is_dir());
}

/// The emulated registry is a real check: it refuses an Entra token for another audience, one
/// it did not sign, and one for another registry's `service`.
#[test]
fn the_emulated_registry_checks_signature_and_audience() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let graph = env.run(&["get-token", "-s", "https://graph.microsoft.com/.default"]);
    assert_eq!(code(&graph), 0, "{}", stderr(&graph));
    let graph_token = stdout(&graph).trim().to_owned();
    let acr = env.run(&[
        "get-token",
        "-s",
        "https://containerregistry.azure.net/.default",
    ]);
    let acr_token = stdout(&acr).trim().to_owned();
    let server = emu.registry_login_server();
    let exchange = |service: &str, token: &str| {
        let body = format!(
            "grant_type=access_token&service={service}&tenant={}&access_token={token}",
            emulator::TENANT_ID
        );
        post(&server, "/oauth2/exchange", &body)
    };
    let (status, body) = exchange(&server, &graph_token);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("audience"), "{body}");
    let mut forged = acr_token.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    assert_eq!(exchange(&server, &forged).0, 401);
    assert_eq!(exchange("other.azurecr.io", &acr_token).0, 400);
    let (status, body) = exchange(&server, &acr_token);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("refresh_token"));
}

/// A plain HTTP/1.1 POST of a form to the emulated registry: (status, body).
fn post(server: &str, path: &str, form: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(server).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// `get-token --registry`: what `az acr login --expose-token` prints.
#[test]
fn get_token_registry_prints_what_az_acr_login_exposes() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let server = emu.registry_login_server();
    let output = env.run(&["get-token", "--registry", &server, "-o", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["loginServer"], server.as_str());
    assert_eq!(value["username"], "00000000-0000-0000-0000-000000000000");
    let token = value["accessToken"].as_str().unwrap();
    assert_eq!(emu.verify(token).unwrap()["aud"], server.as_str());
    let mut settings = insta::Settings::clone_current();
    for (from, to) in crate::support::filters(env.home.path()) {
        settings.add_filter(&from, to.as_str());
    }
    settings.bind(|| insta::assert_snapshot!(stdout(&output)));
    // The bare token, from the cache this time.
    let bare = env.run(&["get-token", "--registry", &server]);
    assert_eq!(stdout(&bare), format!("{token}\n"));
    assert_eq!(emu.registry_count("/oauth2/exchange"), 1);
    // A host the profile does not serve: a usage error, exit 1, nothing sent.
    let refused = crate::snapshot_run!(env, &["get-token", "--registry", "docker.io"]);
    assert_eq!(code(&refused), 1);
    assert_eq!(emu.total_token_requests(), 1);
    // The registry's refusal: exit 3.
    emu.push_registry_exchange_fault(403);
    let env = env.var(
        "ENTRA_AUTH_CONTAINER_REGISTRIES",
        &format!("{server},localhost:{}", server.rsplit(':').next().unwrap()),
    );
    let port = server.rsplit(':').next().unwrap();
    let denied = env.run(&["get-token", "--registry", &format!("localhost:{port}")]);
    assert_eq!(code(&denied), 3, "{}", stderr(&denied));
}

/// skopeo (containers/image, Debian's package) pulls `hello:v1` from the emulated ACR with
/// nothing but a profile: docker's `config.json` written by `configure`, the helper found on
/// PATH under its own name, the identity token answered by `get` and the registry's refresh
/// grant done by skopeo. The second pull costs no IdP or exchange call.
#[test]
#[ignore = "needs skopeo"]
fn skopeo_pulls_through_cred_helpers() {
    let emu = Emulator::start();
    let server = emu.registry_login_server();
    let env = env_for(&emu);
    let link = helper_link(&env, "");
    let bin = link.parent().unwrap().display().to_string();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    let configured = helper(&env, &["configure", &server], "");
    assert_eq!(code(&configured), 0, "{}", stderr(&configured));
    let authfile = env.home.path().join(".docker/config.json");
    let pull = |to: &str| {
        let dest = env.home.path().join(to);
        let output = env
            .program(
                "skopeo",
                &[
                    "--insecure-policy",
                    "copy",
                    "--src-tls-verify=false",
                    "--src-authfile",
                    authfile.to_str().unwrap(),
                    &format!(
                        "docker://{server}/{}:{}",
                        emulator::registry_image::REPOSITORY,
                        emulator::registry_image::TAG
                    ),
                    &format!("dir:{}", dest.display()),
                ],
            )
            .env("PATH", &path)
            .output()
            .expect("skopeo runs (apt-get install skopeo)");
        assert!(
            output.status.success(),
            "skopeo failed:\n{}\n{}",
            stdout(&output),
            stderr(&output)
        );
        dest
    };
    let dest = pull("first");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dest.join("manifest.json")).unwrap()).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let blob = std::fs::read(dest.join(layer.trim_start_matches("sha256:"))).unwrap();
    let needle = emulator::registry_image::FILE_CONTENT;
    assert!(
        blob.windows(needle.len()).any(|w| w == needle),
        "the layer holds the image's file"
    );
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);
    assert_eq!(emu.registry_count("/oauth2/exchange"), 1);
    // skopeo used the identity token: the refresh grant at the realm.
    let grants: Vec<_> = emu
        .registry_requests()
        .into_iter()
        .filter(|r| r.path == "/oauth2/token")
        .collect();
    assert!(!grants.is_empty());
    assert!(
        grants.iter().all(|r| r.method == "POST"
            && r.form.get("grant_type").map(String::as_str) == Some("refresh_token")),
        "{grants:?}"
    );

    // The second pull: the helper answers from the cache.
    pull("second");
    assert_eq!(emu.total_token_requests(), 1);
    assert_eq!(emu.registry_count("/oauth2/exchange"), 1);
    assert!(emu.registry_count("/oauth2/token") > grants.len());
}

/// The exchange goes through the one retry policy; the ACR token is cached only while it has
/// more than 5 minutes left; `logout` forgets registry tokens with the profile's others.
#[test]
fn retries_expiry_and_logout() {
    let emu = Emulator::start();
    let env = env_for(&emu);
    let server = emu.registry_login_server();
    emu.push_registry_exchange_fault(503);
    answer(&helper(&env, &["get"], &server));
    assert_eq!(
        emu.registry_count("/oauth2/exchange"),
        2,
        "503, then the retry"
    );

    // A refresh token with under 5 minutes left is served but never cached.
    let other_cache = env.home.path().join("other-cache").display().to_string();
    let env = env.var("ENTRA_AUTH_CACHE_DIR", &other_cache);
    emu.set_registry_refresh_lifetime(200);
    answer(&helper(&env, &["get"], &server));
    answer(&helper(&env, &["get"], &server));
    assert_eq!(emu.registry_count("/oauth2/exchange"), 4);
    emu.set_registry_refresh_lifetime(3600);
    answer(&helper(&env, &["get"], &server));
    answer(&helper(&env, &["get"], &server));
    assert_eq!(emu.registry_count("/oauth2/exchange"), 5);

    assert_eq!(
        stdout(&helper(&env, &["list"], "")),
        format!("{{\"{server}\":\"<token>\"}}\n")
    );
    let logout = env.run(&["logout"]);
    assert_eq!(code(&logout), 0, "{}", stderr(&logout));
    assert_eq!(stdout(&helper(&env, &["list"], "")), "{}\n");
}
