//! Fixed-key AES primitives: the correlation-robust hash the extension
//! hashes its rows with, the AES-CTR PRG that stretches base-OT seeds, and
//! the SHA-256 hash they were measured against (see the crate README).

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::wide_aes::{Cipher, Encrypt};

/// Blocks handed to AES at once.
const CHUNK: usize = 256;

/// AES blocks reused from call to call: hot loops keep one, so no call
/// zeroes a fresh buffer (measured: zeroing a 4 KiB buffer per call for
/// 64 blocks of work took a tenth of a triple's CPU time).
pub struct AesBuf(Box<[u128; CHUNK]>);

impl AesBuf {
    /// A zeroed buffer.
    pub fn new() -> Self {
        AesBuf(Box::new([0; CHUNK]))
    }
}

impl Drop for AesBuf {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Default for AesBuf {
    fn default() -> Self {
        Self::new()
    }
}

/// The tweakable correlation-robust hash `H(i, x) = pi(pi(x) ^ i) ^ pi(x)`
/// of Guo, Katz, Wang and Yu (TMMO), with `pi` AES-128 under a public key
/// fixed per session.
#[derive(Clone)]
pub struct Tccr {
    pi: Cipher,
}

impl Tccr {
    /// The hash for the session `session_id` (the key is public: it is
    /// derived from the session id so sessions use unrelated permutations).
    pub fn new(session_id: &[u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"duet-ot/tccr-key/v1")
            .chain_update(session_id)
            .finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Tccr {
            pi: Cipher::new(&key),
        }
    }

    /// `out[i] = H(tweak + i, xs[i])`; `out` must be as long as `xs`.
    pub fn hash_into(&self, tweak: u128, xs: &[u128], out: &mut [u128]) {
        self.hash_with(&mut AesBuf::new(), tweak, xs, out);
    }

    /// [`Tccr::hash_into`] with a caller's reusable buffer.
    pub fn hash_with(&self, buf: &mut AesBuf, tweak: u128, xs: &[u128], out: &mut [u128]) {
        let buf = &mut *buf.0;
        for (c, (xc, oc)) in xs.chunks(CHUNK).zip(out.chunks_mut(CHUNK)).enumerate() {
            let len = xc.len().min(oc.len());
            let b = &mut buf[..len];
            b.copy_from_slice(&xc[..len]);
            self.pi.encrypt(b);
            // out holds pi(x) until the second pass.
            let t0 = tweak.wrapping_add((c * CHUNK) as u128);
            for (i, (o, x)) in oc.iter_mut().zip(b.iter_mut()).enumerate() {
                *o = *x;
                *x ^= t0.wrapping_add(i as u128);
            }
            self.pi.encrypt(b);
            for (o, x) in oc.iter_mut().zip(b.iter()) {
                *o ^= *x;
            }
        }
    }
}

/// The SHA-256 alternative `H(i, x) = SHA-256(tag || i || x)` truncated to
/// 128 bits; kept for the measurement in the README and its benchmark.
#[derive(Clone, Default)]
pub struct ShaCr;

impl ShaCr {
    /// `out[i] = H(tweak + i, xs[i])`; `out` must be as long as `xs`.
    pub fn hash_into(&self, tweak: u128, xs: &[u128], out: &mut [u128]) {
        for (i, (&x, o)) in xs.iter().zip(out.iter_mut()).enumerate() {
            let d = Sha256::new()
                .chain_update(b"duet-ot/sha-cr/v1")
                .chain_update(tweak.wrapping_add(i as u128).to_le_bytes())
                .chain_update(x.to_le_bytes())
                .finalize();
            let mut a = [0u8; 16];
            a.copy_from_slice(&d[..16]);
            *o = u128::from_le_bytes(a);
        }
    }
}

/// `blocks` (at most 256) blocks of AES-CTR output under `key` from block
/// `start_block`, left in `buf`.
fn prg_blocks<'b>(
    key: &impl Encrypt,
    buf: &'b mut AesBuf,
    start_block: u64,
    blocks: usize,
) -> &'b [u128] {
    let buf = &mut buf.0[..blocks.min(CHUNK)];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = u128::from(start_block) + i as u128;
    }
    key.encrypt_blocks(buf);
    buf
}

/// Writes AES-CTR output (block counter from `start_block`) under `key`
/// into `out`, two words per block.
pub(crate) fn prg_expand(key: &impl Encrypt, buf: &mut AesBuf, start_block: u64, out: &mut [u64]) {
    for (c, oc) in out.chunks_mut(2 * CHUNK).enumerate() {
        let first = start_block + (c * CHUNK) as u64;
        let blocks = prg_blocks(key, buf, first, oc.len().div_ceil(2));
        for (pair, &v) in oc.chunks_mut(2).zip(blocks) {
            pair[0] = v as u64;
            // An odd length ends with the low half of the last block.
            if let Some(hi) = pair.get_mut(1) {
                *hi = (v >> 64) as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tccr_is_deterministic_tweaked_and_session_bound() {
        let h = Tccr::new(&[1; 32]);
        let xs = [5u128, 5, 7];
        let mut a = [0u128; 3];
        h.hash_into(10, &xs, &mut a);
        let mut b = [0u128; 1];
        h.hash_into(11, &xs[1..2], &mut b);
        assert_eq!(a[1], b[0], "same tweak and input, same output");
        assert_ne!(a[0], a[1], "different tweaks, different outputs");
        let mut c = [0u128; 3];
        Tccr::new(&[2; 32]).hash_into(10, &xs, &mut c);
        assert_ne!(a, c);
        // Long inputs cross chunk boundaries with the right tweaks.
        let long: Vec<u128> = (0..100).collect();
        let mut out = vec![0u128; 100];
        h.hash_into(3, &long, &mut out);
        let mut one = [0u128; 1];
        h.hash_into(3 + 77, &long[77..78], &mut one);
        assert_eq!(out[77], one[0]);
    }

    /// The benchmark's SHA-256 hash: the first 16 bytes of SHA-256 over
    /// the tag, the tweaked index and the input, as documented.
    #[test]
    fn sha_cr_is_truncated_sha256_of_tag_index_and_input() {
        let xs = [5u128, 6];
        let mut out = [0u128; 2];
        ShaCr.hash_into(10, &xs, &mut out);
        for (i, (&x, &o)) in xs.iter().zip(&out).enumerate() {
            let mut msg = b"duet-ot/sha-cr/v1".to_vec();
            msg.extend_from_slice(&(10u128 + i as u128).to_le_bytes());
            msg.extend_from_slice(&x.to_le_bytes());
            let d = Sha256::digest(&msg);
            let want = u128::from_le_bytes(d[..16].try_into().unwrap());
            assert_eq!(o, want);
        }
        assert_ne!(out[0], 0);
    }

    /// Over several chunks and an odd tail, word `2i` and `2i + 1` are the
    /// low and high halves of AES(start + i), each block encrypted alone:
    /// a chunk that restarted or skipped the counter would repeat or leave
    /// out pad.
    #[test]
    fn prg_is_aes_ctr_across_chunks() {
        let key = Cipher::new(&[3u8; 16]);
        let buf = &mut AesBuf::new();
        let start = 1000u64;
        let mut out = vec![0u64; 2 * CHUNK * 3 + 3];
        prg_expand(&key, buf, start, &mut out);
        for (w, &got) in out.iter().enumerate() {
            let mut block = [u128::from(start) + (w / 2) as u128];
            key.encrypt_blocks(&mut block);
            let want = if w % 2 == 0 {
                block[0] as u64
            } else {
                (block[0] >> 64) as u64
            };
            assert_eq!(got, want, "word {w}");
        }
    }

    #[test]
    fn prg_is_a_counter_stream() {
        let key = Cipher::new(&[9u8; 16]);
        let buf = &mut AesBuf::new();
        let mut all = vec![0u64; 10];
        prg_expand(&key, buf, 4, &mut all);
        let mut tail = vec![0u64; 4];
        prg_expand(&key, buf, 7, &mut tail);
        assert_eq!(&all[6..10], &tail[..]);
        let mut odd = vec![0u64; 3];
        prg_expand(&key, buf, 4, &mut odd);
        assert_eq!(&all[..3], &odd[..]);
        assert_ne!(all[0], all[1]);
    }
}
