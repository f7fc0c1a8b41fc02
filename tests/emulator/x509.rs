//! Registered client certificates: the X.509 DER parsed by hand down to the RSA public key,
//! plus the SHA-1 (`x5t`) and SHA-256 (`x5t#S256`) thumbprints Entra selects keys by.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use sha2::{Digest as _, Sha256};

/// `rsaEncryption`, 1.2.840.113549.1.1.1, as a DER OID body.
const RSA_ENCRYPTION_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// One certificate registered on an app.
#[derive(Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    pub sha1: [u8; 20],
    pub sha256: [u8; 32],
    /// PKCS#1 `RSAPublicKey` DER from the SubjectPublicKeyInfo.
    pub public_key: DecodingKey,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("x5t#S256", &URL_SAFE_NO_PAD.encode(self.sha256))
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Parses an X.509 certificate (DER) holding an RSA key.
    pub fn from_der(der: &[u8]) -> Result<Certificate, String> {
        let public_key = rsa_public_key(der)?;
        Ok(Certificate {
            der: der.to_vec(),
            sha1: sha1(der),
            sha256: Sha256::digest(der).into(),
            public_key: DecodingKey::from_rsa_der(&public_key),
        })
    }

    /// True if `thumbprint` names this certificate: an `x5t#S256` value when `sha256`, else an
    /// `x5t` value; base64url or standard base64, with or without padding.
    pub fn matches(&self, thumbprint: &str, sha256: bool) -> bool {
        match decode_thumbprint(thumbprint) {
            Some(bytes) if sha256 => bytes == self.sha256,
            Some(bytes) => bytes == self.sha1,
            None => false,
        }
    }
}

/// Decodes a thumbprint in either base64 alphabet, padded or not.
pub fn decode_thumbprint(thumbprint: &str) -> Option<Vec<u8>> {
    let normalized: String = thumbprint
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(normalized).ok()
}

/// Uppercase hex, as Entra prints thumbprints in AADSTS700027.
pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Decodes one `x5c` entry (standard base64 DER).
pub fn decode_x5c(entry: &str) -> Option<Vec<u8>> {
    STANDARD.decode(entry.trim()).ok()
}

/// One DER TLV: (tag, contents, rest). Definite lengths only, as DER requires.
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("truncated DER: no tag")?;
    let (&first, rest) = rest.split_first().ok_or("truncated DER: no length")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err("unsupported DER length".to_owned());
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err("truncated DER contents".to_owned());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (found, contents, rest) = tlv(input)?;
    if found == tag {
        Ok((contents, rest))
    } else {
        Err(format!(
            "{what}: expected tag {tag:#04x}, found {found:#04x}"
        ))
    }
}

/// Certificate → tbsCertificate → subjectPublicKeyInfo → BIT STRING → `RSAPublicKey` DER.
fn rsa_public_key(der: &[u8]) -> Result<Vec<u8>, String> {
    const SEQUENCE: u8 = 0x30;
    let (certificate, _) = expect(der, SEQUENCE, "Certificate")?;
    let (tbs, _) = expect(certificate, SEQUENCE, "tbsCertificate")?;
    let mut rest = tbs;
    // [0] EXPLICIT version (optional), serialNumber, signature, issuer, validity, subject.
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    for _ in 0..5 {
        rest = tlv(rest)?.2;
    }
    let (spki, _) = expect(rest, SEQUENCE, "subjectPublicKeyInfo")?;
    let (algorithm, spki_rest) = expect(spki, SEQUENCE, "AlgorithmIdentifier")?;
    let (oid, _) = expect(algorithm, 0x06, "algorithm OID")?;
    if oid != RSA_ENCRYPTION_OID {
        return Err("the certificate's key is not RSA".to_owned());
    }
    let (bits, _) = expect(spki_rest, 0x03, "subjectPublicKey")?;
    match bits.split_first() {
        Some((0, key)) => Ok(key.to_vec()),
        _ => Err("malformed subjectPublicKey BIT STRING".to_owned()),
    }
}

/// SHA-1 (FIPS 180-4), only for `x5t` thumbprints; there is no SHA-1 crate among the dev-dependencies.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    let bit_len = u64::try_from(data.len()).expect("fits") * 8;
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e]) {
            *state = state.wrapping_add(value);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}
