//! Correlated randomness the online protocols consume: Beaver triples, AND
//! triples and pairs of them sharing an input, doubly shared random bits,
//! bit-OLE pairs and 1-out-of-16 leaf OTs, and the
//! [`Preprocessing`] trait that supplies them.
//!
//! Every piece is one-time material: it is handed out by value, is not
//! `Clone`, and is zeroized when dropped. Reusing a triple leaks the inputs.

use core::fmt;
use core::future::Future;

use zeroize::{Zeroize, ZeroizeOnDrop};

pub use crate::and_pairs::{AndPairParts, AndPairs};
use crate::channel::Channel;
pub use crate::leaf_ots::LeafOts;
use crate::ring::{Ring, Z128, Z64};
use crate::share::{same_len, words_for, LengthMismatch};

/// This party's shares of triples (a, b, c): ring elements with
/// c = a * b ([`BeaverTriples`]) or packed bit words with c = a AND b
/// ([`AndTriples`]).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Triples<T: Zeroize + Copy> {
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
}

/// This party's shares of `n` Beaver triples (a, b, c) with c = a * b.
pub type BeaverTriples<R> = Triples<R>;

/// This party's XOR shares of `64 * words` AND triples (a, b, c) with
/// c = a AND b, packed 64 to a word.
pub type AndTriples = Triples<u64>;

/// This party's shares of `n` random bits r, each shared twice: XOR shares
/// (packed) and additive shares over the ring of the same bit.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DaBits<R: Ring> {
    bits: Vec<u64>,
    arith: Vec<R>,
}

/// This party's part of `n` random bit-OLE pairs over `R`: in pair `i`
/// each party `p` holds a random bit `c_p` and a random ring element
/// `r_p`, and the two hold additive shares of `c_0 r_1` and of `c_1 r_0`.
///
/// A product of a bit one party knows and a value the other knows costs
/// one of the two halves (one random OT with a ring-element message, about
/// 12 bytes of OT traffic over Z_2^64), where a Beaver triple costs two
/// Gilboa products of `k` OTs each (about 1 KB): this is what truncation
/// and bit-times-value products use.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct BitOles<R: Ring> {
    /// `c_p`, one byte (0 or 1) per pair.
    bits: Vec<u8>,
    /// `r_p`.
    values: Vec<R>,
    /// Shares of `c_p r_peer` (this party's bit).
    own_bit: Vec<R>,
    /// Shares of `c_peer r_p` (the peer's bit).
    peer_bit: Vec<R>,
}

/// This party's part of one batch of bit-OLE pairs, taken apart for use:
/// `(bits, values, own_bit, peer_bit)` as in [`BitOles`].
pub type BitOleParts<R> = (Vec<u8>, Vec<R>, Vec<R>, Vec<R>);

impl<R: Ring> fmt::Debug for BitOles<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BitOles(len {}, redacted)", self.len())
    }
}

impl<R: Ring> BitOles<R> {
    /// Assembles this party's part of pairs: its bits (each 0 or 1), its
    /// values, its shares of `c_me r_peer` and of `c_peer r_me`; all four
    /// must have one length. Only each bit byte's lowest bit counts.
    pub fn from_parts(
        mut bits: Vec<u8>,
        values: Vec<R>,
        own_bit: Vec<R>,
        peer_bit: Vec<R>,
    ) -> Result<Self, LengthMismatch> {
        same_len(bits.len(), values.len())?;
        same_len(bits.len(), own_bit.len())?;
        same_len(bits.len(), peer_bit.len())?;
        bits.iter_mut().for_each(|b| *b &= 1);
        Ok(BitOles {
            bits,
            values,
            own_bit,
            peer_bit,
        })
    }

    /// No pairs.
    pub fn empty() -> Self {
        BitOles {
            bits: Vec::new(),
            values: Vec::new(),
            own_bit: Vec::new(),
            peer_bit: Vec::new(),
        }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// The four vectors (for checks; consuming protocols use [`Self::into_parts`]).
    pub fn parts(&self) -> (&[u8], &[R], &[R], &[R]) {
        (&self.bits, &self.values, &self.own_bit, &self.peer_bit)
    }

    /// Consumes the pairs into `(bits, values, own_bit, peer_bit)`.
    pub fn into_parts(mut self) -> BitOleParts<R> {
        (
            core::mem::take(&mut self.bits),
            core::mem::take(&mut self.values),
            core::mem::take(&mut self.own_bit),
            core::mem::take(&mut self.peer_bit),
        )
    }

    /// Appends more pairs.
    pub fn append(&mut self, mut more: Self) {
        self.bits.append(&mut more.bits);
        self.values.append(&mut more.values);
        self.own_bit.append(&mut more.own_bit);
        self.peer_bit.append(&mut more.peer_bit);
    }

    /// Splits off `n` pairs (or all, if fewer remain).
    pub fn take(&mut self, n: usize) -> Self {
        BitOles {
            bits: take_tail(&mut self.bits, n),
            values: take_tail(&mut self.values, n),
            own_bit: take_tail(&mut self.own_bit, n),
            peer_bit: take_tail(&mut self.peer_bit, n),
        }
    }
}

impl<T: Zeroize + Copy> fmt::Debug for Triples<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Triples(len {}, redacted)", self.len())
    }
}

impl<R: Ring> fmt::Debug for DaBits<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DaBits(len {}, redacted)", self.len())
    }
}

/// Splits the last `n` elements off `v` (no shifting of the rest, and no
/// copy at all when all of it is taken).
pub(crate) fn take_tail<T: Copy>(v: &mut Vec<T>, n: usize) -> Vec<T> {
    if n >= v.len() {
        return core::mem::take(v);
    }
    v.split_off(v.len() - n)
}

impl<T: Zeroize + Copy> Triples<T> {
    /// Assembles this party's shares of triples; the three vectors must have one length.
    pub fn from_parts(a: Vec<T>, b: Vec<T>, c: Vec<T>) -> Result<Self, LengthMismatch> {
        same_len(a.len(), b.len())?;
        same_len(a.len(), c.len())?;
        Ok(Triples { a, b, c })
    }

    /// No triples.
    pub fn empty() -> Self {
        Triples {
            a: Vec::new(),
            b: Vec::new(),
            c: Vec::new(),
        }
    }

    /// Number of triples (of words, for AND triples).
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// Shares of a, b and c (for checks; consuming protocols use [`Self::into_parts`]).
    pub fn parts(&self) -> (&[T], &[T], &[T]) {
        (&self.a, &self.b, &self.c)
    }

    /// Consumes the triples into their share vectors (a, b, c).
    pub fn into_parts(mut self) -> (Vec<T>, Vec<T>, Vec<T>) {
        (
            core::mem::take(&mut self.a),
            core::mem::take(&mut self.b),
            core::mem::take(&mut self.c),
        )
    }

    /// Appends more triples.
    pub fn append(&mut self, mut more: Self) {
        self.a.append(&mut more.a);
        self.b.append(&mut more.b);
        self.c.append(&mut more.c);
    }

    /// Splits off `n` triples (or all, if fewer remain).
    pub fn take(&mut self, n: usize) -> Self {
        Triples {
            a: take_tail(&mut self.a, n),
            b: take_tail(&mut self.b, n),
            c: take_tail(&mut self.c, n),
        }
    }
}

impl Triples<u64> {
    /// Number of 64-bit words (64 AND triples each).
    pub fn words(&self) -> usize {
        self.a.len()
    }
}

impl<T: Zeroize + Copy> Default for Triples<T> {
    fn default() -> Self {
        Triples::empty()
    }
}

impl<R: Ring> DaBits<R> {
    /// Assembles shares of `arith.len()` bits: packed XOR shares and ring shares.
    pub fn from_parts(bits: Vec<u64>, arith: Vec<R>) -> Result<Self, LengthMismatch> {
        same_len(bits.len(), words_for(arith.len()))?;
        Ok(DaBits { bits, arith })
    }

    /// No bits.
    pub fn empty() -> Self {
        DaBits {
            bits: Vec::new(),
            arith: Vec::new(),
        }
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.arith.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.arith.is_empty()
    }

    /// Packed XOR shares and ring shares.
    pub fn parts(&self) -> (&[u64], &[R]) {
        (&self.bits, &self.arith)
    }

    /// Consumes the bits into (packed XOR shares, ring shares).
    pub fn into_parts(mut self) -> (Vec<u64>, Vec<R>) {
        (
            core::mem::take(&mut self.bits),
            core::mem::take(&mut self.arith),
        )
    }

    /// Appends more bits.
    pub fn append(&mut self, more: Self) {
        let (more_bits, mut more_arith) = more.into_parts();
        let (n, m) = (self.arith.len(), more_arith.len());
        self.arith.append(&mut more_arith);
        self.bits.resize(words_for(n + m), 0);
        for i in 0..m {
            let at = n + i;
            self.bits[at / 64] |= u64::from(get_bit(&more_bits, i)) << (at % 64);
        }
    }

    /// Splits off `n` bits (or all, if fewer remain).
    pub fn take(&mut self, n: usize) -> Self {
        if n >= self.arith.len() {
            return DaBits {
                bits: core::mem::take(&mut self.bits),
                arith: core::mem::take(&mut self.arith),
            };
        }
        let keep = self.arith.len() - n;
        let arith = self.arith.split_off(keep);
        let mut bits = vec![0u64; words_for(arith.len())];
        for i in 0..arith.len() {
            bits[i / 64] |= u64::from(get_bit(&self.bits, keep + i)) << (i % 64);
        }
        self.bits.truncate(words_for(keep));
        if !keep.is_multiple_of(64) {
            if let Some(last) = self.bits.last_mut() {
                *last &= (1u64 << (keep % 64)) - 1;
            }
        }
        DaBits { bits, arith }
    }
}

fn get_bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// A source of one-time correlated randomness for one party.
///
/// Both parties call the same methods with the same sizes in the same order;
/// an implementation may talk to the peer over the channel it is given (the
/// OT-based one does) or not at all (the insecure dealer). The engine asks for
/// exactly what it is about to consume, or a caller stocks up ahead with
/// `Engine::preprocess`.
pub trait Preprocessing: Send {
    /// Why material could not be produced.
    type Error: std::error::Error + Send + Sync + 'static;

    /// `n` Beaver triples over `R`.
    fn triples<R: Ring, C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<BeaverTriples<R>, Self::Error>> + Send;

    /// `64 * words` AND triples.
    fn and_triples<C: Channel>(
        &mut self,
        channel: &mut C,
        words: usize,
    ) -> impl Future<Output = Result<AndTriples, Self::Error>> + Send;

    /// `64 * words` pairs of AND triples sharing their first input.
    fn and_pairs<C: Channel>(
        &mut self,
        channel: &mut C,
        words: usize,
    ) -> impl Future<Output = Result<AndPairs, Self::Error>> + Send;

    /// `n` doubly shared random bits over `R`.
    fn dabits<R: Ring, C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<DaBits<R>, Self::Error>> + Send;

    /// `n` random bit-OLE pairs over `R`.
    fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<BitOles<R>, Self::Error>> + Send;

    /// `n` pairs of random 1-out-of-16 OTs, one in each direction.
    fn leaf_ots<C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<LeafOts, Self::Error>> + Send;
}

/// Material produced ahead of use, per ring.
#[doc(hidden)]
pub struct RingStock<R: Ring> {
    pub(crate) triples: BeaverTriples<R>,
    pub(crate) dabits: DaBits<R>,
    pub(crate) bit_oles: BitOles<R>,
}

impl<R: Ring> Default for RingStock<R> {
    fn default() -> Self {
        RingStock {
            triples: BeaverTriples::empty(),
            dabits: DaBits::empty(),
            bit_oles: BitOles::empty(),
        }
    }
}

/// Everything an engine has stocked ahead of use.
#[doc(hidden)]
#[derive(Default)]
pub struct Stock {
    pub(crate) z64: RingStock<Z64>,
    pub(crate) z128: RingStock<Z128>,
    pub(crate) and: AndTriples,
    pub(crate) and_pairs: AndPairs,
    pub(crate) leaves: LeafOts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dabits_take_and_append_keep_bits_aligned() {
        // bits 0..100 with bit i = i % 3 == 0
        let n = 100;
        let mut words = vec![0u64; words_for(n)];
        for i in (0..n).filter(|i| i % 3 == 0) {
            words[i / 64] |= 1 << (i % 64);
        }
        let arith: Vec<Z64> = (0..n).map(|i| Z64(u64::from(i % 3 == 0))).collect();
        let mut d = DaBits::from_parts(words, arith).unwrap();
        let tail = d.take(30);
        assert_eq!((d.len(), tail.len()), (70, 30));
        for (k, t) in [(&d, 0usize), (&tail, 70)] {
            let (bits, arith) = k.parts();
            for (i, a) in arith.iter().enumerate() {
                assert_eq!(get_bit(bits, i), (i + t) % 3 == 0);
                assert_eq!(a.0, u64::from(get_bit(bits, i)));
            }
        }
        d.append(tail);
        let (bits, arith) = d.parts();
        assert_eq!(arith.len(), 100);
        for i in 0..100 {
            assert_eq!(get_bit(bits, i), i % 3 == 0, "bit {i}");
        }
    }
}
