//! Kaplan-Meier curves from released per-interval counts (life-table
//! style): the follow-up axis is cut into intervals, and each interval
//! releases its number at risk at the start, its events and its
//! censorings.

use super::Z_975;
use crate::results::{SurvivalCurve, SurvivalStep};

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
}

/// Counts as used by the estimator: each rounded to the nearest whole
/// number, a non-finite or negative value taken as 0, events capped at the
/// number at risk and censorings at those left after the events. The step
/// shows these, so its survival can be recomputed from what it shows.
fn clamped(i: &Interval) -> (u64, u64, u64) {
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

/// The Kaplan-Meier estimate on grouped times: events are counted at the
/// interval's end, censorings after them (so a censored subject counts
/// as at risk for the events of its interval, as in `survival::survfit`
/// when each interval ends at a distinct event time).
///
/// S is multiplied by 1 - d/n per interval. The 95% interval is the
/// log(-log) transform of Greenwood's variance (`survfit(...,
/// conf.type = "log-log")`); at S = 1 or S = 0 it collapses to S.
///
/// The curve stops at the first suppressed (`None`) interval, or at the
/// first whose number at risk is 0 after clamping, with a note saying so.
pub(crate) fn kaplan_meier(group: String, intervals: &[Option<Interval>]) -> SurvivalCurve {
    let mut steps = Vec::with_capacity(intervals.len());
    let mut note = None;
    let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
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
        let (nf, df) = (n as f64, d as f64);
        survival *= 1.0 - df / nf;
        if d < n {
            greenwood += df / (nf * (nf - df));
        }
        let (ci_low, ci_high) = log_log_interval(survival, greenwood);
        steps.push(SurvivalStep {
            start: i.start,
            end: i.end,
            at_risk: n,
            events: d,
            censored: c,
            survival,
            ci_low,
            ci_high,
        });
    }
    SurvivalCurve { group, steps, note }
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    fn iv(start: f64, end: f64, n: f64, d: f64, c: f64) -> Option<Interval> {
        Some(Interval {
            start,
            end,
            at_risk: n,
            events: d,
            censored: c,
        })
    }

    /// `survival::aml`, maintained group (times 9, 13, 13+, 18, 23, 28+,
    /// 31, 34, 45+, 48, 161+), one interval per distinct time.
    fn aml_maintained() -> Vec<Option<Interval>> {
        vec![
            iv(0.0, 9.0, 11.0, 1.0, 0.0),
            iv(9.0, 13.0, 10.0, 1.0, 1.0),
            iv(13.0, 18.0, 8.0, 1.0, 0.0),
            iv(18.0, 23.0, 7.0, 1.0, 0.0),
            iv(23.0, 28.0, 6.0, 0.0, 1.0),
            iv(28.0, 31.0, 5.0, 1.0, 0.0),
            iv(31.0, 34.0, 4.0, 1.0, 0.0),
            iv(34.0, 45.0, 3.0, 0.0, 1.0),
            iv(45.0, 48.0, 2.0, 1.0, 0.0),
            iv(48.0, 161.0, 1.0, 0.0, 1.0),
        ]
    }

    /// `summary(survfit(Surv(time, status) ~ 1, aml, subset = x ==
    /// "Maintained"))` prints survival 0.909 0.818 0.716 0.614 0.491 0.368
    /// 0.184 with std.err (S * sqrt(Greenwood)) 0.0867 0.1163 0.1397 0.1526
    /// 0.1642 0.1627 0.1535; the log-log limits are that variance
    /// transformed, computed to full precision by the formula.
    #[test]
    fn matches_survfit_on_aml_maintained() {
        let c = kaplan_meier("x=Maintained".into(), &aml_maintained());
        assert_eq!(c.group, "x=Maintained");
        assert_eq!(c.note, None);
        assert_eq!(c.steps.len(), 10);
        let want = [
            (
                9.0,
                0.909_090_909_090_909_1,
                0.508_080_205_769_929_6,
                0.986_673_822_667_823_1,
            ),
            (
                13.0,
                0.818_181_818_181_818_1,
                0.447_428_614_682_181_2,
                0.951_162_228_582_491_7,
            ),
            (
                18.0,
                0.715_909_090_909_090_8,
                0.350_190_385_907_938_3,
                0.899_023_974_191_053_4,
            ),
            (
                31.0,
                0.490_909_090_909_091,
                0.167_330_909_776_850_8,
                0.753_399_790_370_811_4,
            ),
            (
                48.0,
                0.184_090_909_090_909_1,
                0.011_738_480_123_189_58,
                0.525_014_842_726_641_6,
            ),
        ];
        for (end, s, lo, hi) in want {
            let step = c.steps.iter().find(|st| st.end == end).unwrap();
            close(step.survival, s, 1e-12);
            close(step.ci_low, lo, 1e-9);
            close(step.ci_high, hi, 1e-9);
        }
        let r_se = [0.0867, 0.1163, 0.1397, 0.1526, 0.1526, 0.1642, 0.1627];
        let mut v = 0.0;
        for (st, se) in c.steps.iter().zip(r_se) {
            let (n, d) = (st.at_risk as f64, st.events as f64);
            v += d / (n * (n - d));
            close(st.survival * f64::sqrt(v), se, 5e-5);
        }
    }

    #[test]
    fn stops_at_the_first_suppressed_interval() {
        let mut ivs = aml_maintained();
        ivs[3] = None;
        let c = kaplan_meier("all".into(), &ivs);
        assert_eq!(c.steps.len(), 3);
        assert_eq!(
            c.note.as_deref(),
            Some(
                "the curve ends at 18: the number at risk in the next interval \
                 was below the minimum cell count"
            )
        );
        let c = kaplan_meier("all".into(), &[None]);
        assert!(c.steps.is_empty());
        assert!(c.note.unwrap().starts_with("the curve ends at 0:"));
    }

    #[test]
    fn empty_input_gives_an_empty_curve() {
        let c = kaplan_meier("all".into(), &[]);
        assert!(c.steps.is_empty() && c.note.is_none());
    }

    /// Noisy counts: rounded, negatives to 0, events capped at n,
    /// censorings at n - d; n = 0 ends the curve.
    #[test]
    fn clamps_noisy_counts() {
        let ivs = [
            iv(0.0, 1.0, 10.4, 2.6, -1.0),
            iv(1.0, 2.0, 4.0, 7.0, 3.0),
            iv(2.0, 3.0, -0.2, 1.0, 0.0),
        ];
        let c = kaplan_meier("all".into(), &ivs);
        assert_eq!(c.steps.len(), 2);
        let s = &c.steps;
        assert_eq!((s[0].at_risk, s[0].events, s[0].censored), (10, 3, 0));
        close(s[0].survival, 0.7, 1e-12);
        assert_eq!((s[1].at_risk, s[1].events, s[1].censored), (4, 4, 0));
        assert_eq!((s[1].survival, s[1].ci_low, s[1].ci_high), (0.0, 0.0, 0.0));
        assert_eq!(
            c.note.as_deref(),
            Some("the curve ends at 2: no one left at risk")
        );
        let nan = kaplan_meier("all".into(), &[iv(0.0, 1.0, f64::NAN, 1.0, 1.0)]);
        assert!(nan.steps.is_empty());
    }

    #[test]
    fn no_events_keeps_survival_at_one() {
        let c = kaplan_meier("all".into(), &[iv(0.0, 5.0, 20.0, 0.0, 4.0)]);
        let s = &c.steps[0];
        assert_eq!((s.survival, s.ci_low, s.ci_high), (1.0, 1.0, 1.0));
    }

    proptest! {
        /// Survival never increases, stays in [0, 1], and its interval
        /// contains it, whatever (noisy) counts are released.
        #[test]
        fn survival_is_non_increasing_within_unit_interval(
            counts in prop::collection::vec((-5.0f64..60.0, -5.0f64..30.0, -5.0f64..30.0), 0..12),
        ) {
            let ivs: Vec<Option<Interval>> = counts
                .iter()
                .enumerate()
                .map(|(k, &(n, d, c))| iv(k as f64, k as f64 + 1.0, n, d, c))
                .collect();
            let c = kaplan_meier("all".into(), &ivs);
            let mut prev = 1.0;
            for st in &c.steps {
                prop_assert!((0.0..=1.0).contains(&st.survival));
                prop_assert!(st.survival <= prev);
                prop_assert!(st.ci_low <= st.survival && st.survival <= st.ci_high);
                prop_assert!(st.ci_low >= 0.0 && st.ci_high <= 1.0);
                prop_assert!(st.events + st.censored <= st.at_risk);
                prev = st.survival;
            }
        }
    }
}
