//! IKNP OT extension (semi-honest, Ishai-Kilian-Nissim-Petrank 2003, in the
//! correlated-OT form of Asharov-Lindell-Schneider-Zohner 2013).
//!
//! 128 base OTs run with the roles reversed: the extension sender picks a
//! secret `delta` and learns one seed `k_i^{delta_i}` per column; the
//! extension receiver learns both seeds `k_i^0, k_i^1`. To extend to `m`
//! OTs with choice bits `r`, the receiver expands the seeds with AES-CTR
//! into columns `t_i = G(k_i^0)` and sends `u_i = t_i ^ G(k_i^1) ^ r`; the
//! sender computes `q_i = G(k_i^{delta_i}) ^ delta_i u_i = t_i ^ delta_i r`.
//! After transposing, row `j` satisfies `q_j = t_j ^ r_j delta`: a
//! correlated OT with correlation `delta`, turned into independent
//! messages `H(j, q_j)`, `H(j, q_j ^ delta)` by the hash of [`crate::hash`].
//!
//! What each party learns: the sender sees `u_i`, each masked by the
//! pseudorandom `G(k_i^{1 - delta_i})` it does not know, so nothing about
//! `r`; the receiver knows `t_j` only, and `q_j ^ delta` for the message it
//! did not choose would need `delta`, hidden by the base OTs.

use aes::cipher::KeyInit;
use aes::Aes128;
use rayon::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use crate::base::OtKey;
use crate::hash::prg_expand;
use crate::transpose::transpose_128;

/// Number of base OTs, the computational security parameter.
pub const KAPPA: usize = 128;

fn cipher(key: &OtKey) -> Aes128 {
    Aes128::new(key.as_bytes().into())
}

/// The extension sender: holds `delta` and one seed per column.
pub struct Sender {
    delta: u128,
    seeds: Vec<Aes128>,
    next_block: u64,
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.delta.zeroize();
    }
}

/// The extension receiver: holds both seeds of every column.
pub struct Receiver {
    seeds: Vec<(Aes128, Aes128)>,
    next_block: u64,
}

impl Sender {
    /// From `delta` and the base-OT keys it chose (key `i` for bit `i` of delta).
    pub fn new(delta: u128, keys: &[OtKey]) -> Self {
        Sender {
            delta,
            seeds: keys.iter().map(cipher).collect(),
            next_block: 0,
        }
    }

    /// The correlation `delta` (secret).
    pub(crate) fn delta(&self) -> u128 {
        self.delta
    }

    /// From the receiver's `u` (128 columns of `w` words, column-major)
    /// the rows `q_j`, `64 w` of them. `u.len()` must be `128 w`.
    pub fn extend(&mut self, u: &[u64], w: usize) -> Zeroizing<Vec<u128>> {
        let mut cols = Zeroizing::new(vec![0u64; KAPPA * w]);
        let start = self.next_block;
        let delta = self.delta;
        cols.par_chunks_mut(w.max(1))
            .zip(u.par_chunks(w.max(1)))
            .zip(&self.seeds)
            .enumerate()
            .for_each(|(i, ((col, ui), seed))| {
                prg_expand(seed, start, col);
                let mask = 0u64.wrapping_sub((delta >> i & 1) as u64);
                for (c, &x) in col.iter_mut().zip(ui) {
                    *c ^= x & mask;
                }
            });
        self.next_block += w.div_ceil(2) as u64;
        let mut q = Zeroizing::new(vec![0u128; 64 * w]);
        transpose_128(&cols, w, &mut q);
        q
    }
}

impl Receiver {
    /// From the base-OT key pairs (pair `i` for column `i`).
    pub fn new(pairs: &[(OtKey, OtKey)]) -> Self {
        Receiver {
            seeds: pairs.iter().map(|(a, b)| (cipher(a), cipher(b))).collect(),
            next_block: 0,
        }
    }

    /// For packed choice bits (`64 w` of them) returns the message `u`
    /// (128 columns of `w` words) and the rows `t_j`.
    pub fn extend(&mut self, choices: &[u64]) -> (Vec<u64>, Zeroizing<Vec<u128>>) {
        let w = choices.len();
        let mut t_cols = Zeroizing::new(vec![0u64; KAPPA * w]);
        let mut u = vec![0u64; KAPPA * w];
        let start = self.next_block;
        t_cols
            .par_chunks_mut(w.max(1))
            .zip(u.par_chunks_mut(w.max(1)))
            .zip(&self.seeds)
            .for_each(|((t, ui), (s0, s1))| {
                prg_expand(s0, start, t);
                prg_expand(s1, start, ui);
                for ((x, &tv), &r) in ui.iter_mut().zip(t.iter()).zip(choices) {
                    *x ^= tv ^ r;
                }
            });
        self.next_block += w.div_ceil(2) as u64;
        let mut t = Zeroizing::new(vec![0u128; 64 * w]);
        transpose_128(&t_cols, w, &mut t);
        (u, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Base OTs done "ideally" (keys handed over directly): tests the extension alone.
    pub(crate) fn ideal_pair(seed: u64) -> (Sender, Receiver) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let delta: u128 = rng.gen();
        let pairs: Vec<(OtKey, OtKey)> = (0..KAPPA)
            .map(|_| (OtKey(rng.gen()), OtKey(rng.gen())))
            .collect();
        let chosen: Vec<OtKey> = pairs
            .iter()
            .enumerate()
            .map(|(i, (a, b))| {
                if delta >> i & 1 == 1 {
                    b.clone()
                } else {
                    a.clone()
                }
            })
            .collect();
        (Sender::new(delta, &chosen), Receiver::new(&pairs))
    }

    #[test]
    fn rows_are_correlated_by_delta() {
        let (mut s, mut r) = ideal_pair(1);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for w in [1usize, 2, 5, 0, 33] {
            let choices: Vec<u64> = (0..w).map(|_| rng.gen()).collect();
            let (u, t) = r.extend(&choices);
            let q = s.extend(&u, w);
            assert_eq!((q.len(), t.len()), (64 * w, 64 * w));
            for j in 0..64 * w {
                let bit = choices[j / 64] >> (j % 64) & 1 == 1;
                let want = if bit { q[j] ^ s.delta() } else { q[j] };
                assert_eq!(t[j], want, "row {j} of batch width {w}");
            }
        }
    }
}
