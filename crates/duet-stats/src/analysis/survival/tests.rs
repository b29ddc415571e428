//! Unit tests of the survival curves, medians and the log-rank test.

use proptest::prelude::*;

use super::*;
use crate::results::Estimator;

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
        single_time: end - start == 1.0,
    })
}

/// `survival::aml`, maintained group (times 9, 13, 13+, 18, 23, 28+,
/// 31, 34, 45+, 48, 161+), one interval `[t, t + 1)` per distinct time:
/// the data's own resolution, so the product-limit estimator.
fn aml_maintained() -> Vec<Option<Interval>> {
    let rows = [
        (9.0, 11.0, 1.0, 0.0),
        (13.0, 10.0, 1.0, 1.0),
        (18.0, 8.0, 1.0, 0.0),
        (23.0, 7.0, 1.0, 0.0),
        (28.0, 6.0, 0.0, 1.0),
        (31.0, 5.0, 1.0, 0.0),
        (34.0, 4.0, 1.0, 0.0),
        (45.0, 3.0, 0.0, 1.0),
        (48.0, 2.0, 1.0, 0.0),
        (161.0, 1.0, 0.0, 1.0),
    ];
    rows.iter()
        .map(|&(t, n, d, c)| iv(t, t + 1.0, n, d, c))
        .collect()
}

/// `summary(survfit(Surv(time, status) ~ 1, aml, subset = x ==
/// "Maintained"))` prints survival 0.909 0.818 0.716 0.614 0.491 0.368
/// 0.184 with std.err (S * sqrt(Greenwood)) 0.0867 0.1163 0.1397 0.1526
/// 0.1642 0.1627 0.1535; the log-log limits are that variance
/// transformed, computed to full precision by the formula.
#[test]
fn matches_survfit_on_aml_maintained() {
    let c = survival_curve("x=Maintained".into(), &aml_maintained());
    assert_eq!(c.group, "x=Maintained");
    assert_eq!(c.note, None);
    assert_eq!(c.estimator, Estimator::ProductLimit);
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
        let step = c.steps.iter().find(|st| st.start == end).unwrap();
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
    let c = survival_curve("all".into(), &ivs);
    assert_eq!(c.steps.len(), 3);
    assert_eq!(
        c.note.as_deref(),
        Some(
            "the curve ends at 19: the number at risk in the next interval \
             was below the minimum cell count"
        )
    );
    let c = survival_curve("all".into(), &[None]);
    assert!(c.steps.is_empty());
    assert!(c.note.unwrap().starts_with("the curve ends at 0:"));
}

#[test]
fn empty_input_gives_an_empty_curve() {
    let c = survival_curve("all".into(), &[]);
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
    let c = survival_curve("all".into(), &ivs);
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
    let nan = survival_curve("all".into(), &[iv(0.0, 1.0, f64::NAN, 1.0, 1.0)]);
    assert!(nan.steps.is_empty());
}

#[test]
fn no_events_keeps_survival_at_one() {
    let c = survival_curve("all".into(), &[iv(0.0, 5.0, 20.0, 0.0, 4.0)]);
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
        let c = survival_curve("all".into(), &ivs);
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

/// One-value intervals `[t, t + 1)` for every `t` below 200, as a job
/// with daily edges on a day count releases them, from `(time, event)`
/// records.
fn exact_intervals(times: &[u32], events: &[u8]) -> Vec<Interval> {
    let recs: Vec<(u32, u8)> = times.iter().copied().zip(events.iter().copied()).collect();
    let count = |f: &dyn Fn(&(u32, u8)) -> bool| recs.iter().filter(|r| f(r)).count() as f64;
    (0..200u32)
        .map(|t| Interval {
            start: f64::from(t),
            end: f64::from(t) + 1.0,
            at_risk: count(&|r| r.0 >= t),
            events: count(&|r| r.0 == t && r.1 == 1),
            censored: count(&|r| r.0 == t && r.1 == 0),
            single_time: true,
        })
        .collect()
}

fn curve_of(group: &str, times: &[u32], events: &[u8]) -> SurvivalCurve {
    let ivs: Vec<Option<Interval>> = exact_intervals(times, events)
        .into_iter()
        .map(Some)
        .collect();
    survival_curve(group.into(), &ivs)
}

// Reference figures computed apart with lifelines 0.30.3 and statsmodels
// 0.15.0 (Python; `KaplanMeierFitter`, `median_survival_times` of its
// log(-log) band, `logrank_test`, `multivariate_logrank_test`,
// `statsmodels.duration.survfunc.survdiff`), 2026-12-06. R prints the same
// log-rank tests rounded: `survdiff(Surv(time, status) ~ x, aml)` Chisq =
// 3.4 on 1 df, p = 0.07.
const AML_MAINTAINED: ([u32; 11], [u8; 11]) = (
    [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161],
    [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0],
);
const AML_NONMAINTAINED: ([u32; 12], [u8; 12]) = (
    [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
);
/// Freireich et al. (1963) leukaemia remission times, 6-MP and placebo.
const SIX_MP: ([u32; 21], [u8; 21]) = (
    [
        6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35,
    ],
    [
        1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0,
    ],
);
const PLACEBO: [u32; 21] = [
    1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
];

#[test]
fn medians_and_limits_match_lifelines() {
    let cases = [
        (
            curve_of("m", &AML_MAINTAINED.0, &AML_MAINTAINED.1),
            (Some(31.0), Some(13.0), None),
        ),
        (
            curve_of("n", &AML_NONMAINTAINED.0, &AML_NONMAINTAINED.1),
            (Some(23.0), Some(5.0), Some(33.0)),
        ),
        (
            curve_of("6mp", &SIX_MP.0, &SIX_MP.1),
            (Some(23.0), Some(13.0), None),
        ),
        (
            curve_of("placebo", &PLACEBO, &[1; 21]),
            (Some(8.0), Some(4.0), Some(11.0)),
        ),
    ];
    for (c, (time, lo, hi)) in cases {
        assert_eq!(
            (c.median.time, c.median.ci_low, c.median.ci_high),
            (time, lo, hi),
            "{}",
            c.group
        );
    }
}

#[test]
fn median_of_a_flat_at_one_half_is_the_midpoint_to_the_next_drop() {
    // Four subjects, events at 1 and 2 then 3 and 4: S = 0.75, 0.5, 0.25, 0.
    let c = curve_of("all", &[1, 2, 3, 4], &[1, 1, 1, 1]);
    assert_eq!(c.median.time, Some(2.5));
    // Survival above one half throughout: no median and no upper limit;
    // the lower band (0.128 after the first event) gives the lower limit.
    let c = curve_of("all", &[1, 5, 6, 7], &[1, 0, 0, 0]);
    assert_eq!(
        (c.median.time, c.median.ci_low, c.median.ci_high),
        (None, Some(1.0), None)
    );
}

#[test]
fn actuarial_median_interpolates_within_the_interval() {
    // S = 0.8 after [0, 10), 0.4 after [10, 20): 1/2 is reached 3/4 of
    // the way through the second interval.
    let c = survival_curve(
        "all".into(),
        &[
            iv(0.0, 10.0, 100.0, 20.0, 0.0),
            iv(10.0, 20.0, 80.0, 40.0, 0.0),
        ],
    );
    assert_eq!(c.estimator, Estimator::Actuarial);
    close(c.median.time.unwrap_or(f64::NAN), 17.5, 1e-12);
}

fn group(name: &str, times: &[u32], events: &[u8]) -> (String, Vec<Interval>) {
    (name.to_string(), exact_intervals(times, events))
}

#[test]
fn log_rank_matches_lifelines_and_survdiff() {
    let aml = [
        group("m", &AML_MAINTAINED.0, &AML_MAINTAINED.1),
        group("n", &AML_NONMAINTAINED.0, &AML_NONMAINTAINED.1),
    ];
    let t = log_rank(&aml).unwrap();
    close(t.chi_square, 3.396_388_698_977_602, 1e-9);
    close(t.p_value, 0.065_339_322_040_504_9, 1e-9);
    assert_eq!((t.df, t.until), (1, 200.0));
    let o: Vec<f64> = t.groups.iter().map(|g| g.observed).collect();
    assert_eq!(o, [7.0, 11.0]);
    let freireich = [
        group("6mp", &SIX_MP.0, &SIX_MP.1),
        group("placebo", &PLACEBO, &[1; 21]),
    ];
    let t = log_rank(&freireich).unwrap();
    close(t.chi_square, 16.792_940_989_216_547, 1e-9);
    close(t.p_value, 4.168_809_109_334_511e-5, 1e-12);
}

#[test]
fn log_rank_with_three_groups_matches_lifelines() {
    let three = [
        group("m", &AML_MAINTAINED.0, &AML_MAINTAINED.1),
        group("n", &AML_NONMAINTAINED.0, &AML_NONMAINTAINED.1),
        group("placebo", &PLACEBO, &[1; 21]),
    ];
    let t = log_rank(&three).unwrap();
    close(t.chi_square, 25.200_937_524_203_564, 1e-9);
    assert_eq!(t.df, 2);
    close(t.p_value, 3.370_434_931_6e-6, 1e-14);
}

/// A cohort followed for up to ten years (days), events with a constant
/// hazard (S(10 y) about 0.47 without censoring), entry spread over the
/// ten years so censoring falls anywhere within each interval.
fn spread_cohort(n: usize, seed: u64) -> Vec<(u32, u8)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let rate = 0.075 / 365.0;
    (0..n)
        .map(|_| {
            let u: f64 = rng.gen_range(1e-12..1.0);
            let event = (-u.ln() / rate).ceil();
            let censor = f64::from(rng.gen_range(1..=3650u32));
            if event <= censor {
                (event as u32, 1)
            } else {
                (censor as u32, 0)
            }
        })
        .collect()
}

/// Kaplan-Meier from the records, just before `t`.
fn exact_km_before(recs: &[(u32, u8)], t: u32) -> f64 {
    let mut times: Vec<u32> = recs
        .iter()
        .filter(|r| r.1 == 1 && r.0 < t)
        .map(|r| r.0)
        .collect();
    times.sort_unstable();
    times.dedup();
    times.iter().fold(1.0, |s, &u| {
        let n = recs.iter().filter(|r| r.0 >= u).count() as f64;
        let d = recs.iter().filter(|r| r.0 == u && r.1 == 1).count() as f64;
        s * (1.0 - d / n)
    })
}

/// Yearly intervals of the cohort, as the job releases them.
fn yearly(recs: &[(u32, u8)]) -> Vec<Option<Interval>> {
    (0..10u32)
        .map(|y| {
            let (lo, hi) = (y * 365, (y + 1) * 365);
            let inside = |e: u8| {
                recs.iter()
                    .filter(|r| r.0 >= lo && r.0 < hi && r.1 == e)
                    .count()
            };
            iv(
                f64::from(lo),
                f64::from(hi),
                recs.iter().filter(|r| r.0 >= lo).count() as f64,
                inside(1) as f64,
                inside(0) as f64,
            )
        })
        .collect()
}

/// The case: yearly intervals over ten years of spread censoring.
/// The actuarial curve stays within 0.02 of the exact Kaplan-Meier curve
/// at every interval's end; counting the censored as at risk for the
/// whole interval (the estimator before) misses by more than 0.03.
#[test]
fn actuarial_curve_tracks_the_exact_curve_under_spread_censoring() {
    for seed in [1, 2, 3] {
        let recs = spread_cohort(3000, seed);
        let intervals = yearly(&recs);
        let c = survival_curve("all".into(), &intervals);
        assert_eq!((c.steps.len(), c.estimator), (10, Estimator::Actuarial));
        let mut worst_before = 0.0f64;
        let mut before = 1.0;
        for st in &c.steps {
            let exact = exact_km_before(&recs, st.end as u32);
            assert!(
                (st.survival - exact).abs() <= 0.02,
                "seed {seed}: {} vs {exact} at {}",
                st.survival,
                st.end
            );
            before *= 1.0 - st.events as f64 / st.at_risk as f64;
            worst_before = worst_before.max((before - exact).abs());
        }
        assert!(
            worst_before > 0.03,
            "seed {seed}: the old estimator missed by only {worst_before}"
        );
    }
}
