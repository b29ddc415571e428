//! The exact preprocessing one fit consumes, so a caller with OT
//! preprocessing can produce it ahead in one batch per ring.

use duet_core::{Channel, Engine, Needs, Preprocessing, Z128, Z64};

use super::fit::Shape;
use super::matrix::WIDE_FRAC;
use super::sigmoid::BREAKPOINTS;
use super::{LogisticError, LogisticOptions};

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
    let iters = options.iterations as usize;
    let z64 = Needs::for_mul((p - 1) * n) + per_record(shape).repeat(iters);
    let mut z128 = Needs::default();
    for it in 0..iters {
        let first = it == 0;
        let last = it + 1 == iters;
        z128 = z128 + per_step(shape, options, first, last);
    }
    // Release: two truncations of p values.
    z128 = z128 + Needs::for_mul(2 * p);
    Ok(FitNeeds { z64, z128 })
}

trait Repeat {
    fn repeat(self, times: usize) -> Needs;
}

impl Repeat for Needs {
    fn repeat(self, times: usize) -> Needs {
        (0..times).fold(Needs::default(), |acc, _| acc + self)
    }
}

/// The Z_2^64 part of one step.
fn per_record(shape: Shape) -> Needs {
    let (n, p) = (shape.n, shape.p);
    let eta = Needs::for_mul(n * p + n);
    let sig = Needs::for_ltz::<Z64>(BREAKPOINTS * n) + Needs::for_mul(7 * n);
    let sums = Needs::for_mul(n * p + n + n + 2 * n * p + n * shape.tri());
    eta + sig + sums
}

/// The Z_2^128 part of one step.
fn per_step(shape: Shape, options: &LogisticOptions, first: bool, last: bool) -> Needs {
    let p = shape.p;
    let q = p + shape.tri();
    let lift = q + if shape.lift_shift(options.frac_bits) > 0 {
        q
    } else {
        0
    };
    let ns = if first {
        options.inverse_first
    } else {
        options.inverse_warm
    } as usize;
    let inverse = ns * 2 * (p * p * p + p * p);
    let step = p * p + p;
    let clamp = Needs::for_ltz::<Z128>(2 * p) + Needs::for_mul(2 * p);
    let narrow = if last || WIDE_FRAC == options.frac_bits {
        0
    } else {
        p
    };
    Needs::for_mul(lift + inverse + step + narrow) + clamp
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
