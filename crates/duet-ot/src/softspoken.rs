//! SoftSpoken OT extension (Roy, CRYPTO 2022, eprint 2022/192), the
//! semi-honest variant: IKNP's 128 one-bit base correlations replaced by
//! `128 / k` small-field subspace VOLEs with `k` bits each.
//!
//! The 128 columns are cut into blocks of `k` (the last one narrower when
//! `k` does not divide 128). Per block, the extension receiver (the VOLE
//! sender) holds all `2^k` leaves `s_x` of a GGM tree (the private `ggm` module,
//! from `k` base OTs) and the extension sender (the VOLE receiver) all
//! but leaf `Delta_i`, its `k` bits of `delta`. With `r_x = G(s_x)` (the
//! same AES-CTR PRG as IKNP):
//! - the receiver computes `u_i = sum_x r_x` and columns
//!   `v_i[b] = sum_{x : x_b = 1} r_x`, and sends `c_i = u_i ^ r` for its
//!   choice bits `r`: `m` bits per block, `128 / k` bits per OT;
//! - the sender computes `w_i[b] = sum_{x != Delta_i} (x ^ Delta_i)_b r_x
//!   = v_i[b] ^ Delta_i[b] u_i` (the missing leaf has coefficient 0), and
//!   adds `Delta_i[b] c_i`, so `w_i[b] = v_i[b] ^ Delta_i[b] r`.
//!
//! Over all blocks this is IKNP's relation `q_j = t_j ^ r_j delta` on the
//! transposed rows, so everything above the rows (hashing, Gilboa, AND
//! triples, daBits) is unchanged. With `k = 1` each block is one column
//! with leaves `(K^0, K^1)`: IKNP itself, with the seeds' roles swapped.
//!
//! Cost: the receiver expands `2^k` seeds and the sender `2^k - 1` per
//! block, so `2^k / k` PRG calls per column bit against IKNP's 2 (and 1).
//! The sums take two XORs per leaf (a binary counter over the leaves).
//!
//! What each party learns (semi-honest): the sender sees `c_i`, masked by
//! `r_{Delta_i}`, the leaf it lacks, so nothing about `r`; the receiver
//! never sees `delta` (the GGM message is padded by base-OT keys). A
//! malicious receiver could send inconsistent `c_i` and learn bits of
//! `delta`; SoftSpoken's consistency check, which would stop that, is not
//! implemented (duet claims semi-honest security only).

use zeroize::Zeroize;

use crate::base::OtKey;
use crate::error::OtError;
use crate::ggm;
use crate::iknp::{self, u_range, Group, Scratch, GROUP_WORDS, KAPPA, TILE_OTS};
use crate::wide_aes::Encrypt;

/// AES blocks of each leaf's stream in one group (two words each).
const GROUP_BLOCKS: usize = GROUP_WORDS / 2;
use crate::transpose::TILE_WORDS;
use crate::wide_aes::CompactCipher as Cipher;

/// The largest `k` supported: a tree of `2^8` leaves per block, 4096 AES
/// keys per direction. Beyond, the PRG work (`2^k / k` per bit) outgrows
/// the saving in communication.
pub const MAX_K: usize = 8;

/// Checks that `k` is in `1..=`[`MAX_K`].
pub fn check_k(k: usize) -> Result<usize, OtError> {
    if (1..=MAX_K).contains(&k) {
        Ok(k)
    } else {
        Err(OtError::InvalidParameter {
            what: "SoftSpoken k",
            value: k,
            min: 1,
            max: MAX_K,
        })
    }
}

/// The blocks of the 128 columns for `k`: (first column, width).
fn blocks(k: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..KAPPA)
        .step_by(k.max(1))
        .map(move |c| (c, k.max(1).min(KAPPA - c)))
}

/// Rows of the receiver's message `u`: one per block, `ceil(128 / k)`.
pub fn u_rows(k: usize) -> usize {
    KAPPA.div_ceil(k.max(1))
}

/// Bytes of `u` for `w` words of choices.
pub fn u_bytes(k: usize, w: usize) -> usize {
    u_rows(k) * w * 8
}

/// Bytes of the receiver's one-time GGM message (0 for `k = 1`).
pub fn tree_bytes(k: usize) -> usize {
    blocks(k).map(|(_, width)| ggm::message_bytes(width)).sum()
}

/// The extension sender's base-OT choices for its `delta`: the complement
/// of `delta`'s bits, so that its punctured leaf in each block is `delta`'s
/// bits there.
pub fn base_choices(delta: u128) -> Vec<bool> {
    (0..KAPPA).map(|i| delta >> i & 1 == 0).collect()
}

/// One block's leaf keys. The receiver holds leaf `x` at index `x`; the
/// sender leaf `x = y ^ Delta_i` at index `y - 1` (it lacks `y = 0`).
pub(crate) struct Leaves {
    first: usize,
    width: usize,
    ciphers: Vec<Cipher>,
}

/// The trees of all blocks, for one side.
pub(crate) struct Trees {
    blocks: Vec<Leaves>,
}

impl Trees {
    /// Rows of `u` (one per block).
    pub(crate) fn rows(&self) -> usize {
        self.blocks.len()
    }
}

fn key_u128(k: &OtKey) -> u128 {
    u128::from_le_bytes(*k.as_bytes())
}

fn ciphers(leaves: impl Iterator<Item = u128>) -> Vec<Cipher> {
    leaves
        .map(|mut s| {
            let c = Cipher::new(&s.to_le_bytes());
            s.zeroize();
            c
        })
        .collect()
}

/// The extension receiver's setup: from its 128 base-OT key pairs (as
/// base-OT sender), its extension state and the one-time message for the
/// sender ([`tree_bytes`]`(k)` bytes).
pub fn receiver(k: usize, pairs: &[(OtKey, OtKey)]) -> Result<(iknp::Receiver, Vec<u8>), OtError> {
    let k = check_k(k)?;
    check_keys(pairs.len())?;
    let mut msg = Vec::with_capacity(tree_bytes(k));
    let mut out = Vec::new();
    for (first, width) in blocks(k) {
        let part = pairs.get(first..first + width).unwrap_or(&[]);
        let mut keys: Vec<(u128, u128)> = part
            .iter()
            .map(|(a, b)| (key_u128(a), key_u128(b)))
            .collect();
        let mut leaves = ggm::full(&keys, &mut msg);
        keys.zeroize();
        let ciphers = ciphers(leaves.iter().copied());
        leaves.zeroize();
        out.push(Leaves {
            first,
            width,
            ciphers,
        });
    }
    Ok((iknp::Receiver::soft_spoken(Trees { blocks: out }), msg))
}

/// The extension sender's setup: from `delta`, the keys it chose with
/// [`base_choices`]`(delta)` and the receiver's GGM message.
pub fn sender(k: usize, delta: u128, keys: &[OtKey], msg: &[u8]) -> Result<iknp::Sender, OtError> {
    let k = check_k(k)?;
    check_keys(keys.len())?;
    if msg.len() != tree_bytes(k) {
        return Err(OtError::PeerLength {
            step: "SoftSpoken trees",
            kind: crate::kinds::SSOT_TREES,
            expected: tree_bytes(k),
            found: msg.len(),
        });
    }
    let mut choices = base_choices(delta);
    let (mut out, mut at) = (Vec::new(), 0);
    for (first, width) in blocks(k) {
        let mut chosen: Vec<u128> = keys
            .get(first..first + width)
            .unwrap_or(&[])
            .iter()
            .map(key_u128)
            .collect();
        let bits = choices.get(first..first + width).unwrap_or(&[]);
        let len = ggm::message_bytes(width);
        let part = msg.get(at..at + len).unwrap_or(&[]);
        at += len;
        let (mut leaves, p) = ggm::punctured(&chosen, bits, part);
        chosen.zeroize();
        let ys = (1..1usize << width).map(|y| leaves.get(y ^ p).copied().unwrap_or(0));
        let ciphers = ciphers(ys);
        leaves.zeroize();
        out.push(Leaves {
            first,
            width,
            ciphers,
        });
    }
    choices.zeroize();
    Ok(iknp::Sender::soft_spoken(delta, Trees { blocks: out }))
}

fn check_keys(n: usize) -> Result<(), OtError> {
    if n != KAPPA {
        return Err(OtError::LengthMismatch {
            step: "SoftSpoken base-OT keys",
            left: n,
            right: KAPPA,
        });
    }
    Ok(())
}

/// Working memory for one group: the running sums of [`reduce`], over
/// AES blocks (a leaf's stream is summed as it leaves AES; only the `k`
/// columns are split into words).
pub(crate) struct Vole {
    cur: [u128; GROUP_BLOCKS],
    stack: [[u128; GROUP_BLOCKS]; MAX_K],
    cols: [[u128; GROUP_BLOCKS]; MAX_K],
    words: [u64; GROUP_WORDS],
    row: [u64; GROUP_WORDS],
}

impl Vole {
    pub(crate) fn new() -> Box<Self> {
        Box::new(Vole {
            cur: [0; GROUP_BLOCKS],
            stack: [[0; GROUP_BLOCKS]; MAX_K],
            cols: [[0; GROUP_BLOCKS]; MAX_K],
            words: [0; GROUP_WORDS],
            row: [0; GROUP_WORDS],
        })
    }
}

impl Drop for Vole {
    fn drop(&mut self) {
        self.cur.zeroize();
        self.stack.iter_mut().for_each(|s| s.zeroize());
        self.cols.iter_mut().for_each(|s| s.zeroize());
        self.words.zeroize();
        self.row.zeroize();
    }
}

/// Splits blocks into words as the IKNP PRG does: word `2i` is the low
/// half of block `i`; `out` may end on a low half.
fn to_words(blocks: &[u128], out: &mut [u64]) {
    for (pair, &v) in out.chunks_mut(2).zip(blocks) {
        pair[0] = v as u64;
        if let Some(hi) = pair.get_mut(1) {
            *hi = (v >> 64) as u64;
        }
    }
}

fn xor_into<T: Copy + core::ops::BitXorAssign>(dst: &mut [T], src: &[T]) {
    dst.iter_mut().zip(src).for_each(|(d, &s)| *d ^= s);
}

/// Over the `2^width` leaves written by `leaf(y, out)`, sets
/// `cols[b] = sum_{y : y_b = 1} leaf(y)` (first `gw` words) and leaves
/// `sum_y leaf(y)` in `cur` (here `gw` counts the blocks). A binary counter: the node of level `d` and
/// index `z` (the sum of leaves `y` with `y >> d = z`) is added to
/// `cols[d]` when `z` is odd, then to its left sibling, making its parent.
fn reduce(v: &mut Vole, width: usize, gw: usize, mut leaf: impl FnMut(usize, &mut [u128])) {
    for y in 0..1usize << width {
        // A left child waits in the stack as it is: no copy.
        if y & 1 == 0 {
            if let Some(slot) = v.stack.first_mut() {
                leaf(y, &mut slot[..gw]);
            }
            continue;
        }
        leaf(y, &mut v.cur[..gw]);
        let (mut d, mut z) = (0, y);
        while let (Some(col), Some(left)) = (v.cols.get_mut(d), v.stack.get(d)) {
            if z == 1 {
                col[..gw].copy_from_slice(&v.cur[..gw]);
            } else {
                xor_into(&mut col[..gw], &v.cur[..gw]);
            }
            // The parent, z >> 1 on level d + 1: a left child is written
            // to its stack slot directly, a right one climbs on in `cur`.
            if d + 1 < width && (z >> 1) & 1 == 0 {
                let (lo, hi) = v.stack.split_at_mut(d + 1);
                if let (Some(l), Some(p)) = (lo.last(), hi.first_mut()) {
                    p[..gw]
                        .iter_mut()
                        .zip(&l[..gw])
                        .zip(&v.cur[..gw])
                        .for_each(|((p, &a), &b)| *p = a ^ b);
                }
                break;
            }
            xor_into(&mut v.cur[..gw], &left[..gw]);
            if d + 1 == width {
                break;
            }
            (d, z) = (d + 1, z >> 1);
        }
    }
}

/// Writes the `gw` words of column `i` of a group into its tiles.
fn put_column(tiles: &mut Group, gw: usize, i: usize, col: &[u64]) {
    for (tile, part) in tiles
        .iter_mut()
        .zip(col[..gw.min(col.len())].chunks(TILE_WORDS))
    {
        if let Some(row) = tile.get_mut(i) {
            row[..part.len()].copy_from_slice(part);
        }
    }
}

/// Words of tile `j` of a group of `gw` words.
fn tile_span(gw: usize, j: usize) -> core::ops::Range<usize> {
    let start = (j * TILE_OTS / 64).min(gw);
    start..(start + TILE_OTS / 64).min(gw)
}

/// The receiver's work on one group of `gw` words: its columns `v` into
/// `s`'s tiles and its message rows `c_i = u_i ^ r` into `ug`.
pub(crate) fn receiver_group(
    trees: &Trees,
    s: &mut Scratch,
    block: u64,
    choices: &[u64],
    ug: &mut [u8],
    gw: usize,
) {
    let (rows, nb) = (trees.rows(), gw.div_ceil(2));
    let (v, tiles, _) = s.parts();
    for (bi, lv) in trees.blocks.iter().enumerate() {
        reduce(v, lv.width, nb, |x, out| {
            expand(lv.ciphers.get(x), block, out)
        });
        for b in 0..lv.width {
            if let Some(col) = v.cols.get(b) {
                to_words(&col[..nb], &mut v.words[..gw]);
                put_column(tiles, gw, lv.first + b, &v.words[..gw]);
            }
        }
        to_words(&v.cur[..nb], &mut v.words[..gw]);
        for j in 0..gw.div_ceil(TILE_OTS / 64) {
            let span = tile_span(gw, j);
            let u = v.words.get(span.clone()).unwrap_or(&[]);
            let r = choices.get(span).unwrap_or(&[]);
            let out = ug.get_mut(u_range(gw, j, bi, rows)).unwrap_or_default();
            for ((o, &a), &r) in out.chunks_exact_mut(8).zip(u).zip(r) {
                o.copy_from_slice(&(a ^ r).to_le_bytes());
            }
        }
    }
}

/// The sender's work on one group: its columns `w ^ Delta c` into `s`'s
/// tiles, from the receiver's rows `ug` (length checked by the caller).
pub(crate) fn sender_group(
    trees: &Trees,
    delta: u128,
    s: &mut Scratch,
    block: u64,
    ug: &[u8],
    gw: usize,
) {
    let (rows, nb) = (trees.rows(), gw.div_ceil(2));
    let (v, tiles, _) = s.parts();
    for (bi, lv) in trees.blocks.iter().enumerate() {
        reduce(v, lv.width, nb, |y, out| match y.checked_sub(1) {
            Some(i) => expand(lv.ciphers.get(i), block, out),
            None => out.fill(0),
        });
        for j in 0..gw.div_ceil(TILE_OTS / 64) {
            let span = tile_span(gw, j);
            let src = ug.get(u_range(gw, j, bi, rows)).unwrap_or(&[]);
            let dst = v.row.get_mut(span).unwrap_or_default();
            for (d, b) in dst.iter_mut().zip(src.chunks_exact(8)) {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                *d = u64::from_le_bytes(a);
            }
        }
        for b in 0..lv.width {
            let mask = 0u64.wrapping_sub((delta >> (lv.first + b) & 1) as u64);
            if let Some(col) = v.cols.get(b) {
                to_words(&col[..nb], &mut v.words[..gw]);
                for (x, &c) in v.words[..gw].iter_mut().zip(&v.row[..gw]) {
                    *x ^= c & mask;
                }
                put_column(tiles, gw, lv.first + b, &v.words[..gw]);
            }
        }
    }
}

/// Leaf `c`'s AES-CTR stream from block `block` (IKNP's PRG), or zeros.
fn expand(c: Option<&Cipher>, block: u64, out: &mut [u128]) {
    let Some(c) = c else {
        out.fill(0);
        return;
    };
    for (i, o) in out.iter_mut().enumerate() {
        *o = u128::from(block) + i as u128;
    }
    c.encrypt_blocks(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduce_matches_the_definition() {
        let mut v = Vole::new();
        for width in 1..=MAX_K {
            let gw = 3;
            let leaf = |y: usize, out: &mut [u128]| {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = (y as u128 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c) ^ i as u128;
                }
            };
            reduce(&mut v, width, gw, leaf);
            let mut total = [0u128; 3];
            let mut cols = vec![[0u128; 3]; width];
            for y in 0..1usize << width {
                let mut l = [0u128; 3];
                leaf(y, &mut l);
                xor_into(&mut total, &l);
                for (b, c) in cols.iter_mut().enumerate() {
                    if y >> b & 1 == 1 {
                        xor_into(c, &l);
                    }
                }
            }
            assert_eq!(&v.cur[..3], &total, "width {width}");
            for (b, c) in cols.iter().enumerate() {
                assert_eq!(&v.cols[b][..3], c, "width {width} col {b}");
            }
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(
            (u_rows(1), u_rows(2), u_rows(4), u_rows(8)),
            (128, 64, 32, 16)
        );
        assert_eq!((u_rows(3), u_rows(5), u_rows(7)), (43, 26, 19));
        assert_eq!(u_bytes(8, 16), 16 * 16 * 8);
        assert_eq!(tree_bytes(1), 0);
        assert_eq!(tree_bytes(2), 64 * 32);
        assert_eq!(tree_bytes(8), 16 * 7 * 32);
        // k = 3: 42 blocks of 3 and one of 2.
        assert_eq!(tree_bytes(3), 42 * 2 * 32 + 32);
        assert!(check_k(0).is_err() && check_k(9).is_err() && check_k(8).is_ok());
    }
}
