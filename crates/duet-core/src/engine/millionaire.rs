//! The carry out of `a + b` over the low `m` bits, where one party holds
//! `a` and the other `b` (the millionaires' problem inside every
//! comparison), after CrypTFlow2 (Rathee et al., CCS 2020).
//!
//! The `m` bits are cut into 4-bit blocks, the leaves. For each leaf one
//! party, the sender, holds its block `s` and the other, the receiver, its
//! block `u`; through one random 1-out-of-16 OT
//! ([`crate::preprocessing::LeafOts`]) they end with XOR shares of the
//! block's generate bit `[s + u >= 2^w]` and propagate bit
//! `[s + u = 2^w - 1]` (`w` the block's width). A tree of AND gates then
//! combines them as in a carry-lookahead adder
//! ([`Engine::combine_segments`]). For m = 63: 16 leaves and 26 AND gates
//! (4 on AND triples, 22 on 11 pairs of triples sharing their first
//! input), where one AND gate per bit and a tree over the bits took 187.
//!
//! Leaf `j` of element `i` uses pair `i * pairs + j / 2`: P0 sends the
//! even leaves, P1 the odd ones, so both directions carry the same load.
//! Two rounds: each receiver sends `d = u ^ c` (its block masked by the
//! pair's random choice `c`, 4 bits); each sender sends, for every `u'` in
//! 0..16, the pair for `u'` masked by its random share `r` and by the mask
//! `M_(u' ^ d)` (2 bits each, 4 bytes per leaf). The receiver unmasks its
//! own entry with `M_c`.
//!
//! What each party learns: `d` is uniform (a one-time `c`); of each table
//! the receiver can unmask only its own entry (the other 15 masks are
//! unknown to it), and that entry is padded by the sender's `r`. Neither
//! learns anything about the other's blocks or the result.

use rand_core::RngCore;
use zeroize::Zeroize;

use super::Engine;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::leaf_ots::{leaf_mask, LEAF_VALUES};
use crate::preprocessing::{LeafOts, Preprocessing};
use crate::ring::Ring;
use crate::share::{words_for, Role};

/// Bits per leaf.
const LEAF_BITS: usize = 4;

/// Leaves for `m` bits.
pub(crate) fn leaves(m: usize) -> usize {
    m.div_ceil(LEAF_BITS)
}

/// Leaf-OT pairs per element for `m` bits (a pair serves one leaf each way).
pub(crate) fn leaf_pairs(m: usize) -> usize {
    leaves(m).div_ceil(2)
}

/// Width of leaf `j` of `m` bits.
fn width(j: usize, m: usize) -> usize {
    LEAF_BITS.min(m - j * LEAF_BITS)
}

/// Block `j` (bits `4j..`, below `m`) of `v`.
fn block<R: Ring>(v: R, j: usize, m: usize) -> u8 {
    let lo = j * LEAF_BITS;
    let word = v.word(lo / 64) >> (lo % 64);
    (word & ((1 << width(j, m)) - 1)) as u8
}

/// Generate (bit 0) and propagate (bit 1) of two `w`-bit blocks.
fn generate_propagate(s: u8, u: u8, w: usize) -> u8 {
    let (sum, full) = (u16::from(s) + u16::from(u), 1u16 << w);
    u8::from(sum >= full) | u8::from(sum == full - 1) << 1
}

/// The 16 entries for a sender's block `s` of `w` bits, entry `u` (the
/// receiver's block) at bits `2u..2u + 2`.
fn leaf_table(s: u8, w: usize) -> u32 {
    (0..LEAF_VALUES as u8).fold(0, |acc, u| {
        acc | u32::from(generate_propagate(s, u, w)) << (2 * u32::from(u))
    })
}

/// Packed 2-bit entries with entry `u` moved to `u ^ d` (a swap of
/// neighbours per bit of `d`, without branches on the secret `d`).
fn xor_permute(mut m: u32, d: u8) -> u32 {
    const KEEP: [u32; 4] = [0x3333_3333, 0x0f0f_0f0f, 0x00ff_00ff, 0x0000_ffff];
    for (b, &k) in KEEP.iter().enumerate() {
        let shift = 2 << b;
        let swapped = (m & k) << shift | (m >> shift) & k;
        let take = 0u32.wrapping_sub(u32::from(d >> b & 1));
        m = (swapped & take) | (m & !take);
    }
    m
}

/// Whether `role` sends leaf `j`.
fn sends(role: Role, j: usize) -> bool {
    j.is_multiple_of(2) == (role == Role::P0)
}

/// Packs 4-bit values two to a byte, the first in the low half.
fn pack_nibbles(v: &[u8]) -> Vec<u8> {
    v.chunks(2)
        .map(|c| (c[0] & 15) | c.get(1).map_or(0, |h| (h & 15) << 4))
        .collect()
}

/// The `k`-th 4-bit value of a packed frame.
fn nibble(frame: &[u8], k: usize) -> u8 {
    frame.get(k / 2).map_or(0, |b| b >> (4 * (k % 2)) & 15)
}

/// One party's operands of a carry: its values, the width and leaf-OT
/// pairs per element.
struct Leaves<'a, R: Ring> {
    own: &'a [R],
    m: usize,
    lp: usize,
}

impl<R: Ring> Leaves<'_, R> {
    /// This party's tables for the leaves it sends (4 bytes each): entry
    /// `u` is `T(u) ^ r ^ M_(u ^ d)`, `r` its random share (written to
    /// `shares`) and `d` the peer's masked choice.
    fn tables(
        &self,
        sent: &[usize],
        peer_d: &[u8],
        masks: &[u32],
        r: &[u8],
        shares: &mut [u8],
    ) -> Vec<u8> {
        let (m, lp, l) = (self.m, self.lp, leaves(self.m));
        // Every sender table, by width and block, computed once.
        let tables: Vec<[u32; LEAF_VALUES]> = (0..=LEAF_BITS)
            .map(|w| core::array::from_fn(|s| leaf_table(s as u8, w)))
            .collect();
        let mut out = Vec::with_capacity(self.own.len() * sent.len() * 4);
        for (i, &v) in self.own.iter().enumerate() {
            for (t, &j) in sent.iter().enumerate() {
                let k = i * sent.len() + t;
                let (dk, rk, w) = (nibble(peer_d, k), r[k] & 3, width(j, m));
                let (s, mk) = (block(v, j, m), masks[i * lp + j / 2]);
                let e =
                    tables[w][usize::from(s)] ^ (u32::from(rk) * 0x5555_5555) ^ xor_permute(mk, dk);
                out.extend_from_slice(&e.to_le_bytes());
                shares[i * l + j] = rk;
            }
        }
        out
    }

    /// This party's shares of the leaves it receives: its own entry of
    /// each of the peer's tables, unmasked with `M_c`.
    fn unmask(&self, received: &[usize], peer_table: &[u8], chosen: &[u8], shares: &mut [u8]) {
        let (m, lp, l) = (self.m, self.lp, leaves(self.m));
        let entries = peer_table.chunks_exact(4);
        let at = self
            .own
            .iter()
            .enumerate()
            .flat_map(|(i, &v)| received.iter().map(move |&j| (i, v, j)));
        for ((i, v, j), e) in at.zip(entries) {
            let e = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            let own_mask = chosen[i * lp + j / 2] >> 4 & 3;
            shares[i * l + j] = leaf_mask(e, block(v, j, m)) ^ own_mask;
        }
    }
}

/// Bit-slices the `(generate, propagate)` shares (`l` per element) into
/// per-leaf planes of `nw` words.
fn bit_slice(shares: &[u8], l: usize, nw: usize) -> (Vec<Vec<u64>>, Vec<Vec<u64>>) {
    let (mut gs, mut ps) = (vec![vec![0u64; nw]; l], vec![vec![0u64; nw]; l]);
    for (i, leaf) in shares.chunks(l.max(1)).enumerate() {
        let (w, b) = (i / 64, i % 64);
        for (j, &s) in leaf.iter().enumerate() {
            gs[j][w] |= u64::from(s & 1) << b;
            ps[j][w] |= u64::from(s >> 1 & 1) << b;
        }
    }
    (gs, ps)
}

impl<C: Channel, P: Preprocessing> Engine<C, P> {
    /// XOR shares (one plane) of the carry out of `a + b` over the low `m`
    /// bits, where P0's `own` shares are `a` and P1's are `b` (each held in
    /// the clear by its party). Consumes `n * leaf_pairs(m)` leaf-OT pairs
    /// and the tree's AND triples; 2 + ceil(log2 leaves) rounds.
    pub(crate) async fn carry_out<R: Ring>(
        &mut self,
        step: &'static str,
        own: &[R],
        m: usize,
    ) -> Result<Vec<u64>, EngineError> {
        let (n, l, lp) = (own.len(), leaves(m), leaf_pairs(m));
        let role = self.role;
        let sent: Vec<usize> = (0..l).filter(|&j| sends(role, j)).collect();
        let received: Vec<usize> = (0..l).filter(|&j| !sends(role, j)).collect();
        let (mut masks, mut chosen) = self.take::<LeafOts>(step, n * lp).await?.into_parts();
        let mut d: Vec<u8> = own
            .iter()
            .enumerate()
            .flat_map(|(i, &v)| {
                let chosen = &chosen;
                received
                    .iter()
                    .map(move |&j| block(v, j, m) ^ (chosen[i * lp + j / 2] & 15))
            })
            .collect();
        let frame = pack_nibbles(&d);
        d.zeroize();
        let expected = (n * sent.len()).div_ceil(2);
        let peer_d = self
            .exchange_uneven(step, MsgKind::LEAF_CHOICE, frame, expected)
            .await?;
        // Per element and leaf: this party's shares (generate, propagate).
        let mut shares = vec![0u8; n * l];
        let mut r = vec![0u8; n * sent.len()];
        self.prg.fill_bytes(&mut r);
        let leaves = Leaves { own, m, lp };
        let table = leaves.tables(&sent, &peer_d, &masks, &r, &mut shares);
        r.zeroize();
        masks.zeroize();
        let expected = n * received.len() * 4;
        let peer_table = self
            .exchange_uneven(step, MsgKind::LEAF_TABLE, table, expected)
            .await?;
        leaves.unmask(&received, &peer_table, &chosen, &mut shares);
        chosen.zeroize();
        let nw = words_for(n);
        let (gs, ps) = bit_slice(&shares, l, nw);
        shares.zeroize();
        self.combine_segments(step, gs, ps, nw).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_cover_the_bits_and_pairs_serve_two_leaves() {
        assert_eq!((leaves(63), leaf_pairs(63)), (16, 8));
        assert_eq!((leaves(24), leaf_pairs(24)), (6, 3));
        assert_eq!((leaves(1), leaf_pairs(1)), (1, 1));
        assert_eq!((width(15, 63), width(0, 63), width(0, 1)), (3, 4, 1));
    }

    #[test]
    fn generate_and_propagate_are_those_of_the_block_sum() {
        for w in 1..=4 {
            for s in 0..1u8 << w {
                for u in 0..1u8 << w {
                    let sum = u32::from(s) + u32::from(u);
                    let want = u8::from(sum >> w == 1) | u8::from(sum == (1 << w) - 1) << 1;
                    assert_eq!(generate_propagate(s, u, w), want, "{s} + {u}, {w} bits");
                }
            }
        }
    }

    #[test]
    fn a_permuted_entry_is_the_entry_at_the_xored_index() {
        let m = 0x9e37_79b9u32;
        for d in 0..16u8 {
            let p = xor_permute(m, d);
            for u in 0..16u8 {
                assert_eq!(leaf_mask(p, u), leaf_mask(m, u ^ d), "d {d}, u {u}");
            }
        }
        let t = leaf_table(9, 4);
        assert!((0..16u8).all(|u| leaf_mask(t, u) == generate_propagate(9, u, 4)));
    }

    #[test]
    fn blocks_and_nibbles_round_trip() {
        use crate::ring::Z128;
        let v = Z128(0xfedc_ba98_7654_3210_0123_4567_89ab_cdef);
        let m = 127;
        let got: Vec<u8> = (0..leaves(m)).map(|j| block(v, j, m)).collect();
        for (j, &b) in got.iter().enumerate() {
            assert_eq!(u128::from(b), v.0 >> (4 * j) & ((1 << width(j, m)) - 1));
        }
        let packed = pack_nibbles(&got);
        assert_eq!(packed.len(), 16);
        assert!((0..got.len()).all(|k| nibble(&packed, k) == got[k]));
    }
}
