//! Leak 6: opened Newton iterates are equations in the other side's
//! records. With `fit = "opened-iterates"` every iterate `beta_t` is
//! released; A knows its own records, so each iterate is `p` equations in
//! B's, and a side with few records can be solved for. Here B holds 3
//! records (the per-party floor, all events, so every count rule passes)
//! with `x` on a grid of 11 values: A tries every possible 3 records,
//! replays the fit's Newton path (the same ridge and scaling, in f64) and
//! keeps the candidates whose path matches the released iterates.
//!
//! The gate counts the iterates as released values: an opened fit opens
//! `p (T + 1) + 1` values for at most `T` steps, and, like DataSHIELD's
//! `nfilter.glm`, each side contributing records must hold at least that
//! many divided by `max_params_ratio` (here 2 x 21 + 1 = 43 values, 131
//! records per side); the pooled n as well.

use duet_stats::results::StatBody;
use duet_stats::secure::logistic::logistic;

use super::common::{csv, job_text, run_records};

const COLUMNS: &str = r#"
[[column]]
name = "x"
kind = "integer"
min = 0
max = 10

[[column]]
name = "y"
kind = "integer"
min = 0
max = 1
"#;

const STATISTIC: &str = "[[statistic]]\nkind = \"logistic_regression\"\ny = \"y\"\nx = [\"x\"]\nfit = \"opened-iterates\"\n";

/// The job lowers every threshold to the floor of 3.
const POLICY: &str = "[policy]\nmin_cell = 3\nmin_group = 3\nmin_cell_per_party = 3\n";

/// `max_rows` per side.
const MAX_ROWS: usize = 150;

/// B's three records (what A wants): all events.
const B: [(i64, i64); 3] = [(2, 1), (7, 1), (7, 1)];

/// A's 140 records (enough for the pooled n and its own part): x cycling
/// over the grid, y in a pattern.
fn a_rows() -> Vec<(i64, i64)> {
    (0..140).map(|i| (i % 11, i64::from(i % 3 == 0))).collect()
}

fn to_csv(rows: &[(i64, i64)]) -> String {
    let lines: Vec<String> = rows.iter().map(|(x, y)| format!("{x},{y}")).collect();
    let lines: Vec<(&str, usize)> = lines.iter().map(|r| (r.as_str(), 1)).collect();
    csv("x,y", &lines)
}

/// The fit's Newton path in f64 on standardised `x` (bounds 0..10), with
/// its ridge `p 2^-18` and its public scaling `2^s >= n`, in original units.
fn path(rows: &[(i64, i64)], steps: usize) -> Vec<[f64; 2]> {
    // The sums are scaled by 2^s >= n, the released count.
    let s = (rows.len() as f64).log2().ceil().exp2();
    let ridge = 2.0 * 2f64.powi(-18);
    let std = |x: i64| (x as f64 - 5.0) / 5.0;
    let mut b = [0.0f64; 2];
    let mut out = Vec::new();
    for _ in 0..steps {
        let (mut g, mut h) = ([0.0; 2], [0.0; 3]);
        for &(x, y) in rows {
            let z = std(x);
            let pr = logistic(b[0] + b[1] * z);
            let (r, w) = (y as f64 - pr, pr * (1.0 - pr));
            g[0] += r;
            g[1] += r * z;
            h[0] += w;
            h[1] += w * z;
            h[2] += w * z * z;
        }
        let (a, c, d) = (h[0] / s + ridge, h[1] / s, h[2] / s + ridge);
        let det = a * d - c * c;
        let (g0, g1) = (g[0] / s, g[1] / s);
        b[0] += (d * g0 - c * g1) / det;
        b[1] += (a * g1 - c * g0) / det;
        out.push([b[0] - b[1], b[1] / 5.0]);
    }
    out
}

/// Every multiset of three records of one outcome whose replayed path
/// matches the released iterates.
fn candidates(iterates: &[Vec<f64>]) -> Vec<[(i64, i64); 3]> {
    let mut out = Vec::new();
    for y in 0..=1 {
        for x1 in 0..=10 {
            for x2 in x1..=10 {
                for x3 in x2..=10 {
                    let guess = [(x1, y), (x2, y), (x3, y)];
                    let mut rows = a_rows();
                    rows.extend(guess);
                    let replay = path(&rows, iterates.len());
                    let close = replay
                        .iter()
                        .zip(iterates)
                        .all(|(r, it)| r.iter().zip(it).all(|(u, v)| (u - v).abs() < 1e-7));
                    if close {
                        out.push(guess);
                    }
                }
            }
        }
    }
    out
}

fn job(policy: &str) -> duet_stats::Job {
    let text = job_text(COLUMNS, STATISTIC, policy)
        .replace("max_rows = 100000", &format!("max_rows = {MAX_ROWS}"));
    duet_stats::Job::from_toml_str(&text).unwrap()
}

fn iterates(res: &duet_stats::Results) -> Vec<Vec<f64>> {
    match &res.statistics[0].body {
        StatBody::Logistic(l) => l.iterates.clone(),
        other => panic!("not a logistic body: {other:?}"),
    }
}

/// The attack works wherever iterates are released: with disclosure
/// control off, A finds B's three records exactly, and only them.
#[test]
fn released_iterates_give_a_small_sides_records() {
    let off = "[policy]\ndisclosure = \"off\"\nreason = \"attack test\"\n";
    let res = run_records(&job(off), &to_csv(&a_rows()), &to_csv(&B));
    let its = iterates(&res);
    assert!(its.len() >= 3, "{its:?}");
    assert_eq!(candidates(&its), vec![B], "iterates {its:?}");
}

/// Under the job's policy (every threshold at the floor, so B's three
/// events pass each count rule, and the pooled 143 records pass the
/// pooled rule) the fit is withheld: B holds fewer than the 131 records
/// that 43 opened values need.
#[test]
fn the_gate_withholds_iterates_a_side_could_be_solved_from() {
    let res = run_records(&job(POLICY), &to_csv(&a_rows()), &to_csv(&B));
    let StatBody::Logistic(l) = &res.statistics[0].body else {
        panic!("logistic");
    };
    assert!(
        l.suppressed && l.iterates.is_empty() && l.coefficients.is_empty(),
        "released: {:?} -> candidates {:?}",
        l.iterates,
        candidates(&l.iterates)
    );
}
