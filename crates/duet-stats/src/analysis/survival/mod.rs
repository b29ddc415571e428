//! Survival curves from released per-interval counts: the follow-up axis
//! is cut into intervals, and each interval releases its number at risk at
//! the start, its events and its censorings.
//!
//! - An interval that holds one time value (its width is the time
//!   column's resolution, as with daily intervals on a day count) gets
//!   the exact Kaplan-Meier product-limit step: those censored at that
//!   time count as at risk for its events, as in R's `survfit`.
//! - A wider interval gets the actuarial (life-table) step: those
//!   censored within it count as at risk for half of it, `n' = n - c / 2`
//!   (Cutler and Ederer), so censoring spread over the interval does not
//!   bias the curve upwards as counting them in full would.
//!
//! Greenwood's variance `S^2 sum d / (n' (n' - d))` with the log(-log)
//! 95% band (R: `conf.type = "log-log"`), the median and its limits
//! (`median`) and the log-rank test between groups (`log_rank`) are
//! computed from the same counts. Nothing here sees a share.

mod log_rank;
mod median;
#[cfg(test)]
mod tests;

pub(crate) use log_rank::log_rank;

use super::Z_975;
use crate::results::{Estimator, SurvivalCurve, SurvivalStep};

/// One interval's released counts, in natural units (noisy and
/// fractional under DP).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Interval {
    /// Interval start.
    pub(crate) start: f64,
    /// Interval end.
    pub(crate) end: f64,
    /// Number at risk at the start.
    pub(crate) at_risk: f64,
    /// Events in the interval.
    pub(crate) events: f64,
    /// Censorings in the interval.
    pub(crate) censored: f64,
    /// Whether the interval holds a single time value.
    pub(crate) single_time: bool,
}

/// Counts as used by the estimator: each rounded to the nearest whole
/// number, a non-finite or negative value taken as 0, events capped at the
/// number at risk and censorings at those left after the events. The step
/// shows these, so its survival can be recomputed from what it shows.
pub(crate) fn clamped(i: &Interval) -> (u64, u64, u64) {
    let whole = |v: f64| {
        if v.is_finite() {
            v.round().max(0.0)
        } else {
            0.0
        }
    };
    let n = whole(i.at_risk);
    let d = whole(i.events).min(n);
    let c = whole(i.censored).min(n - d);
    (n as u64, d as u64, c as u64)
}

/// Those at risk for an interval's events: `n`, or `n - c / 2` for an
/// interval wider than one time value (never below its events).
pub(crate) fn effective_at_risk(n: u64, d: u64, c: u64, single_time: bool) -> f64 {
    if single_time {
        n as f64
    } else {
        (n as f64 - c as f64 / 2.0).max(d as f64)
    }
}

/// The survival curve of one group: S is multiplied by `1 - d / n'` per
/// interval, with `n'` from [`effective_at_risk`].
///
/// The curve stops at the first suppressed (`None`) interval (the release
/// gate merges tails instead, so only a caller with gaps gives one), or at the
/// first whose number at risk is 0 after clamping, with a note saying so.
pub(crate) fn survival_curve(group: String, intervals: &[Option<Interval>]) -> SurvivalCurve {
    let mut steps = Vec::with_capacity(intervals.len());
    let mut note = None;
    let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
    let (mut single, mut wide) = (false, false);
    for slot in intervals {
        let Some(i) = slot else {
            let at = steps.last().map_or(0.0, |s: &SurvivalStep| s.end);
            note = Some(format!(
                "the curve ends at {at}: the number at risk in the next interval \
                 was below the minimum cell count"
            ));
            break;
        };
        let (n, d, c) = clamped(i);
        if n == 0 {
            note = Some(format!(
                "the curve ends at {}: no one left at risk",
                i.start
            ));
            break;
        }
        single |= i.single_time;
        wide |= !i.single_time;
        let eff = effective_at_risk(n, d, c, i.single_time);
        let df = d as f64;
        survival *= 1.0 - df / eff;
        if df < eff {
            greenwood += df / (eff * (eff - df));
        }
        let (ci_low, ci_high) = log_log_interval(survival, greenwood);
        steps.push(SurvivalStep {
            start: i.start,
            end: i.end,
            at_risk: n,
            events: d,
            censored: c,
            effective_at_risk: eff,
            survival,
            ci_low,
            ci_high,
        });
    }
    let estimator = match (single, wide) {
        (true, true) => Estimator::Mixed,
        (true, false) => Estimator::ProductLimit,
        _ => Estimator::Actuarial,
    };
    let median = median::median(&steps, intervals);
    SurvivalCurve {
        group,
        steps,
        estimator,
        median,
        note,
    }
}

/// `S^exp(+-z se)` with se = sqrt(V) / |log S|: the interval for log(-log S)
/// mapped back, always within [0, 1].
fn log_log_interval(s: f64, greenwood: f64) -> (f64, f64) {
    if s <= 0.0 || s >= 1.0 {
        return (s, s);
    }
    let se = greenwood.sqrt() / s.ln().abs();
    (s.powf((Z_975 * se).exp()), s.powf((-Z_975 * se).exp()))
}
