//! `(R_xx + r I)^-1` by Newton-Schulz with scaled steps (the acceleration
//! of V. Pan and R. Schreiber, "An improved Newton iteration for the
//! generalized inverse of a matrix", SIAM J. Sci. Stat. Comput. 12, 1991):
//! `X <- alpha X (2I - alpha A X)` from `X0 = I / (k + 1)`,
//! with public `alpha_t` chosen from a lower bound on the eigenvalues of
//! `A X`, so small eigenvalues grow fourfold per step instead of twofold.
//!
//! `X (2I - alpha A X)` is symmetric for a symmetric `X`, so only its
//! upper triangle is computed. `A X` is computed in full: taking its upper
//! triangle (it is symmetric in exact arithmetic) reintroduces each step
//! an error that the iteration no longer squares away, and the
//! `linear` tests' collinear designs then miss the stated accuracy.

use duet_core::{Channel, Engine, Preprocessing, Shared, Z128};

use super::fixed::{minus, wide};
use super::regression::VIF_LIMIT_BITS;
use super::LinearError;
use crate::secure::logistic::matrix::{matmul_scaled, scaled_identity, symmetric_product};

/// Steps stop once every eigenvalue above `lambda*` has converged: the
/// residual `1 - a_t` below `2^-45`.
const CONVERGED: f64 = 1.0 / (1u64 << 45) as f64;

/// Fractional bits of the public `alpha^2` folded into `A X`'s truncation.
const ALPHA_BITS: u32 = 32;

/// A bound on the steps whatever `k` (about 18 for `k = 16`).
const MAX_STEPS: usize = 64;

/// The scales `alpha_t`, one per Newton-Schulz step, for `k` predictors.
///
/// Only designs the singular flag accepts need an exact inverse. Let
/// `lambda* = 2^-(18 + ceil(log2 k))`, `a_0 = lambda* / (k + 1)`,
/// `alpha_t = 2 / (1 + a_t)` and `a_(t+1) = 4 a_t / (1 + a_t)^2`. An
/// eigenvalue `lambda` of `A` gives `A X_t` the eigenvalue `sigma_t`, with
/// `sigma_0 = lambda / (k + 1)` and `sigma_(t+1) = h_t(sigma_t) = alpha_t
/// sigma_t (2 - alpha_t sigma_t)`, whose largest value is 1 (so `X <=
/// A^-1`: the ridge bounds every iterate).
/// - `lambda >= lambda*`: `h_t` maps `[a_t, 1]` into `[a_(t+1), 1]`, so
///   `1 - sigma_t <= 1 - a_t`, which the steps take below `2^-45`.
/// - `lambda < lambda*`: `sigma_t < a_t` at every step (`h_t` increases
///   below `1 / alpha_t > a_t`) and `h_t(sigma) / sigma >= h_t(a_t) / a_t`,
///   so `sigma_s / sigma_0 >= a_s / a_0`: the computed inverse has an
///   eigenvalue of at least `a_s / lambda* ~ 4 k 2^16`, its trace exceeds
///   that, and some variance inflation factor exceeds `4 * 2^16`: the
///   design is flagged singular. (An accepted design has every VIF below
///   `2^16`, so `lambda_min >= 2^-16 / k > lambda*`.)
///
/// `alpha_t` is rounded to 2^-32; once it rounds to 1 the step is the
/// plain one. 16 steps for `k = 4` or 5 (the plain iteration took 28 and 29).
pub(crate) fn schedule(k: usize) -> Vec<f64> {
    let log = |v: usize| usize::BITS - v.saturating_sub(1).leading_zeros();
    let lambda_star = 2f64.powi(-((VIF_LIMIT_BITS + 2 + log(k)) as i32));
    let mut a = lambda_star / (k + 1) as f64;
    let mut alphas = Vec::new();
    while 1.0 - a > CONVERGED && alphas.len() < MAX_STEPS {
        alphas.push(round_alpha(2.0 / (1.0 + a)));
        a = 4.0 * a / ((1.0 + a) * (1.0 + a));
    }
    alphas
}

/// `alpha` on the 2^-ALPHA_BITS grid (1 exactly once it rounds there).
fn round_alpha(alpha: f64) -> f64 {
    (alpha * grid()).round() / grid()
}

/// `2^ALPHA_BITS` as a float.
fn grid() -> f64 {
    2f64.powi(ALPHA_BITS as i32)
}

/// Newton-Schulz steps for `k` predictors: the scaled schedule reaches
/// a residual below 2^-45 for every eigenvalue the singular flag accepts
/// (16 for four or five predictors, 18 for sixteen).
pub fn schulz_steps(k: usize) -> u32 {
    schedule(k).len() as u32
}

/// Shares of `(A)^-1` for the k x k matrix `A = R_xx + r I` (unit
/// diagonal plus ridge, eigenvalues in `(0, k + 1)`), at `WIDE_FRAC`
/// fractional bits.
///
/// Ranges: `A X` has eigenvalues in `(0, 1]`, so its entries are at most
/// about 1 and `alpha^2 2^32` times them stays below `2^(2 WIDE_FRAC +
/// 34)`, well inside truncation's `2^126`.
pub(crate) async fn inverse<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    a: &Shared<Z128>,
    k: usize,
) -> Result<Shared<Z128>, LinearError> {
    let mut x = scaled_identity(engine, wide(1.0 / (k + 1) as f64), k);
    for alpha in schedule(k) {
        let factor = Z128((alpha * alpha * grid()).round() as u128);
        let ax = matmul_scaled(engine, a, &x, k, k, factor, ALPHA_BITS).await?;
        let two = scaled_identity(engine, wide(2.0 * alpha), k);
        let u = minus(&two, &ax)?;
        x = symmetric_product(engine, &x, &u, k).await?;
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound `a_t` the steps follow, replayed from the scales.
    fn final_bound(k: usize) -> f64 {
        let log = |v: usize| usize::BITS - v.saturating_sub(1).leading_zeros();
        let mut a = 2f64.powi(-((VIF_LIMIT_BITS + 2 + log(k)) as i32)) / (k + 1) as f64;
        for _ in schedule(k) {
            a = 4.0 * a / ((1.0 + a) * (1.0 + a));
        }
        a
    }

    #[test]
    fn steps_reach_convergence_and_no_further() {
        for k in 1..=16 {
            let alphas = schedule(k);
            assert!(1.0 - final_bound(k) <= CONVERGED, "k = {k}");
            assert!(alphas.iter().all(|&a| (1.0..2.0).contains(&a)), "k = {k}");
            assert!(alphas.windows(2).all(|w| w[1] <= w[0]), "k = {k}");
            let last = alphas.last().copied().unwrap_or(0.0);
            assert!(last - 1.0 < 1e-6, "k = {k}: the last step is nearly plain");
        }
        let steps: Vec<u32> = [1, 4, 5, 16].iter().map(|&k| schulz_steps(k)).collect();
        assert_eq!(steps, [14, 16, 16, 18]);
    }
}
