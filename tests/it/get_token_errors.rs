//! Every bad input of the walking-skeleton issue, each with its exit code and message.

use std::time::{Duration, Instant};

use crate::emulator::{self, Emulator, Fault, Grant};
use crate::support::{TestEnv, code, stderr, stdout};

#[test]
fn unknown_profile_is_exit_2_and_lists_the_profiles() {
    let env = TestEnv::new();
    env.write_config("[profiles.dev]\ntenant_id = \"t\"\nclient_id = \"c\"\n\n[profiles.prod]\ntenant_id = \"t\"\nclient_id = \"c\"\n");
    let out = crate::snapshot_run!(env, &["get-token", "-p", "staging"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn no_config_and_no_environment_is_exit_2() {
    let env = TestEnv::new();
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn missing_tenant_names_the_field_and_where_to_set_it() {
    let env = TestEnv::new()
        .var("AZURE_CLIENT_ID", emulator::CLIENT_ID)
        .var("AZURE_CLIENT_SECRET", "x");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn missing_client_id_in_a_file_profile() {
    let env = TestEnv::new();
    env.write_config("[profiles.default]\ntenant_id = \"contoso.onmicrosoft.com\"\n");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn no_credential_and_nobody_to_sign_in_is_exit_3_before_any_request() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).without("AZURE_CLIENT_SECRET");
    let out = crate::snapshot_run!(env, &["get-token", "-q"]);
    assert_eq!(code(&out), 3);
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn explicit_secret_method_without_a_secret_is_exit_1() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu)
        .without("AZURE_CLIENT_SECRET")
        .var("ENTRA_AUTH_AUTH_METHOD", "client-secret");
    let out = crate::snapshot_run!(env, &["get-token", "-q"]);
    assert_eq!(code(&out), 1);
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn wrong_secret_is_exit_3_with_the_aadsts_code_and_ids() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("AZURE_CLIENT_SECRET", "wrong-secret-value");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("AADSTS7000215"));
    assert!(err.contains("trace id: "));
    assert!(err.contains("correlation id: "));
    assert!(
        !err.contains("wrong-secret-value"),
        "the secret never appears in errors"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        emu.total_token_requests(),
        1,
        "auth failures are not retried"
    );
}

#[test]
fn unknown_app_is_exit_3_with_a_hint() {
    let emu = Emulator::start();
    let env =
        TestEnv::for_emulator(&emu).var("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 3);
}

#[test]
fn bad_scope_is_exit_3() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token", "-s", "User.Read"]);
    assert_eq!(code(&out), 3);
}

#[test]
fn idp_down_is_exit_4() {
    // Port 9 (discard) on loopback: no test server ever takes it (a port freed by this test
    // could be bound by another test's server while the retries run).
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 4);
}

#[test]
fn slower_than_timeout_is_exit_5_at_about_the_timeout() {
    let emu = Emulator::start();
    emu.set_persistent_fault(Some(Fault::Slow(Duration::from_secs(30))));
    let env = TestEnv::for_emulator(&emu);
    let started = Instant::now();
    let out = crate::snapshot_run!(env, &["get-token", "--timeout", "1s"]);
    assert_eq!(code(&out), 5);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped near the timeout, not after the slow reply"
    );
}

#[test]
fn malformed_config_is_exit_1_naming_file_and_line_and_left_untouched() {
    let env = TestEnv::new();
    let text = "# comment kept\n[profiles.default]\ntenant_id = \"t\"\nclient_id = \"c\n";
    env.write_config(text);
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("line 4"));
    assert_eq!(std::fs::read_to_string(env.config_file()).unwrap(), text);
}

#[test]
fn unknown_field_in_config_is_reported() {
    let env = TestEnv::new();
    env.write_config(
        "[profiles.default]\ntenant_id = \"t\"\nclient_id = \"c\"\nclientsecret = \"oops\"\n",
    );
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn plain_http_authority_is_refused() {
    let env = TestEnv::new()
        .var("AZURE_TENANT_ID", emulator::TENANT_ID)
        .var("AZURE_CLIENT_ID", emulator::CLIENT_ID)
        .var("AZURE_CLIENT_SECRET", "x")
        .var("AZURE_AUTHORITY_HOST", "http://login.example.com");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn garbage_200_is_exit_4_with_the_status() {
    let emu = Emulator::start();
    emu.push_fault(Fault::Garbage200);
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 4);
    assert!(stderr(&out).contains("HTTP 200"));
}

#[test]
fn non_json_4xx_is_exit_3_with_the_status() {
    let emu = Emulator::start();
    emu.push_fault(Fault::NonJsonStatus(400));
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("HTTP 400"));
}

#[test]
fn throttling_with_retry_after_is_waited_out() {
    let emu = Emulator::start();
    emu.push_fault(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("answered HTTP 429; retrying in 1.0 s"),
        "{}",
        stderr(&out)
    );
    assert!(emu.verify(stdout(&out).trim()).is_ok());
    assert_eq!(emu.token_requests(Grant::ClientCredentials), 2);
}

#[test]
fn throttling_beyond_the_timeout_fails_fast_with_exit_4() {
    let emu = Emulator::start();
    emu.push_fault(Fault::TooManyRequests {
        retry_after_secs: 120,
    });
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token", "--timeout", "10s"]);
    assert_eq!(code(&out), 4);
    assert_eq!(emu.total_token_requests(), 1);
}

#[test]
fn server_errors_are_retried_then_exit_4() {
    let emu = Emulator::start();
    emu.set_persistent_fault(Some(Fault::ServiceUnavailablePlainText));
    let env = TestEnv::for_emulator(&emu);
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 4);
    assert_eq!(emu.total_token_requests(), 3);
}

#[test]
fn one_500_then_success() {
    let emu = Emulator::start();
    emu.push_fault(Fault::ServerError);
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "--silent hides retry progress");
    assert_eq!(emu.total_token_requests(), 2);
}

#[test]
fn dropped_connection_is_retried() {
    let emu = Emulator::start();
    emu.push_fault(Fault::DropConnection);
    let env = TestEnv::for_emulator(&emu);
    let out = env.run(&["get-token"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not be reached; retrying"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emu.total_token_requests(), 2);
}

#[test]
fn bad_flag_values_are_exit_1() {
    let env = TestEnv::new();
    let out = crate::snapshot_run!(env, &["get-token", "--timeout", "90"]);
    assert_eq!(code(&out), 1);
    let out = env.run(&["get-token", "-o", "xml"]);
    assert_eq!(code(&out), 1);
    let out = env.run(&["get-token", "-f", "password"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn unwritable_output_file_is_exit_1() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let path = env.home.path().join("missing-dir").join("t.txt");
    let out = crate::snapshot_run!(env, &["get-token", "--file", path.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(!path.exists());
}

#[test]
fn bad_cache_key_is_an_error_not_a_silent_downgrade() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).var("ENTRA_AUTH_CACHE_KEY", "too-short");
    let out = crate::snapshot_run!(env, &["get-token"]);
    assert_eq!(code(&out), 1);
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn non_interactive_never_waits_for_a_person() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu).without("AZURE_CLIENT_SECRET");
    let started = Instant::now();
    let out = crate::snapshot_run!(env, &["get-token", "-f", "DeviceCode", "--non-interactive"]);
    assert_eq!(code(&out), 3);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(emu.total_token_requests(), 0);
}

#[test]
fn huge_flag_values_never_crash_the_process() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    // Larger than any deadline a clock can hold: treated as "no practical limit".
    let out = env.run(&["get-token", "--timeout", "9223372036854775807s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stdout(&out).trim().is_empty());
    let out = env.run(&["get-token", "--min-validity", "9223372036854775807s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Beyond what a duration holds: a usage error, not an abort.
    let out = env.run(&["get-token", "--timeout", "18446744073709551615s"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--timeout"), "{}", stderr(&out));
    // A profile name no slicing can cut.
    let name = "€".repeat(22);
    let out = env.run(&[
        "config",
        "create",
        "--name",
        &name,
        "--tenant-id",
        "contoso.onmicrosoft.com",
        "--client-id",
        emulator::CLIENT_ID,
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("longer than 64 characters"),
        "{}",
        stderr(&out)
    );
}
