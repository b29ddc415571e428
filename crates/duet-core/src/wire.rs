//! Byte encodings of ring and bit vectors: little-endian, no per-element
//! overhead, and decoders that accept exactly the expected length.

use crate::ring::Ring;

/// A received vector does not have the length the protocol step expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} bytes, received {found}")]
pub struct WireLengthError {
    /// Bytes the step expects.
    pub expected: usize,
    /// Bytes received.
    pub found: usize,
}

/// Little-endian encoding of a ring vector, `R::BYTES` per element.
pub fn encode_ring<R: Ring>(values: &[R]) -> Vec<u8> {
    let mut out = vec![0u8; values.len() * R::BYTES];
    for (v, chunk) in values.iter().zip(out.chunks_exact_mut(R::BYTES)) {
        v.write_le(chunk);
    }
    out
}

/// Decodes exactly `n` ring elements.
pub fn decode_ring<R: Ring>(bytes: &[u8], n: usize) -> Result<Vec<R>, WireLengthError> {
    let expected = n.saturating_mul(R::BYTES);
    if bytes.len() != expected {
        return Err(WireLengthError {
            expected,
            found: bytes.len(),
        });
    }
    Ok(bytes.chunks_exact(R::BYTES).map(R::read_le).collect())
}

/// Little-endian encoding of packed bit words.
pub fn encode_words(words: &[u64]) -> Vec<u8> {
    let mut out = vec![0u8; words.len() * 8];
    for (w, chunk) in words.iter().zip(out.chunks_exact_mut(8)) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// Decodes exactly `n` packed bit words.
pub fn decode_words(bytes: &[u8], n: usize) -> Result<Vec<u64>, WireLengthError> {
    let expected = n.saturating_mul(8);
    if bytes.len() != expected {
        return Err(WireLengthError {
            expected,
            found: bytes.len(),
        });
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::{Z128, Z64};

    #[test]
    fn roundtrip_and_exact_length() {
        let v = vec![Z128(1), Z128(u128::MAX), Z128(0)];
        let b = encode_ring(&v);
        assert_eq!(b.len(), 48);
        assert_eq!(decode_ring::<Z128>(&b, 3).unwrap(), v);
        assert_eq!(
            decode_ring::<Z128>(&b[..47], 3).unwrap_err(),
            WireLengthError {
                expected: 48,
                found: 47
            }
        );
        assert!(decode_ring::<Z64>(&b, 5).is_err());
        assert_eq!(decode_words(&encode_words(&[7, 9]), 2).unwrap(), vec![7, 9]);
    }
}
