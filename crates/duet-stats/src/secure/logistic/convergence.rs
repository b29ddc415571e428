//! Whether a fit converged, decided on shares and opened as one bit.
//!
//! # The rule
//! The fit runs a number of Newton steps fixed by the job, so it cannot
//! stop when it converges; instead, after the last step, it checks:
//! 1. the last Newton step (before the coefficient bound) is small: its
//!    squared Euclidean norm on the standardised scale (every predictor
//!    mapped onto [-1, 1]) is below [`STEP_TOLERANCE`]^2 (1e-6). Newton
//!    converges quadratically, so a step of 1e-3 leaves an error of the
//!    order of 1e-6 in the coefficients, below the stated accuracy; a fit
//!    still moving (too few iterations, or coefficients running off under
//!    separation) takes larger steps;
//! 2. no record's fitted probability was exactly 0 or 1 at the last step's
//!    starting point: `|eta| < 14`, the sigmoid's last breakpoint, beyond
//!    which the secure sigmoid is exactly 0 or 1 (and the true probability
//!    below 8.3e-7 or above 1 - 8.3e-7). Under separation by a numeric
//!    predictor (or a combination) the coefficients grow until the
//!    separated records reach it; the sigmoid's gradient there is exactly
//!    0, so the steps then shrink and rule 1 alone would pass.
//!
//! Both in one comparison: `|step|^2 + k tol^2 < tol^2` for the number `k`
//! of saturated records, which holds exactly when `k = 0` and the step is
//! small. Only that bit is opened.
//!
//! # What it detects, and what not
//! It detects a fit still moving after the fixed steps, coefficients at
//! the bound 1024 (their step is not 0), and fitted probabilities at 0 or
//! 1, which is how separation by numeric predictors shows. It does not
//! tell these apart (one bit), nor does it prove that a converged fit is
//! the maximum: a legitimate fit with some record at `|eta| >= 14` (a
//! probability below 1e-6) is reported as not converged, which is right
//! for the secure fit (its sigmoid is flat there) though R's `glm` would
//! call it converged. Separation by a category predictor is refused
//! before the fit ([`super::separated`]).
//!
//! Measured (the ignored `stress` test of the `logistic` binary, 46
//! strong-effect fits with standardised coefficients up to 4 and p up to
//! 5): the 44 that the plaintext reference fits within the 10 steps all
//! open 1; of the two that need 11 reference steps, one opens 0 (its
//! errors 9.4e-6 and 8.1e-5), the other 1 (errors 7.1e-6 and 3.3e-6).
//!
//! # Cost
//! One lift (one Z_2^128 triple), `p` products for the squares, one
//! comparison on Z_2^128 and one opened bit: about 12 rounds.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128, Z64};

use super::matrix::{lift, WIDE_FRAC};
use super::LogisticError;

/// The largest Euclidean norm of the last Newton step, on the
/// standardised scale, of a fit reported as converged.
pub const STEP_TOLERANCE: f64 = 1e-3;

/// `STEP_TOLERANCE^2` at `2 WIDE_FRAC` fractional bits.
fn tolerance_squared() -> Z128 {
    let unit = 2f64.powi(2 * WIDE_FRAC as i32);
    Z128::from_i128((STEP_TOLERANCE * STEP_TOLERANCE * unit).round() as i128)
}

/// Shares of 1 when the fit converged by the rule above, else 0: `step`
/// is the last Newton step (p values at [`WIDE_FRAC`] bits, at most 2^18
/// each), `saturated` the shared count of saturated records (an integer
/// in Z_2^64, at most n).
pub(crate) async fn converged<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    step: &Shared<Z128>,
    saturated: &Shared<Z64>,
) -> Result<Shared<Z128>, LogisticError> {
    let count = lift(engine, saturated).await?;
    // Below p 2^36 2^80 <= 2^120: no wrap.
    let norm = engine.mul(step, step).await?.sum();
    let tol = tolerance_squared();
    let weighted = count.sum().mul_scalar(tol);
    let total = norm
        .add(&weighted)
        .map_err(super::sigmoid::length("convergence"))?;
    let margin = engine.add_public(&total, &[Z128::ZERO - tol])?;
    Ok(engine.ltz(&margin).await?)
}

/// Reads the opened bit: 0 or 1, else [`LogisticError::BadBit`].
pub(crate) fn read(opened: &[Z128]) -> Result<bool, LogisticError> {
    match opened.first().map(|v| v.to_u128()) {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        other => Err(LogisticError::BadBit {
            value: other.unwrap_or(u128::MAX),
        }),
    }
}
