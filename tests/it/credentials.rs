//! Every credential a service or container uses, end to end against the emulator: certificates
//! (PFX modern/legacy/no password, PEM one file or two, PS256/RS256, x5c), workload identity
//! (federated token file), managed identity (IMDS, App Service) and sovereign clouds.

use crate::certs;
use crate::emulator::{self, Emulator, Grant, RecordingProxy};
use crate::support::{TestEnv, code, json, stderr, stdout};

const CERT_APP: &str = "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

/// An emulator with the fixture certificate registered for `CERT_APP`, and a profile `cert`
/// pointing at it with `extra` settings.
fn cert_setup(extra: &str) -> (Emulator, TestEnv) {
    let emu = Emulator::start();
    emu.register_certificate_client(emulator::TENANT_ID, CERT_APP, certs::shared().cert_der());
    let env = TestEnv::new().var("ENTRA_AUTH_STORE", "memory");
    env.write_config(&format!(
        "[profiles.cert]\ntenant_id = \"{}\"\nclient_id = \"{CERT_APP}\"\nauthority_host = \"{}\"\nauth_method = \"certificate\"\nscopes = [\"https://graph.microsoft.com/.default\"]\n{extra}",
        emulator::TENANT_ID,
        emu.authority(),
    ));
    (emu, env)
}

fn path(p: std::path::PathBuf) -> String {
    p.display().to_string()
}

#[test]
fn pfx_files_of_every_kind_get_a_token_with_ps256_and_x5t_s256() {
    let fixtures = certs::shared();
    for (file, password) in [
        (fixtures.modern_pfx(), Some(certs::PFX_PASSWORD)),
        (fixtures.legacy_pfx(), Some(certs::PFX_PASSWORD)),
        (fixtures.modern_nopass_pfx(), None),
    ] {
        let (emu, env) = cert_setup(&format!("certificate_path = \"{}\"\n", path(file.clone())));
        let env = match password {
            Some(p) => env.var("AZURE_CLIENT_CERTIFICATE_PASSWORD", p),
            None => env,
        };
        let out = env.run(&["get-token", "-p", "cert", "-o", "json"]);
        assert_eq!(code(&out), 0, "{}: {}", file.display(), stderr(&out));
        let claims = emu
            .verify(json(&out)["access_token"].as_str().unwrap())
            .unwrap();
        assert_eq!(claims["appid"], CERT_APP);
        let header = emu.last_assertion_header().expect("an assertion was sent");
        assert_eq!(header["alg"], "PS256");
        assert_eq!(header["x5t#S256"], fixtures.sha256_thumbprint_b64url());
        assert!(header.get("x5c").is_none(), "no chain unless asked");
        let form = emu.last_token_request().unwrap().form;
        assert!(!form.contains_key("client_secret"));
        assert_eq!(
            form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
    }
}

#[test]
fn pem_in_one_file_or_two_and_rs256_with_x5c_on_request() {
    let fixtures = certs::shared();
    let (emu, env) = cert_setup(&format!(
        "certificate_path = \"{}\"\n",
        path(fixtures.combined_pem())
    ));
    let out = env.run(&["get-token", "-p", "cert"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let (emu2, env2) = cert_setup(&format!(
        "certificate_path = \"{}\"\ncertificate_key_path = \"{}\"\nassertion_algorithm = \"RS256\"\nsend_certificate_chain = true\n",
        path(fixtures.cert_pem()),
        path(fixtures.key_pem())
    ));
    let out = env2.run(&["get-token", "-p", "cert"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(emu2.verify(stdout(&out).trim()).is_ok());
    let header = emu2.last_assertion_header().unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"], fixtures.sha1_thumbprint_b64url());
    assert_eq!(header["x5c"].as_array().map(Vec::len), Some(1));
    drop(emu);
}

#[test]
fn azure_client_certificate_path_works_in_the_env_only_profile() {
    let fixtures = certs::shared();
    let emu = Emulator::start();
    emu.register_certificate_client(emulator::TENANT_ID, CERT_APP, fixtures.cert_der());
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", CERT_APP)
        .var("AZURE_AUTHORITY_HOST", &emu.authority())
        .var(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            &path(fixtures.legacy_pfx()),
        )
        .var("AZURE_CLIENT_CERTIFICATE_PASSWORD", certs::PFX_PASSWORD);
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);
}

#[test]
fn wrong_pfx_password_is_exit_1_without_a_request() {
    let (emu, env) = cert_setup(&format!(
        "certificate_path = \"{}\"\n",
        path(certs::shared().modern_pfx())
    ));
    let env = env.var("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-the-password");
    let out = crate::snapshot_run!(env, &["get-token", "-p", "cert"]);
    assert_eq!(code(&out), 1);
    assert!(!stderr(&out).contains("not-the-password"));
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn bad_certificate_inputs_are_exit_1_naming_the_problem() {
    let fixtures = certs::shared();
    let missing = fixtures.dir.path().join("does-not-exist.pfx");
    let cases = [
        (
            "missing file",
            format!("certificate_path = \"{}\"\n", path(missing.clone())),
            "does-not-exist.pfx",
        ),
        (
            "no private key",
            format!(
                "certificate_path = \"{}\"\n",
                path(fixtures.cert_only_pem())
            ),
            "contains no private key",
        ),
        (
            "key of another certificate",
            format!(
                "certificate_path = \"{}\"\ncertificate_key_path = \"{}\"\n",
                path(fixtures.cert_pem()),
                path(fixtures.other_key_pem())
            ),
            "does not belong to the certificate",
        ),
        (
            "expired",
            format!(
                "certificate_path = \"{}\"\ncertificate_key_path = \"{}\"\n",
                path(fixtures.expired_pem()),
                path(fixtures.expired_key_pem())
            ),
            "expired on 2021-01-01",
        ),
        (
            "not yet valid",
            format!(
                "certificate_path = \"{}\"\ncertificate_key_path = \"{}\"\n",
                path(fixtures.future_pem()),
                path(fixtures.future_key_pem())
            ),
            "is not valid until 2099-01-01",
        ),
        (
            "no password for a protected pfx",
            format!("certificate_path = \"{}\"\n", path(fixtures.modern_pfx())),
            "no password was given",
        ),
    ];
    for (what, settings, expected) in cases {
        let (emu, env) = cert_setup(&settings);
        let out = env.run(&["get-token", "-p", "cert"]);
        assert_eq!(code(&out), 1, "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{what}: {}", stderr(&out));
        assert_eq!(
            emu.total_token_requests(),
            0,
            "{what}: reported before any request"
        );
    }
}

#[test]
fn expired_certificate_message() {
    let fixtures = certs::shared();
    let (_emu, env) = cert_setup(&format!(
        "certificate_path = \"{}\"\ncertificate_key_path = \"{}\"\n",
        path(fixtures.expired_pem()),
        path(fixtures.expired_key_pem())
    ));
    let filters_dir = fixtures.dir.path().display().to_string();
    let out = env.run(&["get-token", "-p", "cert"]);
    let text = stderr(&out).replace(&filters_dir, "[FIXTURES]");
    insta::assert_snapshot!(text);
}

const ISSUER: &str = "https://oidc.prod-aks.example/4f6e2d1c/";
const SUBJECT: &str = "system:serviceaccount:payments:api";

fn federated_setup() -> (Emulator, TestEnv, std::path::PathBuf) {
    let emu = Emulator::start();
    emu.register_federated_client(emulator::TENANT_ID, CERT_APP, ISSUER, SUBJECT);
    let env = TestEnv::new().var("ENTRA_AUTH_STORE", "memory");
    let token_file = env.home.path().join("azure-identity-token");
    // Exactly what the AKS workload identity webhook injects.
    let env = env
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", CERT_APP)
        .var("AZURE_FEDERATED_TOKEN_FILE", &path(token_file.clone()))
        .var("AZURE_AUTHORITY_HOST", &emu.authority());
    (emu, env, token_file)
}

#[test]
fn workload_identity_env_alone_works_and_rereads_the_rotated_file() {
    let (emu, env, token_file) = federated_setup();
    let first = emu.mint_external_token(ISSUER, SUBJECT, "api://AzureADTokenExchange", 3600);
    std::fs::write(&token_file, &first).unwrap();
    let out = env.run(&["get-token", "-s", "https://management.azure.com"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let claims = emu.verify(stdout(&out).trim()).unwrap();
    assert_eq!(
        claims["aud"], "https://management.azure.com",
        "a bare resource got /.default"
    );
    assert_eq!(
        emu.last_token_request().unwrap().form["client_assertion"],
        first
    );

    let rotated = emu.mint_external_token(ISSUER, SUBJECT, "api://AzureADTokenExchange", 3600);
    std::fs::write(&token_file, &rotated).unwrap();
    let out = env.run(&["get-token", "-s", "https://management.azure.com/.default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        emu.last_token_request().unwrap().form["client_assertion"],
        rotated,
        "read on every request"
    );
}

#[test]
fn federated_token_problems() {
    let (emu, env, token_file) = federated_setup();
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "missing file: {}", stderr(&out));
    assert!(
        stderr(&out).contains("azure-identity-token"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&token_file, "\n").unwrap();
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "empty file: {}", stderr(&out));
    assert!(stderr(&out).contains("is empty"));
    assert_eq!(emu.total_token_requests(), 0);

    std::fs::write(
        &token_file,
        emu.mint_external_token(ISSUER, SUBJECT, "api://AzureADTokenExchange", -60),
    )
    .unwrap();
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("AADSTS700024"), "{}", stderr(&out));
    assert_eq!(
        emu.total_token_requests(),
        2,
        "re-read once and retried once"
    );

    std::fs::write(
        &token_file,
        emu.mint_external_token(
            ISSUER,
            "system:serviceaccount:other:sa",
            "api://AzureADTokenExchange",
            600,
        ),
    )
    .unwrap();
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("AADSTS700213"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("subject `system:serviceaccount:other:sa`"),
        "what the workload presented: {}",
        stderr(&out)
    );
}

fn imds_env(emu: &Emulator) -> TestEnv {
    TestEnv::new()
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY)
        .var("ENTRA_AUTH_AUTH_METHOD", "managed-identity")
        .var("ENTRA_AUTH_IMDS_ENDPOINT", &emu.imds_endpoint())
}

#[test]
fn imds_system_and_user_assigned_identities() {
    let emu = Emulator::start();
    emu.register_user_assigned_identity("9d8c7b6a-1111-4222-8333-444455556666", "0a0b0c0d-1111-4222-8333-444455556666", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai");
    let env = imds_env(&emu);
    let out = env.run(&[
        "get-token",
        "-s",
        "https://management.azure.com/.default",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = json(&out);
    assert_eq!(body["source"], "network");
    assert!(
        body["expires_in"].as_i64().unwrap() > 3000,
        "string numbers parsed"
    );
    assert!(emu.verify(body["access_token"].as_str().unwrap()).is_ok());
    let request = emu.last_imds_request().unwrap();
    assert_eq!(request.headers["metadata"], "true");
    assert_eq!(request.form["resource"], "https://management.azure.com");
    assert_eq!(request.form["api-version"], "2018-02-01");
    assert!(!request.form.contains_key("client_id"));
    let again = json(&env.run(&[
        "get-token",
        "-s",
        "https://management.azure.com/.default",
        "-o",
        "json",
    ]));
    assert_eq!(again["source"], "cache");
    assert_eq!(emu.imds_requests(), 1);

    let user = env.var("AZURE_CLIENT_ID", "9d8c7b6a-1111-4222-8333-444455556666");
    let out = user.run(&[
        "get-token",
        "-s",
        "https://management.azure.com/.default",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["source"],
        "network",
        "another identity, another cache entry"
    );
    assert_eq!(
        emu.last_imds_request().unwrap().form["client_id"],
        "9d8c7b6a-1111-4222-8333-444455556666"
    );
}

#[test]
fn imds_identity_not_found_is_exit_3_with_a_hint() {
    let emu = Emulator::start();
    let env = imds_env(&emu).var("AZURE_CLIENT_ID", "00000000-0000-4000-8000-000000000000");
    let out = crate::snapshot_run!(
        env,
        &["get-token", "-s", "https://vault.azure.net/.default"]
    );
    assert_eq!(code(&out), 3);
}

#[test]
fn imds_unreachable_is_exit_4_fast() {
    let port = crate::support::free_port();
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("ENTRA_AUTH_AUTH_METHOD", "managed-identity")
        .var(
            "ENTRA_AUTH_IMDS_ENDPOINT",
            &format!("http://127.0.0.1:{port}"),
        );
    let started = std::time::Instant::now();
    let out = crate::snapshot_run!(
        env,
        &["get-token", "-s", "https://management.azure.com/.default"]
    );
    assert_eq!(code(&out), 4);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "no long probe"
    );
}

#[test]
fn imds_transient_errors_are_retried() {
    let emu = Emulator::start();
    emu.push_imds_fault(503);
    let env = imds_env(&emu);
    let out = env.run(&["get-token", "-s", "https://management.azure.com/.default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(emu.imds_requests(), 2);
}

#[test]
fn app_service_managed_identity() {
    let emu = Emulator::start();
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("ENTRA_AUTH_AUTH_METHOD", "managed-identity")
        .var("IDENTITY_ENDPOINT", &emu.app_service_endpoint())
        .var("IDENTITY_HEADER", &emu.identity_header());
    let out = env.run(&[
        "get-token",
        "-s",
        "https://vault.azure.net/.default",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = json(&out);
    assert!(
        body["expires_in"].as_i64().unwrap() > 3000,
        "epoch-string expires_on parsed"
    );
    let request = emu.last_app_service_request().unwrap();
    assert_eq!(request.headers["x-identity-header"], emu.identity_header());
    assert_eq!(request.form["api-version"], "2019-08-01");
    assert_eq!(emu.imds_requests(), 0, "App Service wins over IMDS");

    let wrong = env.var("IDENTITY_HEADER", "stale-header");
    let out = wrong.run(&["get-token", "-s", "https://vault.azure.net/.default"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("stale-header"),
        "the header is a secret"
    );
    assert!(
        stderr(&out).contains("the endpoint did not accept IDENTITY_HEADER")
            && !stderr(&out).contains("scope"),
        "the hint is about the header, not scopes: {}",
        stderr(&out)
    );
}

/// A managed identity's tokens are the profile's: `status` lists them under it, `logout` removes
/// them (they are keyed by the endpoint and the identity, not by a tenant and an app).
#[test]
fn status_and_logout_cover_a_managed_identity_profiles_tokens() {
    let emu = Emulator::start();
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "file")
        .var("ENTRA_AUTH_CACHE_KEY", crate::support::CACHE_KEY)
        .var("ENTRA_AUTH_AUTH_METHOD", "managed-identity")
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("IDENTITY_ENDPOINT", &emu.app_service_endpoint())
        .var("IDENTITY_HEADER", &emu.identity_header());
    let scope = ["-s", "https://vault.azure.net/.default"];
    let out = env.run(&["get-token", scope[0], scope[1]]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let status = stdout(&env.run(&["status"]));
    assert!(
        status.contains("token:      https://vault.azure.net/.default expires")
            && !status.contains("belong to no current profile"),
        "{status}"
    );
    let out = env.run(&["logout"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed 1 cached token(s)"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["get-token", scope[0], scope[1]]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        emu.app_service_requests(),
        2,
        "logged out: a new token, not the cached one"
    );
}

#[test]
fn usgov_cloud_sends_requests_to_the_us_government_host() {
    let proxy = RecordingProxy::start();
    let env = TestEnv::new()
        .var("ENTRA_AUTH_STORE", "memory")
        .var("AZURE_TENANT_ID", "contoso.onmicrosoft.us")
        .var("AZURE_CLIENT_ID", CERT_APP)
        .var("AZURE_CLIENT_SECRET", "x")
        .var("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["get-token", "--cloud", "usgov", "--timeout", "5s"]);
    assert_eq!(
        code(&out),
        4,
        "the recording proxy never connects anywhere: {}",
        stderr(&out)
    );
    let requests = proxy.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("CONNECT login.microsoftonline.us:443")),
        "{requests:?}"
    );
    assert!(
        requests.iter().all(|r| !r.contains("microsoftonline.com")),
        "{requests:?}"
    );

    let china = env.var("ENTRA_AUTH_CLOUD", "china");
    let _ = china.run(&["get-token", "--timeout", "5s"]);
    assert!(
        proxy
            .requests()
            .iter()
            .any(|r| r.starts_with("CONNECT login.partner.microsoftonline.cn:443")),
        "{:?}",
        proxy.requests()
    );
}

#[test]
fn status_shows_the_authority_of_each_profile() {
    let env = TestEnv::new().var("ENTRA_AUTH_STORE", "memory");
    env.write_config("[profiles.gov]\ntenant_id = \"contoso.onmicrosoft.us\"\nclient_id = \"c\"\ncloud = \"usgov\"\n");
    let out = env.run(&["status", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        json(&out)["profiles"][0]["authority"],
        "https://login.microsoftonline.us"
    );
}

#[test]
fn imds_object_id_and_resource_id_selectors() {
    let emu = Emulator::start();
    let res_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai";
    emu.register_user_assigned_identity(
        "9d8c7b6a-1111-4222-8333-444455556666",
        "0a0b0c0d-1111-4222-8333-444455556666",
        res_id,
    );
    let by_object = imds_env(&emu).var(
        "ENTRA_AUTH_OBJECT_ID",
        "0a0b0c0d-1111-4222-8333-444455556666",
    );
    let out = by_object.run(&["get-token", "-s", "https://storage.azure.com/.default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        emu.last_imds_request().unwrap().form["object_id"],
        "0a0b0c0d-1111-4222-8333-444455556666"
    );
    let by_resource = imds_env(&emu).var("ENTRA_AUTH_MI_RES_ID", res_id);
    let out = by_resource.run(&["get-token", "-s", "https://storage.azure.com/.default"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(emu.last_imds_request().unwrap().form["msi_res_id"], res_id);
    let both = by_resource.var("AZURE_CLIENT_ID", "9d8c7b6a-1111-4222-8333-444455556666");
    let out = both.run(&["get-token", "-s", "https://storage.azure.com/.default"]);
    assert_eq!(code(&out), 1, "one selector at most: {}", stderr(&out));
}
