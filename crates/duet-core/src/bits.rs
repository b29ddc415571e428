//! Bit-matrix helpers: a 64x64 transpose and bit-sliced planes of ring
//! vectors, so boolean circuits run on 64 elements per machine word.

use crate::ring::Ring;
use crate::share::words_for;

/// Transposes a 64x64 bit matrix in place: afterwards bit `c` of row `r`
/// is what bit `r` of row `c` was. Rows are words, column 0 is the LSB.
pub fn transpose64(m: &mut [u64; 64]) {
    let mut width = 32;
    let mut mask: u64 = 0x0000_0000_ffff_ffff;
    while width != 0 {
        let mut k = 0;
        while k < 64 {
            // Swap the high `width` columns of row k with the low ones of row k + width.
            let t = ((m[k] >> width) ^ m[k + width]) & mask;
            m[k] ^= t << width;
            m[k + width] ^= t;
            k = (k + width + 1) & !width;
        }
        width >>= 1;
        mask ^= mask << width;
    }
}

/// Bit planes of `n` ring elements: plane `j` (bit `j` of every element) is
/// stored packed at `[j * nw .. (j + 1) * nw]` with `nw = ceil(n / 64)`.
pub(crate) struct Planes {
    pub(crate) nw: usize,
    pub(crate) words: Vec<u64>,
}

impl Planes {
    /// Plane `j`.
    pub(crate) fn plane(&self, j: usize) -> &[u64] {
        &self.words[j * self.nw..(j + 1) * self.nw]
    }
}

/// Bit-slices `values` into `R::BITS` planes.
pub(crate) fn bit_planes<R: Ring>(values: &[R]) -> Planes {
    let nw = words_for(values.len());
    let bits = R::BITS as usize;
    let mut words = vec![0u64; bits * nw];
    let mut block = [0u64; 64];
    for (bw, chunk) in values.chunks(64).enumerate() {
        for wi in 0..R::WORDS {
            block.fill(0);
            for (row, v) in block.iter_mut().zip(chunk) {
                *row = v.word(wi);
            }
            transpose64(&mut block);
            for (j, &w) in block.iter().enumerate() {
                words[(wi * 64 + j) * nw + bw] = w;
            }
        }
    }
    Planes { nw, words }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::{Z128, Z64};
    use rand::{Rng, SeedableRng};

    #[test]
    fn transpose_matches_definition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let orig: [u64; 64] = core::array::from_fn(|_| rng.gen());
        let mut m = orig;
        transpose64(&mut m);
        for r in 0..64 {
            for c in 0..64 {
                assert_eq!(m[r] >> c & 1, orig[c] >> r & 1, "row {r} col {c}");
            }
        }
    }

    #[test]
    fn planes_hold_each_bit() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for n in [0usize, 1, 63, 64, 65, 200] {
            let v64: Vec<Z64> = (0..n).map(|_| Z64(rng.gen())).collect();
            let v128: Vec<Z128> = (0..n).map(|_| Z128(rng.gen())).collect();
            let p64 = bit_planes(&v64);
            let p128 = bit_planes(&v128);
            for i in 0..n {
                for j in 0..128 {
                    let got = p128.plane(j)[i / 64] >> (i % 64) & 1;
                    assert_eq!(got, (v128[i].0 >> j & 1) as u64);
                    if j < 64 {
                        let got = p64.plane(j)[i / 64] >> (i % 64) & 1;
                        assert_eq!(got, v64[i].0 >> j & 1);
                    }
                }
            }
        }
    }
}
