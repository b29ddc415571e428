//! The rings Z_2^64 and Z_2^128 behind one [`Ring`] trait.
//!
//! Arithmetic wraps modulo 2^k, as additive secret sharing needs; the newtypes
//! make that explicit so a plain `u64` overflow check never meets a share.

use core::fmt;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use rand_core::RngCore;
use zeroize::DefaultIsZeroes;

use crate::preprocessing::{RingStock, Stock};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Z64 {}
    impl Sealed for super::Z128 {}
}

/// An element of Z_2^64. Operators wrap modulo 2^64.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Z64(pub u64);

/// An element of Z_2^128. Operators wrap modulo 2^128.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Z128(pub u128);

/// The ring Z_2^k with k = 64 or 128; every protocol is written once over it.
///
/// Sealed: only [`Z64`] and [`Z128`] implement it.
pub trait Ring:
    sealed::Sealed
    + Copy
    + Default
    + Eq
    + Send
    + Sync
    + 'static
    + fmt::Debug
    + DefaultIsZeroes
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// k, the number of bits.
    const BITS: u32;
    /// k / 8, the size of one encoded element.
    const BYTES: usize;
    /// k / 64, the number of 64-bit words in one element.
    const WORDS: usize;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;

    /// The element congruent to `v` modulo 2^k.
    fn from_u64(v: u64) -> Self;
    /// The element congruent to `v` modulo 2^k (negative values wrap).
    fn from_i128(v: i128) -> Self;
    /// The two's-complement signed value, sign-extended to i128.
    fn to_i128(self) -> i128;
    /// The unsigned value, zero-extended to u128.
    fn to_u128(self) -> u128;
    /// 64-bit word `i` of the element, least significant first (`i < WORDS`).
    fn word(self, i: usize) -> u64;
    /// The element whose 64-bit words are `words` (least significant first).
    fn from_words(words: &[u64]) -> Self;
    /// The most significant bit (the sign in two's complement).
    fn msb(self) -> bool;
    /// Logical shift right by `n < BITS`.
    fn shr(self, n: u32) -> Self;
    /// Shift left by `n < BITS`, wrapping.
    fn shl(self, n: u32) -> Self;
    /// A uniformly random element.
    fn random<G: RngCore + ?Sized>(rng: &mut G) -> Self;
    /// Writes the little-endian encoding into `out[..BYTES]`.
    fn write_le(self, out: &mut [u8]);
    /// Reads the little-endian encoding from `bytes[..BYTES]`.
    fn read_le(bytes: &[u8]) -> Self;

    /// This ring's slot in a preprocessing stock.
    #[doc(hidden)]
    fn stock_slot(stock: &mut Stock) -> &mut RingStock<Self>;
}

macro_rules! impl_ops {
    ($t:ident) => {
        impl Add for $t {
            type Output = $t;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                $t(self.0.wrapping_add(o.0))
            }
        }
        impl Sub for $t {
            type Output = $t;
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                $t(self.0.wrapping_sub(o.0))
            }
        }
        impl Mul for $t {
            type Output = $t;
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                $t(self.0.wrapping_mul(o.0))
            }
        }
        impl Neg for $t {
            type Output = $t;
            #[inline(always)]
            fn neg(self) -> $t {
                $t(self.0.wrapping_neg())
            }
        }
        impl AddAssign for $t {
            #[inline(always)]
            fn add_assign(&mut self, o: $t) {
                self.0 = self.0.wrapping_add(o.0);
            }
        }
        impl SubAssign for $t {
            #[inline(always)]
            fn sub_assign(&mut self, o: $t) {
                self.0 = self.0.wrapping_sub(o.0);
            }
        }
        impl MulAssign for $t {
            #[inline(always)]
            fn mul_assign(&mut self, o: $t) {
                self.0 = self.0.wrapping_mul(o.0);
            }
        }
        impl DefaultIsZeroes for $t {}
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:#x})", stringify!($t), self.0)
            }
        }
    };
}

impl_ops!(Z64);
impl_ops!(Z128);

impl Ring for Z64 {
    const BITS: u32 = 64;
    const BYTES: usize = 8;
    const WORDS: usize = 1;
    const ZERO: Self = Z64(0);
    const ONE: Self = Z64(1);

    #[inline(always)]
    fn from_u64(v: u64) -> Self {
        Z64(v)
    }
    #[inline(always)]
    fn from_i128(v: i128) -> Self {
        Z64(v as u64)
    }
    #[inline(always)]
    fn to_i128(self) -> i128 {
        i128::from(self.0 as i64)
    }
    #[inline(always)]
    fn to_u128(self) -> u128 {
        u128::from(self.0)
    }
    #[inline(always)]
    fn word(self, _i: usize) -> u64 {
        self.0
    }
    #[inline(always)]
    fn from_words(words: &[u64]) -> Self {
        Z64(words.first().copied().unwrap_or(0))
    }
    #[inline(always)]
    fn msb(self) -> bool {
        self.0 >> 63 == 1
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        Z64(self.0.wrapping_shr(n))
    }
    #[inline(always)]
    fn shl(self, n: u32) -> Self {
        Z64(self.0.wrapping_shl(n))
    }
    #[inline(always)]
    fn random<G: RngCore + ?Sized>(rng: &mut G) -> Self {
        Z64(rng.next_u64())
    }
    #[inline(always)]
    fn write_le(self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.0.to_le_bytes());
    }
    #[inline(always)]
    fn read_le(bytes: &[u8]) -> Self {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[..8]);
        Z64(u64::from_le_bytes(b))
    }
    fn stock_slot(stock: &mut Stock) -> &mut RingStock<Self> {
        &mut stock.z64
    }
}

impl Ring for Z128 {
    const BITS: u32 = 128;
    const BYTES: usize = 16;
    const WORDS: usize = 2;
    const ZERO: Self = Z128(0);
    const ONE: Self = Z128(1);

    #[inline(always)]
    fn from_u64(v: u64) -> Self {
        Z128(u128::from(v))
    }
    #[inline(always)]
    fn from_i128(v: i128) -> Self {
        Z128(v as u128)
    }
    #[inline(always)]
    fn to_i128(self) -> i128 {
        self.0 as i128
    }
    #[inline(always)]
    fn to_u128(self) -> u128 {
        self.0
    }
    #[inline(always)]
    fn word(self, i: usize) -> u64 {
        (self.0 >> (64 * (i & 1))) as u64
    }
    #[inline(always)]
    fn from_words(words: &[u64]) -> Self {
        let lo = u128::from(words.first().copied().unwrap_or(0));
        let hi = u128::from(words.get(1).copied().unwrap_or(0));
        Z128(lo | (hi << 64))
    }
    #[inline(always)]
    fn msb(self) -> bool {
        self.0 >> 127 == 1
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        Z128(self.0.wrapping_shr(n))
    }
    #[inline(always)]
    fn shl(self, n: u32) -> Self {
        Z128(self.0.wrapping_shl(n))
    }
    #[inline(always)]
    fn random<G: RngCore + ?Sized>(rng: &mut G) -> Self {
        let lo = u128::from(rng.next_u64());
        let hi = u128::from(rng.next_u64());
        Z128(lo | (hi << 64))
    }
    #[inline(always)]
    fn write_le(self, out: &mut [u8]) {
        out[..16].copy_from_slice(&self.0.to_le_bytes());
    }
    #[inline(always)]
    fn read_le(bytes: &[u8]) -> Self {
        let mut b = [0u8; 16];
        b.copy_from_slice(&bytes[..16]);
        Z128(u128::from_le_bytes(b))
    }
    fn stock_slot(stock: &mut Stock) -> &mut RingStock<Self> {
        &mut stock.z128
    }
}

/// Fills `out` with uniform elements, drawing the bytes in one batch.
pub fn fill_random<R: Ring, G: RngCore + ?Sized>(rng: &mut G, out: &mut [R]) {
    let mut buf = vec![0u8; 4096 * R::BYTES];
    for chunk in out.chunks_mut(4096) {
        let bytes = &mut buf[..chunk.len() * R::BYTES];
        rng.fill_bytes(bytes);
        for (v, b) in chunk.iter_mut().zip(bytes.chunks_exact(R::BYTES)) {
            *v = R::read_le(b);
        }
    }
}

/// A vector of `n` uniform elements.
pub fn random_vec<R: Ring, G: RngCore + ?Sized>(rng: &mut G, n: usize) -> Vec<R> {
    let mut v = vec![R::ZERO; n];
    fill_random(rng, &mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_signs() {
        assert_eq!(Z64(u64::MAX) + Z64(2), Z64(1));
        assert_eq!(Z64::from_i128(-1), Z64(u64::MAX));
        assert_eq!(Z64(u64::MAX).to_i128(), -1);
        assert_eq!(Z128::from_i128(-5).to_i128(), -5);
        assert!(Z128::from_i128(-5).msb());
        assert_eq!(Z128::from_words(&[3, 1]), Z128((1u128 << 64) | 3));
        assert_eq!(Z128((1u128 << 64) | 3).word(1), 1);
    }

    #[test]
    fn le_roundtrip() {
        let mut b = [0u8; 16];
        Z128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10).write_le(&mut b);
        assert_eq!(b[0], 0x10);
        assert_eq!(
            Z128::read_le(&b).0,
            0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10
        );
    }
}
