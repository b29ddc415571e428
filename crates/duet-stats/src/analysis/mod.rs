//! Tests and measures computed from released (opened, possibly noisy)
//! aggregates: post-processing only, nothing here sees a share.
//!
//! Every function takes values in their natural units, as released. Under
//! differential privacy a released count may be fractional or negative;
//! each function says how it clamps such inputs, so that a noisy release
//! yields a valid (if noisier) test instead of an error, while a truly
//! undefined test (an empty margin, fewer than two rows) is refused with a
//! reason the report can show.

mod correlation;
mod linear;
mod logistic;
mod normal;
mod survival;
mod tables;

pub(crate) use correlation::correlation_test;
pub(crate) use linear::{adjusted_r_squared, coefficient_test, overall_f};
pub(crate) use logistic::{aic, deviance_part, null_deviance};
pub(crate) use normal::{logistic_coefficient, welch, Moments};
pub(crate) use survival::{log_rank, survival_curve, Interval};
pub(crate) use tables::{chi_square, ratio, Measure};

/// The 97.5% quantile of the standard normal (R: `qnorm(0.975)`), for
/// two-sided 95% intervals.
const Z_975: f64 = 1.959_963_984_540_054;

/// Rejects a non-finite input with a reason naming it.
fn finite(what: &str, v: f64) -> Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{what} is not a finite number ({v})"))
    }
}
