//! The one image the emulated registry holds (`hello:v1`): a real OCI image made at start-up
//! (a tar with one file, gzip-wrapped with stored deflate blocks, its config and manifest), so
//! clients that check digests, sizes and diff ids accept it.

use sha2::{Digest as _, Sha256};

/// The repository and tag of the image.
pub const REPOSITORY: &str = "hello";
pub const TAG: &str = "v1";
/// The one file in its layer, and its content.
pub const FILE_NAME: &str = "hello.txt";
pub const FILE_CONTENT: &[u8] = b"hello from the emulated registry\n";

pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// The image's blobs and manifest, by digest.
pub struct Image {
    pub manifest: Vec<u8>,
    pub manifest_digest: String,
    /// `(digest, bytes)`: the config and the layer.
    pub blobs: Vec<(String, Vec<u8>)>,
}

fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A ustar archive with one regular file.
fn tar(name: &str, content: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let mut field =
        |at: usize, text: &str| header[at..at + text.len()].copy_from_slice(text.as_bytes());
    field(100, "0000644\0");
    field(108, "0000000\0");
    field(116, "0000000\0");
    field(124, &format!("{:011o}\0", content.len()));
    field(136, "00000000000\0");
    field(156, "0");
    field(257, "ustar\0");
    field(263, "00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// gzip of `data` with stored (uncompressed) deflate blocks.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = u8::from(chunks.peek().is_none());
        let len = u16::try_from(chunk.len()).expect("chunks of at most 65535 bytes");
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
    out
}

impl Image {
    pub fn build() -> Image {
        let tar = tar(FILE_NAME, FILE_CONTENT);
        let layer = gzip(&tar);
        let config = serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["cat", "/hello.txt"]},
            "rootfs": {"type": "layers", "diff_ids": [digest(&tar)]},
        })
        .to_string()
        .into_bytes();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": digest(&config),
                "size": config.len(),
            },
            "layers": [{
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": digest(&layer),
                "size": layer.len(),
            }],
        })
        .to_string()
        .into_bytes();
        Image {
            manifest_digest: digest(&manifest),
            manifest,
            blobs: vec![(digest(&config), config), (digest(&layer), layer)],
        }
    }

    pub fn blob(&self, wanted: &str) -> Option<&[u8]> {
        self.blobs
            .iter()
            .find(|(d, _)| d == wanted)
            .map(|(_, b)| b.as_slice())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_of_a_known_string() {
        assert_eq!(super::crc32(b"123456789"), 0xcbf4_3926);
    }
}
