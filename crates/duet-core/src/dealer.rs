//! An insecure, test-only source of preprocessing.
//!
//! Both parties derive all material from one common seed, so each can
//! reconstruct the other's shares: it offers no privacy at all. It exists
//! to test the online protocols apart from OT, and is compiled only with the
//! non-default `insecure-dealer` feature.

use core::convert::Infallible;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::channel::Channel;
use crate::leaf_ots::leaf_mask;
use crate::preprocessing::{
    AndPairs, AndTriples, BeaverTriples, BitOles, DaBits, LeafOts, Preprocessing,
};
use crate::ring::{random_vec, Ring};
use crate::share::{words_for, Role};

/// Test-only preprocessing from a seed both parties know. **Insecure.**
pub struct InsecureDealer {
    role: Role,
    rng: ChaCha20Rng,
}

impl InsecureDealer {
    /// The dealer for `role`; the peer must use the same `common_seed`.
    pub fn new(role: Role, common_seed: [u8; 32]) -> Self {
        InsecureDealer {
            role,
            rng: ChaCha20Rng::from_seed(common_seed),
        }
    }

    fn words(&mut self, n: usize) -> Vec<u64> {
        (0..n).map(|_| self.rng.next_u64()).collect()
    }

    fn mine<T>(&self, p0: T, p1: T) -> T {
        match self.role {
            Role::P0 => p0,
            Role::P1 => p1,
        }
    }
}

impl Preprocessing for InsecureDealer {
    type Error = Infallible;

    async fn triples<R: Ring, C: Channel>(
        &mut self,
        _channel: &mut C,
        n: usize,
    ) -> Result<BeaverTriples<R>, Infallible> {
        let [a0, a1, b0, b1, c0]: [Vec<R>; 5] =
            core::array::from_fn(|_| random_vec(&mut self.rng, n));
        let c1 = (0..n)
            .map(|i| (a0[i] + a1[i]) * (b0[i] + b1[i]) - c0[i])
            .collect();
        let (a, b, c) = self.mine((a0, b0, c0), (a1, b1, c1));
        Ok(BeaverTriples::from_parts(a, b, c).unwrap_or_else(|_| BeaverTriples::empty()))
    }

    async fn and_triples<C: Channel>(
        &mut self,
        _channel: &mut C,
        words: usize,
    ) -> Result<AndTriples, Infallible> {
        let [a0, a1, b0, b1, c0]: [Vec<u64>; 5] = core::array::from_fn(|_| self.words(words));
        let c1 = (0..words)
            .map(|i| ((a0[i] ^ a1[i]) & (b0[i] ^ b1[i])) ^ c0[i])
            .collect();
        let (a, b, c) = self.mine((a0, b0, c0), (a1, b1, c1));
        Ok(AndTriples::from_parts(a, b, c).unwrap_or_default())
    }

    async fn and_pairs<C: Channel>(
        &mut self,
        _channel: &mut C,
        words: usize,
    ) -> Result<AndPairs, Infallible> {
        let [a0, a1, b0, b1, c0, d0, d1, e0]: [Vec<u64>; 8] =
            core::array::from_fn(|_| self.words(words));
        let and =
            |x: &[u64], y: &[u64], z: &[u64], i: usize| ((a0[i] ^ a1[i]) & (x[i] ^ y[i])) ^ z[i];
        let c1: Vec<u64> = (0..words).map(|i| and(&b0, &b1, &c0, i)).collect();
        let e1: Vec<u64> = (0..words).map(|i| and(&d0, &d1, &e0, i)).collect();
        let ((a, b, c), (d, e)) = self.mine(((a0, b0, c0), (d0, e0)), ((a1, b1, c1), (d1, e1)));
        Ok(AndPairs::from_parts(a, b, c, d, e).unwrap_or_default())
    }

    async fn dabits<R: Ring, C: Channel>(
        &mut self,
        _channel: &mut C,
        n: usize,
    ) -> Result<DaBits<R>, Infallible> {
        let nw = words_for(n);
        let bit_words = self.words(nw);
        let b0 = self.words(nw);
        let s0: Vec<R> = random_vec(&mut self.rng, n);
        let bit = |i: usize| R::from_u64(bit_words[i / 64] >> (i % 64) & 1);
        let s1: Vec<R> = (0..n).map(|i| bit(i) - s0[i]).collect();
        let mut b1: Vec<u64> = b0.iter().zip(&bit_words).map(|(x, r)| x ^ r).collect();
        let mut b0 = b0;
        if !n.is_multiple_of(64) {
            let keep = (1u64 << (n % 64)) - 1;
            for v in [&mut b0, &mut b1] {
                if let Some(last) = v.last_mut() {
                    *last &= keep;
                }
            }
        }
        let (bits, arith) = self.mine((b0, s0), (b1, s1));
        Ok(DaBits::from_parts(bits, arith).unwrap_or_else(|_| DaBits::empty()))
    }

    async fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        _channel: &mut C,
        n: usize,
    ) -> Result<BitOles<R>, Infallible> {
        let bit_bytes = |w: Vec<u64>| -> Vec<u8> {
            (0..n).map(|i| (w[i / 64] >> (i % 64) & 1) as u8).collect()
        };
        let c0 = bit_bytes(self.words(words_for(n)));
        let c1 = bit_bytes(self.words(words_for(n)));
        let [r0, r1, z01, z10]: [Vec<R>; 4] =
            core::array::from_fn(|_| random_vec(&mut self.rng, n));
        // z01 is P0's share of c0 r1, z10 its share of c1 r0; P1 holds the rest.
        let bit = |c: &[u8], i: usize| R::from_u64(u64::from(c[i]));
        let y01: Vec<R> = (0..n).map(|i| bit(&c0, i) * r1[i] - z01[i]).collect();
        let y10: Vec<R> = (0..n).map(|i| bit(&c1, i) * r0[i] - z10[i]).collect();
        let (bits, values, own, peer) = self.mine((c0, r0, z01, z10), (c1, r1, y10, y01));
        Ok(BitOles::from_parts(bits, values, own, peer).unwrap_or_else(|_| BitOles::empty()))
    }

    async fn leaf_ots<C: Channel>(
        &mut self,
        _channel: &mut C,
        n: usize,
    ) -> Result<LeafOts, Infallible> {
        // Direction 0: P0 sends, P1 chooses c1; direction 1 the reverse.
        let masks0: Vec<u32> = (0..n).map(|_| self.rng.next_u32()).collect();
        let masks1: Vec<u32> = (0..n).map(|_| self.rng.next_u32()).collect();
        let mut choose = |masks: &[u32]| -> Vec<u8> {
            masks
                .iter()
                .map(|&m| {
                    let c = (self.rng.next_u32() & 15) as u8;
                    c | leaf_mask(m, c) << 4
                })
                .collect()
        };
        let chosen1 = choose(&masks0);
        let chosen0 = choose(&masks1);
        let (masks, chosen) = self.mine((masks0, chosen0), (masks1, chosen1));
        Ok(LeafOts::from_parts(masks, chosen).unwrap_or_default())
    }
}
