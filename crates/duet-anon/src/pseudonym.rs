//! Keyed pseudonymisation with HMAC-SHA256 (RFC 2104, FIPS 198-1): the same
//! key maps a value to the same pseudonym, and without the key the mapping
//! cannot be recomputed or inverted by guessing values.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{AnonError, Result};

/// Smallest key accepted from a file: 32 bytes, the HMAC-SHA256 output size.
pub const MIN_KEY_BYTES: usize = 32;

/// An HMAC-SHA256 key. Zeroized on drop; `Debug` never shows it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct HmacKey {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

impl HmacKey {
    /// Wraps raw key bytes (any length, as HMAC allows; RFC 4231 uses short
    /// keys). Prefer [`HmacKey::from_file`] in production.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// Reads a key file holding hex digits (surrounding whitespace ignored),
    /// at least [`MIN_KEY_BYTES`] bytes once decoded. The file's content never
    /// appears in an error.
    pub fn from_file(path: &Path) -> Result<Self> {
        let mut text = std::fs::read(path).map_err(|e| AnonError::io(path, "read", e))?;
        let decoded = decode_hex(trim_ascii(&text));
        text.zeroize();
        let bytes = decoded.ok_or_else(|| key_error(path, "expected hex digits only"))?;
        if bytes.len() < MIN_KEY_BYTES {
            let mut bytes = bytes;
            bytes.zeroize();
            return Err(key_error(path, "key shorter than 32 bytes (64 hex digits)"));
        }
        Ok(Self { bytes })
    }

    /// HMAC-SHA256 of `data` under this key.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        // new_from_slice accepts every key length for HMAC; the fallback is unreachable.
        match Hmac::<Sha256>::new_from_slice(&self.bytes) {
            Ok(mut m) => {
                m.update(data);
                m.finalize().into_bytes().into()
            }
            Err(_) => [0; 32],
        }
    }

    /// The pseudonym of `value`: lowercase hex of its HMAC, cut to
    /// `hex_len` digits (at most 64; 32 digits keep 128 bits).
    pub fn pseudonym(&self, value: &str, hex_len: usize) -> String {
        let mut hex = encode_hex(&self.mac(value.as_bytes()));
        hex.truncate(hex_len.min(64));
        hex
    }
}

fn key_error(path: &Path, reason: &'static str) -> AnonError {
    AnonError::Key {
        path: path.into(),
        reason,
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or(&[])
}

/// Decodes hex (either case); `None` on odd length or a non-hex byte.
pub fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.chunks_exact(2)
        .map(|p| match p {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

/// Lowercase hex of `bytes`.
pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = HmacKey::from_bytes(b"very secret key".to_vec());
        assert_eq!(format!("{key:?}"), "HmacKey(<redacted>)");
    }

    #[test]
    fn key_file_rules() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.hex");
        std::fs::write(&good, format!("  {}\n", "ab".repeat(32))).unwrap();
        let key = HmacKey::from_file(&good).unwrap();
        assert_eq!(
            key.pseudonym("x", 64),
            HmacKey::from_bytes(vec![0xab; 32]).pseudonym("x", 64)
        );
        let short = dir.path().join("short.hex");
        std::fs::write(&short, "abcd").unwrap();
        let err = HmacKey::from_file(&short).unwrap_err();
        assert!(matches!(err, AnonError::Key { .. }));
        assert!(!err.to_string().contains("abcd"));
        let bad = dir.path().join("bad.hex");
        std::fs::write(&bad, "zz".repeat(40)).unwrap();
        assert!(HmacKey::from_file(&bad)
            .unwrap_err()
            .to_string()
            .contains("hex digits only"));
    }

    #[test]
    fn pseudonyms_are_deterministic_and_key_dependent() {
        let a = HmacKey::from_bytes(vec![1; 32]);
        let b = HmacKey::from_bytes(vec![2; 32]);
        assert_eq!(a.pseudonym("alice", 32), a.pseudonym("alice", 32));
        assert_eq!(a.pseudonym("alice", 32).len(), 32);
        assert_ne!(a.pseudonym("alice", 32), a.pseudonym("bob", 32));
        assert_ne!(a.pseudonym("alice", 32), b.pseudonym("alice", 32));
    }
}
