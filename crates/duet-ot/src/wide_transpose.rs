//! The tile transpose on AVX-512 with GFNI, where the CPU has them.
//!
//! Why this module has `unsafe`: the transpose was a sixth of the CPU time
//! of an OT triple on the machine of docs/BENCHMARKS.md, spent in 384
//! shift-and-mask steps per 64 by 64 bits. Here one GFNI affine
//! instruction transposes the 8 by 8 bit blocks of a whole register, and
//! byte shuffles move the blocks into place (see [`tile`] for the steps).
//! Calling the `#[target_feature]` function and the vector loads, gathers
//! and stores need `unsafe`; each use says why it holds. The result is
//! tested against the portable transpose on random tiles of every width.
#![allow(unsafe_code)]

/// Whether [`tile`] runs on this CPU.
#[cfg(target_arch = "x86_64")]
pub(crate) fn available() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("avx512f") && has!("avx512bw") && has!("avx512vbmi") && has!("gfni")
}

/// Whether [`tile`] runs on this CPU: never off x86-64.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn available() -> bool {
    false
}

/// Transposes the first `width` words of every row of `tile` into `out`
/// as `crate::transpose::transpose_tile` does, when [`available`]; returns
/// how many words it did (0 when not available), so the caller finishes
/// the rest.
pub(crate) fn tile<const W: usize>(
    tile: &[[u64; W]; 128],
    width: usize,
    out: &mut [u128],
) -> usize {
    let words = width.min(W).min(out.len() / 64);
    if words == 0 || !available() {
        return 0;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has the features (checked above); `words` is at most
    // `W` and `out` holds 64 values per word.
    unsafe {
        gfni::tile(tile, words, out)
    };
    words
}

#[cfg(target_arch = "x86_64")]
mod gfni {
    use core::arch::x86_64::*;

    /// `BYTES[8c + 7 - s] = 8s + c`: the 8 by 8 byte transpose of each
    /// register's eight words, rows in reverse order within each word (the
    /// order the affine instruction reads a matrix in).
    const BYTES: [u8; 64] = {
        let mut t = [0u8; 64];
        let mut i = 0;
        while i < 64 {
            let (s, c) = (i / 8, i % 8);
            t[8 * c + 7 - s] = (8 * s + c) as u8;
            i += 1;
        }
        t
    };

    /// Each word's bytes `1, 2, 4, .., 128`: the affine instruction with
    /// this operand returns the columns of its matrix operand.
    const UNIT: u64 = 0x8040_2010_0804_0201;

    /// Transposes words `0..words` of each row of `tile` into `out`.
    ///
    /// Per word column `b`: (1) gather the word of 8 rows into a register,
    /// 16 registers for the 128 rows; (2) transpose bytes within each
    /// register, so each word holds one 8 by 8 bit block; (3) transpose
    /// the bits of each block (GFNI); then byte `j` of register `G` is
    /// byte `G` of output `64 b + j`: (4) a 16 by 64 byte transpose across
    /// the 16 registers (four unpack stages), and (5) a 4 by 4 transpose
    /// of 128-bit lanes, so each register holds four consecutive outputs.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX-512BW, AVX-512VBMI and GFNI;
    /// `words <= W` and `out.len() >= 64 * words`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,gfni")]
    pub(super) unsafe fn tile<const W: usize>(
        tile: &[[u64; W]; 128],
        words: usize,
        out: &mut [u128],
    ) {
        let base = tile.as_ptr().cast::<i64>();
        let stride = W as i64;
        let rows8 = _mm512_set_epi64(
            7 * stride,
            6 * stride,
            5 * stride,
            4 * stride,
            3 * stride,
            2 * stride,
            stride,
            0,
        );
        // SAFETY: BYTES is 64 bytes.
        let bytes = unsafe { _mm512_loadu_si512(BYTES.as_ptr().cast()) };
        let unit = _mm512_set1_epi64(UNIT as i64);
        for b in 0..words {
            let mut w = [_mm512_setzero_si512(); 16];
            for (g, reg) in w.iter_mut().enumerate() {
                let first = _mm512_set1_epi64(8 * g as i64 * stride + b as i64);
                // SAFETY: rows 8g..8g+8 (g < 16) and word b < W: every
                // offset is inside the 128 * W words of `tile`.
                let z =
                    unsafe { _mm512_i64gather_epi64::<8>(_mm512_add_epi64(rows8, first), base) };
                let y = _mm512_permutexvar_epi8(bytes, z);
                *reg = _mm512_gf2p8affine_epi64_epi8::<0>(unit, y);
            }
            let r = bytes_16x64(w);
            for q in 0..4 {
                let rev = |u: usize| r[REV4[4 * q + u]];
                let lanes = lanes_4x4([rev(0), rev(1), rev(2), rev(3)]);
                for (l, v) in lanes.into_iter().enumerate() {
                    // Outputs 64b + 16l + 4q .. + 4: in `out` (b < words).
                    let at = 64 * b + 16 * l + 4 * q;
                    if let Some(dst) = out.get_mut(at..at + 4) {
                        // SAFETY: dst is four u128s, 64 bytes.
                        unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), v) };
                    }
                }
            }
        }
    }

    /// Four-bit reversal: after [`bytes_16x64`], register `R`, lane `L`
    /// holds output `16 L + REV4[R]`.
    const REV4: [usize; 16] = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

    /// Unpacks registers `k` and `k + d` (bit `d` of `k` clear) into `k`
    /// (low halves) and `k + d` (high halves).
    macro_rules! pair_stage {
        ($a:expr, $d:expr, $lo:ident, $hi:ident) => {{
            let mut t = $a;
            // A plain counted loop, so it unrolls and every index is a
            // constant (a filtered range kept the registers on the stack).
            for i in 0..8 {
                let k = (i & ($d - 1)) | ((i & !($d - 1)) << 1);
                t[k] = $lo($a[k], $a[k + $d]);
                t[k + $d] = $hi($a[k], $a[k + $d]);
            }
            t
        }};
    }

    /// Byte `j` of register `G` to byte `G` of 128-bit unit `j`; unit
    /// `16 L + p` lands in lane `L` of register `REV4[p]`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn bytes_16x64(w: [__m512i; 16]) -> [__m512i; 16] {
        let a = pair_stage!(w, 1, _mm512_unpacklo_epi8, _mm512_unpackhi_epi8);
        let a = pair_stage!(a, 2, _mm512_unpacklo_epi16, _mm512_unpackhi_epi16);
        let a = pair_stage!(a, 4, _mm512_unpacklo_epi32, _mm512_unpackhi_epi32);
        pair_stage!(a, 8, _mm512_unpacklo_epi64, _mm512_unpackhi_epi64)
    }

    /// Lane `l` of input `u` to lane `u` of output `l`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn lanes_4x4(x: [__m512i; 4]) -> [__m512i; 4] {
        let t0 = _mm512_shuffle_i64x2::<0x44>(x[0], x[1]);
        let t1 = _mm512_shuffle_i64x2::<0xee>(x[0], x[1]);
        let t2 = _mm512_shuffle_i64x2::<0x44>(x[2], x[3]);
        let t3 = _mm512_shuffle_i64x2::<0xee>(x[2], x[3]);
        [
            _mm512_shuffle_i64x2::<0x88>(t0, t2),
            _mm512_shuffle_i64x2::<0xdd>(t0, t2),
            _mm512_shuffle_i64x2::<0x88>(t1, t3),
            _mm512_shuffle_i64x2::<0xdd>(t1, t3),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn matches_the_definition_at_every_width() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut t = [[0u64; 16]; 128];
        for row in t.iter_mut() {
            row.iter_mut().for_each(|w| *w = rng.gen());
        }
        for width in 0..=16 {
            let mut out = vec![0u128; 64 * width];
            let done = tile(&t, width, &mut out);
            assert_eq!(done, if available() { width } else { 0 });
            for (j, &o) in out.iter().enumerate().take(64 * done) {
                for (i, row) in t.iter().enumerate() {
                    let want = row[j / 64] >> (j % 64) & 1;
                    assert_eq!((o >> i & 1) as u64, want, "width {width} row {i} col {j}");
                }
            }
        }
        // An output too short for the width: only whole words are done.
        let mut short = vec![0u128; 64 * 3 + 5];
        assert!(tile(&t, 16, &mut short) <= 3);
    }
}
