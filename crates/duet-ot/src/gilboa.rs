//! Gilboa's multiplication over correlated OT: the sender holds `x`, the
//! receiver holds `y`, and they end with additive shares of `x * y` in
//! Z_2^k.
//!
//! For bit `i` of `y` the parties run one correlated OT with correlation
//! `x` modulo `2^(k - i)` (higher bits vanish once multiplied by `2^i`):
//! the sender keeps `m0 = H(j, q_j)` and sends `d = m0 + x - H(j, q_j ^ delta)`
//! truncated to `k - i` bits; the receiver computes
//! `v = H(j, t_j) + y_i d = m0 + y_i x`. Then
//! `sum 2^i v_i - sum 2^i m0_i = x y`. Corrections are packed bit-tight:
//! `k (k + 1) / 2` bits per product (260 bytes for k = 64). With all `k`
//! bits (`l = k`), corrections `i` and `k - i` (widths `k - i` and `i`)
//! share one ring word, correction 0 fills one and correction `k / 2`
//! half of one: the same bytes as a bit stream, packed and unpacked with
//! fixed shifts instead of a running accumulator.
//!
//! The same code with one choice bit per element (`l = 1`) multiplies a
//! ring value by a bit, which is what doubly shared bits need.
//!
//! What each party learns: the receiver sees `d`, one-time padded by
//! `H(j, q_j ^ delta)` (for `y_i = 0`) or `H(j, q_j)` (for `y_i = 1`), which
//! it cannot compute; the sender sees nothing from the receiver here.

use duet_core::Ring;
use rayon::prelude::*;

use crate::hash::{AesBuf, Tccr};
use crate::iknp::{Rows, Scratch, GROUP_OTS};

/// Elements per parallel task.
const TASK: usize = 256;

/// Rows hashed per call: whole multiples of the AES backend's width
/// (64 blocks), and of `l` (1, 64 or 128 choice bits per element).
const HASH_ROWS: usize = 512;

/// Bytes of packed corrections per element with `l` choice bits in Z_2^k.
pub(crate) fn corr_bytes<R: Ring>(l: usize) -> usize {
    let k = R::BITS as usize;
    (0..l).map(|i| k - i).sum::<usize>().div_ceil(8)
}

fn ring_of<R: Ring>(h: u128) -> R {
    R::from_words(&[h as u64, (h >> 64) as u64])
}

/// Sender side: for `x` and the batch's rows (`l` per element, the first
/// with tweak `tweak`), returns its shares `-sum 2^i m0_i` and the packed
/// corrections. `l` divides [`GROUP_OTS`], so elements never straddle groups.
pub(crate) fn send<R: Ring>(
    hash: &Tccr,
    tweak: u128,
    x: &[R],
    rows: &Rows<'_>,
    l: usize,
) -> (Vec<R>, Vec<u8>) {
    let cb = corr_bytes::<R>(l);
    let per = GROUP_OTS / l;
    let delta = rows.delta();
    let mut shares = vec![R::ZERO; x.len()];
    let mut corr = vec![0u8; x.len() * cb];
    shares
        .par_chunks_mut(per)
        .zip(corr.par_chunks_mut(per * cb))
        .zip(x.par_chunks(per))
        .enumerate()
        .for_each_init(SendScratch::new, |st, (c, ((sh, co), xc))| {
            let n = rows.group_with(&mut st.ext, c);
            let q = &st.ext.rows[..n];
            let sub = HASH_ROWS / l;
            let (h0, h1, q1) = (&mut st.h0[..], &mut st.h1[..], &mut st.q1[..]);
            let buf = &mut st.ext.aes;
            let parts = sh
                .chunks_mut(sub)
                .zip(co.chunks_mut(sub * cb))
                .zip(xc.chunks(sub));
            for (p, ((shs, cos), xs)) in parts.enumerate() {
                let (first, m) = (p * sub * l, shs.len() * l);
                let Some(qs) = q.get(first..first + m) else {
                    return;
                };
                for (a, &b) in q1.iter_mut().zip(qs) {
                    *a = b ^ delta;
                }
                let t = tweak.wrapping_add((c * GROUP_OTS + first) as u128);
                hash.hash_with(buf, t, qs, &mut h0[..m]);
                hash.hash_with(buf, t, &q1[..m], &mut h1[..m]);
                let elems = shs.iter_mut().zip(cos.chunks_mut(cb)).zip(xs);
                for (k, ((s, cc), &xe)) in elems.enumerate() {
                    let r = k * l..(k + 1) * l;
                    *s = sender_element(&h0[r.clone()], &h1[r], xe, cc);
                }
            }
        });
    (shares, corr)
}

/// The sender's working memory per parallel task.
struct SendScratch {
    ext: Scratch,
    h0: Box<[u128; HASH_ROWS]>,
    h1: Box<[u128; HASH_ROWS]>,
    q1: Box<[u128; HASH_ROWS]>,
}

impl SendScratch {
    fn new() -> Self {
        SendScratch {
            ext: Scratch::new(),
            h0: Box::new([0; HASH_ROWS]),
            h1: Box::new([0; HASH_ROWS]),
            q1: Box::new([0; HASH_ROWS]),
        }
    }
}

fn sender_element<R: Ring>(h0: &[u128], h1: &[u128], x: R, out: &mut [u8]) -> R {
    if h0.len() == R::BITS as usize {
        return sender_element_full(h0, h1, x, out);
    }
    let mut w = BitWriter::new(out);
    let mut share = R::ZERO;
    for (i, (&a, &b)) in h0.iter().zip(h1).enumerate() {
        let m0 = ring_of::<R>(a);
        w.put_ring(m0 + x - ring_of::<R>(b), R::BITS - i as u32);
        share -= m0.shl(i as u32);
    }
    w.finish();
    share
}

/// [`sender_element`] for `l = k`, in the paired word layout.
fn sender_element_full<R: Ring>(h0: &[u128], h1: &[u128], x: R, out: &mut [u8]) -> R {
    let mut d = [R::ZERO; 128];
    let mut share = R::ZERO;
    for (i, ((&a, &b), di)) in h0.iter().zip(h1).zip(d.iter_mut()).enumerate() {
        let m0 = ring_of::<R>(a);
        *di = m0 + x - ring_of::<R>(b);
        share -= m0.shl(i as u32);
    }
    let (k, half) = (R::BITS as usize, R::BITS as usize / 2);
    put_word(out, 0, d[0], R::BYTES);
    for i in 1..half {
        // Low k - i bits of d_i, then the low i bits of d_(k-i) above them.
        let lo = d[i].shl(i as u32).shr(i as u32);
        put_word(out, i, lo + d[k - i].shl((k - i) as u32), R::BYTES);
    }
    put_word(out, half, d[half], R::BYTES / 2);
    share
}

/// Writes the low `bytes` bytes of `v` into word slot `slot` of `out`.
#[inline(always)]
fn put_word<R: Ring>(out: &mut [u8], slot: usize, v: R, bytes: usize) {
    let mut tmp = [0u8; 16];
    v.write_le(&mut tmp);
    if let Some(o) = out.get_mut(slot * R::BYTES..slot * R::BYTES + bytes) {
        o.copy_from_slice(&tmp[..bytes]);
    }
}

/// Word slot `slot` of `src` (its first `bytes` bytes; zeros if short).
#[inline(always)]
fn get_word<R: Ring>(src: &[u8], slot: usize, bytes: usize) -> R {
    let mut tmp = [0u8; 16];
    if let Some(s) = src.get(slot * R::BYTES..slot * R::BYTES + bytes) {
        tmp[..bytes].copy_from_slice(s);
    }
    R::read_le(&tmp)
}

/// Receiver side, first half, run on each group of rows `t` as the
/// extension makes them (group `g`, `l` rows per element, the batch's
/// first row with tweak `tweak`): each element's `sum 2^i H(j_i, t_j_i)`.
pub(crate) fn receive_hashes<R: Ring>(
    hash: &Tccr,
    tweak: u128,
    g: usize,
    t: &[u128],
    out: &mut [R],
    l: usize,
    buf: &mut AesBuf,
) {
    let sub = HASH_ROWS / l;
    let mut h = [0u128; HASH_ROWS];
    for (p, part) in out.chunks_mut(sub).enumerate() {
        let (first, m) = (p * sub * l, part.len() * l);
        let Some(ts) = t.get(first..first + m) else {
            return;
        };
        let tw = tweak.wrapping_add((g * GROUP_OTS + first) as u128);
        hash.hash_with(buf, tw, ts, &mut h[..m]);
        for (o, he) in part.iter_mut().zip(h.chunks(l)) {
            *o = he
                .iter()
                .enumerate()
                .fold(R::ZERO, |acc, (i, &v)| acc + ring_of::<R>(v).shl(i as u32));
        }
    }
}

/// Receiver side, second half: adds `sum 2^i y_i d_i` from the sender's
/// corrections (length checked by the caller) to the hashes' sums.
pub(crate) fn receive_finish<R: Ring>(choices: &[u64], shares: &mut [R], corr: &[u8], l: usize) {
    let cb = corr_bytes::<R>(l);
    shares
        .par_chunks_mut(TASK)
        .zip(corr.par_chunks(TASK * cb))
        .enumerate()
        .for_each(|(task, (sh, co))| {
            for (k, (s, c)) in sh.iter_mut().zip(co.chunks(cb)).enumerate() {
                let bits = element_bits(choices, (task * TASK + k) * l, l);
                *s += corrections_sum::<R>(bits, c, l);
            }
        });
}

/// The `l` choice bits starting at bit `from` of `choices`; needs
/// `from % 64 + l <= 128` (true for `l` = 1, or 64 and 128 word-aligned).
fn element_bits(choices: &[u64], from: usize, l: usize) -> u128 {
    let word = |k: usize| u128::from(choices.get(k).copied().unwrap_or(0));
    let (w, off) = (from / 64, from % 64);
    let raw = (word(w) | word(w + 1) << 64) >> off;
    if l >= 128 {
        raw
    } else {
        raw & ((1u128 << l) - 1)
    }
}

/// `sum 2^i y_i d_i` over the element's `l` corrections `d_i`.
fn corrections_sum<R: Ring>(bits: u128, corr: &[u8], l: usize) -> R {
    if l == R::BITS as usize {
        return corrections_sum_full(bits, corr);
    }
    let mut r = BitReader::new(corr);
    let mut sum = R::ZERO;
    for i in 0..l {
        let d = r.get_ring::<R>(R::BITS - i as u32);
        // A product, not a branch: the choice bits are secret.
        sum += (d * R::from_u64((bits >> i) as u64 & 1)).shl(i as u32);
    }
    sum
}

/// [`corrections_sum`] for `l = k`, from the paired word layout. Bits of
/// a word above a correction's width vanish in the shift by `i`.
fn corrections_sum_full<R: Ring>(bits: u128, corr: &[u8]) -> R {
    let (k, half) = (R::BITS as usize, R::BITS as usize / 2);
    // A product, not a branch: the choice bits are secret. Two words, as
    // u128 shifts by a variable amount cost several instructions each.
    let words = [bits as u64, (bits >> 64) as u64];
    let bit = |i: usize| R::from_u64(words[(i >> 6) & 1] >> (i & 63) & 1);
    let mut sum = get_word::<R>(corr, 0, R::BYTES) * bit(0);
    for i in 1..half {
        let w = get_word::<R>(corr, i, R::BYTES);
        sum += (w * bit(i)).shl(i as u32);
        sum += (w.shr((k - i) as u32) * bit(k - i)).shl((k - i) as u32);
    }
    sum + (get_word::<R>(corr, half, R::BYTES / 2) * bit(half)).shl(half as u32)
}

/// Packs values of given bit widths, least significant bit first.
struct BitWriter<'a> {
    out: &'a mut [u8],
    pos: usize,
    acc: u128,
    n: u32,
}

impl<'a> BitWriter<'a> {
    fn new(out: &'a mut [u8]) -> Self {
        BitWriter {
            out,
            pos: 0,
            acc: 0,
            n: 0,
        }
    }

    /// Appends the low `bits` (1..=64) bits of `v`.
    #[inline(always)]
    fn put(&mut self, v: u64, bits: u32) {
        let v = if bits >= 64 {
            v
        } else {
            v & ((1u64 << bits) - 1)
        };
        self.acc |= u128::from(v) << self.n;
        self.n += bits;
        if self.n >= 64 {
            self.flush(8);
            self.acc >>= 64;
            self.n -= 64;
        }
    }

    fn put_ring<R: Ring>(&mut self, v: R, bits: u32) {
        self.put(v.word(0), bits.min(64));
        if bits > 64 {
            self.put(v.word(1), bits - 64);
        }
    }

    fn flush(&mut self, bytes: usize) {
        let b = self.acc.to_le_bytes();
        if bytes == 8 {
            if let Some(dst) = self.out.get_mut(self.pos..self.pos + 8) {
                dst.copy_from_slice(&b[..8]);
                self.pos += 8;
                return;
            }
        }
        let end = (self.pos + bytes).min(self.out.len());
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(&b[..end - self.pos]);
        }
        self.pos = end;
    }

    fn finish(mut self) {
        let rest = self.n.div_ceil(8) as usize;
        self.flush(rest);
    }
}

/// Unpacks what [`BitWriter`] packed; reads past the end give zeros.
struct BitReader<'a> {
    src: &'a [u8],
    pos: usize,
    acc: u128,
    n: u32,
}

impl<'a> BitReader<'a> {
    fn new(src: &'a [u8]) -> Self {
        BitReader {
            src,
            pos: 0,
            acc: 0,
            n: 0,
        }
    }

    /// The next `bits` (1..=64) bits.
    #[inline(always)]
    fn get(&mut self, bits: u32) -> u64 {
        if self.n < bits {
            let mut b = [0u8; 8];
            let end = match self.src.get(self.pos..self.pos + 8) {
                Some(s) => {
                    b.copy_from_slice(s);
                    self.pos + 8
                }
                None => {
                    let rest = self.src.get(self.pos..).unwrap_or(&[]);
                    b[..rest.len()].copy_from_slice(rest);
                    self.src.len()
                }
            };
            self.acc |= u128::from(u64::from_le_bytes(b)) << self.n;
            self.n += 64;
            self.pos = end;
        }
        let v = self.acc as u64;
        let v = if bits >= 64 {
            v
        } else {
            v & ((1u64 << bits) - 1)
        };
        self.acc = if bits >= 128 { 0 } else { self.acc >> bits };
        self.n -= bits;
        v
    }

    fn get_ring<R: Ring>(&mut self, bits: u32) -> R {
        let lo = self.get(bits.min(64));
        let hi = if bits > 64 { self.get(bits - 64) } else { 0 };
        R::from_words(&[lo, hi])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_core::{Z128, Z64};

    #[test]
    fn correction_sizes_are_tight() {
        assert_eq!(corr_bytes::<Z64>(64), 260);
        assert_eq!(corr_bytes::<Z128>(128), 1032);
        assert_eq!(corr_bytes::<Z64>(1), 8);
        assert_eq!(corr_bytes::<Z128>(1), 16);
    }

    /// Chi-square of the byte values in the corrections a sender makes for
    /// `n` elements all equal to `x`, from random pads.
    fn correction_byte_chi2<R: Ring>(x: R, l: usize, n: usize) -> f64 {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7 + l as u64);
        let cb = corr_bytes::<R>(l);
        let mut counts = [0u64; 256];
        let mut out = vec![0u8; cb];
        for _ in 0..n {
            let h0: Vec<u128> = (0..l).map(|_| rng.gen()).collect();
            let h1: Vec<u128> = (0..l).map(|_| rng.gen()).collect();
            sender_element(&h0, &h1, x, &mut out);
            for &b in &out {
                counts[usize::from(b)] += 1;
            }
        }
        let expected = (n * cb) as f64 / 256.0;
        counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum()
    }

    /// The receiver sees only corrections: whatever the sender's value,
    /// they must be uniform bytes (each one-time padded by a hash it
    /// cannot compute), in both layouts and both rings.
    #[test]
    fn corrections_are_uniform_whatever_the_senders_value() {
        // 255 degrees of freedom: mean 255, sd 22.6; 400 is beyond 6 sd.
        let limit = 400.0;
        for (l, n) in [(64, 256), (1, 8192)] {
            for x in [Z64(0), Z64(u64::MAX), Z64(1 << 40)] {
                let chi2 = correction_byte_chi2(x, l, n);
                assert!(
                    chi2 < limit,
                    "Z64, l = {l}, x = {x:?}: chi-square {chi2:.0}"
                );
            }
        }
        for (l, n) in [(128, 64), (1, 4096)] {
            for x in [Z128(0), Z128(u128::MAX), Z128(1 << 100)] {
                let chi2 = correction_byte_chi2(x, l, n);
                assert!(
                    chi2 < limit,
                    "Z128, l = {l}, x = {x:?}: chi-square {chi2:.0}"
                );
            }
        }
    }

    /// The general layout (correction `i` on `k - i` bits, for `l` below
    /// `k`) against `sum 2^i y_i d_i` in plain integers. The crate uses
    /// `l = 1` and `l = k` (its own layout); any other `l` must add up too
    /// (`l = 38` in Z_2^64 ends on a last byte that holds one bit).
    #[test]
    fn a_correction_sum_of_any_length_weighs_the_chosen_corrections() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let cases = [
            (64u32, 1usize),
            (64, 2),
            (64, 5),
            (64, 38),
            (64, 63),
            (128, 1),
            (128, 3),
            (128, 100),
        ];
        // Random choices and corrections, then all ones (every packed bit
        // counts, the last byte's too).
        let runs = cases.iter().flat_map(|&c| [(c, false), (c, true)]);
        for ((k, l), ones) in runs {
            let low = |b: usize| {
                if b >= 128 {
                    u128::MAX
                } else {
                    (1u128 << b) - 1
                }
            };
            let bits = if ones { u128::MAX } else { rng.gen() } & low(l);
            let d: Vec<u128> = (0..l)
                .map(|_| if ones { u128::MAX } else { rng.gen() })
                .collect();
            let size = if k == 64 {
                corr_bytes::<Z64>(l)
            } else {
                corr_bytes::<Z128>(l)
            };
            let mut out = vec![0u8; size];
            let mut w = BitWriter::new(&mut out);
            for (i, &v) in d.iter().enumerate() {
                w.put_ring(Z128(v), k - i as u32);
            }
            w.finish();
            let want = (0..l)
                .filter(|&i| bits >> i & 1 == 1)
                .fold(0u128, |acc, i| acc.wrapping_add(d[i] << i))
                & low(k as usize);
            let got = if k == 64 {
                u128::from(corrections_sum::<Z64>(bits, &out, l).0)
            } else {
                corrections_sum::<Z128>(bits, &out, l).0
            };
            assert_eq!(got, want, "k = {k}, l = {l}, all ones {ones}");
        }
    }

    #[test]
    fn bit_packing_roundtrips() {
        let widths: Vec<u32> = (1..=128).rev().collect();
        let vals: Vec<u128> = (0..128u128)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) ^ u128::MAX)
            .collect();
        let mut out = vec![0u8; corr_bytes::<Z128>(128)];
        let mut w = BitWriter::new(&mut out);
        for (&v, &b) in vals.iter().zip(&widths) {
            w.put_ring(Z128(v), b);
        }
        w.finish();
        let mut r = BitReader::new(&out);
        for (&v, &b) in vals.iter().zip(&widths) {
            let mask = if b == 128 {
                u128::MAX
            } else {
                (1u128 << b) - 1
            };
            assert_eq!(r.get_ring::<Z128>(b).0, v & mask, "width {b}");
        }
    }
}
