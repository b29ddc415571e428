//! The fit's public parameters, with their defaults and checks.

use super::fit::Shape;
use super::{LogisticError, MAX_COLUMNS};

/// Public parameters of a fit; both parties must use the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogisticOptions {
    /// Newton steps (default 8, at least 1).
    pub iterations: u32,
    /// Fractional bits of the Z_2^64 shares (default 20, 12 to 22); the
    /// input must be encoded with the same.
    pub frac_bits: u32,
    /// Newton-Schulz steps for the first inverse (default 20, at most 64).
    pub inverse_first: u32,
    /// Newton-Schulz steps for the later, warm-started inverses (default 8,
    /// at most 64).
    pub inverse_warm: u32,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        LogisticOptions {
            iterations: 8,
            frac_bits: 20,
            inverse_first: 20,
            inverse_warm: 8,
        }
    }
}

impl LogisticOptions {
    /// Sets the number of Newton steps.
    pub fn with_iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations;
        self
    }

    /// Sets the fractional bits of the input and per-record arithmetic.
    pub fn with_frac_bits(mut self, frac_bits: u32) -> Self {
        self.frac_bits = frac_bits;
        self
    }

    /// Sets the Newton-Schulz steps of the first and later inverses.
    pub fn with_inverse_steps(mut self, first: u32, warm: u32) -> Self {
        self.inverse_first = first;
        self.inverse_warm = warm;
        self
    }

    /// The largest `n` these options allow: `2^(61 - 2 frac_bits)`.
    pub fn max_records(&self) -> usize {
        1usize << (61u32.saturating_sub(2 * self.frac_bits)).min(62)
    }

    fn bad(name: &'static str, value: u32, reason: &'static str) -> LogisticError {
        LogisticError::BadOption {
            name,
            value,
            reason,
        }
    }

    /// Checks the options against the public shape `n` x `p`.
    pub(crate) fn check(&self, n: usize, p: usize) -> Result<Shape, LogisticError> {
        if self.iterations == 0 {
            return Err(Self::bad("iterations", 0, "at least 1"));
        }
        if !(12..=22).contains(&self.frac_bits) {
            return Err(Self::bad("frac_bits", self.frac_bits, "12 to 22"));
        }
        for (name, v) in [
            ("inverse_first", self.inverse_first),
            ("inverse_warm", self.inverse_warm),
        ] {
            if v > 64 {
                return Err(Self::bad(name, v, "at most 64"));
            }
        }
        if p == 0 {
            return Err(LogisticError::NoColumns);
        }
        if p > MAX_COLUMNS {
            return Err(LogisticError::TooManyColumns {
                found: p,
                max: MAX_COLUMNS,
            });
        }
        if n == 0 {
            return Err(LogisticError::NoRecords);
        }
        if n > self.max_records() {
            return Err(LogisticError::TooManyRecords {
                n,
                max: self.max_records(),
                frac_bits: self.frac_bits,
            });
        }
        let s = usize::BITS - (n - 1).leading_zeros();
        Ok(Shape { n, p, s })
    }
}
