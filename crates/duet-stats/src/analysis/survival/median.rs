//! Median survival and its 95% limits (Brookmeyer and Crowley's
//! construction, as R's `survfit` and lifelines give it): the median is
//! where the curve first reaches 1/2, the limits where the lower and the
//! upper 95% band do.
//!
//! A product-limit step drops at its one time value; an actuarial curve
//! is taken as linear within each interval (the life-table median). A
//! step function that sits exactly at 1/2 gives the midpoint between
//! where it reaches 1/2 and where it next drops, as R does.

use super::Interval;
use crate::results::{MedianSurvival, SurvivalStep};

/// Tolerance for "exactly 1/2" on products of released counts.
const EXACT: f64 = 1e-12;

/// The median and its limits of the curve whose `steps` came from the
/// leading `intervals` (one step per interval, in order).
pub(super) fn median(steps: &[SurvivalStep], intervals: &[Option<Interval>]) -> MedianSurvival {
    let single: Vec<bool> = intervals.iter().flatten().map(|i| i.single_time).collect();
    MedianSurvival {
        time: crossing(steps, &single, |s| s.survival),
        ci_low: crossing(steps, &single, |s| s.ci_low),
        ci_high: crossing(steps, &single, |s| s.ci_high),
    }
}

/// Where `value` (1 before the first step) first reaches 1/2.
fn crossing(
    steps: &[SurvivalStep],
    single: &[bool],
    value: impl Fn(&SurvivalStep) -> f64,
) -> Option<f64> {
    let mut before = 1.0;
    for (k, st) in steps.iter().enumerate() {
        let v = value(st);
        if v > 0.5 + EXACT {
            before = v;
            continue;
        }
        if !single.get(k).copied().unwrap_or(false) {
            let share = if before > v {
                (before - 0.5) / (before - v)
            } else {
                1.0
            };
            return Some(st.start + share.clamp(0.0, 1.0) * (st.end - st.start));
        }
        if v >= 0.5 - EXACT {
            let next_drop = steps[k + 1..].iter().find(|s| value(s) < v - EXACT);
            if let Some(next) = next_drop {
                return Some((st.start + next.start) / 2.0);
            }
        }
        return Some(st.start);
    }
    None
}
