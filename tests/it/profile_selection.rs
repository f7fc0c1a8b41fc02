//! Which profile a command acts on: `-p`, else `ENTRA_AUTH_PROFILE`, else `default`, the same
//! for `config show` and `config edit` as for `get-token` (issue 20, point 7).

use crate::support::{TestEnv, code, stderr, stdout};

const CONFIG: &str = r#"
[profiles.default]
tenant_id = "contoso.onmicrosoft.com"
client_id = "00000000-0000-0000-0000-00000000000d"

[profiles.staging]
tenant_id = "fabrikam.onmicrosoft.com"
client_id = "00000000-0000-0000-0000-00000000000s"
"#;

#[test]
fn config_show_follows_entra_auth_profile() {
    let env = TestEnv::new().var("ENTRA_AUTH_PROFILE", "staging");
    env.write_config(CONFIG);
    let out = env.run(&["config", "show"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("fabrikam.onmicrosoft.com"),
        "{}",
        stdout(&out)
    );
    // The flag still wins over the variable.
    let out = env.run(&["config", "show", "-p", "default"]);
    assert!(
        stdout(&out).contains("contoso.onmicrosoft.com"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn config_edit_follows_entra_auth_profile() {
    let env = TestEnv::new().var("ENTRA_AUTH_PROFILE", "staging");
    env.write_config(CONFIG);
    let out = env.run(&[
        "config",
        "edit",
        "--scope",
        "https://vault.azure.net/.default",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = std::fs::read_to_string(env.config_file()).unwrap();
    let staging = &file[file.find("[profiles.staging]").unwrap()..];
    assert!(staging.contains("vault.azure.net"), "{file}");
    let default = &file[..file.find("[profiles.staging]").unwrap()];
    assert!(!default.contains("vault.azure.net"), "{file}");
}
