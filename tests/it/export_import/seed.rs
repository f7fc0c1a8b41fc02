//! The seed tool's files: its `.enc` export, made at test time by an independent implementation
//! (`tests/support/make_seed_export.py`, Python's `cryptography`), and its `profiles.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{get_token, import, secret_files, user};
use crate::emulator::{self, Emulator};
use crate::support::{TestEnv, code, stderr, stdout};

/// Panics with the install command when Python's `cryptography` cannot be imported (`.ci/run`
/// installs it; the tests that need it are `#[ignore]`d with that reason).
fn require_python_cryptography() {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "Python's cryptography package is not importable by python3: run \
         `python3 -m pip install cryptography` or `.ci/run`"
    );
}

fn seed_blob(env: &TestEnv, spec: serde_json::Value) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/make_seed_export.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        spec.to_string().as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "make_seed_export.py: {}",
        stderr(&out)
    );
    let file = env.home.path().join("profile.enc");
    std::fs::write(&file, &out.stdout).unwrap();
    file
}

#[test]
#[ignore = "needs Python's cryptography package (installed by .ci/run); run with: cargo test -- --ignored"]
fn the_seed_tools_export_made_by_python_imports_with_its_secret() {
    require_python_cryptography();
    let emu = Emulator::start();
    let bob = user().var("AZURE_AUTHORITY_HOST", &emu.authority());
    let file = seed_blob(
        &bob,
        serde_json::json!({
            "passphrase": "pässwörd ✓",
            "profile": {
                "name": "legacy", "tenantId": emulator::TENANT_ID, "clientId": emulator::CLIENT_ID,
                "scopes": ["api://emu-api/.default"], "authMethod": "ClientSecret",
                "defaultFlow": "ClientCredentials"
            },
            "client_secret": emulator::CLIENT_SECRET,
        }),
    );
    let wrong = import(&bob, &file, "passwörd ✓", &[]);
    assert_eq!(code(&wrong), 1);
    assert!(stderr(&wrong).contains("wrong passphrase or corrupted file"));
    assert!(!bob.config_file().exists());

    let out = import(&bob, &file, "pässwörd ✓", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("from the .NET entra-auth-cli's export with its client secret"));
    let config = std::fs::read_to_string(bob.config_file()).unwrap();
    assert!(
        config.contains("auth_method = \"client-secret\""),
        "{config}"
    );
    assert!(config.contains("flow = \"client-credentials\""), "{config}");
    let got = get_token(&bob, "legacy");
    assert_eq!(code(&got), 0, "{}", stderr(&got));
}

#[test]
#[ignore = "needs Python's cryptography package (installed by .ci/run); run with: cargo test -- --ignored"]
fn seed_certificate_profiles_keep_path_password_and_inferred_flow() {
    require_python_cryptography();
    let bob = user();
    let file = seed_blob(
        &bob,
        serde_json::json!({
            "passphrase": "pw",
            "profile": {
                "name": "My App", "tenantId": "contoso.onmicrosoft.com",
                "clientId": emulator::CLIENT_ID, "scopes": [], "resource": "https://management.azure.com",
                "authMethod": "PasswordlessCertificate", "certificatePath": "/certs/app.pfx",
                "redirectUri": "http://localhost:8080", "cacheCertificatePassword": true
            },
            "certificate_password": "pfx-pass",
        }),
    );
    let out = import(&bob, &file, "pw", &[]);
    assert_eq!(code(&out), 1, "`My App` is not a valid name here");
    assert!(stderr(&out).contains("-n NEWNAME"), "{}", stderr(&out));
    let out = import(&bob, &file, "pw", &["-n", "myapp"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let config = std::fs::read_to_string(bob.config_file()).unwrap();
    for line in [
        "[profiles.myapp]",
        "scopes = [\"https://management.azure.com/.default\"]",
        "flow = \"interactive\"",
        "auth_method = \"certificate\"",
        "certificate_path = \"/certs/app.pfx\"",
        "redirect_uri = \"http://localhost:8080\"",
    ] {
        assert!(config.contains(line), "{line} in {config}");
    }
    let status = bob.run(&["status"]);
    assert!(
        stdout(&status).contains("cert-password"),
        "{}",
        stdout(&status)
    );
}

#[test]
fn the_seed_tools_profiles_json_imports_without_secrets() {
    let bob = user();
    let dir = bob.home.path().join(".config/entra-auth-cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("profiles.json"),
        format!(
            r#"[
  {{"name": "api", "tenantId": "contoso.onmicrosoft.com", "clientId": "{0}", "scopes": ["api://x/.default"], "authMethod": "ClientSecret", "cacheCertificatePassword": false, "defaultFlow": "ClientCredentials", "createdAt": "2025-12-26T10:00:00.1234567+00:00", "updatedAt": "2025-12-26T10:00:00.1234567+00:00"}},
  {{"name": "dev box", "tenantId": "{1}", "clientId": "{0}", "scopes": ["User.Read"], "authMethod": "ClientSecret", "cacheCertificatePassword": false, "defaultFlow": "DeviceCode", "createdAt": "2025-12-26T10:00:00+00:00", "updatedAt": "2025-12-26T10:00:00+00:00"}}
]"#,
            emulator::CLIENT_ID,
            emulator::TENANT_ID
        ),
    )
    .unwrap();
    let all = bob.run(&["config", "import", "--from-seed"]);
    assert_eq!(
        code(&all),
        1,
        "`dev box` is not a valid name: {}",
        stderr(&all)
    );
    assert!(!bob.config_file().exists(), "nothing written");
    let one = bob.run(&[
        "config",
        "import",
        "--from-seed",
        "-p",
        "DEV BOX",
        "-n",
        "dev",
    ]);
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    assert!(
        stderr(&one).contains("not in profiles.json"),
        "{}",
        stderr(&one)
    );
    let path = dir.join("profiles.json").display().to_string();
    let api = bob.run(&["config", "import", "--from-seed", &path, "-p", "api"]);
    assert_eq!(code(&api), 0, "{}", stderr(&api));
    let config = std::fs::read_to_string(bob.config_file()).unwrap();
    assert!(config.contains("[profiles.dev]") && config.contains("flow = \"device-code\""));
    assert!(config.contains("[profiles.api]"), "{config}");
    assert_eq!(secret_files(&bob), 0);
}
