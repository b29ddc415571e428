//! Preprocessing material from OT, one batch at a time.
//!
//! - Beaver triples over Z_2^k: each party draws its own `a_p`, `b_p`;
//!   `c_p = a_p b_p + <a_0 b_1>_p + <a_1 b_0>_p` with the two cross
//!   products from Gilboa, one in each direction, so both parties do the
//!   same work. 2 x k correlated OTs and `k (k + 1)` correction bits per triple.
//! - AND triples: two random OTs with one-bit messages per triple. In the
//!   OT where party p sends, `a_p = m0 ^ m1` and it keeps `m0`; the peer
//!   chooses with its `b` and keeps `m_b`, so `m0 ^ m_b = a_p b_{1-p}`.
//!   No message beyond the extension's `u`.
//! - Pairs of AND triples sharing `a`: one random OT in each direction
//!   per pair, as for one AND triple, but with two-bit messages (`b` and
//!   `d` are the sender's `m0 ^ m1`, `a` the receiver's choice).
//! - Doubly shared bits: each party draws bits `r_p`; `r = r_0 ^ r_1 =
//!   r_0 + r_1 - 2 r_0 r_1`, with the product from Gilboa on one choice bit
//!   (half the bits in each direction).
//! - Bit-OLE pairs: each party draws bits `c_p` and ring elements `r_p`;
//!   `c_0 r_1` and `c_1 r_0` are Gilboa products on one choice bit, one in
//!   each direction: one correlated OT and a `k`-bit correction each.
//!
//! What each party learns: nothing; every message is an extension or
//! Gilboa message (see [`crate::iknp`] and [`crate::gilboa`]).

use duet_core::share::words_for;
use duet_core::{AndPairs, AndTriples, BeaverTriples, BitOles, Channel, DaBits, Ring, Role};
use rand_core::RngCore;
use rayon::prelude::*;
use zeroize::Zeroize;

use crate::error::OtError;
use crate::hash::{AesBuf, Tccr};
use crate::iknp::Rows;
use crate::rot;
use crate::session::OtSession;

/// The choice bits of `values` as packed words: bit `i` of element `e` is
/// bit `e k + i`, which is the little-endian word layout itself.
pub(crate) fn ring_bits<R: Ring>(values: &[R]) -> Vec<u64> {
    let mut out = Vec::with_capacity(values.len() * R::WORDS);
    for v in values {
        out.extend((0..R::WORDS).map(|i| v.word(i)));
    }
    out
}

fn words(rng: &mut impl RngCore, n: usize) -> Vec<u64> {
    (0..n).map(|_| rng.next_u64()).collect()
}

/// A batch of Beaver triples between its start and its end.
struct Started<R: Ring> {
    a: Vec<R>,
    b: Vec<R>,
    /// `b`'s bits, this party's choices as Gilboa receiver.
    yb: Vec<u64>,
    /// The receiver's hash sums, waiting for the peer's corrections.
    sums: Vec<R>,
    /// This party's shares as Gilboa sender, once computed.
    mine: Vec<R>,
}

impl<R: Ring> Drop for Started<R> {
    fn drop(&mut self) {
        self.yb.zeroize();
        self.sums.zeroize();
        self.mine.zeroize();
    }
}

/// Draws `a`, `b` for `n` triples, extends as receiver with `b`'s bits
/// and sends `u`.
async fn start<R: Ring, C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    n: usize,
) -> Result<Started<R>, OtError> {
    let a: Vec<R> = duet_core::ring::random_vec(&mut s.rng, n);
    let b: Vec<R> = duet_core::ring::random_vec(&mut s.rng, n);
    let yb = ring_bits(&b);
    let sums = s
        .gilboa_receiver_round::<R, C>(ch, &yb, n, R::BITS as usize)
        .await?;
    Ok(Started {
        a,
        b,
        yb,
        sums,
        mine: Vec::new(),
    })
}

/// Takes the peer's corrections for a started batch whose sender half is
/// done, and returns its triples.
async fn finish<R: Ring, C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    mut st: Started<R>,
) -> Result<BeaverTriples<R>, OtError> {
    let sums = core::mem::take(&mut st.sums);
    let theirs = s.finish_receive(ch, sums, &st.yb, R::BITS as usize).await?;
    let (a, b, mine) = (&st.a, &st.b, &st.mine);
    let c: Vec<R> = (0..a.len())
        .into_par_iter()
        .map(|i| a[i] * b[i] + mine[i] + theirs[i])
        .collect();
    let mut theirs = theirs;
    theirs.zeroize();
    let (a, b) = (core::mem::take(&mut st.a), core::mem::take(&mut st.b));
    BeaverTriples::from_parts(a, b, c).map_err(|e| OtError::LengthMismatch {
        step: "Beaver triples",
        left: e.left,
        right: e.right,
    })
}

/// Beaver triples in batches of the given sizes, pipelined: batch `k + 2`
/// is extended (and its `u` sent) while the peer's messages for batch `k`
/// are on their way, so neither party waits idle for the other's `u`.
/// Both parties send, per batch after the first two, `u` of batch `k + 2`
/// after the corrections of batch `k`, and receive in that same order.
/// `done` gets each batch's triples in order.
pub(crate) async fn beaver_batches<R: Ring, C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    sizes: &[usize],
    mut done: impl FnMut(BeaverTriples<R>),
) -> Result<(), OtError> {
    let mut open: std::collections::VecDeque<Started<R>> = Default::default();
    for &n in sizes.iter().take(2) {
        open.push_back(start(s, ch, n).await?);
    }
    // `open` holds batches first, first + 1, ... in order.
    let mut first = 0;
    for k in 0..sizes.len() {
        // Sender half of batch k: the peer's u_k in, our corrections c_k out.
        if let Some(st) = open.get_mut(k - first) {
            st.mine = s.send_only(ch, &st.a, R::BITS as usize).await?;
        }
        // The peer sent c_(k-1) after u_(k+1): batch k - 1 ends now.
        if k >= 1 {
            if let Some(st) = open.pop_front() {
                first += 1;
                done(finish(s, ch, st).await?);
            }
        }
        if let Some(&n) = sizes.get(k + 2) {
            open.push_back(start(s, ch, n).await?);
        }
    }
    if let Some(st) = open.pop_front() {
        done(finish(s, ch, st).await?);
    }
    Ok(())
}

/// One batch of `64 * w` AND triples.
pub(crate) async fn and_triples<C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    w: usize,
) -> Result<AndTriples, OtError> {
    let b = words(&mut s.rng, w);
    let (a, mut m0, mut mc) = s.cross_rot(ch, &b, 1).await?;
    let c: Vec<u64> = (0..w).map(|i| (a[i] & b[i]) ^ m0[i] ^ mc[i]).collect();
    m0.zeroize();
    mc.zeroize();
    AndTriples::from_parts(a, b, c).map_err(|e| OtError::LengthMismatch {
        step: "AND triples",
        left: e.left,
        right: e.right,
    })
}

/// One batch of `64 * w` pairs of AND triples sharing their first input:
/// this party's `a` is its choice in the random OTs it receives; its `b`
/// and `d` are `m0 ^ m1` (two bits) of those it sends, of which it keeps
/// `m0`. So the peer's `m_a ^ m0` is `a_peer AND (b, d)` of this party.
pub(crate) async fn and_pairs<C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    w: usize,
) -> Result<AndPairs, OtError> {
    let a = words(&mut s.rng, w);
    let (mut diff, mut m0, mut ma) = s.cross_rot(ch, &a, 2).await?;
    let plane = |v: &[u64], k: usize| -> Vec<u64> { (0..w).map(|i| v[2 * i + k]).collect() };
    let (b, d) = (plane(&diff, 0), plane(&diff, 1));
    let product = |x: &[u64], k: usize| -> Vec<u64> {
        (0..w)
            .map(|i| (a[i] & x[i]) ^ m0[2 * i + k] ^ ma[2 * i + k])
            .collect()
    };
    let (c, e) = (product(&b, 0), product(&d, 1));
    diff.zeroize();
    m0.zeroize();
    ma.zeroize();
    AndPairs::from_parts(a, b, c, d, e).map_err(|e| OtError::LengthMismatch {
        step: "AND pairs",
        left: e.left,
        right: e.right,
    })
}

/// Packs `count` bits of `bits` starting at bit `from`.
fn bit_range(bits: &[u64], from: usize, count: usize) -> Vec<u64> {
    let mut out = vec![0u64; words_for(count)];
    for i in 0..count {
        let j = from + i;
        let b = bits.get(j / 64).map_or(0, |w| w >> (j % 64) & 1);
        out[i / 64] |= b << (i % 64);
    }
    out
}

/// One batch of `n` doubly shared bits.
pub(crate) async fn dabits<R: Ring, C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    n: usize,
) -> Result<DaBits<R>, OtError> {
    let mut r = words(&mut s.rng, words_for(n));
    if !n.is_multiple_of(64) {
        if let Some(last) = r.last_mut() {
            *last &= (1u64 << (n % 64)) - 1;
        }
    }
    let bit = |i: usize| r[i / 64] >> (i % 64) & 1;
    // P0 sends for the first half of the bits, P1 for the second.
    let half = n.div_ceil(2);
    let (mine, theirs) = match s.role() {
        Role::P0 => (0..half, half..n),
        Role::P1 => (half..n, 0..half),
    };
    let mut x: Vec<R> = mine.clone().map(|i| R::from_u64(bit(i))).collect();
    let mut y = bit_range(&r, theirs.start, theirs.len());
    let crossed = s.cross(ch, &x, &y, theirs.len(), 1).await;
    x.zeroize();
    y.zeroize();
    let (s_send, s_recv) = crossed?;
    let mut cross = vec![R::ZERO; n];
    for (i, v) in mine.zip(s_send).chain(theirs.zip(s_recv)) {
        cross[i] = v;
    }
    let arith: Vec<R> = (0..n)
        .map(|i| R::from_u64(bit(i)) - cross[i] - cross[i])
        .collect();
    cross.zeroize();
    DaBits::from_parts(r, arith).map_err(|e| OtError::LengthMismatch {
        step: "daBits",
        left: e.left,
        right: e.right,
    })
}

/// One batch of `n` bit-OLE pairs: this party sends for its values `r`
/// (the peer chooses with its bits) and chooses with its bits `c`.
pub(crate) async fn bit_oles<R: Ring, C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    n: usize,
) -> Result<BitOles<R>, OtError> {
    let mut c = words(&mut s.rng, words_for(n));
    if !n.is_multiple_of(64) {
        if let Some(last) = c.last_mut() {
            *last &= (1u64 << (n % 64)) - 1;
        }
    }
    let mut r: Vec<R> = duet_core::ring::random_vec(&mut s.rng, n);
    let crossed = s.cross(ch, &r, &c, n, 1).await;
    let bits: Vec<u8> = (0..n).map(|i| (c[i / 64] >> (i % 64) & 1) as u8).collect();
    c.zeroize();
    let (peer_bit, own_bit) = match crossed {
        Ok(v) => v,
        Err(e) => {
            r.zeroize();
            let mut bits = bits;
            bits.zeroize();
            return Err(e);
        }
    };
    BitOles::from_parts(bits, r, own_bit, peer_bit).map_err(|e| OtError::LengthMismatch {
        step: "bit-OLE pairs",
        left: e.left,
        right: e.right,
    })
}

/// Sender bits of random OTs with `planes`-bit messages: `(m0 ^ m1, m0)`
/// packed, bit `k` of `m_b` the bit `k` of `H(j, q_j ^ b delta)`; word
/// `i` of plane `k` at `i * planes + k`.
pub(crate) fn rot_send_bits(
    hash: &Tccr,
    tweak: u128,
    rows: &Rows<'_>,
    w: usize,
    planes: usize,
) -> (Vec<u64>, Vec<u64>) {
    let mut pairs = vec![[0u64; 2]; w * planes];
    rot::send_blocks(hash, tweak, rows, &mut pairs, planes, |h0, h1, o| {
        for (k, ok) in o.iter_mut().enumerate() {
            let m = pack_bit(h0, k);
            *ok = [m ^ pack_bit(h1, k), m];
        }
    });
    let out = (
        pairs.iter().map(|p| p[0]).collect(),
        pairs.iter().map(|p| p[1]).collect(),
    );
    pairs.zeroize();
    out
}

/// Receiver bits of random OTs with `planes`-bit messages from the rows
/// `t` of group `g`: `m_c` packed into `out`, laid out as in
/// [`rot_send_bits`].
pub(crate) fn rot_receive_bits(
    hash: &Tccr,
    tweak: u128,
    (g, t): (usize, &[u128]),
    out: &mut [u64],
    planes: usize,
    buf: &mut AesBuf,
) {
    rot::receive_group(hash, tweak, (g, t), out, planes, buf, |h, o| {
        for (k, ok) in o.iter_mut().enumerate() {
            *ok = pack_bit(h, k);
        }
    })
}

/// Bit `k` of each of up to 64 hashes, packed.
fn pack_bit(h: &[u128], k: usize) -> u64 {
    h.iter()
        .enumerate()
        .fold(0u64, |acc, (i, &v)| acc | ((v >> k & 1) as u64) << i)
}
