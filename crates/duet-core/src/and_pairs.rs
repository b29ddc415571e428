//! Pairs of AND triples that share their first input: the two AND gates
//! of one node of the comparison's carry tree (see the engine's
//! `millionaire` module), `G_hi ^ (P_hi & G_lo)` and `P_hi & P_lo`, which
//! share `P_hi`.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::preprocessing::take_tail;
use crate::share::{same_len, LengthMismatch};

/// This party's XOR shares of `64 * words` pairs of AND triples sharing
/// their first input, `(a, b, c = a AND b)` and `(a, d, e = a AND d)`,
/// packed 64 to a word.
///
/// A pair serves two AND gates with the same first input `x`: `x ^ a` is
/// opened once for both. Used for two gates whose first inputs differ, it
/// would open `x1 ^ a` and `x2 ^ a` and so give away `x1 ^ x2`; the engine
/// uses a pair only for gates that share their input. From OT, a pair
/// costs what one AND triple does (one random OT in each direction, with
/// two-bit messages instead of one-bit ones).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct AndPairs {
    a: Vec<u64>,
    b: Vec<u64>,
    c: Vec<u64>,
    d: Vec<u64>,
    e: Vec<u64>,
}

/// This party's part of pairs of AND triples taken apart for use:
/// `(a, b, c, d, e)` as in [`AndPairs`].
pub type AndPairParts = (Vec<u64>, Vec<u64>, Vec<u64>, Vec<u64>, Vec<u64>);

impl AndPairs {
    /// Assembles this party's shares; the five vectors must have one length.
    pub fn from_parts(
        a: Vec<u64>,
        b: Vec<u64>,
        c: Vec<u64>,
        d: Vec<u64>,
        e: Vec<u64>,
    ) -> Result<Self, LengthMismatch> {
        for other in [&b, &c, &d, &e] {
            same_len(a.len(), other.len())?;
        }
        Ok(AndPairs { a, b, c, d, e })
    }

    /// No pairs.
    pub fn empty() -> Self {
        AndPairs {
            a: Vec::new(),
            b: Vec::new(),
            c: Vec::new(),
            d: Vec::new(),
            e: Vec::new(),
        }
    }

    /// Number of 64-bit words (64 pairs each).
    pub fn words(&self) -> usize {
        self.a.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// Shares of a, b, c, d and e (for checks; consuming protocols use
    /// [`Self::into_parts`]).
    pub fn parts(&self) -> [&[u64]; 5] {
        [&self.a, &self.b, &self.c, &self.d, &self.e]
    }

    /// Consumes the pairs into their share vectors `(a, b, c, d, e)`.
    pub fn into_parts(mut self) -> AndPairParts {
        (
            core::mem::take(&mut self.a),
            core::mem::take(&mut self.b),
            core::mem::take(&mut self.c),
            core::mem::take(&mut self.d),
            core::mem::take(&mut self.e),
        )
    }

    /// Appends more pairs.
    pub fn append(&mut self, mut more: Self) {
        self.a.append(&mut more.a);
        self.b.append(&mut more.b);
        self.c.append(&mut more.c);
        self.d.append(&mut more.d);
        self.e.append(&mut more.e);
    }

    /// Splits off `words` words (or all, if fewer remain).
    pub fn take(&mut self, words: usize) -> Self {
        AndPairs {
            a: take_tail(&mut self.a, words),
            b: take_tail(&mut self.b, words),
            c: take_tail(&mut self.c, words),
            d: take_tail(&mut self.d, words),
            e: take_tail(&mut self.e, words),
        }
    }
}

impl Default for AndPairs {
    fn default() -> Self {
        AndPairs::empty()
    }
}

impl fmt::Debug for AndPairs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AndPairs(words {}, redacted)", self.words())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(words: &[u64]) -> AndPairs {
        let v = words.to_vec();
        AndPairs::from_parts(v.clone(), v.clone(), v.clone(), v.clone(), v).unwrap()
    }

    #[test]
    fn take_splits_off_the_tail_and_append_restores_the_order() {
        let mut p = pairs(&[1, 2, 3, 4]);
        let tail = p.take(3);
        assert_eq!((p.words(), tail.words()), (1, 3));
        assert_eq!(tail.parts()[4], &[2, 3, 4]);
        p.append(tail);
        for v in p.parts() {
            assert_eq!(v, &[1, 2, 3, 4]);
        }
        assert_eq!(p.take(9).words(), 4);
        assert!(p.is_empty());
    }

    #[test]
    fn parts_of_unequal_lengths_are_refused_and_debug_hides_the_shares() {
        let v = vec![7u64];
        let short = Vec::new();
        for k in 0..4 {
            let mut parts: Vec<Vec<u64>> = vec![v.clone(); 4];
            parts[k] = short.clone();
            let [b, c, d, e]: [Vec<u64>; 4] = parts.try_into().unwrap();
            assert!(AndPairs::from_parts(v.clone(), b, c, d, e).is_err(), "{k}");
        }
        let p = pairs(&[0xdead_beef, 1]);
        assert!(!p.is_empty());
        assert_eq!(format!("{p:?}"), "AndPairs(words 2, redacted)");
        assert!(AndPairs::default().is_empty());
    }
}
