//! The public shape of a linear analysis: `n`, each term's declared
//! bounds, and the checks that keep every share in range.

use duet_core::Ring;

use super::meat::MAX_ROBUST_BITS;
use super::{LinearError, LinearFit, MAX_PREDICTORS};
use crate::secure::logistic::matrix::WIDE_FRAC;

/// A term's declared bounds in its integer units (`10^-places`); an
/// indicator is [`TermBounds::INDICATOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermBounds {
    /// Smallest value.
    pub min: i64,
    /// Largest value.
    pub max: i64,
}

impl TermBounds {
    /// The bounds of a 0/1 indicator.
    pub const INDICATOR: TermBounds = TermBounds { min: 0, max: 1 };

    /// The integer midpoint `c = floor((min + max) / 2)`.
    pub(crate) fn centre(&self) -> i128 {
        (i128::from(self.min) + i128::from(self.max)).div_euclid(2)
    }

    /// The half-width `s = max(max - c, c - min, 1)`: `|t - c| <= s`.
    pub(crate) fn half(&self) -> u128 {
        let c = self.centre();
        let s = (i128::from(self.max) - c).max(c - i128::from(self.min));
        s.max(1).unsigned_abs()
    }

    /// `max(|min|, |max|) / s`: how far the origin lies from the centre, in
    /// half-widths (at least 1/2).
    fn reach(&self) -> f64 {
        let far = self.min.unsigned_abs().max(self.max.unsigned_abs());
        far as f64 / self.half() as f64
    }
}

/// Public inputs of a correlation or regression on one cross block: the
/// pooled record count `n` (released separately, so public here) and the
/// declared bounds of the `m` terms, in block order (for a regression the
/// outcome is the last term).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinearShape {
    n: u64,
    bounds: Vec<TermBounds>,
}

/// The largest `log2(reach)` of a term the intercept's fixed point holds
/// (2^25 half-widths between the origin and the bounds' centre).
const MAX_REACH_BITS: u32 = 25;

/// The largest robust value (in the units of the opened variances) the
/// 40-bit fixed point holds with room: `2^84`.
const ROBUST_VALUE_BITS: u32 = 84;

impl LinearShape {
    /// Checks `n >= 1`, at least one term, and `min <= max` for each.
    pub fn new(n: u64, bounds: Vec<TermBounds>) -> Result<Self, LinearError> {
        if n == 0 {
            return Err(LinearError::NoRecords);
        }
        if bounds.is_empty() {
            return Err(LinearError::TooFewTerms { found: 0, min: 1 });
        }
        if let Some((term, b)) = bounds.iter().enumerate().find(|(_, b)| b.min > b.max) {
            return Err(LinearError::BadBounds {
                term,
                min: b.min,
                max: b.max,
            });
        }
        Ok(LinearShape { n, bounds })
    }

    /// The record count.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The number of terms `m`.
    pub fn terms(&self) -> usize {
        self.bounds.len()
    }

    /// The declared bounds, one per term.
    pub fn bounds(&self) -> &[TermBounds] {
        &self.bounds
    }

    /// Elements of the cross block: `1 + m + m (m + 1) / 2`.
    pub fn cross_len(&self) -> usize {
        let m = self.terms();
        1 + m + m * (m + 1) / 2
    }

    /// Coefficients of a regression, `p = m` (intercept and `m - 1`
    /// predictors).
    pub fn coefficients(&self) -> usize {
        self.terms()
    }

    /// Checks that the shifted sums fit the plan's ring:
    /// `n s_i s_j < 2^(k-2)` for all terms (so `n s_i` too).
    pub(crate) fn check_ring<R: Ring>(&self) -> Result<(), LinearError> {
        let s = self.bounds.iter().map(TermBounds::half).max().unwrap_or(1);
        let need = u128::from(self.n)
            .checked_mul(s)
            .and_then(|v| v.checked_mul(s));
        match need {
            Some(v) if v < 1u128 << (R::BITS - 2) => Ok(()),
            _ => Err(LinearError::OutOfRange { ring_bits: R::BITS }),
        }
    }

    /// `(m, k)` for a regression of the last term on `k = m - 1` others.
    pub(crate) fn check_regression(&self) -> Result<(usize, usize), LinearError> {
        let m = self.terms();
        if m < 2 {
            return Err(LinearError::TooFewTerms { found: m, min: 2 });
        }
        if m - 1 > MAX_PREDICTORS {
            return Err(LinearError::TooManyTerms {
                found: m,
                max: MAX_PREDICTORS + 1,
            });
        }
        if self.n <= m as u64 {
            return Err(LinearError::TooFewRecords { n: self.n, p: m });
        }
        self.intercept_shift()?;
        Ok((m, m - 1))
    }

    /// `(m, k)` for a robust fit after `fit` was released: the regression's
    /// checks, `n < 2^MAX_ROBUST_BITS`, and `(n - p)` times each opened
    /// variance value of `fit` (which bounds the robust one: `Var_HC0 <=
    /// max e^2 Var / sigma^2 <= (n - p) Var`) below `2^ROBUST_VALUE_BITS`,
    /// so the robust values fit the 40-bit fixed point. All public.
    pub(crate) fn check_robust(&self, fit: &LinearFit) -> Result<(usize, usize), LinearError> {
        let (m, k) = self.check_regression()?;
        if self.n >= 1u64 << MAX_ROBUST_BITS {
            return Err(LinearError::RobustRange);
        }
        if fit.coefficients.len() != m || fit.std_errors.len() != m {
            return Err(LinearError::OpenedLength {
                expected: m,
                found: fit.coefficients.len().min(fit.std_errors.len()),
            });
        }
        let df = (self.n - m as u64) as f64;
        let s: Vec<f64> = self.bounds.iter().map(|b| b.half() as f64).collect();
        let sy = s[k];
        let l = self.intercept_shift()?;
        let largest = fit
            .std_errors
            .iter()
            .enumerate()
            .map(|(i, se)| {
                let unit = match i {
                    0 => sy * sy * 4f64.powi(l as i32),
                    _ => sy * sy / (s[i - 1] * s[i - 1]),
                };
                se * se * df / unit
            })
            .fold(0.0, f64::max);
        let bound = df * largest;
        let fits = bound.is_finite() && bound < 2f64.powi(ROBUST_VALUE_BITS as i32);
        if !fits || fit.std_errors.iter().any(|se| !se.is_finite()) {
            return Err(LinearError::RobustRange);
        }
        Ok((m, k))
    }

    /// `l` with `2^l >= max reach / 32`: the intercept's computations use
    /// `mean(t_i) / s_i / 2^l`, at most 32 in magnitude.
    pub(crate) fn intercept_shift(&self) -> Result<u32, LinearError> {
        let reach = self
            .bounds
            .iter()
            .map(TermBounds::reach)
            .fold(1.0, f64::max);
        let bits = (reach / 32.0).log2().ceil().max(0.0) as u32;
        if bits + 5 > MAX_REACH_BITS {
            return Err(LinearError::InterceptRange {
                max_bits: MAX_REACH_BITS,
            });
        }
        Ok(bits)
    }

    /// `round(c_i 2^(WIDE_FRAC - l) / s_i)` per term, exact.
    pub(crate) fn centres_over_half(&self, l: u32) -> Vec<i128> {
        let unit = 1i128 << (WIDE_FRAC - l);
        self.bounds
            .iter()
            .map(|b| {
                let (c, s) = (b.centre(), b.half() as i128);
                let num = 2 * c * unit + s;
                num.div_euclid(2 * s)
            })
            .collect()
    }
}
