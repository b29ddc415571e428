//! The bit-matrix transpose at the heart of the extension: 128 rows of `m`
//! bits (one per base OT) become `m` rows of 128 bits (one per extended OT).

use rayon::prelude::*;

/// Transposes a 64x64 bit matrix in place (bit `c` of row `r` becomes bit
/// `r` of row `c`; column 0 is the LSB). Same result as
/// `duet_core::bits::transpose64`, written as fixed-stride loops so the
/// compiler vectorizes the wide stages (measured in `benches/ot.rs`).
#[inline]
pub fn transpose64(m: &mut [u64; 64]) {
    stage::<32>(m, 0x0000_0000_ffff_ffff);
    stage::<16>(m, 0x0000_ffff_0000_ffff);
    stage::<8>(m, 0x00ff_00ff_00ff_00ff);
    stage::<4>(m, 0x0f0f_0f0f_0f0f_0f0f);
    stage::<2>(m, 0x3333_3333_3333_3333);
    stage::<1>(m, 0x5555_5555_5555_5555);
}

#[inline(always)]
fn stage<const W: usize>(m: &mut [u64; 64], mask: u64) {
    for base in (0..64).step_by(2 * W) {
        for k in base..base + W {
            let t = ((m[k] >> W) ^ m[k + W]) & mask;
            m[k] ^= t << W;
            m[k + W] ^= t;
        }
    }
}

/// Words of each row in one tile: 1024 extended OTs, 16 KiB of columns.
pub(crate) const TILE_WORDS: usize = 16;

/// A tile of the column matrix: 128 rows of up to [`TILE_WORDS`] words.
pub(crate) type Tile = [[u64; TILE_WORDS]; 128];

/// Transposes the first `width` words of every row of `tile` (of `W`
/// words per row) into `out` (`64 width` values): bit `i` of `out[j]` is
/// bit `j` of row `i`. With AVX-512 and GFNI this is `wide_transpose`;
/// otherwise (and for any words it leaves) the portable swap network.
pub(crate) fn transpose_tile<const W: usize>(
    tile: &[[u64; W]; 128],
    width: usize,
    out: &mut [u128],
) {
    let done = crate::wide_transpose::tile(tile, width, out);
    transpose_tile_portable(tile, done..width, out);
}

/// Words `words` of [`transpose_tile`] with the swap network: the two
/// 64x64 halves side by side, one 128-bit vector per row pair.
fn transpose_tile_portable<const W: usize>(
    tile: &[[u64; W]; 128],
    words: core::ops::Range<usize>,
    out: &mut [u128],
) {
    let mut m = [[0u64; 2]; 64];
    let columns = out.chunks_mut(64).enumerate();
    for (b, cols) in columns.take(words.end).skip(words.start) {
        for (r, pair) in m.iter_mut().enumerate() {
            *pair = [tile[r][b], tile[64 + r][b]];
        }
        transpose64_pair(&mut m);
        for (o, p) in cols.iter_mut().zip(&m) {
            *o = u128::from(p[0]) | u128::from(p[1]) << 64;
        }
    }
}

/// [`transpose64`] of two matrices at once (lane 0 and lane 1).
#[inline]
fn transpose64_pair(m: &mut [[u64; 2]; 64]) {
    stage_pair::<32>(m, 0x0000_0000_ffff_ffff);
    stage_pair::<16>(m, 0x0000_ffff_0000_ffff);
    stage_pair::<8>(m, 0x00ff_00ff_00ff_00ff);
    stage_pair::<4>(m, 0x0f0f_0f0f_0f0f_0f0f);
    stage_pair::<2>(m, 0x3333_3333_3333_3333);
    stage_pair::<1>(m, 0x5555_5555_5555_5555);
}

#[inline(always)]
fn stage_pair<const W: usize>(m: &mut [[u64; 2]; 64], mask: u64) {
    for base in (0..64).step_by(2 * W) {
        for k in base..base + W {
            let (a, b) = (m[k], m[k + W]);
            let t = [((a[0] >> W) ^ b[0]) & mask, ((a[1] >> W) ^ b[1]) & mask];
            m[k] = [a[0] ^ t[0] << W, a[1] ^ t[1] << W];
            m[k + W] = [b[0] ^ t[0], b[1] ^ t[1]];
        }
    }
}

/// Transposes 128 rows of `w` words each (`rows[i * w + b]` holds bits
/// `64b..64b+64` of row `i`) into `64 w` values of 128 bits: bit `i` of
/// `out[j]` is bit `j` of row `i`. `out` must hold `64 w` values.
pub fn transpose_128(rows: &[u64], w: usize, out: &mut [u128]) {
    out.par_chunks_mut(64 * TILE_WORDS)
        .enumerate()
        .for_each(|(g, chunk)| {
            let b0 = g * TILE_WORDS;
            let width = chunk.len().div_ceil(64);
            let mut tile: Tile = [[0u64; TILE_WORDS]; 128];
            for (r, row) in tile.iter_mut().enumerate() {
                let src = rows.get(r * w + b0..r * w + b0 + width).unwrap_or(&[]);
                row[..src.len()].copy_from_slice(src);
            }
            transpose_tile(&tile, width, chunk);
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn matches_duet_core_transpose() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let orig: [u64; 64] = core::array::from_fn(|_| rng.gen());
        let (mut a, mut b) = (orig, orig);
        transpose64(&mut a);
        duet_core::bits::transpose64(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn portable_tile_transpose_matches_definition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let mut tile: Tile = [[0u64; TILE_WORDS]; 128];
        tile.iter_mut().flatten().for_each(|w| *w = rng.gen());
        let mut out = vec![0u128; 64 * TILE_WORDS];
        transpose_tile_portable(&tile, 0..TILE_WORDS, &mut out);
        for (j, &o) in out.iter().enumerate() {
            for (i, row) in tile.iter().enumerate() {
                assert_eq!((o >> i & 1) as u64, row[j / 64] >> (j % 64) & 1);
            }
        }
    }

    #[test]
    fn transpose_128_matches_definition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        for w in [1usize, 3, 17, 40] {
            let rows: Vec<u64> = (0..128 * w).map(|_| rng.gen()).collect();
            let mut out = vec![0u128; 64 * w];
            transpose_128(&rows, w, &mut out);
            for j in 0..64 * w {
                for i in 0..128 {
                    let want = rows[i * w + j / 64] >> (j % 64) & 1;
                    assert_eq!((out[j] >> i & 1) as u64, want, "row {i} col {j}");
                }
            }
        }
    }
}
