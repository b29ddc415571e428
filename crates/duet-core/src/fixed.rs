//! Fixed-point encoding: a real x is the ring element round(x * 2^f) in
//! two's complement, for a chosen number f of fractional bits.
//!
//! Encoding a value outside the representable range is an error, never a
//! silent wrap.

use crate::ring::Ring;

/// Why a value cannot be encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FixedError {
    /// NaN or infinite.
    #[error("{0} is not a finite number")]
    NotFinite(f64),
    /// Too large in magnitude for the ring and fractional bits.
    #[error("{value} is outside the representable range +-{limit} of {bits}-bit fixed point with {frac_bits} fractional bits")]
    OutOfRange {
        /// The value, as written.
        value: String,
        /// The largest representable magnitude (approximate).
        limit: f64,
        /// Ring width.
        bits: u32,
        /// Fractional bits.
        frac_bits: u32,
    },
    /// Not a decimal number (digits, one optional point, optional sign).
    #[error("'{0}' is not a decimal number")]
    NotDecimal(String),
    /// More decimal places than allowed.
    #[error("'{text}' has more than {places} decimal places")]
    TooManyPlaces {
        /// The text.
        text: String,
        /// Places allowed.
        places: u32,
    },
    /// Fractional bits that leave no integer part.
    #[error("{frac_bits} fractional bits do not fit a {bits}-bit ring")]
    BadFracBits {
        /// Fractional bits asked for.
        frac_bits: u32,
        /// Ring width.
        bits: u32,
    },
}

/// A fixed-point codec with `frac_bits` fractional bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedPoint {
    frac_bits: u32,
}

impl FixedPoint {
    /// A codec with `frac_bits` fractional bits (at most 100).
    pub fn new(frac_bits: u32) -> Result<Self, FixedError> {
        if frac_bits > 100 {
            return Err(FixedError::BadFracBits {
                frac_bits,
                bits: 128,
            });
        }
        Ok(FixedPoint { frac_bits })
    }

    /// Fractional bits.
    pub fn frac_bits(&self) -> u32 {
        self.frac_bits
    }

    fn check_ring<R: Ring>(&self) -> Result<(), FixedError> {
        if self.frac_bits + 2 > R::BITS {
            return Err(FixedError::BadFracBits {
                frac_bits: self.frac_bits,
                bits: R::BITS,
            });
        }
        Ok(())
    }

    /// Largest magnitude representable in `R`: 2^(k-1-f).
    pub fn limit<R: Ring>(&self) -> f64 {
        2f64.powi(R::BITS as i32 - 1 - self.frac_bits as i32)
    }

    /// Encodes `x`, rounding to the nearest multiple of 2^-f.
    pub fn encode_f64<R: Ring>(&self, x: f64) -> Result<R, FixedError> {
        self.check_ring::<R>()?;
        if !x.is_finite() {
            return Err(FixedError::NotFinite(x));
        }
        let scaled = (x * 2f64.powi(self.frac_bits as i32)).round();
        let bound = 2f64.powi(R::BITS as i32 - 1);
        if scaled >= bound || scaled < -bound {
            return Err(self.out_of_range::<R>(x.to_string()));
        }
        Ok(R::from_i128(scaled as i128))
    }

    /// Decodes a ring element to the nearest f64.
    pub fn decode_f64<R: Ring>(&self, v: R) -> f64 {
        v.to_i128() as f64 / 2f64.powi(self.frac_bits as i32)
    }

    /// Encodes a decimal string such as `-12.375` exactly rounded to the
    /// nearest multiple of 2^-f (no float in between).
    pub fn encode_decimal<R: Ring>(&self, text: &str) -> Result<R, FixedError> {
        self.check_ring::<R>()?;
        let (num, places) = parse_decimal(text)?;
        let overflow = || self.out_of_range::<R>(text.to_string());
        let den = 10i128.checked_pow(places).ok_or_else(overflow)?;
        let shifted = num
            .checked_mul(1i128.checked_shl(self.frac_bits).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        // Round half away from zero: (2n + sign*d) / 2d.
        let twice = shifted.checked_mul(2).ok_or_else(overflow)?;
        let q = (twice + shifted.signum() * den) / (2 * den);
        let bound = 1i128.checked_shl(R::BITS - 1).unwrap_or(i128::MAX);
        if R::BITS < 128 && (q >= bound || q < -bound) {
            return Err(overflow());
        }
        Ok(R::from_i128(q))
    }

    fn out_of_range<R: Ring>(&self, value: String) -> FixedError {
        FixedError::OutOfRange {
            value,
            limit: self.limit::<R>(),
            bits: R::BITS,
            frac_bits: self.frac_bits,
        }
    }
}

/// Parses a decimal to (integer of all digits, number of places):
/// `-12.375` is (-12375, 3).
pub fn parse_decimal(text: &str) -> Result<(i128, u32), FixedError> {
    let bad = || FixedError::NotDecimal(text.to_string());
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    let mut num: i128 = 0;
    for ch in int.chars().chain(frac.chars()) {
        let d = ch.to_digit(10).ok_or_else(bad)?;
        num = num
            .checked_mul(10)
            .and_then(|n| n.checked_add(i128::from(d)))
            .ok_or_else(bad)?;
    }
    let places = u32::try_from(frac.len()).map_err(|_| bad())?;
    Ok((if neg { -num } else { num }, places))
}

/// Parses a decimal with at most `places` places as an integer count of
/// 10^-places units: `12.5` with 2 places is 1250. Exact, no rounding.
pub fn parse_scaled_decimal(text: &str, places: u32) -> Result<i128, FixedError> {
    let (num, have) = parse_decimal(text)?;
    if have > places {
        return Err(FixedError::TooManyPlaces {
            text: text.to_string(),
            places,
        });
    }
    10i128
        .checked_pow(places - have)
        .and_then(|m| num.checked_mul(m))
        .ok_or_else(|| FixedError::NotDecimal(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::{Z128, Z64};

    #[test]
    fn encodes_exactly_and_refuses_overflow() {
        let fp = FixedPoint::new(16).unwrap();
        assert_eq!(fp.encode_f64::<Z64>(1.5).unwrap(), Z64(3 << 15));
        assert_eq!(fp.encode_f64::<Z64>(-1.0).unwrap(), Z64((-65536i64) as u64));
        assert_eq!(fp.decode_f64(fp.encode_f64::<Z64>(-2.25).unwrap()), -2.25);
        assert_eq!(
            fp.encode_decimal::<Z64>("-12.375").unwrap(),
            Z64::from_i128(-12 * 65536 - 24576)
        );
        assert_eq!(fp.encode_decimal::<Z128>("0.1").unwrap(), Z128(6554));
        assert!(matches!(
            fp.encode_f64::<Z64>(2f64.powi(47)),
            Err(FixedError::OutOfRange { .. })
        ));
        assert!(fp.encode_f64::<Z64>(2f64.powi(47) - 1.0).is_ok());
        assert!(matches!(
            fp.encode_decimal::<Z64>("140737488355328"),
            Err(FixedError::OutOfRange { .. })
        ));
        assert!(matches!(
            fp.encode_f64::<Z64>(f64::NAN),
            Err(FixedError::NotFinite(_))
        ));
        assert!(matches!(
            parse_decimal("1.2.3"),
            Err(FixedError::NotDecimal(_))
        ));
        assert!(matches!(parse_decimal("."), Err(FixedError::NotDecimal(_))));
    }

    #[test]
    fn scaled_decimals() {
        assert_eq!(parse_scaled_decimal("12.5", 2).unwrap(), 1250);
        assert_eq!(parse_scaled_decimal("-3", 1).unwrap(), -30);
        assert!(matches!(
            parse_scaled_decimal("1.234", 2),
            Err(FixedError::TooManyPlaces { .. })
        ));
    }
}
