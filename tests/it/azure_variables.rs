//! The Azure SDK variables (`AZURE_*`) and named profiles (issue 20, points 1 and 2): they shape
//! the `default` profile and the fields a named profile leaves open, never the app or tenant a
//! named profile's file chose; their secret is never sent for another app; what was left out is
//! said on stderr and in `config show`; an empty variable is an error, never "unset".

use crate::emulator::{self, Emulator, Grant};
use crate::support::{TestEnv, code, stderr, stdout};

const OTHER_APP: &str = "99999999-8888-7777-6666-555555555555";

/// `[profiles.badclient]` for an app of its own, in a shell that exported the emulator's app.
fn shell_with_sdk_variables(emu: &Emulator) -> TestEnv {
    let env = TestEnv::for_emulator(emu);
    env.write_config(&format!(
        "[profiles.badclient]\ntenant_id = \"{}\"\nclient_id = \"{OTHER_APP}\"\nauthority_host = \"{}\"\n",
        emulator::TENANT_ID,
        emu.authority()
    ));
    env
}

#[test]
fn a_named_profile_keeps_its_app_and_says_what_it_left_out() {
    let emu = Emulator::start();
    emu.register_client(emulator::TENANT_ID, OTHER_APP, "other~secret");
    let env = shell_with_sdk_variables(&emu);
    let out = env.run(&["get-token", "-p", "badclient", "--non-interactive"]);
    // Not the environment's app, and not its secret: the profile has no credential of its own.
    assert_ne!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        emu.total_token_requests(),
        0,
        "AZURE_CLIENT_SECRET was not sent for another app"
    );
    let text = stderr(&out);
    assert!(
        text.contains("AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not used for profile `badclient`")
            && text.contains("it sets client_id"),
        "{text}"
    );
    // With its own secret stored, the profile gets a token for its own app.
    let stored = env.run_with_stdin(&["config", "set-secret", "-p", "badclient"], "other~secret");
    assert_eq!(code(&stored), 0, "{}", stderr(&stored));
    let out = env.run(&["get-token", "-p", "badclient", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let token = serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap();
    let claims = emu.verify(token["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(
        claims["appid"], OTHER_APP,
        "the profile's app, not AZURE_CLIENT_ID's"
    );
    assert!(stderr(&out).contains("not used for profile `badclient`"));
    // config show names where each value came from and what was not used.
    let show = env.run(&["config", "show", "-p", "badclient"]);
    assert!(stdout(&show).contains(OTHER_APP), "{}", stdout(&show));
    assert!(
        stdout(&show).contains("not used              AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"),
        "{}",
        stdout(&show)
    );
    let json: serde_json::Value = serde_json::from_slice(
        &env.run(&["config", "show", "-p", "badclient", "-o", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["client_id"], OTHER_APP);
    assert_eq!(json["sources"]["client_id"], "config file");
}

/// `status` shows the same: where the tenant, client and authority came from when not the
/// file, which variables a named profile left out, and never another app's secret as the
/// profile's credential.
#[test]
fn status_names_the_sources_and_the_variables_a_profile_left_out() {
    let emu = Emulator::start();
    let env = shell_with_sdk_variables(&emu);
    let out = env.run(&["status"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let profile = |name: &str| {
        let start = text
            .find(&format!("\nprofile {name}\n"))
            .unwrap_or_else(|| panic!("profile {name} in:\n{text}"));
        let rest = &text[start + 1..];
        rest[..rest[1..].find("\nprofile ").map_or(rest.len(), |i| i + 1)].to_owned()
    };
    let named = profile("badclient");
    assert!(
        named.contains(&format!("client:     {OTHER_APP}\n")),
        "{named}"
    );
    assert!(
        named.contains("not used:   AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"),
        "{named}"
    );
    assert!(
        !named.contains("AZURE_CLIENT_SECRET\n")
            && named.contains("credential: none: user sign-in"),
        "another app's secret is not this profile's credential: {named}"
    );
    let default = profile("default");
    assert!(
        default.contains(&format!(
            "client:     {} (from AZURE_CLIENT_ID)",
            emulator::CLIENT_ID
        )) && default.contains("(from AZURE_AUTHORITY_HOST)")
            && default.contains("credential: client secret from AZURE_CLIENT_SECRET"),
        "{default}"
    );
    assert!(
        text.contains(&format!(
            "AZURE_CLIENT_SECRET is set: for the profiles of AZURE_CLIENT_ID's app ({})",
            emulator::CLIENT_ID
        )),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&env.run(&["status", "-o", "json"]).stdout).unwrap();
    let by_name = |name: &str| {
        json["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_name("badclient")["not_used"],
        serde_json::json!(["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"])
    );
    assert_eq!(
        by_name("default")["sources"]["client_id"],
        "AZURE_CLIENT_ID"
    );
    assert_eq!(json["client_secret_app"], emulator::CLIENT_ID);
}

/// A field the table sets keeps the table's value even when the variable says nearly the same
/// (the notice is skipped for a value equal up to case): a certificate path differing only in
/// case is another file, and the file, not the variable, is named as the source.
#[test]
fn a_variable_equal_up_to_case_does_not_replace_what_the_file_sets() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let dir = env.config_dir();
    let written = dir.join("Prod.pem");
    let lower = dir.join("prod.pem");
    env.write_config(&format!(
        "[profiles.badclient]\ntenant_id = \"{}\"\nclient_id = \"{OTHER_APP}\"\nauthority_host = \"{}\"\ncertificate_path = \"{}\"\n",
        emulator::TENANT_ID,
        emu.authority(),
        written.display()
    ));
    let env = env.var("AZURE_CLIENT_CERTIFICATE_PATH", lower.to_str().unwrap());
    let json: serde_json::Value = serde_json::from_slice(
        &env.run(&["config", "show", "-p", "badclient", "-o", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        json["certificate_path"],
        written.to_str().unwrap(),
        "the file's path: {json}"
    );
    assert_eq!(json["sources"]["certificate_path"], "config file", "{json}");
    // The same authority host in the file and in AZURE_AUTHORITY_HOST: the file set it.
    assert_eq!(json["sources"]["authority_host"], "config file", "{json}");
    let status = stdout(&env.run(&["status"]));
    assert!(
        status.contains(&format!("authority:  {}\n", emu.authority())),
        "{status}"
    );
}

/// `AZURE_TENANT_ID` is the `default` profile's tenant and fills a named profile's open
/// `tenant_id`; it never overrides the tenant a named profile's table sets.
#[test]
fn azure_tenant_id_never_overrides_a_named_profiles_tenant() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    env.write_config(&format!(
        "[profiles.other]\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"{OTHER_APP}\"\n\n[profiles.open]\nclient_id = \"{OTHER_APP}\"\n"
    ));
    let show = |name: &str| -> serde_json::Value {
        serde_json::from_slice(
            &env.run(&["config", "show", "-p", name, "-o", "json"])
                .stdout,
        )
        .unwrap()
    };
    let other = show("other");
    assert_eq!(other["tenant_id"], "contoso.onmicrosoft.com", "{other}");
    assert!(
        other["not_used"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("AZURE_TENANT_ID")),
        "{other}"
    );
    let open = show("open");
    assert_eq!(open["tenant_id"], emulator::TENANT_ID, "{open}");
    assert_eq!(open["sources"]["tenant_id"], "AZURE_TENANT_ID", "{open}");
}

#[test]
fn entra_auth_variables_still_override_a_named_profile_visibly() {
    let emu = Emulator::start();
    let env = shell_with_sdk_variables(&emu).var("ENTRA_AUTH_CLIENT_ID", emulator::CLIENT_ID);
    let out = env.run(&["get-token", "-p", "badclient", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(
        &env.run(&["config", "show", "-p", "badclient", "-o", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["client_id"], emulator::CLIENT_ID);
    assert_eq!(json["sources"]["client_id"], "ENTRA_AUTH_CLIENT_ID");
    let show = stdout(&env.run(&["config", "show", "-p", "badclient"]));
    assert!(show.contains("(from ENTRA_AUTH_CLIENT_ID)"), "{show}");
}

#[test]
fn the_default_profile_and_open_fields_still_take_azure_variables() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    // A named profile without client_id takes AZURE_CLIENT_ID (and then its secret is its own).
    env.write_config(&format!(
        "[profiles.open]\ntenant_id = \"{}\"\n",
        emulator::TENANT_ID
    ));
    let out = env.run(&["get-token", "-p", "open"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("not used"), "{}", stderr(&out));
    let out = env.run(&["get-token"]);
    assert_eq!(
        code(&out),
        0,
        "the environment's default profile: {}",
        stderr(&out)
    );
    // Same app and tenant as `open`: the second one is the cached token.
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 1);
}

#[test]
fn an_empty_variable_is_an_error_not_unset() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("AZURE_AUTHORITY_HOST", "");
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: AZURE_AUTHORITY_HOST is set but empty"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("unset AZURE_AUTHORITY_HOST"),
        "{}",
        stderr(&out)
    );
    let out = TestEnv::for_emulator(&emu)
        .var("ENTRA_AUTH_TENANT_ID", " ")
        .run(&["get-token"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("ENTRA_AUTH_TENANT_ID is set but empty"));
    assert_eq!(emu.total_token_requests(), 0, "nothing was sent anywhere");
}
