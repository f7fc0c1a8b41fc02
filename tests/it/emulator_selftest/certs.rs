//! Test certificates made once per run with the `openssl` CLI in a temp dir (RSA-2048, self-signed),
//! their thumbprints as openssl prints them, and client assertions signed with jsonwebtoken.

use super::{Reply, SCOPE, post_form, send};
use crate::emulator::{Emulator, TENANT_ID};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// A confidential app authenticated by certificates only.
pub const CERT_CLIENT_ID: &str = "c3c3c3c3-1111-4222-8333-444455556666";

pub struct TestCert {
    pub der: Vec<u8>,
    /// PKCS#1 private key DER.
    pub key_der: Vec<u8>,
    /// From `openssl x509 -fingerprint`, independent of the emulator's own hashing.
    pub sha1: Vec<u8>,
    pub sha256: Vec<u8>,
}

/// Two distinct certificates (generated on first use).
pub fn test_certs() -> &'static [TestCert; 2] {
    static CERTS: OnceLock<[TestCert; 2]> = OnceLock::new();
    CERTS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        [generate(dir.path(), "a"), generate(dir.path(), "b")]
    })
}

fn openssl(args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl CLI runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn generate(dir: &Path, name: &str) -> TestCert {
    let key_pem = dir.join(format!("{name}.key.pem"));
    let key_der = dir.join(format!("{name}.key.der"));
    let cert = dir.join(format!("{name}.cert.der"));
    let (key_pem, key_der, cert) = (
        key_pem.to_str().unwrap(),
        key_der.to_str().unwrap(),
        cert.to_str().unwrap(),
    );
    let subject = format!("/CN=entra-emulator-selftest-{name}");
    openssl(&[
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key_pem, "-out", cert,
        "-outform", "DER", "-subj", &subject, "-days", "2",
    ]);
    openssl(&[
        "rsa",
        "-in",
        key_pem,
        "-traditional",
        "-outform",
        "DER",
        "-out",
        key_der,
    ]);
    let fingerprint = |digest: &str| {
        let out = openssl(&[
            "x509",
            "-in",
            cert,
            "-inform",
            "DER",
            "-noout",
            "-fingerprint",
            digest,
        ]);
        let hex = out.trim().split_once('=').expect("Fingerprint=AA:BB…").1;
        hex.split(':')
            .map(|byte| u8::from_str_radix(byte, 16).expect("hex"))
            .collect::<Vec<u8>>()
    };
    TestCert {
        der: std::fs::read(cert).unwrap(),
        key_der: std::fs::read(key_der).unwrap(),
        sha1: fingerprint("-sha1"),
        sha256: fingerprint("-sha256"),
    }
}

/// Which key-identifying header an assertion carries.
#[derive(Clone, Copy, Debug)]
pub enum KeyId {
    /// `x5t#S256`, base64url without padding.
    S256,
    /// `x5t`, base64url without padding.
    Sha1,
    /// `x5t` in standard base64 with padding (MSAL Go's encoding).
    Sha1StandardPadded,
    /// `x5t#S256` in standard base64 with padding.
    S256StandardPadded,
    /// Only `x5c` (the leaf, standard base64).
    X5cOnly,
}

/// Signs `claims` with `cert`'s key, naming `id_cert` in the header (normally the same cert).
pub fn sign_with(
    cert: &TestCert,
    id_cert: &TestCert,
    alg: Algorithm,
    id: KeyId,
    claims: &Value,
) -> String {
    let mut header = Header::new(alg);
    match id {
        KeyId::S256 => header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(&id_cert.sha256)),
        KeyId::Sha1 => header.x5t = Some(URL_SAFE_NO_PAD.encode(&id_cert.sha1)),
        KeyId::Sha1StandardPadded => header.x5t = Some(STANDARD.encode(&id_cert.sha1)),
        KeyId::S256StandardPadded => header.x5t_s256 = Some(STANDARD.encode(&id_cert.sha256)),
        KeyId::X5cOnly => header.x5c = Some(vec![STANDARD.encode(&id_cert.der)]),
    }
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&cert.key_der))
        .expect("signing works")
}

pub fn sign(cert: &TestCert, alg: Algorithm, id: KeyId, claims: &Value) -> String {
    sign_with(cert, cert, alg, id, claims)
}

/// Valid assertion claims for `client_id` against `emu`'s token URL, with a fresh `jti`.
pub fn claims(emu: &Emulator, client_id: &str) -> Value {
    let now = jiff::Timestamp::now().as_second();
    let mut jti = [0u8; 16];
    getrandom::fill(&mut jti).unwrap();
    json!({
        "aud": emu.token_url(TENANT_ID),
        "iss": client_id,
        "sub": client_id,
        "jti": URL_SAFE_NO_PAD.encode(jti),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    })
}

/// A client-credentials request authenticated by `assertion`.
pub async fn with_assertion(emu: &Emulator, client_id: &str, assertion: &str) -> Reply {
    send(post_form(
        emu,
        TENANT_ID,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
            ("scope", SCOPE),
        ],
    ))
    .await
}

/// An emulator with `CERT_CLIENT_ID` holding the first test certificate only.
pub fn emulator_with_cert_client() -> Emulator {
    let emu = Emulator::start();
    emu.register_certificate_client(TENANT_ID, CERT_CLIENT_ID, &test_certs()[0].der);
    emu
}
