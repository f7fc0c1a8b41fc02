//! `inspect`: a JWT decoded offline from an argument or stdin (a real emulator token, fixed
//! hand-made tokens), `-o json` keys, and every kind of input that is not a JWT.

use std::process::Stdio;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::emulator::{self, Emulator};
use crate::support::{TestEnv, code, json, stderr, stdout};

/// `{"alg":"RS256","kid":"test-kid","typ":"JWT"}`, fixed Entra-like claims, expired on
/// 2025-12-29T15:30:00Z.
fn fixed_token() -> String {
    jwt(
        &json!({"alg": "RS256", "kid": "test-kid", "typ": "JWT"}),
        &json!({
            "aud": "https://graph.microsoft.com",
            "iss": "https://login.microsoftonline.com/7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f/v2.0",
            "iat": 1_767_018_300,
            "nbf": 1_767_018_300,
            "exp": 1_767_022_200,
            "appid": "3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a",
            "idtyp": "app",
            "roles": ["User.Read.All", "Mail.Send"],
            "tid": "7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f",
            "ver": "2.0",
            "xms_tcdt": 1_600_000_000,
        }),
        b"not a real signature",
    )
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn jwt(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(signature)
    )
}

/// The snapshot settings of `snapshot_run!` plus "time left/ago", which moves with the clock.
fn duration_filtered() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"(EXPIRED|valid,|starts in) (\d+[dhms] ?)+",
        "$1 [DURATION] ",
    );
    settings
}

/// Snapshots a run with `$input` on stdin as `exit code / stdout / stderr`, filtered.
macro_rules! snapshot_stdin {
    ($env:expr, $args:expr, $input:expr) => {{
        let env = &$env;
        let output = env.run_with_stdin($args, $input);
        let mut settings = duration_filtered();
        settings.set_omit_expression(true);
        for (from, to) in &crate::support::filters(env.home.path()) {
            settings.add_filter(from, to.as_str());
        }
        settings.bind(|| {
            insta::assert_snapshot!(format!(
                "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
                code(&output),
                stdout(&output),
                stderr(&output)
            ));
        });
        output
    }};
}

/// The value of the first `  name:  value` line of a text report.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.trim_start().split_once(':')?;
        (key == name).then(|| value.trim())
    })
}

fn rfc3339(epoch: i64) -> String {
    jiff::Timestamp::from_second(epoch).unwrap().to_string()
}

#[test]
fn emulator_token_piped_in_shows_readable_times() {
    let emu = Emulator::start();
    let env = TestEnv::for_emulator(&emu);
    let got = env.run(&["get-token"]);
    assert_eq!(code(&got), 0, "{}", stderr(&got));
    let token = stdout(&got);
    let claims = emu
        .verify(token.trim())
        .expect("a token the emulator signed");
    let (exp, iat) = (
        claims["exp"].as_i64().unwrap(),
        claims["iat"].as_i64().unwrap(),
    );

    let text = env.run_with_stdin(&["inspect"], token.as_bytes());
    assert_eq!(code(&text), 0, "{}", stderr(&text));
    assert!(stderr(&text).is_empty(), "{}", stderr(&text));
    let out = stdout(&text);
    for (name, value) in [
        ("exp", format!("{exp}  ({})", rfc3339(exp))),
        ("iat", format!("{iat}  ({})", rfc3339(iat))),
        ("tid", emulator::TENANT_ID.to_owned()),
        ("aud", "https://graph.microsoft.com".to_owned()),
        ("alg", "RS256".to_owned()),
        ("expires", format!("{}  ({exp})", rfc3339(exp))),
    ] {
        assert_eq!(field(&out, name), Some(value.as_str()), "{name} in:\n{out}");
    }
    assert!(out.contains("signature not verified"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("status:") && l.ends_with("left")),
        "time left: {out}"
    );

    let out = env.run_with_stdin(&["inspect", "-", "-o", "json"], token.as_bytes());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = json(&out);
    assert_eq!(body["claims"], claims);
    assert_eq!(body["header"]["alg"], "RS256");
    assert_eq!(body["times"]["exp"], rfc3339(exp));
    assert_eq!(body["validity"]["valid"], true);
    assert_eq!(body["validity"]["expired"], false);
    assert_eq!(body["validity"]["expires_on"], exp);
    assert_eq!(body["validity"]["expires_at"], rfc3339(exp));
    let left = body["validity"]["expires_in"].as_i64().unwrap();
    assert!((3000..=3600).contains(&left), "expires_in {left}");
    assert_eq!(
        body["signature"],
        json!({"present": true, "verified": false})
    );
    assert_eq!(
        emu.total_token_requests(),
        1,
        "inspect made no request of its own"
    );
}

#[test]
fn fixed_token_text() {
    let env = TestEnv::new();
    let token = fixed_token();
    let out = duration_filtered().bind(|| crate::snapshot_run!(env, &["inspect", &token]));
    assert_eq!(code(&out), 0);
    // The same from stdin, with a `Bearer ` prefix and a CRLF, as copied from a header.
    let piped = env.run_with_stdin(&["inspect"], format!("Bearer {token} \r\n").as_bytes());
    assert_eq!(code(&piped), 0, "{}", stderr(&piped));
    assert_eq!(stdout(&piped), stdout(&out));
}

#[test]
fn json_output_keys() {
    let env = TestEnv::new();
    let token = fixed_token();
    let out = crate::snapshot_run!(env, &["inspect", "-o", "json", &token]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = json(&out);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let mut top = keys(&body);
    top.sort();
    assert_eq!(top, ["claims", "header", "signature", "times", "validity"]);
    let mut validity = keys(&body["validity"]);
    validity.sort();
    assert_eq!(
        validity,
        [
            "expired",
            "expires_at",
            "expires_in",
            "expires_on",
            "issued_at",
            "not_before",
            "not_yet_valid",
            "valid"
        ]
    );
    assert_eq!(body["validity"]["expires_at"], "2025-12-29T15:30:00Z");
    assert_eq!(body["validity"]["not_before"], "2025-12-29T14:25:00Z");
    assert_eq!(body["validity"]["expired"], true);
    assert_eq!(body["validity"]["valid"], false);
    assert!(body["validity"]["expires_in"].as_i64().unwrap() < 0);
    assert_eq!(body["times"]["xms_tcdt"], "2020-09-13T12:26:40Z");
    assert_eq!(body["claims"]["exp"], 1_767_022_200);
}

#[test]
fn not_yet_valid_and_no_expiry() {
    let env = TestEnv::new();
    let future = jwt(
        &json!({"alg": "ES256"}),
        &json!({"nbf": 4_102_444_800_i64, "exp": 4_102_448_400_i64}),
        b"sig",
    );
    let out = env.run(&["inspect", &future]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("status:     NOT YET VALID, starts in "),
        "{}",
        stdout(&out)
    );
    let body = json(&env.run(&["inspect", "-o", "json", &future]));
    assert_eq!(body["validity"]["not_yet_valid"], true);
    assert_eq!(body["validity"]["valid"], false);

    let forever = jwt(&json!({"alg": "RS256"}), &json!({"sub": "x"}), b"sig");
    let body = json(&env.run(&["inspect", "-o", "json", &forever]));
    assert_eq!(body["validity"]["valid"], true);
    assert_eq!(body["validity"]["expires_at"], Value::Null);
    assert_eq!(body["validity"]["expires_in"], Value::Null);
}

#[test]
fn unsigned_token_decodes_and_says_so() {
    let env = TestEnv::new();
    let unsigned = jwt(
        &json!({"alg": "none", "typ": "JWT"}),
        &json!({"sub": "mallory", "roles": ["Admin"]}),
        b"",
    );
    let out = crate::snapshot_run!(env, &["inspect", &unsigned]);
    assert_eq!(code(&out), 0);
    let body = json(&env.run(&["inspect", "-o", "json", &unsigned]));
    assert_eq!(
        body["signature"],
        json!({"present": false, "verified": false})
    );
}

#[test]
fn claims_cannot_rewrite_the_terminal() {
    let env = TestEnv::new();
    let token = jwt(
        &json!({"alg": "RS256"}),
        &json!({"name": "\u{1b}[2J\u{1b}]0;owned\u{7}", "x\u{202e}": "a\nb"}),
        b"sig",
    );
    let out = env.run(&["inspect", &token]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{text:?}"
    );
    assert_eq!(
        field(&text, "name"),
        Some(r#""\u{1b}[2J\u{1b}]0;owned\u{7}""#),
        "{text}"
    );
}

#[test]
fn garbage_is_exit_1() {
    let env = TestEnv::new();
    let out = crate::snapshot_run!(env, &["inspect", "this-is-not-a-token"]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
}

#[test]
fn two_parts_is_exit_1() {
    let env = TestEnv::new();
    crate::snapshot_run!(env, &["inspect", "eyJhbGciOiJSUzI1NiJ9.e30"]);
}

#[test]
fn encrypted_token_is_exit_1() {
    let env = TestEnv::new();
    let jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ";
    let out = crate::snapshot_run!(env, &["inspect", jwe]);
    assert_eq!(code(&out), 1);
}

#[test]
fn bad_base64_names_the_part() {
    let env = TestEnv::new();
    crate::snapshot_run!(env, &["inspect", "eyJhbGciOiJSUzI1NiJ9.e30*.c2ln"]);
}

#[test]
fn non_json_names_the_part() {
    let env = TestEnv::new();
    // header: "hello" (not JSON)
    let token = format!("{}.e30.c2ln", b64(b"hello"));
    crate::snapshot_run!(env, &["inspect", &token]);
}

#[test]
fn one_megabyte_of_input_is_exit_1() {
    let env = TestEnv::new();
    let input = vec![b'a'; 1024 * 1024];
    let out = snapshot_stdin!(env, &["inspect"], &input);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    // One huge dot-separated "token" too.
    let mut dotted = fixed_token().into_bytes();
    dotted.extend(std::iter::repeat_n(b'A', 1024 * 1024));
    let out = env.run_with_stdin(&["inspect", "-"], &dotted);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 64 KiB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn empty_stdin_is_exit_1() {
    let env = TestEnv::new();
    let out = snapshot_stdin!(env, &["inspect"], b"\n");
    assert_eq!(code(&out), 1);
    let out = env.run_with_stdin(&["inspect", "-"], b"");
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("the input is empty"));
}

#[test]
fn binary_stdin_is_exit_1() {
    let env = TestEnv::new();
    let out = env.run_with_stdin(&["inspect"], [0xff, 0xfe, 0x00, b'.', b'.']);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        "error: not a JWT: the input is not text (invalid UTF-8)\n"
    );
}

#[test]
fn inspect_help() {
    let env = TestEnv::new();
    let out = crate::snapshot_run!(env, &["inspect", "--help"]);
    assert!(out.status.success());
}

/// No argument and stdin on a terminal: a usage error instead of waiting for input. Runs under
/// util-linux `script`, which gives the binary a pseudo-terminal.
#[cfg(target_os = "linux")]
#[test]
fn no_argument_on_a_terminal_is_a_usage_error() {
    let env = TestEnv::new();
    let command = format!("{} inspect", env!("CARGO_BIN_EXE_entra-auth-cli"));
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("HOME", env.home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "util-linux `script` is needed ({e}): run `apt-get install bsdutils` or `.ci/run`"
            )
        });
    let text = stdout(&out).replace('\r', "");
    assert_eq!(code(&out), 1, "{text}");
    assert!(
        text.starts_with("error: no token to inspect\n  hint: pipe one in:"),
        "{text}"
    );
}
