//! The fit's public parameters, with their defaults and checks, and the
//! exact preprocessing a fit consumes, so a caller with OT preprocessing
//! can produce it ahead in one batch per ring.

use duet_core::{Channel, Engine, Needs, Preprocessing, Z128, Z64};

use super::fit::Shape;
use super::matrix::WIDE_FRAC;
use super::sigmoid::{BREAKPOINTS, TERMS};
use super::{LogisticError, MAX_COLUMNS};

/// Public parameters of a fit; both parties must use the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogisticOptions {
    /// Newton steps (default 10, at least 1).
    pub iterations: u32,
    /// Fractional bits of the Z_2^64 shares (default 20, 12 to 22); the
    /// input must be encoded with the same.
    pub frac_bits: u32,
    /// Newton-Schulz steps for the first inverse (default 20, at most 64).
    pub inverse_first: u32,
    /// Newton-Schulz steps for the later, warm-started inverses (default 8,
    /// at most 64).
    pub inverse_warm: u32,
    /// Records per batch of the per-record work (default 8,192, at least
    /// 1): the fit tops up its Z_2^64 preprocessing before each batch, so
    /// memory follows the batch, not the number of records.
    pub batch: usize,
    /// Records in the warm-up sample (default 32,768; 0 turns the warm-up
    /// off): on more than twice as many records, the first Newton steps
    /// run on this many evenly spaced records only ([`warm_up_rows`]).
    pub warm_up: usize,
    /// Newton steps on the warm-up sample at most (default 7); the fit
    /// keeps at least [`MIN_FULL_STEPS`] steps on every record, so
    /// iterations beyond `warm_up_steps + 3` are all on every record.
    pub warm_up_steps: u32,
}

/// Newton steps on every record that a fit with a warm-up keeps at least:
/// from the sample's estimate (about `1 / sqrt(warm_up)` from the full
/// one on the standardised scale) Newton's quadratic convergence reaches
/// the fixed-point floor in two, and the third is the small last step the
/// convergence rule checks.
pub const MIN_FULL_STEPS: u32 = 3;

/// The warm-up sample of `m` out of `n` records: `floor(i n / m)` for
/// `i < m`, evenly spaced over the records as given (both sides' padded
/// rows in a pooled study), so public and independent of the data. A file
/// in any order (sorted by outcome, say) gives a sample spread over it.
pub fn warm_up_rows(n: usize, m: usize) -> Vec<usize> {
    let m = m.min(n);
    (0..m)
        .map(|i| ((i as u128 * n as u128) / m as u128) as usize)
        .collect()
}

impl Default for LogisticOptions {
    fn default() -> Self {
        LogisticOptions {
            iterations: 10,
            frac_bits: 20,
            inverse_first: 20,
            inverse_warm: 8,
            batch: super::records::BATCH,
            warm_up: 32_768,
            warm_up_steps: 7,
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

    /// Sets the records per batch of the per-record work.
    pub fn with_batch(mut self, records: usize) -> Self {
        self.batch = records;
        self
    }

    /// Sets the warm-up sample's records (0: no warm-up) and its most
    /// Newton steps.
    pub fn with_warm_up(mut self, records: usize, steps: u32) -> Self {
        self.warm_up = records;
        self.warm_up_steps = steps;
        self
    }

    /// How a fit on `n` records splits its Newton steps: `(warm, full)`,
    /// the steps on the warm-up sample, then those on every record.
    pub fn schedule(&self, n: usize) -> (u32, u32) {
        let sampled = self.warm_up > 0 && n / 2 > self.warm_up;
        let warm = if sampled {
            self.warm_up_steps
                .min(self.iterations.saturating_sub(MIN_FULL_STEPS))
        } else {
            0
        };
        (warm, self.iterations - warm.min(self.iterations))
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
            ("warm_up_steps", self.warm_up_steps),
        ] {
            if v > 64 {
                return Err(Self::bad(name, v, "at most 64"));
            }
        }
        if self.batch == 0 {
            return Err(Self::bad("batch", 0, "at least 1"));
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
        Ok(Shape { p, s })
    }
}

/// Preprocessing per ring for one fit (AND triples are ring-independent
/// and counted where they are used).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FitNeeds {
    /// Stocked with `Engine::preprocess::<Z64>`.
    pub z64: Needs,
    /// Stocked with `Engine::preprocess::<Z128>`.
    pub z128: Needs,
}

/// Exactly what [`super::fit_logistic`] draws on `n` records and `p`
/// columns with `options` (errors as the fit would report them).
pub fn needs(n: usize, p: usize, options: &LogisticOptions) -> Result<FitNeeds, LogisticError> {
    let shape = options.check(n, p)?;
    let (warm, full) = options.schedule(n);
    let (warm, full) = (warm as usize, full as usize);
    let b = options.batch;
    // Standardisation, then the data-only products x_j x_k (j, k >= 1),
    // each `b` elements at a time.
    let setup = chunks((p - 1) * n, b, Needs::for_trunc)
        + chunks(n * (p - 1) * p / 2, b, Needs::for_mul_fixed);
    let steps = chunks(options.warm_up, b, |m| batch_needs(m, p)).repeat(warm)
        + chunks(n, b, |m| batch_needs(m, p)).repeat(full);
    let z64 = setup + steps;
    let mut z128 = Needs::default();
    // Each stage starts its inverse afresh.
    if warm > 0 {
        let sample = options.check(options.warm_up, p)?;
        for it in 0..warm {
            z128 = z128 + per_step(sample, options, it == 0, false);
        }
    }
    for it in 0..full {
        z128 = z128 + per_step(shape, options, it == 0, it + 1 == full);
    }
    // Release: the Neumann terms (a truncation, then symmetric matrix
    // products, upper triangles), then two truncations of p values.
    let tri = p * (p + 1) / 2;
    let neumann = symmetric_product(p, tri).repeat(super::fit::NEUMANN_PRODUCTS);
    z128 = z128 + Needs::for_trunc(p * p) + neumann + Needs::for_trunc(p).repeat(2);
    // Convergence: the lifted count of saturated records, the step's
    // squares and one comparison.
    z128 = z128 + Needs::for_trunc(1) + Needs::for_mul(p) + Needs::for_ltz::<Z128>(1);
    Ok(FitNeeds { z64, z128 })
}

/// What a caller stocks before [`super::fit_logistic`] when it lets the fit
/// top up its Z_2^64 material batch by batch (bounded memory): the
/// Z_2^128 part, which does not grow with `n`.
pub fn needs_ahead(
    n: usize,
    p: usize,
    options: &LogisticOptions,
) -> Result<FitNeeds, LogisticError> {
    let all = needs(n, p, options)?;
    Ok(FitNeeds {
        z64: Needs::default(),
        z128: all.z128,
    })
}

/// The sum of `each(len)` over `total` elements cut into chunks of `size`.
fn chunks(total: usize, size: usize, each: impl Fn(usize) -> Needs) -> Needs {
    (0..total)
        .step_by(size.max(1))
        .fold(Needs::default(), |acc, start| {
            acc + each(size.min(total - start))
        })
}

trait Repeat {
    fn repeat(self, times: usize) -> Needs;
}

impl Repeat for Needs {
    fn repeat(self, times: usize) -> Needs {
        (0..times).fold(Needs::default(), |acc, _| acc + self)
    }
}

/// The Z_2^64 part of one step over a batch of `n` records of `p` columns
/// (each term one engine call: a truncation's bit-OLE pairs round up per
/// call).
pub(crate) fn batch_needs(n: usize, p: usize) -> Needs {
    let tri = p * (p + 1) / 2;
    let eta = Needs::for_mul(n * p) + Needs::for_trunc(n);
    let bits = super::sigmoid::compare_bits();
    let horner = Needs::for_mul_fixed(n).repeat(TERMS - 1) + Needs::for_trunc(n);
    // Narrowing, the sign, |x| at both precisions, the breakpoints, the
    // reflection.
    let sig = Needs::for_trunc(n)
        + Needs::for_ltz_within::<Z64>(n, bits)
        + Needs::for_mul_bit(2 * n)
        + Needs::for_ltz_within::<Z64>(BREAKPOINTS * n, bits)
        + Needs::for_mul_bit(n)
        + horner;
    let sums = Needs::for_mul(n * p + n) + Needs::for_trunc(n) + Needs::for_mul(n * tri);
    eta + sig + sums
}

/// One [`super::matrix::symmetric_product`]: `tri p` products, `tri` truncations.
fn symmetric_product(p: usize, tri: usize) -> Needs {
    Needs::for_mul(tri * p) + Needs::for_trunc(tri)
}

/// One `p x p` by `p x q` [`super::matrix::matmul`].
fn matmul(p: usize, q: usize) -> Needs {
    Needs::for_mul(p * p * q) + Needs::for_trunc(p * q)
}

/// The Z_2^128 part of one step.
fn per_step(shape: Shape, options: &LogisticOptions, first: bool, last: bool) -> Needs {
    let p = shape.p;
    let q = p + shape.tri();
    let lift = Needs::for_trunc(q)
        + if shape.lift_shift(options.frac_bits) > 0 {
            Needs::for_trunc(q)
        } else {
            Needs::default()
        };
    let ns = if first {
        options.inverse_first
    } else {
        options.inverse_warm
    } as usize;
    // A X in full, then the symmetric X (2I - A X) as its upper triangle.
    let tri = p * (p + 1) / 2;
    let inverse = (matmul(p, p) + symmetric_product(p, tri)).repeat(ns);
    let step = matmul(p, 1);
    let clamp = Needs::for_ltz::<Z128>(2 * p) + Needs::for_mul_bit(2 * p);
    let narrow = if last || WIDE_FRAC == options.frac_bits {
        Needs::default()
    } else {
        Needs::for_trunc(p)
    };
    lift + inverse + step + clamp + narrow
}

/// Stocks `needs` in `engine` (both parties call it with the same needs).
pub async fn preprocess<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    needs: &FitNeeds,
) -> Result<(), LogisticError> {
    engine.preprocess::<Z64>(needs.z64).await?;
    engine.preprocess::<Z128>(needs.z128).await?;
    Ok(())
}
