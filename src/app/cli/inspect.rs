//! `inspect [TOKEN|-]`: decode a JWT offline (header, claims, validity, time left) from an
//! argument or stdin, and render it as text or JSON. No network, no verification.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read};

use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::{Map, Value};

use super::report::Report;
use crate::app::cli::emit::emit;
use crate::app::cli::output::{render_json, rfc3339};
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::domain::jwt::{DecodedJwt, JwtError, MAX_TOKEN_BYTES, Validity, decode};
use crate::ports::clock::Clock;

const EXAMPLES: &str = "\
Examples:
  # The token get-token prints, decoded
  entra-auth-cli get-token | entra-auth-cli inspect

  # A token from a file or the clipboard, as JSON (the claims are under .claims)
  entra-auth-cli inspect -o json < token.txt
  entra-auth-cli inspect - -o json < token.txt | jq -r .claims.roles

  # A token given as an argument (visible to other local users in the process list)
  entra-auth-cli inspect eyJ0eXAiOiJKV1Qi...

Input: at most 64 KiB; surrounding whitespace and a leading \"Bearer \" are ignored.
JSON keys: header, claims, times (claim -> RFC 3339), validity (valid, expired, not_yet_valid,
expires_at, expires_on, expires_in, not_before, issued_at), signature (present, verified).";

/// `inspect -o` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// Sections for people
    Text,
    /// One JSON object
    Json,
}

/// Decode a JWT offline: its header, its claims (times shown as RFC 3339 beside the epoch
/// value), whether it is expired or not yet valid, and how long it has left.
///
/// The signature is NOT verified: the output shows what the token claims, not whether those
/// claims can be trusted. Nothing is sent anywhere. Exits 1 when the input is not a JWT
/// (an encrypted token, an opaque token, bad base64url, a part that is not JSON). An expired
/// token is still described with exit 0 (inspecting one is a normal thing to do); add --check
/// to exit 1 when it is expired or not yet valid.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct InspectArgs {
    /// The token; `-` or nothing reads it from standard input (when it is not a terminal)
    #[arg(value_name = "TOKEN|-")]
    pub token: Option<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = InspectFormat::Text)]
    pub output: InspectFormat,

    /// After printing, exit 1 (with the reason on stderr) when the token is expired or not yet
    /// valid, for scripts: `inspect --check -o json < token.txt > /dev/null || renew`
    #[arg(long)]
    pub check: bool,
}

/// Runs `inspect`.
///
/// # Errors
/// `Usage` when there is no token to read; `Config` when the input is not a decodable JWT;
/// `Io` when stdin or stdout fails.
pub fn run(args: &InspectArgs, services: &Services) -> Result<(), Report> {
    let input = match args.token.as_deref() {
        Some("-") => read_stdin()?,
        Some(token) => token.to_owned(),
        None if std::io::stdin().is_terminal() => {
            return Err(Report::new(ErrorKind::Usage, "no token to inspect")
                .hint("pipe one in: entra-auth-cli get-token | entra-auth-cli inspect")
                .hint("or pass it: entra-auth-cli inspect TOKEN (`-` reads standard input)"));
        }
        None => read_stdin()?,
    };
    let jwt = decode(&input).map_err(decode_error)?;
    let now = services.clock.now();
    let text = match args.output {
        InspectFormat::Text => render_text(&jwt, now),
        InspectFormat::Json => render_json(&InspectView::new(&jwt, now))
            .map_err(|e| Report::new(ErrorKind::Io, "cannot render the token").cause(e))?,
    };
    emit(&text, None, services)?;
    if args.check {
        check(&jwt.validity(now))?;
    }
    Ok(())
}

/// `--check`: a token that cannot be used now is a failure, said in one line.
fn check(validity: &Validity) -> Result<(), Report> {
    if validity.expired {
        let when = validity.expires_on.map(rfc3339).unwrap_or_default();
        return Err(
            Report::new(ErrorKind::Config, format!("the token expired at {when}"))
                .hint("get a new one: entra-auth-cli get-token"),
        );
    }
    if validity.not_yet_valid {
        let when = validity.not_before.map(rfc3339).unwrap_or_default();
        return Err(Report::new(
            ErrorKind::Config,
            format!("the token is not valid before {when}"),
        ));
    }
    Ok(())
}

/// Reads at most one byte more than a token may have, so any input is bounded.
fn read_stdin() -> Result<String, Report> {
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_TOKEN_BYTES + 1).unwrap_or(u64::MAX);
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Report::new(ErrorKind::Io, "cannot read the token from standard input")
                .cause(e.to_string())
        })?;
    if bytes.len() > MAX_TOKEN_BYTES {
        return Err(decode_error(JwtError::TooLarge));
    }
    String::from_utf8(bytes).map_err(|_| {
        Report::new(
            ErrorKind::Config,
            "not a JWT: the input is not text (invalid UTF-8)",
        )
    })
}

fn decode_error(error: JwtError) -> Report {
    let message = error.to_string();
    match error {
        JwtError::Empty => Report::new(ErrorKind::Usage, message)
            .hint("pipe a token in: entra-auth-cli get-token | entra-auth-cli inspect"),
        JwtError::TooLarge => Report::new(ErrorKind::Usage, message),
        JwtError::Encrypted => Report::new(ErrorKind::Config, message)
            .hint("only its audience, which holds the decryption key, can read its claims"),
        JwtError::WrongShape { parts } => {
            let found = if parts == 1 {
                "found no dots".to_owned()
            } else {
                format!("found {parts} parts")
            };
            Report::new(ErrorKind::Config, message)
                .cause(found)
                .hint("some tokens are opaque (e.g. personal Microsoft account tokens) and cannot be decoded")
        }
        JwtError::NotJson { detail, .. } => Report::new(ErrorKind::Config, message).cause(detail),
        JwtError::Base64 { .. } | JwtError::NotObject { .. } => {
            Report::new(ErrorKind::Config, message)
        }
    }
}

/// The `-o json` object. Keys are stable and snake_case; `claims` and `header` are the token's
/// own, untouched.
#[derive(Debug, Serialize)]
pub struct InspectView<'a> {
    pub header: &'a Map<String, Value>,
    pub claims: &'a Map<String, Value>,
    /// Each time claim (`exp`, `nbf`, `iat`, `auth_time`, date-like `xms_*`) as RFC 3339.
    pub times: Map<String, Value>,
    pub validity: ValidityView,
    pub signature: SignatureView,
}

/// `validity` in `-o json`.
#[derive(Debug, Serialize)]
pub struct ValidityView {
    /// Not expired and not before `nbf` (says nothing about the signature).
    pub valid: bool,
    pub expired: bool,
    pub not_yet_valid: bool,
    /// `exp` as RFC 3339, or null.
    pub expires_at: Option<String>,
    /// `exp` as epoch seconds, or null.
    pub expires_on: Option<i64>,
    /// Seconds left now; negative once expired; null without `exp`.
    pub expires_in: Option<i64>,
    /// `nbf` as RFC 3339, or null.
    pub not_before: Option<String>,
    /// `iat` as RFC 3339, or null.
    pub issued_at: Option<String>,
}

/// `signature` in `-o json`.
#[derive(Debug, Serialize)]
pub struct SignatureView {
    /// False for `alg: none` or an empty signature: anyone could have written the token.
    pub present: bool,
    /// Always false: inspect never verifies.
    pub verified: bool,
}

impl<'a> InspectView<'a> {
    /// The view of `jwt` at `now` (epoch seconds).
    #[must_use]
    pub fn new(jwt: &'a DecodedJwt, now: i64) -> Self {
        let validity = jwt.validity(now);
        Self {
            header: &jwt.header,
            claims: &jwt.claims,
            times: jwt
                .time_claims()
                .into_iter()
                .map(|(name, epoch)| (name.to_owned(), Value::from(rfc3339(epoch))))
                .collect(),
            validity: ValidityView {
                valid: validity.valid(),
                expired: validity.expired,
                not_yet_valid: validity.not_yet_valid,
                expires_at: validity.expires_on.map(rfc3339),
                expires_on: validity.expires_on,
                expires_in: validity.expires_in,
                not_before: validity.not_before.map(rfc3339),
                issued_at: validity.issued_at.map(rfc3339),
            },
            signature: SignatureView {
                present: !jwt.is_unsigned(),
                verified: false,
            },
        }
    }
}

/// The text report: header, claims (times as RFC 3339 beside the epoch), validity, signature.
#[must_use]
pub fn render_text(jwt: &DecodedJwt, now: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Header");
    write_object(&mut out, &jwt.header, &[]);
    let times = jwt.time_claims();
    let _ = writeln!(out, "\nClaims");
    write_object(&mut out, &jwt.claims, &times);
    let _ = writeln!(out, "\nValidity");
    write_validity(&mut out, &jwt.validity(now), now);
    let signature = if jwt.is_unsigned() {
        "NONE: this token is unsigned (alg none or an empty signature); anyone could have written it"
            .to_owned()
    } else {
        format!(
            "{} (signature not verified: decoded offline, do not trust these claims)",
            jwt.algorithm()
                .map_or_else(|| "present".to_owned(), display_text)
        )
    };
    let _ = writeln!(out, "  signature:  {signature}");
    out
}

fn write_object(out: &mut String, object: &Map<String, Value>, times: &[(&str, i64)]) {
    if object.is_empty() {
        let _ = writeln!(out, "  (empty)");
    }
    let width = object
        .keys()
        .map(|k| display_text(k).chars().count())
        .filter(|w| *w <= 24)
        .max()
        .map_or(0, |w| w + 1);
    for (name, value) in object {
        let mut line = display_value(value);
        if let Some((_, epoch)) = times.iter().find(|(n, _)| n == name) {
            let _ = write!(line, "  ({})", rfc3339(*epoch));
        }
        let _ = writeln!(
            out,
            "  {:<width$}  {line}",
            format!("{}:", display_text(name))
        );
    }
}

fn write_validity(out: &mut String, validity: &Validity, now: i64) {
    let status = if validity.not_yet_valid {
        let starts = validity.not_before.map_or_else(String::new, |nbf| {
            format!(", starts in {}", human(nbf.saturating_sub(now)))
        });
        format!("NOT YET VALID{starts}")
    } else if validity.expired {
        let ago = validity.expires_in.map_or_else(String::new, |left| {
            format!(" {} ago", human(left.saturating_neg()))
        });
        format!("EXPIRED{ago}")
    } else {
        match validity.expires_in {
            Some(left) => format!("valid, {} left", human(left)),
            None => "valid (no exp claim: it never expires by itself)".to_owned(),
        }
    };
    let _ = writeln!(out, "  status:     {status}");
    if let Some(exp) = validity.expires_on {
        let _ = writeln!(out, "  expires:    {}  ({exp})", rfc3339(exp));
    }
    if let Some(nbf) = validity.not_before {
        let _ = writeln!(out, "  not before: {}  ({nbf})", rfc3339(nbf));
    }
    if let Some(iat) = validity.issued_at {
        let _ = writeln!(out, "  issued:     {}  ({iat})", rfc3339(iat));
    }
}

/// `3725` → `1h 2m 5s`; `3600` → `1h`; `90061` → `1d 1h 1m`; `0` → `0s`.
fn human(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes, secs) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    let parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")];
    let mut shown: Vec<&(i64, &str)> = parts.iter().skip_while(|(n, _)| *n == 0).take(3).collect();
    while shown.last().is_some_and(|(n, _)| *n == 0) {
        shown.pop();
    }
    let shown: Vec<String> = shown.iter().map(|(n, unit)| format!("{n}{unit}")).collect();
    if shown.is_empty() {
        "0s".to_owned()
    } else {
        shown.join(" ")
    }
}

/// A claim value on one line: strings bare when they are plain, everything else as JSON.
/// Characters that could rewrite the terminal (controls, bidi overrides) are always escaped.
fn display_value(value: &Value) -> String {
    match value {
        Value::String(text) => display_text(text),
        other => other.to_string().chars().map(escape_char).collect(),
    }
}

/// Text as is, or quoted and escaped when it holds a dangerous character or is empty or padded
/// with spaces (so it stays visible).
fn display_text(text: &str) -> String {
    if !text.is_empty() && text.trim() == text && !text.chars().any(dangerous) {
        text.to_owned()
    } else {
        let escaped: String = text
            .chars()
            .map(|c| match c {
                '"' | '\\' => format!("\\{c}"),
                other => escape_char(other),
            })
            .collect();
        format!("\"{escaped}\"")
    }
}

fn escape_char(c: char) -> String {
    if dangerous(c) {
        c.escape_unicode().to_string()
    } else {
        c.to_string()
    }
}

/// Control characters (C0, DEL, C1), bidirectional formatting and invisible characters: the
/// one definition in `domain::text`.
fn dangerous(c: char) -> bool {
    crate::domain::text::needs_escape(c)
}

#[cfg(test)]
mod tests {
    use super::{InspectView, display_text, display_value, human, render_text};
    use crate::app::cli::output::render_json;
    use crate::domain::jwt::decode;
    use crate::domain::jwt::strategies::jwt_of_objects;
    use proptest::prelude::*;

    #[test]
    fn human_durations() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(-5), "0s");
        assert_eq!(human(59), "59s");
        assert_eq!(human(3725), "1h 2m 5s");
        assert_eq!(human(3600), "1h");
        assert_eq!(human(3605), "1h 0m 5s");
        assert_eq!(human(90_061), "1d 1h 1m");
        assert_eq!(human(i64::MAX), "106751991167300d 15h 30m");
    }

    #[test]
    fn terminal_tricks_are_escaped() {
        assert_eq!(display_text("plain text"), "plain text");
        assert_eq!(display_text(""), "\"\"");
        assert_eq!(display_text(" pad"), "\" pad\"");
        assert_eq!(
            display_text("a\u{1b}[31mb\"\\"),
            "\"a\\u{1b}[31mb\\\"\\\\\""
        );
        assert_eq!(display_text("x\u{202e}y"), "\"x\\u{202e}y\"");
        assert_eq!(
            display_value(&serde_json::json!(["\u{9b}", "\u{1b}"])),
            "[\"\\u{9b}\",\"\\u001b\"]"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_decoded_token_renders_safely(token in jwt_of_objects(), now in any::<i64>()) {
            let jwt = decode(&token).unwrap();
            let text = render_text(&jwt, now);
            prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
            let json = render_json(&InspectView::new(&jwt, now)).unwrap();
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back["validity"]["expired"], &serde_json::json!(jwt.validity(now).expired));
        }
    }
}
