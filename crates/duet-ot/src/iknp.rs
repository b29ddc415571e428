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
//!
//! The tiles, the wire layout of `u`, the transpose and the rows are shared
//! with SoftSpoken ([`crate::softspoken`]): a [`Sender`] or [`Receiver`]
//! holds either IKNP's seeds or SoftSpoken's trees, and only the step that
//! fills a group's 128 columns differs.

use rayon::prelude::*;
use zeroize::Zeroize;

use crate::base::OtKey;
use crate::hash::{prg_expand, AesBuf};
use crate::softspoken::{self, Trees, Vole};
use crate::transpose::{transpose_tile, Tile, TILE_WORDS};
use crate::wide_aes::Cipher;

/// Number of base OTs, the computational security parameter.
pub const KAPPA: usize = 128;

/// Extended OTs per tile: the unit of the wire layout.
pub const TILE_OTS: usize = 64 * TILE_WORDS;

/// Tiles per group: the unit of parallel work. A group expands each seed
/// over 32 AES blocks at once; a tile alone gives 8 per key, which ran at
/// half the speed per block (key loads and call overhead per 8 blocks).
const GROUP_TILES: usize = 4;

/// Words of each column in one group.
pub(crate) const GROUP_WORDS: usize = GROUP_TILES * TILE_WORDS;

/// Extended OTs per group, the unit of parallel work.
pub const GROUP_OTS: usize = 64 * GROUP_WORDS;

/// A group of the column matrix, as its tiles: kept apart (rows of 128
/// bytes) because gathering a word from each of 128 rows 512 bytes apart
/// maps them all to a few L1 sets (measured: the transpose ran 1.5x slower).
pub(crate) type Group = [Tile; GROUP_TILES];

/// Working memory of one parallel task, reused from group to group: a
/// fresh group would zero 64 KiB of tiles and 64 KiB of rows (measured:
/// zeroing and copying took a tenth of a triple's CPU time).
pub(crate) struct Scratch {
    tiles: Box<Group>,
    /// The rows of the group last computed.
    pub(crate) rows: Box<[u128; GROUP_OTS]>,
    /// Reusable AES blocks, also for the caller's hashing.
    pub(crate) aes: AesBuf,
    /// SoftSpoken's running sums (unused by IKNP).
    vole: Box<Vole>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Once per parallel task, not per group: cheap.
        self.tiles
            .iter_mut()
            .flatten()
            .for_each(|row| row.zeroize());
        self.rows.zeroize();
    }
}

impl Scratch {
    pub(crate) fn new() -> Self {
        Scratch {
            tiles: Box::new([[[0u64; TILE_WORDS]; KAPPA]; GROUP_TILES]),
            rows: Box::new([0u128; GROUP_OTS]),
            aes: AesBuf::new(),
            vole: Vole::new(),
        }
    }

    /// The parts SoftSpoken's column work borrows at once.
    pub(crate) fn parts(&mut self) -> (&mut Vole, &mut Group, &mut AesBuf) {
        (&mut self.vole, &mut self.tiles, &mut self.aes)
    }
}

/// Transposes the tiles of a group of `gw` words into `out`.
fn transpose_group(tiles: &Group, gw: usize, out: &mut [u128]) {
    for (j, (tile, o)) in tiles.iter().zip(out.chunks_mut(TILE_OTS)).enumerate() {
        transpose_tile(tile, tile_width(gw, j), o);
    }
}

/// Bytes of the receiver's message `u` for `w` words of choices. On the
/// wire `u` is tile-major: for each tile of up to 16 words, the 128
/// columns' words for that tile, little-endian. (SoftSpoken's `u` has
/// the same layout with one row per block: [`softspoken::u_bytes`].)
pub fn u_bytes(w: usize) -> usize {
    KAPPA * w * 8
}

fn cipher(key: &OtKey) -> Cipher {
    Cipher::new(key.as_bytes())
}

/// Words in tile `c` of a batch (or group) of `w` words.
fn tile_width(w: usize, c: usize) -> usize {
    w.saturating_sub(c * TILE_WORDS).min(TILE_WORDS)
}

/// The part of a group's `u` (`ug`) holding row `i` of its tile `j`,
/// for a group of `gw` words and `rows` rows of `u` (128 for IKNP):
/// tiles are laid out one after the other, each row-major with its own width.
pub(crate) fn u_range(gw: usize, j: usize, i: usize, rows: usize) -> core::ops::Range<usize> {
    let cw = tile_width(gw, j);
    let start = j * rows * TILE_WORDS * 8 + i * cw * 8;
    start..start + cw * 8
}

/// Where the columns come from: IKNP's one seed (pair) per column, or
/// SoftSpoken's trees of seeds per block of columns.
enum Seeds<T> {
    Iknp(Vec<T>),
    SoftSpoken(Trees),
}

impl<T> Seeds<T> {
    /// Rows of the receiver's message `u`.
    fn u_rows(&self) -> usize {
        match self {
            Seeds::Iknp(_) => KAPPA,
            Seeds::SoftSpoken(t) => t.rows(),
        }
    }
}

/// The extension sender: holds `delta` and, per column, the seed it chose
/// (IKNP) or, per block, all leaves but one (SoftSpoken).
pub struct Sender {
    delta: u128,
    seeds: Seeds<Cipher>,
    next_block: u64,
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.delta.zeroize();
    }
}

/// The extension receiver: holds both seeds of every column (IKNP) or
/// all leaves of every block (SoftSpoken).
pub struct Receiver {
    seeds: Seeds<(Cipher, Cipher)>,
    next_block: u64,
}

/// The sender's rows `q_j` of one batch, computed tile by tile on demand
/// (so they stay in cache for the hashing that follows).
pub struct Rows<'a> {
    sender: &'a Sender,
    start: u64,
    u: &'a [u8],
    w: usize,
}

impl Sender {
    /// From `delta` and the base-OT keys it chose (key `i` for bit `i` of delta).
    pub fn new(delta: u128, keys: &[OtKey]) -> Self {
        Sender {
            delta,
            seeds: Seeds::Iknp(keys.iter().map(cipher).collect()),
            next_block: 0,
        }
    }

    /// SoftSpoken's sender (see [`softspoken::sender`]).
    pub(crate) fn soft_spoken(delta: u128, trees: Trees) -> Self {
        Sender {
            delta,
            seeds: Seeds::SoftSpoken(trees),
            next_block: 0,
        }
    }

    /// Bytes of the receiver's `u` this sender expects for `w` words.
    pub fn u_len(&self, w: usize) -> usize {
        self.seeds.u_rows() * w * 8
    }

    /// Takes the receiver's `u` for `w` words of choices (its length must
    /// be [`Sender::u_len`]`(w)`, checked by the caller) and returns the batch's rows.
    pub fn extend<'a>(&'a mut self, u: &'a [u8], w: usize) -> Rows<'a> {
        let start = self.next_block;
        self.next_block += w.div_ceil(2) as u64;
        Rows {
            sender: self,
            start,
            u,
            w,
        }
    }
}

impl Rows<'_> {
    /// The sender's correlation `delta` (secret).
    pub(crate) fn delta(&self) -> u128 {
        self.sender.delta
    }

    /// Computes the rows of group `g` into `s.rows` and returns how many
    /// there are (`64 x` the group's width).
    pub(crate) fn group_with(&self, s: &mut Scratch, g_idx: usize) -> usize {
        let gw = self.w.saturating_sub(g_idx * GROUP_WORDS).min(GROUP_WORDS);
        let rows = self.sender.seeds.u_rows();
        let first = g_idx * rows * GROUP_WORDS * 8;
        let ug = self.u.get(first..first + rows * gw * 8).unwrap_or(&[]);
        let block = self.start + (g_idx * GROUP_WORDS / 2) as u64;
        match &self.sender.seeds {
            Seeds::Iknp(seeds) => self.iknp_columns(seeds, s, block, ug, gw),
            Seeds::SoftSpoken(t) => {
                softspoken::sender_group(t, self.sender.delta, s, block, ug, gw)
            }
        }
        transpose_group(&s.tiles, gw, &mut s.rows[..64 * gw]);
        64 * gw
    }

    /// IKNP's columns `q_i = G(k_i^{delta_i}) ^ delta_i u_i` into `s`'s tiles.
    fn iknp_columns(&self, seeds: &[Cipher], s: &mut Scratch, block: u64, ug: &[u8], gw: usize) {
        let mut g = [0u64; GROUP_WORDS];
        for (i, seed) in seeds.iter().enumerate() {
            prg_expand(seed, &mut s.aes, block, &mut g[..gw]);
            let mask = 0u64.wrapping_sub((self.sender.delta >> i & 1) as u64);
            for (j, (part, tile)) in g[..gw]
                .chunks(TILE_WORDS)
                .zip(s.tiles.iter_mut())
                .enumerate()
            {
                let ui = ug.get(u_range(gw, j, i, KAPPA)).unwrap_or(&[]);
                let row = &mut tile[i];
                for ((x, &p), b) in row.iter_mut().zip(part).zip(ui.chunks_exact(8)) {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    *x = p ^ (u64::from_le_bytes(a) & mask);
                }
            }
        }
    }

    /// All rows of the batch at once (`64 w` of them).
    pub fn collect(&self) -> Vec<u128> {
        let mut q = vec![0u128; 64 * self.w];
        q.par_chunks_mut(GROUP_OTS)
            .enumerate()
            .for_each_init(Scratch::new, |s, (g, out)| {
                let n = self.group_with(s, g);
                out.copy_from_slice(&s.rows[..n]);
            });
        q
    }
}

impl Receiver {
    /// From the base-OT key pairs (pair `i` for column `i`).
    pub fn new(pairs: &[(OtKey, OtKey)]) -> Self {
        Receiver {
            seeds: Seeds::Iknp(pairs.iter().map(|(a, b)| (cipher(a), cipher(b))).collect()),
            next_block: 0,
        }
    }

    /// SoftSpoken's receiver (see [`softspoken::receiver`]).
    pub(crate) fn soft_spoken(trees: Trees) -> Self {
        Receiver {
            seeds: Seeds::SoftSpoken(trees),
            next_block: 0,
        }
    }

    /// Bytes of the message `u` for `w` words of choices.
    pub fn u_len(&self, w: usize) -> usize {
        self.seeds.u_rows() * w * 8
    }

    /// For packed choice bits (`64 w` of them) returns the message `u` and
    /// leaves the rows `t_j` in `t` (resized to `64 w`; pass a reused buffer).
    pub fn extend(&mut self, choices: &[u64], t: &mut Vec<u128>) -> Vec<u8> {
        self.extend_into(choices, t, Vec::new())
    }

    /// [`Receiver::extend`] writing `u` into `spare` (any old contents,
    /// e.g. the peer's last `u`), which saves zero-filling a fresh buffer.
    pub fn extend_into(&mut self, choices: &[u64], t: &mut Vec<u128>, spare: Vec<u8>) -> Vec<u8> {
        let w = choices.len();
        // Every row and byte is overwritten: only growth needs a fill.
        if t.len() != 64 * w {
            t.clear();
            t.resize(64 * w, 0);
        }
        self.extend_map(choices, spare, t, GROUP_OTS, |_, rows, tg, _| {
            tg.copy_from_slice(rows)
        })
    }

    /// [`Receiver::extend_into`] keeping no rows: each group's rows go to
    /// `f` while they are in cache, with the group's index, its part of
    /// `out` (`per` items per group) and AES blocks to hash with. `out`
    /// must have exactly one part per group of `choices`.
    pub(crate) fn extend_map<T: Send>(
        &mut self,
        choices: &[u64],
        spare: Vec<u8>,
        out: &mut [T],
        per: usize,
        f: impl Fn(usize, &[u128], &mut [T], &mut AesBuf) + Sync,
    ) -> Vec<u8> {
        let w = choices.len();
        debug_assert_eq!(out.len().div_ceil(per), w.div_ceil(GROUP_WORDS));
        let mut u = spare;
        u.resize(self.u_len(w), 0);
        let rows = self.seeds.u_rows();
        let start = self.next_block;
        self.next_block += w.div_ceil(2) as u64;
        u.par_chunks_mut(rows * GROUP_WORDS * 8)
            .zip(out.par_chunks_mut(per))
            .enumerate()
            .for_each_init(Scratch::new, |s, (g, (ug, oc))| {
                let block = start + (g * GROUP_WORDS / 2) as u64;
                let ch = choices.get(g * GROUP_WORDS..).unwrap_or(&[]);
                let gw = ug.len() / (rows * 8);
                self.group(s, block, ch, ug);
                f(g, &s.rows[..64 * gw], oc, &mut s.aes);
            });
        u
    }

    /// One group: writes its part of `u` and returns its rows (in `s.rows`).
    fn group<'s>(
        &self,
        s: &'s mut Scratch,
        block: u64,
        choices: &[u64],
        ug: &mut [u8],
    ) -> &'s [u128] {
        let gw = ug.len() / (self.seeds.u_rows() * 8);
        match &self.seeds {
            Seeds::Iknp(seeds) => iknp_receiver_columns(seeds, s, block, choices, ug, gw),
            Seeds::SoftSpoken(t) => softspoken::receiver_group(t, s, block, choices, ug, gw),
        }
        let rows = &mut s.rows[..64 * gw];
        transpose_group(&s.tiles, gw, rows);
        rows
    }
}

/// IKNP's receiver columns `t_i = G(k_i^0)` into `s`'s tiles and
/// `u_i = t_i ^ G(k_i^1) ^ r` into `ug`.
fn iknp_receiver_columns(
    seeds: &[(Cipher, Cipher)],
    s: &mut Scratch,
    block: u64,
    choices: &[u64],
    ug: &mut [u8],
    gw: usize,
) {
    let (mut g0, mut g1) = ([0u64; GROUP_WORDS], [0u64; GROUP_WORDS]);
    for (i, (s0, s1)) in seeds.iter().enumerate() {
        prg_expand(s0, &mut s.aes, block, &mut g0[..gw]);
        prg_expand(s1, &mut s.aes, block, &mut g1[..gw]);
        let parts = g0[..gw].chunks(TILE_WORDS).zip(g1[..gw].chunks(TILE_WORDS));
        for (j, ((a, b), tile)) in parts.zip(s.tiles.iter_mut()).enumerate() {
            for (x, &v) in tile[i].iter_mut().zip(a) {
                *x = v;
            }
            let ui = ug.get_mut(u_range(gw, j, i, KAPPA)).unwrap_or_default();
            let r = choices.get(j * TILE_WORDS..).unwrap_or(&[]);
            for (((o, &a), &b), &r) in ui.chunks_exact_mut(8).zip(a).zip(b).zip(r) {
                o.copy_from_slice(&(a ^ b ^ r).to_le_bytes());
            }
        }
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
        for w in [1usize, 2, 5, 0, 33, 16, 17] {
            let choices: Vec<u64> = (0..w).map(|_| rng.gen()).collect();
            let mut t = Vec::new();
            let u = r.extend(&choices, &mut t);
            assert_eq!(u.len(), u_bytes(w));
            let q = s.extend(&u, w).collect();
            assert_eq!((q.len(), t.len()), (64 * w, 64 * w));
            for j in 0..64 * w {
                let bit = choices[j / 64] >> (j % 64) & 1 == 1;
                let want = if bit { q[j] ^ s.delta } else { q[j] };
                assert_eq!(t[j], want, "row {j} of batch width {w}");
            }
        }
    }
}
