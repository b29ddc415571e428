//! Leak 3: robust standard errors split the residual sum of squares. For
//! `sbp ~ region` (the coefficients are the level means) the HC0
//! variances are `Var(b_0) = S_north / n_north^2` and `Var(b_west) =
//! S_west / n_west^2 + S_north / n_north^2`, with `S_level` the level's
//! sum of squared deviations from its mean. Side B (the attacker)
//! subtracts its own records and learns side A's per-level mean and sum of
//! squared deviations; when A holds two records of a level, these give
//! both values exactly. The ordinary standard errors only give the total
//! over all levels (through `sigma`), which mixes A's levels.
//!
//! Under the default policy (each side's part of every level 0 or at least
//! `min_cell_per_party = min_cell`) the two-record level withholds the
//! regression, and a level of ten of A's records gives the attacker one
//! mean and one second moment of ten values, not a record. (A job may
//! lower `min_cell_per_party` to the floor of 3: then three records' mean
//! and second moment are released, and an attacker who knows one of them
//! from elsewhere solves for the other two. The reports and the
//! crate README say so.)

use duet_stats::results::{RegressionResult, StatBody};
use duet_stats::Job;

use super::common::{csv, job_text, run_records, POLICY};

const COLUMNS: &str = r#"
[[column]]
name = "sbp"
kind = "integer"
min = 50
max = 260

[[column]]
name = "region"
kind = "category"
levels = ["north", "west"]
"#;

fn stats(robust: bool) -> String {
    let line = if robust { "robust = \"hc1\"" } else { "" };
    format!("[[statistic]]\nkind = \"linear_regression\"\ny = \"sbp\"\nx = [\"region\"]\n{line}\n")
}

/// A's west records (what B wants).
const A_WEST: [i64; 2] = [131, 178];

/// Rows of one side: `north` sbp values, then `west` ones.
fn side(north: &[i64], west: &[i64]) -> String {
    let rows: Vec<String> = north
        .iter()
        .map(|v| format!("{v},north"))
        .chain(west.iter().map(|v| format!("{v},west")))
        .collect();
    let rows: Vec<(&str, usize)> = rows.iter().map(|r| (r.as_str(), 1)).collect();
    csv("sbp,region", &rows)
}

fn north(start: i64) -> Vec<i64> {
    (0..15).map(|i| start + 7 * i % 41).collect()
}

/// B's data: 15 north, 12 west.
fn b_west() -> Vec<i64> {
    (0..12).map(|i| 120 + 5 * i).collect()
}

/// The regression's result of a full run (records read, so the robust
/// pass runs).
fn run(job: &Job, a: &str, b: &str) -> RegressionResult {
    let x = run_records(job, a, b);
    match &x.statistics[0].body {
        StatBody::Regression(r) => r.clone(),
        _ => panic!("regression"),
    }
}

/// B's attack: A's west values from the released fit and B's own rows,
/// if the fit carries robust standard errors; else `None`.
fn attack(r: &RegressionResult, own_west: &[i64], n_a_west: usize) -> Option<Vec<i64>> {
    let (b0, bw) = (r.coefficients.first()?, r.coefficients.get(1)?);
    let (v0, vw) = (b0.robust.as_ref()?, bw.robust.as_ref()?);
    let n = r.n? as f64;
    let df = r.residual_df? as f64;
    let hc0 = |se: f64| se * se * df / n;
    let n_west = (own_west.len() + n_a_west) as f64;
    let mean_west = b0.estimate + bw.estimate;
    let s_west = n_west * n_west * (hc0(vw.std_error) - hc0(v0.std_error));
    let sum_a = n_west * mean_west - own_west.iter().sum::<i64>() as f64;
    let own_ss: f64 = own_west
        .iter()
        .map(|&y| (y as f64 - mean_west).powi(2))
        .sum();
    let s_a = s_west - own_ss;
    let k = n_a_west as f64;
    let m_a = sum_a / k;
    // The two-record solution: deviations +-d about A's own mean.
    let d = ((s_a - k * (m_a - mean_west).powi(2)) / k).max(0.0).sqrt();
    let mut out = vec![(m_a - d).round() as i64, (m_a + d).round() as i64];
    out.sort_unstable();
    Some(out)
}

fn with_policy(robust: bool, policy: &str) -> Job {
    Job::from_toml_str(&job_text(COLUMNS, &stats(robust), policy)).unwrap()
}

/// With disclosure control off (the policy floor of 3 forbids a per-party
/// threshold of 2 otherwise), the robust errors give A's two west records
/// exactly; the ordinary ones alone do not.
#[test]
fn with_two_records_of_a_level_robust_errors_would_reveal_them() {
    let loose = "[policy]\ndisclosure = \"off\"\nreason = \"attack test: rules disabled\"\nmin_cell = 0\nmin_group = 0\n";
    let a = side(&north(110), &A_WEST);
    let b = side(&north(115), &b_west());
    let plain = run(&with_policy(false, loose), &a, &b);
    assert!(!plain.coefficients.is_empty());
    assert_eq!(attack(&plain, &b_west(), 2), None);
    let robust = run(&with_policy(true, loose), &a, &b);
    let got = attack(&robust, &b_west(), 2).unwrap();
    assert_eq!(got, A_WEST, "the leak this policy allows");
}

/// The default policy withholds the regression with A's two west records:
/// no coefficient, no robust value, nothing to attack.
#[test]
fn the_default_policy_withholds_the_two_record_level() {
    let a = side(&north(110), &A_WEST);
    let b = side(&north(115), &b_west());
    let r = run(&with_policy(true, POLICY), &a, &b);
    assert!(r.coefficients.is_empty(), "{r:?}");
    assert_eq!(attack(&r, &b_west(), 2), None);
}

/// Under the default policy A holds ten west records (the least it may):
/// B learns their mean and second moment, and the two-record solution
/// matches none of them.
#[test]
fn ten_records_of_a_level_stay_hidden_under_the_default_policy() {
    let a_west: Vec<i64> = vec![131, 178, 140, 152, 166, 125, 149, 170, 138, 160];
    let a = side(&north(110), &a_west);
    let b = side(&north(115), &b_west());
    let r = run(&with_policy(true, POLICY), &a, &b);
    assert!(r.coefficients[1].robust.is_some(), "{r:?}");
    let got = attack(&r, &b_west(), 10).unwrap();
    for v in got {
        assert!(!a_west.contains(&v), "{v} is one of A's records");
    }
}
