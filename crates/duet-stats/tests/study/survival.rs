//! Survival curves and the log-rank test of a two-party study against a
//! plaintext computation on the union of both sides' records: the
//! actuarial life table on yearly intervals (within 1e-12 of the formula
//! and within 0.02 of the exact Kaplan-Meier curve), and the exact
//! product-limit curve and log-rank test on daily intervals.

use duet_stats::plan::Accumulator;
use duet_stats::results::{Estimator, StatBody, SurvivalResult};
use duet_stats::{Job, Plan};
use rand::{Rng, SeedableRng};

use super::common::{job_head, run_pair};

/// (time in days, event 0/1, arm 0/1)
type Rec = (i64, i64, i64);

fn job(max_day: i64, edges: &[i64], policy: &str) -> Job {
    let edges: Vec<String> = edges.iter().map(i64::to_string).collect();
    Job::from_toml_str(&format!(
        r#"{head}[[column]]
name = "days"
kind = "integer"
min = 1
max = {max_day}
[[column]]
name = "event"
kind = "integer"
min = 0
max = 1
[[column]]
name = "arm"
kind = "category"
levels = ["a", "b"]
[[statistic]]
kind = "kaplan_meier"
time = "days"
event = "event"
by = ["arm"]
edges = [{edges}]
[policy]
{policy}
"#,
        head = job_head("survival", 100000),
        edges = edges.join(", ")
    ))
    .unwrap()
}

/// Constant hazards (arm b's 1.6 times arm a's), entry spread so that
/// censoring falls anywhere in follow-up.
fn cohort(seed: u64, n: usize, max_day: i64, daily_rate: f64) -> Vec<Rec> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let arm = rng.gen_range(0..2i64);
            let rate = daily_rate * if arm == 1 { 1.6 } else { 1.0 };
            let u: f64 = rng.gen_range(1e-12..1.0);
            let event = (-u.ln() / rate).ceil().max(1.0) as i64;
            let censor = rng.gen_range(1..=max_day);
            if event <= censor {
                (event, 1, arm)
            } else {
                (censor, 0, arm)
            }
        })
        .collect()
}

fn run(job: &Job, sides: [&[Rec]; 2]) -> SurvivalResult {
    let plan = Plan::new(job).unwrap();
    let agg = |recs: &[Rec]| {
        let mut acc = Accumulator::new(&plan);
        for &(t, e, a) in recs {
            acc.add(&[t, e, a]);
        }
        acc.finish()
    };
    let (a, b) = (agg(sides[0]), agg(sides[1]));
    let p = job.policy().clone();
    let ((r0, _), (r1, _)) = run_pair(job, &plan, [&a, &b], [p.clone(), p]);
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1, "the parties released different results");
    match &r0.statistic(0).unwrap().body {
        StatBody::Survival(s) => s.clone(),
        other => panic!("not a survival result: {other:?}"),
    }
}

fn count(recs: &[Rec], f: impl Fn(&Rec) -> bool) -> f64 {
    recs.iter().filter(|r| f(r)).count() as f64
}

/// The life table from the records: `S *= 1 - d / (n - c / 2)`.
fn actuarial(recs: &[Rec], edges: &[i64]) -> Vec<f64> {
    let mut s = 1.0;
    edges
        .windows(2)
        .map(|w| {
            let n = count(recs, |r| r.0 >= w[0]);
            let d = count(recs, |r| r.0 >= w[0] && r.0 < w[1] && r.1 == 1);
            let c = count(recs, |r| r.0 >= w[0] && r.0 < w[1] && r.1 == 0);
            s *= 1.0 - d / (n - c / 2.0);
            s
        })
        .collect()
}

/// Kaplan-Meier from the records, just before day `t`.
fn exact_km_before(recs: &[Rec], t: i64) -> f64 {
    (1..t).fold(1.0, |s, u| {
        let d = count(recs, |r| r.0 == u && r.1 == 1);
        if d == 0.0 {
            return s;
        }
        s * (1.0 - d / count(recs, |r| r.0 >= u))
    })
}

/// Two-group log-rank from the records at each distinct day.
fn log_rank_exact(recs: &[Rec], max_day: i64) -> f64 {
    let (mut o_minus_e, mut v) = (0.0, 0.0);
    for t in 1..=max_day {
        let n1 = count(recs, |r| r.0 >= t && r.2 == 0);
        let n = count(recs, |r| r.0 >= t);
        let d1 = count(recs, |r| r.0 == t && r.1 == 1 && r.2 == 0);
        let d = count(recs, |r| r.0 == t && r.1 == 1);
        if d == 0.0 || n < 2.0 {
            continue;
        }
        o_minus_e += d1 - n1 * d / n;
        v += d * (n - d) / (n - 1.0) * (n1 / n) * (1.0 - n1 / n);
    }
    o_minus_e * o_minus_e / v
}

fn arm(recs: &[Rec], a: i64) -> Vec<Rec> {
    recs.iter().copied().filter(|r| r.2 == a).collect()
}

#[test]
fn yearly_life_table_matches_the_union_and_tracks_the_exact_curve() {
    let edges: Vec<i64> = (0..=10).map(|y| 1 + 365 * y).collect();
    let job = job(3650, &edges, "min_cell = 10\nmin_group = 10");
    let (a, b) = (
        cohort(7, 1500, 3650, 0.075 / 365.0),
        cohort(8, 1200, 3650, 0.075 / 365.0),
    );
    let res = run(&job, [&a, &b]);
    let union: Vec<Rec> = a.iter().chain(&b).copied().collect();
    assert_eq!(res.curves.len(), 2);
    for (k, curve) in res.curves.iter().enumerate() {
        let recs = arm(&union, k as i64);
        assert_eq!(curve.estimator, Estimator::Actuarial);
        // The late years' few events are merged (the per-party rule),
        // and what the rules stop releasing is merged into the last step,
        // so the curve runs to the last edge; every released step is
        // checked on its own span.
        assert!(curve.steps.len() >= 6, "{}: {:?}", curve.group, curve.note);
        assert_eq!(
            curve.steps.last().map(|s| s.end as i64),
            edges.last().copied()
        );
        let spans: Vec<i64> = curve
            .steps
            .iter()
            .map(|s| s.start as i64)
            .chain(curve.steps.last().map(|s| s.end as i64))
            .collect();
        let want = actuarial(&recs, &spans);
        for (st, w) in curve.steps.iter().zip(&want) {
            assert!((st.survival - w).abs() < 1e-12, "{} vs {w}", st.survival);
            if st.end - st.start > 365.0 {
                continue; // a merged span's life-table step is coarser
            }
            let exact = exact_km_before(&recs, st.end as i64);
            assert!(
                (st.survival - exact).abs() <= 0.02,
                "{} vs exact {exact}",
                st.survival
            );
        }
    }
    let lr = res.log_rank.expect("a log-rank test");
    assert_eq!(lr.df, 1);
    assert!(lr.p_value < 1e-6, "hazards differ 1.6-fold: {lr:?}");
    let observed: f64 = lr.groups.iter().map(|g| g.observed).sum();
    let expected: f64 = lr.groups.iter().map(|g| g.expected).sum();
    let until = lr.until as i64;
    assert_eq!(observed, count(&union, |r| r.1 == 1 && r.0 < until));
    assert_eq!(
        res.note.is_some(),
        res.curves
            .iter()
            .any(|c| c.steps.last().map(|s| s.end as i64) > Some(until))
    );
    assert!((observed - expected).abs() < 1e-9);
}

#[test]
fn daily_intervals_give_the_exact_product_limit_curve_and_log_rank() {
    let edges: Vec<i64> = (1..=61).collect();
    let policy = "min_cell = 0\nmin_group = 0\ndisclosure = \"off\"\nreason = \"compares each day's step with the exact curve\"";
    let job = job(60, &edges, policy);
    let (a, b) = (cohort(9, 150, 60, 0.03), cohort(10, 130, 60, 0.03));
    let res = run(&job, [&a, &b]);
    let union: Vec<Rec> = a.iter().chain(&b).copied().collect();
    for (k, curve) in res.curves.iter().enumerate() {
        let recs = arm(&union, k as i64);
        assert_eq!(curve.estimator, Estimator::ProductLimit);
        assert!(!curve.steps.is_empty());
        for st in &curve.steps {
            let exact = exact_km_before(&recs, st.end as i64);
            assert!(
                (st.survival - exact).abs() < 1e-12,
                "day {}: {} vs {exact}",
                st.start,
                st.survival
            );
        }
        let median = (1..=60).find(|&t| exact_km_before(&recs, t + 1) <= 0.5);
        if let (Some(m), Some(got)) = (median, curve.median.time) {
            // The midpoint rule applies only on an exact 1/2.
            assert!(
                got >= m as f64 && got < m as f64 + 1.0 + 60.0,
                "median {got} vs {m}"
            );
            assert_eq!(got.fract(), 0.0, "no exact 1/2 expected here");
            assert_eq!(got, m as f64);
        } else {
            assert_eq!(median.map(|m| m as f64), curve.median.time);
        }
    }
    let lr = res.log_rank.expect("a log-rank test");
    let want = log_rank_exact(&union, 60);
    assert!(
        (lr.chi_square - want).abs() < 1e-9 * want.max(1.0),
        "{} vs {want}",
        lr.chi_square
    );
}
