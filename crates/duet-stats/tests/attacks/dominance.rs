//! The dominance rule: one huge value in a sum cell. The attacker knows
//! (or guesses) the small contributions and recovers the large one from
//! the released sum or mean. Before the gate the cell was released (20
//! records, 10 per side, pass every threshold); now the (n, k) rule (by
//! default the top 2 above 90% of the cell) withholds it.

use super::common::{csv, job, run};

const COLUMNS: &str = r#"
[[column]]
name = "income"
kind = "integer"
min = 0
max = 10000000

[[column]]
name = "region"
kind = "category"
levels = ["north", "west"]
"#;

const STATS: &str = r#"
[[statistic]]
kind = "sum"
column = "income"
by = ["region"]

[[statistic]]
kind = "mean"
column = "income"
by = ["region"]
"#;

/// Everyone earns about 30000; one of B's west patients earns 5 million.
const TYPICAL: i128 = 30_000;
const HUGE: i128 = 5_000_000;

#[test]
fn a_dominant_contribution_is_not_recoverable_from_the_sum_or_mean() {
    let job = job(COLUMNS, STATS);
    let a = csv("income,region", &[("30000,north", 15), ("30000,west", 10)]);
    let b = csv(
        "income,region",
        &[("30000,north", 15), ("30000,west", 9), ("5000000,west", 1)],
    );
    let res = run(&job, &a, &b);
    // The attacker (A) knows its own 10 west incomes and guesses B's 9
    // others at the typical income.
    let guess_from = |total: i128| total - 10 * TYPICAL - 9 * TYPICAL;
    let sums = res.statistic(0).unwrap().cells().unwrap();
    // North has no dominant contributor: it is released.
    assert_eq!(sums[0].sum.as_deref(), Some("900000"));
    if let Some(s) = &sums[1].sum {
        let guess = guess_from(s.parse().unwrap());
        assert_ne!(
            guess, HUGE,
            "the top income is the west sum {s} minus 19 x {TYPICAL}"
        );
    }
    let means = res.statistic(1).unwrap().cells().unwrap();
    if let (Some(n), Some(mean)) = (means[1].n, means[1].value) {
        let guess = guess_from((mean * n as f64).round() as i128);
        assert_ne!(
            guess, HUGE,
            "the top income is {n} x the west mean {mean} minus 19 x {TYPICAL}"
        );
    }
}

/// Open leak: the rule covers `sum` and `mean` cells only. A linear
/// regression on the same category opens, once the level passes the
/// thresholds, the level's sums (`sum(region=west*income)`) and
/// coefficients whose intercept + level slope is the level's mean; no
/// dominance check applies to either.
#[test]
fn a_dominant_contribution_is_not_recoverable_from_a_regression() {
    let stats = "[[statistic]]\nkind = \"count\"\nby = [\"region\"]\n\n\
                 [[statistic]]\nkind = \"linear_regression\"\ny = \"income\"\nx = [\"region\"]\n";
    let job = job(COLUMNS, stats);
    let a = csv("income,region", &[("30000,north", 15), ("30000,west", 10)]);
    let b = csv(
        "income,region",
        &[("30000,north", 15), ("30000,west", 9), ("5000000,west", 1)],
    );
    let res = run(&job, &a, &b);
    let guess_from = |total: i128| total - 10 * TYPICAL - 9 * TYPICAL;
    for (name, v) in super::common::opened(&res) {
        assert_ne!(
            guess_from(v),
            HUGE,
            "the top income is `{name}` ({v}) minus 19 x {TYPICAL}"
        );
    }
    let counts = res.statistic(0).unwrap().cells().unwrap();
    let reg = res.statistic(1).unwrap().regression().unwrap();
    let term = |t: &str| reg.coefficients.iter().find(|c| c.term == t);
    if let (Some(n), Some(b0), Some(b1)) = (counts[1].n, term("intercept"), term("region=west")) {
        let guess = guess_from(((b0.estimate + b1.estimate) * n as f64).round() as i128);
        assert_ne!(
            guess, HUGE,
            "the top income is {n} x ({} + {}) minus 19 x {TYPICAL}",
            b0.estimate, b1.estimate
        );
    }
}
