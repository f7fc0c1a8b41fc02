//! Certificate fixtures for the certificate-credential tests, made at test time with the
//! `openssl` CLI (OpenSSL 3.0 or later) in a temporary directory: nothing secret is committed.
//!
//! `generate()` makes a fresh set (about 0.2 to 0.5 s: four RSA-2048 keys in parallel, then a
//! dozen short `openssl` runs); `shared()` makes one set per test process and hands it out.

// A harness for several test modules: not every module uses every accessor.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tempfile::TempDir;

/// The subject (and, for the self-signed certificates, issuer) common name.
pub const SUBJECT_CN: &str = "entra-auth-cli-test-app";
/// The password of `modern.pfx` and `legacy.pfx` (`modern-nopass.pfx` has an empty one).
pub const PFX_PASSWORD: &str = "pfx-pass";
/// `expired.pem`'s validity window (long past).
pub const EXPIRED_NOT_BEFORE: &str = "20200101000000Z";
pub const EXPIRED_NOT_AFTER: &str = "20210101000000Z";
/// `future.pem`'s validity window (not yet started).
pub const FUTURE_NOT_BEFORE: &str = "20990101000000Z";
pub const FUTURE_NOT_AFTER: &str = "21000101000000Z";

/// The files, all in `dir`:
///
/// | file | content |
/// |---|---|
/// | `key.pem` | RSA-2048 private key, PKCS#8, unencrypted (`BEGIN PRIVATE KEY`) |
/// | `cert.pem` | self-signed certificate for `key.pem`, valid from now for 365 days |
/// | `combined.pem` | `cert.pem` then `key.pem` in one file |
/// | `cert.der` | `cert.pem` in DER |
/// | `cert-only.pem` | a copy of `cert.pem` (a certificate file without any key) |
/// | `modern.pfx` | cert + key, OpenSSL 3 default PKCS#12 (PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC), password `pfx-pass` |
/// | `modern-nopass.pfx` | the same with an empty password |
/// | `legacy.pfx` | cert + key, `-legacy` (RC2-40 certificate bag, 3DES key bag, SHA-1 MAC), password `pfx-pass` |
/// | `expired.pem` + `expired-key.pem` | self-signed, valid 2020-01-01 to 2021-01-01 only |
/// | `future.pem` + `future-key.pem` | self-signed, valid 2099-01-01 to 2100-01-01 only |
/// | `other-key.pem` | a second RSA-2048 PKCS#8 key that matches none of the certificates |
///
/// `ca/` holds the throwaway `openssl ca` database used to set explicit dates.
pub struct CertFixtures {
    pub dir: TempDir,
    cert_der: Vec<u8>,
    sha1: Vec<u8>,
    sha256: Vec<u8>,
}

/// One set of fixtures for the whole test process, made on first use under the target dir's
/// test tmp dir. Statics are never dropped, so the directory outlives the process; sets older
/// than an hour (from earlier runs) are removed when a new one is made.
pub fn shared() -> &'static CertFixtures {
    static SHARED: OnceLock<CertFixtures> = OnceLock::new();
    SHARED.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_stale(root, SHARED_PREFIX, Duration::from_secs(3600));
        CertFixtures::generate_in(
            tempfile::Builder::new()
                .prefix(SHARED_PREFIX)
                .tempdir_in(root)
                .expect("temp dir for shared cert fixtures"),
        )
    })
}

const SHARED_PREFIX: &str = "cert-fixtures-";

/// Best effort: removes `root/<prefix>*` directories not modified for `age`.
fn remove_stale(root: &Path, prefix: &str, age: Duration) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        if old && entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl CertFixtures {
    /// A fresh set in a new temporary directory (removed when the value is dropped).
    pub fn generate() -> CertFixtures {
        Self::generate_in(
            tempfile::Builder::new()
                .prefix("cert-fixtures-")
                .tempdir()
                .expect("temp dir for cert fixtures"),
        )
    }

    fn generate_in(dir: TempDir) -> CertFixtures {
        let d = dir.path();
        let subj = format!("/CN={SUBJECT_CN}");

        // RSA key generation dominates; run the four in parallel.
        let keys = [
            "key.pem",
            "other-key.pem",
            "expired-key.pem",
            "future-key.pem",
        ];
        let children: Vec<_> = keys
            .iter()
            .map(|key| {
                openssl_cmd(d)
                    .args(["genpkey", "-quiet", "-algorithm", "RSA"])
                    .args(["-pkeyopt", "rsa_keygen_bits:2048", "-out", key])
                    .spawn()
                    .unwrap_or_else(|e| panic!("{}", no_openssl(&e)))
            })
            .collect();
        for (key, child) in keys.iter().zip(children) {
            let output = child.wait_with_output().expect("wait for openssl genpkey");
            check(&output, &format!("openssl genpkey -out {key}"));
        }

        openssl(
            d,
            &[
                "req", "-x509", "-new", "-key", "key.pem", "-subj", &subj, "-days", "365",
                "-sha256", "-out", "cert.pem",
            ],
        );
        openssl(
            d,
            &[
                "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
            ],
        );
        let cert_pem = read(d, "cert.pem");
        let key_pem = read(d, "key.pem");
        std::fs::write(
            d.join("combined.pem"),
            [&cert_pem[..], &key_pem[..]].concat(),
        )
        .expect("write combined.pem");
        std::fs::write(d.join("cert-only.pem"), &cert_pem).expect("write cert-only.pem");

        let pass = format!("pass:{PFX_PASSWORD}");
        let export = ["pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem"];
        let name = ["-name", SUBJECT_CN];
        openssl(
            d,
            &[
                &export[..],
                &name,
                &["-passout", &pass, "-out", "modern.pfx"],
            ]
            .concat(),
        );
        openssl(
            d,
            &[
                &export[..],
                &name,
                &["-passout", "pass:", "-out", "modern-nopass.pfx"],
            ]
            .concat(),
        );
        openssl(
            d,
            &[
                &export[..],
                &name,
                &["-legacy", "-passout", &pass, "-out", "legacy.pfx"],
            ]
            .concat(),
        );

        // OpenSSL 3.0's `req`/`x509` have no -not_before/-not_after (added in 3.4) and reject
        // negative -days, but `openssl ca -selfsign` takes explicit -startdate/-enddate.
        let ca = d.join("ca");
        std::fs::create_dir(&ca).expect("create ca dir");
        std::fs::write(ca.join("index.txt"), "").expect("write ca/index.txt");
        std::fs::write(ca.join("serial.txt"), "01\n").expect("write ca/serial.txt");
        std::fs::write(ca.join("ca.cnf"), CA_CONFIG).expect("write ca/ca.cnf");
        for (stem, start, end) in [
            ("expired", EXPIRED_NOT_BEFORE, EXPIRED_NOT_AFTER),
            ("future", FUTURE_NOT_BEFORE, FUTURE_NOT_AFTER),
        ] {
            let key = format!("{stem}-key.pem");
            let csr = format!("ca/{stem}.csr");
            let out = format!("{stem}.pem");
            openssl(
                d,
                &["req", "-new", "-key", &key, "-subj", &subj, "-out", &csr],
            );
            openssl(
                d,
                &[
                    "ca",
                    "-batch",
                    "-config",
                    "ca/ca.cnf",
                    "-selfsign",
                    "-keyfile",
                    &key,
                    "-in",
                    &csr,
                    "-startdate",
                    start,
                    "-enddate",
                    end,
                    "-notext",
                    "-out",
                    &out,
                ],
            );
        }

        let cert_der = std::fs::read(d.join("cert.der")).expect("read cert.der");
        let sha1 = openssl(d, &["dgst", "-sha1", "-binary", "cert.der"]).stdout;
        let sha256 = openssl(d, &["dgst", "-sha256", "-binary", "cert.der"]).stdout;
        assert_eq!((sha1.len(), sha256.len()), (20, 32), "openssl dgst -binary");
        CertFixtures {
            dir,
            cert_der,
            sha1,
            sha256,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn key_pem(&self) -> PathBuf {
        self.path("key.pem")
    }
    pub fn cert_pem(&self) -> PathBuf {
        self.path("cert.pem")
    }
    pub fn combined_pem(&self) -> PathBuf {
        self.path("combined.pem")
    }
    pub fn cert_der_path(&self) -> PathBuf {
        self.path("cert.der")
    }
    pub fn cert_only_pem(&self) -> PathBuf {
        self.path("cert-only.pem")
    }
    pub fn modern_pfx(&self) -> PathBuf {
        self.path("modern.pfx")
    }
    pub fn modern_nopass_pfx(&self) -> PathBuf {
        self.path("modern-nopass.pfx")
    }
    pub fn legacy_pfx(&self) -> PathBuf {
        self.path("legacy.pfx")
    }
    pub fn expired_pem(&self) -> PathBuf {
        self.path("expired.pem")
    }
    pub fn expired_key_pem(&self) -> PathBuf {
        self.path("expired-key.pem")
    }
    pub fn future_pem(&self) -> PathBuf {
        self.path("future.pem")
    }
    pub fn future_key_pem(&self) -> PathBuf {
        self.path("future-key.pem")
    }
    pub fn other_key_pem(&self) -> PathBuf {
        self.path("other-key.pem")
    }

    /// `cert.pem`'s DER bytes.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }
    /// base64url (no padding) of SHA-256 over `cert.der`: the `x5t#S256` header value.
    pub fn sha256_thumbprint_b64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.sha256)
    }
    /// base64url (no padding) of SHA-1 over `cert.der`: the `x5t` header value.
    pub fn sha1_thumbprint_b64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.sha1)
    }
    /// Upper-case hex SHA-1 over `cert.der`, as the Azure portal shows a certificate thumbprint.
    pub fn sha1_thumbprint_hex(&self) -> String {
        self.sha1.iter().map(|b| format!("{b:02X}")).collect()
    }
}

const CA_CONFIG: &str = "\
[ca]
default_ca = selfsign
[selfsign]
database = ca/index.txt
serial = ca/serial.txt
new_certs_dir = ca
default_md = sha256
policy = any_cn
unique_subject = no
x509_extensions = leaf
[any_cn]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
subjectKeyIdentifier = hash
";

fn openssl_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("openssl");
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn no_openssl(e: &std::io::Error) -> String {
    format!(
        "cannot run `openssl` ({e}); install it (Debian: apt-get install openssl, as .ci/run does)"
    )
}

/// Runs `openssl <args>` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) -> Output {
    let output = openssl_cmd(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}", no_openssl(&e)));
    check(&output, &format!("openssl {}", args.join(" ")));
    output
}

fn check(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn run(dir: &Path, args: &[&str]) -> Output {
        openssl_cmd(dir).args(args).output().expect("run openssl")
    }

    fn text(output: &Output) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    fn public_key(dir: &Path, args: &[&str]) -> String {
        String::from_utf8(openssl(dir, args).stdout).unwrap()
    }

    #[test]
    fn certs_fixtures_are_complete_and_have_the_promised_properties() {
        let started = std::time::Instant::now();
        let fx = CertFixtures::generate();
        let took = started.elapsed();
        eprintln!("cert fixtures generated in {took:?}");
        assert!(took.as_secs() < 10, "generation took {took:?}");
        let d = fx.dir.path();

        for name in [
            "key.pem",
            "cert.pem",
            "combined.pem",
            "cert.der",
            "cert-only.pem",
            "modern.pfx",
            "modern-nopass.pfx",
            "legacy.pfx",
            "expired.pem",
            "expired-key.pem",
            "future.pem",
            "future-key.pem",
            "other-key.pem",
        ] {
            let len = std::fs::metadata(d.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .len();
            assert!(len > 0, "{name} is empty");
        }

        // PKCS#8, unencrypted; combined = cert + key; cert-only has no key.
        let key = String::from_utf8(read(d, "key.pem")).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "{key}");
        let combined = String::from_utf8(read(d, "combined.pem")).unwrap();
        assert!(combined.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(combined.contains("-----BEGIN PRIVATE KEY-----"));
        let cert_only = String::from_utf8(read(d, "cert-only.pem")).unwrap();
        assert!(cert_only.contains("-----BEGIN CERTIFICATE-----"));
        assert!(!cert_only.contains("PRIVATE KEY"));

        // Subject, and key.pem matches cert.pem while other-key.pem does not.
        let subject = text(&openssl(
            d,
            &["x509", "-in", "cert.pem", "-noout", "-subject"],
        ));
        assert!(subject.contains(SUBJECT_CN), "{subject}");
        let cert_pub = public_key(d, &["x509", "-in", "cert.pem", "-noout", "-pubkey"]);
        let key_pub = public_key(d, &["pkey", "-in", "key.pem", "-pubout"]);
        let other_pub = public_key(d, &["pkey", "-in", "other-key.pem", "-pubout"]);
        assert_eq!(cert_pub, key_pub);
        assert_ne!(cert_pub, other_pub);
        let expired_pub = public_key(d, &["x509", "-in", "expired.pem", "-noout", "-pubkey"]);
        let expired_key_pub = public_key(d, &["pkey", "-in", "expired-key.pem", "-pubout"]);
        assert_eq!(expired_pub, expired_key_pub);

        // cert.pem is valid now and for about a year: not expiring within 364 days, but within 366.
        let checkend = |file: &str, secs: u64| {
            run(
                d,
                &[
                    "x509",
                    "-in",
                    file,
                    "-noout",
                    "-checkend",
                    &secs.to_string(),
                ],
            )
            .status
            .success()
        };
        assert!(checkend("cert.pem", 0));
        assert!(checkend("cert.pem", 364 * 86_400));
        assert!(!checkend("cert.pem", 366 * 86_400));

        // expired.pem: notAfter in the past; future.pem: notBefore in the future.
        let dates = |file: &str| text(&openssl(d, &["x509", "-in", file, "-noout", "-dates"]));
        let expired_dates = dates("expired.pem");
        let future_dates = dates("future.pem");
        eprintln!("expired.pem: {expired_dates}future.pem: {future_dates}");
        assert!(expired_dates.contains("notAfter=Jan  1 00:00:00 2021 GMT"));
        assert!(future_dates.contains("notBefore=Jan  1 00:00:00 2099 GMT"));
        assert!(
            !checkend("expired.pem", 0),
            "expired.pem is past its notAfter"
        );
        let verify = |file: &str| text(&run(d, &["verify", "-CAfile", file, file]));
        assert!(verify("cert.pem").contains("OK"), "{}", verify("cert.pem"));
        assert!(verify("expired.pem").contains("certificate has expired"));
        assert!(verify("future.pem").contains("certificate is not yet valid"));

        // PKCS#12: the modern ones read with OpenSSL 3 defaults; legacy.pfx only with -legacy.
        let pass = format!("pass:{PFX_PASSWORD}");
        let pkcs12 = |file: &str, pass: &str, legacy: bool| {
            let mut args = vec!["pkcs12", "-in", file, "-passin", pass, "-info", "-nokeys"];
            if legacy {
                args.push("-legacy");
            }
            run(d, &args)
        };
        let modern = pkcs12("modern.pfx", &pass, false);
        assert!(modern.status.success(), "{}", text(&modern));
        assert!(text(&modern).contains("AES-256-CBC"), "{}", text(&modern));
        assert!(!pkcs12("modern.pfx", "pass:wrong", false).status.success());
        let nopass = pkcs12("modern-nopass.pfx", "pass:", false);
        assert!(nopass.status.success(), "{}", text(&nopass));
        assert!(!pkcs12("legacy.pfx", &pass, false).status.success());
        let legacy = pkcs12("legacy.pfx", &pass, true);
        assert!(legacy.status.success(), "{}", text(&legacy));
        assert!(text(&legacy).contains("RC2"), "{}", text(&legacy));

        // DER and thumbprints agree with an independent computation.
        assert_eq!(fx.cert_der(), &read(d, "cert.der")[..]);
        assert_eq!(fx.cert_der()[0], 0x30, "DER SEQUENCE");
        let sha256 = Sha256::digest(fx.cert_der());
        assert_eq!(
            fx.sha256_thumbprint_b64url(),
            URL_SAFE_NO_PAD.encode(sha256)
        );
        assert_eq!(fx.sha256_thumbprint_b64url().len(), 43);
        assert_eq!(fx.sha1_thumbprint_b64url().len(), 27);
        // "SHA1 Fingerprint=8F:8F:…" (the label's case varies between OpenSSL versions).
        let fingerprint = text(&openssl(
            d,
            &["x509", "-in", "cert.pem", "-noout", "-fingerprint", "-sha1"],
        ));
        let hex = fingerprint
            .trim()
            .rsplit('=')
            .next()
            .unwrap()
            .replace(':', "");
        assert_eq!(hex, fx.sha1_thumbprint_hex(), "{fingerprint}");
        assert_eq!(fx.sha1_thumbprint_hex().len(), 40);
    }

    #[test]
    fn certs_shared_fixtures_are_made_once() {
        let a = shared();
        let b = shared();
        assert!(std::ptr::eq(a, b));
        assert!(a.cert_pem().is_file());
    }
}
