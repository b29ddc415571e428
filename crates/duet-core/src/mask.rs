//! Input masks: AES-128 in counter mode under a fresh key per frame.
//!
//! [`crate::Engine::share_input`] sends `x - r` for uniform `r`. The `r` of
//! one frame are the keystream of AES-128-CTR under a 128-bit key drawn
//! from the engine's ChaCha20 PRG (counter from 0; the key is never reused).
//! With AES a pseudorandom permutation, the masks are indistinguishable
//! from uniform: a frame uses at most 2^17 blocks, so the PRP/PRF switch
//! costs at most 2^34 / 2^129 per frame. With AES-NI this runs at about
//! 6 GB/s on the 2-core Xeon of docs/BENCHMARKS.md, against about 1.4 GB/s
//! for ChaCha20.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Block};
use rand_core::RngCore;
use zeroize::Zeroize;

use crate::ring::Ring;

/// Blocks encrypted per call: AES-NI works 8 at a time, and 32 blocks
/// (512 bytes) stay in L1 beside the values being masked.
const BLOCKS: usize = 32;

/// The keystream of one frame's masks.
pub(crate) struct MaskStream {
    cipher: Aes128,
    counter: u128,
    blocks: [Block; BLOCKS],
    bytes: [u8; BLOCKS * 16],
}

impl MaskStream {
    /// A stream under a fresh key from `prg`.
    pub(crate) fn new<G: RngCore + ?Sized>(prg: &mut G) -> MaskStream {
        let mut key = [0u8; 16];
        prg.fill_bytes(&mut key);
        let cipher = Aes128::new(GenericArray::from_slice(&key));
        key.zeroize();
        MaskStream {
            cipher,
            counter: 0,
            blocks: [Block::default(); BLOCKS],
            bytes: [0; BLOCKS * 16],
        }
    }

    /// The next `BLOCKS` keystream blocks, as bytes.
    fn refill(&mut self) -> &[u8; BLOCKS * 16] {
        for b in &mut self.blocks {
            b.copy_from_slice(&self.counter.to_le_bytes());
            self.counter = self.counter.wrapping_add(1);
        }
        self.cipher.encrypt_blocks(&mut self.blocks);
        for (out, b) in self.bytes.chunks_exact_mut(16).zip(&self.blocks) {
            out.copy_from_slice(b);
        }
        &self.bytes
    }

    /// Masks `xs`: appends each mask `r` to `masks` and `x - r` (little
    /// endian, `R::BYTES` each) to `frame`. Works through stack buffers
    /// of one keystream refill, so neither output is zero-filled first.
    pub(crate) fn mask_into<R: Ring>(&mut self, xs: &[R], masks: &mut Vec<R>, frame: &mut Vec<u8>) {
        let per = BLOCKS * 16 / R::BYTES;
        let mut rs = [R::ZERO; BLOCKS * 2];
        let mut out = [0u8; BLOCKS * 16];
        for xs in xs.chunks(per) {
            let ks = self.refill().chunks_exact(R::BYTES);
            let outs = out.chunks_exact_mut(R::BYTES);
            for (((&x, r), k), o) in xs.iter().zip(rs.iter_mut()).zip(ks).zip(outs) {
                *r = R::read_le(k);
                (x - *r).write_le(o);
            }
            masks.extend_from_slice(rs.get(..xs.len()).unwrap_or_default());
            frame.extend_from_slice(out.get(..xs.len() * R::BYTES).unwrap_or_default());
        }
        rs.zeroize();
    }
}

impl Drop for MaskStream {
    fn drop(&mut self) {
        for b in &mut self.blocks {
            b.as_mut_slice().zeroize();
        }
        self.bytes.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::{Z128, Z64};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// The masks are AES-128 under the PRG's next 16 bytes on counter
    /// blocks: block i is AES_k(i as a 128-bit little-endian integer).
    #[test]
    fn masks_are_aes_ctr_under_a_key_from_the_prg() {
        let mut prg = ChaCha20Rng::seed_from_u64(7);
        let mut key = [0u8; 16];
        prg.clone().fill_bytes(&mut key);
        let aes = Aes128::new(GenericArray::from_slice(&key));
        let xs: Vec<Z64> = (0..100).map(Z64).collect();
        let (mut masks, mut frame) = (Vec::new(), Vec::new());
        MaskStream::new(&mut prg).mask_into(&xs, &mut masks, &mut frame);
        assert_eq!((masks.len(), frame.len()), (100, 800));
        for (i, (&x, &r)) in xs.iter().zip(&masks).enumerate() {
            let mut b = Block::clone_from_slice(&((i / 2) as u128).to_le_bytes());
            aes.encrypt_block(&mut b);
            let want = Z64::read_le(&b[(i % 2) * 8..]);
            assert_eq!(r, want, "mask {i}");
            assert_eq!(Z64::read_le(&frame[i * 8..]), x - r);
        }
    }

    #[test]
    fn z128_masks_reconstruct_and_empty_is_empty() {
        let mut prg = ChaCha20Rng::seed_from_u64(8);
        let xs: Vec<Z128> = (0..77).map(|i| Z128(u128::MAX - i)).collect();
        let (mut masks, mut frame) = (Vec::new(), Vec::new());
        MaskStream::new(&mut prg).mask_into(&xs, &mut masks, &mut frame);
        assert_eq!(frame.len(), 77 * 16);
        for (i, (&x, &r)) in xs.iter().zip(&masks).enumerate() {
            assert_eq!(Z128::read_le(&frame[i * 16..]) + r, x);
        }
        assert_eq!(masks.len(), 77);
        let mut none: Vec<Z64> = Vec::new();
        let mut bytes = Vec::new();
        MaskStream::new(&mut prg).mask_into(&[], &mut none, &mut bytes);
        assert!(none.is_empty() && bytes.is_empty());
    }
}
