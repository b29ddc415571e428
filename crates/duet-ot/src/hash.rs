//! Fixed-key AES primitives: the correlation-robust hash the extension
//! hashes its rows with, the AES-CTR PRG that stretches base-OT seeds, and
//! the SHA-256 hash they were measured against (see the crate README).

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Block};
use sha2::{Digest, Sha256};

/// Blocks handed to AES at once (the AES-NI backend pipelines 8 at a time).
const CHUNK: usize = 256;

/// AES blocks reused from call to call: hot loops keep one, so no call
/// zeroes a fresh buffer (measured: zeroing a 4 KiB buffer per call for
/// 64 blocks of work took a tenth of a triple's CPU time).
pub struct AesBuf(Box<[Block; CHUNK]>);

impl AesBuf {
    /// A zeroed buffer.
    pub fn new() -> Self {
        AesBuf(Box::new([Block::default(); CHUNK]))
    }
}

impl Default for AesBuf {
    fn default() -> Self {
        Self::new()
    }
}

fn to_block(x: u128) -> Block {
    Block::from(x.to_le_bytes())
}

fn from_block(b: &Block) -> u128 {
    let mut a = [0u8; 16];
    a.copy_from_slice(b);
    u128::from_le_bytes(a)
}

/// The tweakable correlation-robust hash `H(i, x) = pi(pi(x) ^ i) ^ pi(x)`
/// of Guo, Katz, Wang and Yu (TMMO), with `pi` AES-128 under a public key
/// fixed per session.
#[derive(Clone)]
pub struct Tccr {
    pi: Aes128,
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
            pi: Aes128::new(&key.into()),
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
            for (b, &x) in buf.iter_mut().zip(xc) {
                *b = to_block(x);
            }
            self.pi.encrypt_blocks(&mut buf[..len]);
            // out holds pi(x) until the second pass.
            let t0 = tweak.wrapping_add((c * CHUNK) as u128);
            for (i, (o, b)) in oc.iter_mut().zip(buf.iter_mut()).enumerate() {
                *o = from_block(b);
                *b = to_block(*o ^ t0.wrapping_add(i as u128));
            }
            self.pi.encrypt_blocks(&mut buf[..len]);
            for (o, b) in oc.iter_mut().zip(buf.iter()) {
                *o ^= from_block(b);
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
pub(crate) fn prg_blocks<'b>(
    key: &Aes128,
    buf: &'b mut AesBuf,
    start_block: u64,
    blocks: usize,
) -> &'b [Block] {
    let buf = &mut buf.0[..blocks.min(CHUNK)];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = to_block(u128::from(start_block) + i as u128);
    }
    key.encrypt_blocks(buf);
    buf
}

/// Writes AES-CTR output (block counter from `start_block`) under `key`
/// into `out`, two words per block.
pub(crate) fn prg_expand(key: &Aes128, buf: &mut AesBuf, start_block: u64, out: &mut [u64]) {
    let buf = &mut *buf.0;
    for (c, oc) in out.chunks_mut(2 * CHUNK).enumerate() {
        let blocks = oc.len().div_ceil(2);
        let first = u128::from(start_block) + (c * CHUNK) as u128;
        for (i, b) in buf[..blocks].iter_mut().enumerate() {
            *b = to_block(first + i as u128);
        }
        key.encrypt_blocks(&mut buf[..blocks]);
        let mut pairs = oc.chunks_exact_mut(2);
        for (p, b) in (&mut pairs).zip(buf.iter()) {
            let v = from_block(b);
            p[0] = v as u64;
            p[1] = (v >> 64) as u64;
        }
        // An odd length ends with the low half of the last block.
        if let (Some(w), Some(b)) = (pairs.into_remainder().first_mut(), buf.get(blocks - 1)) {
            *w = from_block(b) as u64;
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

    #[test]
    fn prg_is_a_counter_stream() {
        let key = Aes128::new(&[9u8; 16].into());
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
