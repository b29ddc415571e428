//! Additive 2-out-of-2 shares: arithmetic vectors over a [`Ring`] and
//! XOR-shared bit vectors packed 64 to a word.
//!
//! A share alone is uniformly random and says nothing of the secret; it is
//! still treated as secret material: no `Debug` of contents, zeroized on drop.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::ring::Ring;

/// Which of the two parties this is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    /// Party 0: adds public constants to its share.
    P0,
    /// Party 1.
    P1,
}

impl Role {
    /// The other party.
    pub fn peer(self) -> Role {
        match self {
            Role::P0 => Role::P1,
            Role::P1 => Role::P0,
        }
    }

    /// 0 for P0, 1 for P1.
    pub fn index(self) -> usize {
        match self {
            Role::P0 => 0,
            Role::P1 => 1,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::P0 => "p0",
            Role::P1 => "p1",
        })
    }
}

/// The two operands of a vector operation have different lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("vector lengths differ: {left} and {right}")]
pub struct LengthMismatch {
    /// Length of the left operand.
    pub left: usize,
    /// Length of the right operand.
    pub right: usize,
}

pub(crate) fn same_len(left: usize, right: usize) -> Result<(), LengthMismatch> {
    if left == right {
        Ok(())
    } else {
        Err(LengthMismatch { left, right })
    }
}

/// This party's additive shares of a secret vector: x = x0 + x1 mod 2^k.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Shared<R: Ring> {
    values: Vec<R>,
}

impl<R: Ring> fmt::Debug for Shared<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Shared<{} bits>(len {}, redacted)",
            R::BITS,
            self.values.len()
        )
    }
}

impl<R: Ring> Shared<R> {
    /// Wraps this party's share vector (for protocols built outside the engine).
    pub fn from_shares(values: Vec<R>) -> Self {
        Shared { values }
    }

    /// This party's share vector. Revealing it to the peer reveals the secret.
    pub fn shares(&self) -> &[R] {
        &self.values
    }

    /// Takes the share vector out, leaving this one empty.
    pub fn into_shares(mut self) -> Vec<R> {
        core::mem::take(&mut self.values)
    }

    /// Number of shared elements.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the vector is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Shares of `x + y` (local).
    pub fn add(&self, other: &Self) -> Result<Self, LengthMismatch> {
        self.zip_with(other, |a, b| a + b)
    }

    /// Shares of `x - y` (local).
    pub fn sub(&self, other: &Self) -> Result<Self, LengthMismatch> {
        self.zip_with(other, |a, b| a - b)
    }

    /// Shares of `-x` (local).
    pub fn neg(&self) -> Self {
        self.map(|a| -a)
    }

    /// Shares of `c * x` for a public constant (local).
    pub fn mul_scalar(&self, c: R) -> Self {
        self.map(|a| a * c)
    }

    /// Shares of `c ⊙ x` for a public vector (local).
    pub fn mul_public(&self, c: &[R]) -> Result<Self, LengthMismatch> {
        same_len(self.values.len(), c.len())?;
        let values = self.values.iter().zip(c).map(|(&a, &b)| a * b).collect();
        Ok(Shared { values })
    }

    /// Shares of the sum of all elements, a vector of length 1 (local).
    pub fn sum(&self) -> Self {
        let total = self.values.iter().fold(R::ZERO, |acc, &v| acc + v);
        Shared {
            values: vec![total],
        }
    }

    /// Shares of the elements `range` (local).
    pub fn slice(&self, range: core::ops::Range<usize>) -> Option<Self> {
        self.values
            .get(range)
            .map(|v| Shared { values: v.to_vec() })
    }

    /// Shares of the concatenation of `parts` (local).
    pub fn concat(parts: &[&Self]) -> Self {
        let values = parts
            .iter()
            .flat_map(|p| p.values.iter().copied())
            .collect();
        Shared { values }
    }

    fn map(&self, f: impl Fn(R) -> R) -> Self {
        Shared {
            values: self.values.iter().map(|&a| f(a)).collect(),
        }
    }

    fn zip_with(&self, other: &Self, f: impl Fn(R, R) -> R) -> Result<Self, LengthMismatch> {
        same_len(self.values.len(), other.values.len())?;
        let values = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(&a, &b)| f(a, b))
            .collect();
        Ok(Shared { values })
    }
}

/// This party's XOR shares of a secret bit vector, packed 64 bits to a word
/// (element `i` is bit `i % 64` of word `i / 64`; bits past `len` are zero).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SharedBits {
    words: Vec<u64>,
    len: usize,
}

impl fmt::Debug for SharedBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBits(len {}, redacted)", self.len)
    }
}

/// Number of 64-bit words that hold `bits` bits.
pub fn words_for(bits: usize) -> usize {
    bits.div_ceil(64)
}

impl SharedBits {
    /// Wraps packed share words; bits past `len` are cleared.
    pub fn from_words(mut words: Vec<u64>, len: usize) -> Self {
        words.resize(words_for(len), 0);
        if !len.is_multiple_of(64) {
            if let Some(last) = words.last_mut() {
                *last &= (1u64 << (len % 64)) - 1;
            }
        }
        SharedBits { words, len }
    }

    /// Packed share words.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Number of shared bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the vector is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// This party's share of bit `i`, if `i < len`.
    pub fn get(&self, i: usize) -> Option<bool> {
        (i < self.len).then(|| self.words[i / 64] >> (i % 64) & 1 == 1)
    }

    /// Shares of `x XOR y` (local).
    pub fn xor(&self, other: &Self) -> Result<Self, LengthMismatch> {
        same_len(self.len, other.len)?;
        let words = self
            .words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| a ^ b)
            .collect();
        Ok(SharedBits {
            words,
            len: self.len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::Z64;

    #[test]
    fn local_ops_and_redacted_debug() {
        let x = Shared::from_shares(vec![Z64(1), Z64(2)]);
        let y = Shared::from_shares(vec![Z64(5), Z64(u64::MAX)]);
        assert_eq!(x.add(&y).unwrap().shares(), &[Z64(6), Z64(1)]);
        assert_eq!(x.sub(&y).unwrap().shares(), &[Z64(u64::MAX - 3), Z64(3)]);
        assert_eq!(x.sum().shares(), &[Z64(3)]);
        assert_eq!(
            x.add(&Shared::from_shares(vec![])).unwrap_err(),
            LengthMismatch { left: 2, right: 0 }
        );
        assert_eq!(format!("{x:?}"), "Shared<64 bits>(len 2, redacted)");
    }

    #[test]
    fn bits_are_masked_past_len() {
        let b = SharedBits::from_words(vec![u64::MAX, u64::MAX], 70);
        assert_eq!(b.words(), &[u64::MAX, 0x3f]);
        assert_eq!(b.get(69), Some(true));
        assert_eq!(b.get(70), None);
    }
}
