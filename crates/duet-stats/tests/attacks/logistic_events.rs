//! Leak 5: a logistic regression on a category predictor opens each
//! level's event rate. For `sick ~ region` (saturated: intercept and one
//! indicator) the maximum-likelihood fit puts every level's fitted
//! probability at its own event rate, so `expit(b_0 + b_west)` is
//! `events_west / n_west`: an event count of the `region x sick` table,
//! which the contingency rules withhold when it is below `min_cell`. The
//! side that holds some of those events subtracts its own and learns how
//! many of the other side's west patients are sick.
//!
//! The gate therefore also gates every level's events and non-events of a
//! logistic block (pooled: 0 or at least `min_cell`; each side's part: 0
//! or at least `min_cell_per_party`). A level with no events stays
//! possible: the separation check then refuses the fit by name.

use duet_stats::results::StatBody;

use super::common::{csv, job_text, run_records, POLICY};

const COLUMNS: &str = r#"
[[column]]
name = "region"
kind = "category"
levels = ["north", "west"]

[[column]]
name = "sick"
kind = "integer"
min = 0
max = 1
"#;

const STATISTIC: &str =
    "[[statistic]]\nkind = \"logistic_regression\"\ny = \"sick\"\nx = [\"region\"]\n";

/// One side's 40 records: 20 north (half sick), 20 west of which
/// `sick_west` are sick.
fn side(sick_west: usize) -> String {
    levels(10, sick_west)
}

/// One side's 40 records: 20 north of which `sick_north` are sick, 20 west
/// of which `sick_west` are.
fn levels(sick_north: usize, sick_west: usize) -> String {
    let rows: Vec<String> = (0..20)
        .map(|i| format!("north,{}", u8::from(i < sick_north)))
        .chain((0..20).map(|i| format!("west,{}", u8::from(i < sick_west))))
        .collect();
    let rows: Vec<(&str, usize)> = rows.iter().map(|r| (r.as_str(), 1)).collect();
    csv("region,sick", &rows)
}

fn job() -> duet_stats::Job {
    let text = job_text(COLUMNS, STATISTIC, POLICY).replace("max_rows = 100000", "max_rows = 50");
    duet_stats::Job::from_toml_str(&text).unwrap()
}

/// The attacker (A, 1 sick west patient of its own) reads the west event
/// count off the coefficients and subtracts its own.
fn b_sick_west(body: &serde_json::Value, n_west: f64, own: f64) -> Option<f64> {
    let coefficient = |i: usize| body["coefficients"][i]["estimate"].as_f64();
    let (b0, b1) = (coefficient(0)?, coefficient(1)?);
    let rate = 1.0 / (1.0 + (-(b0 + b1)).exp());
    Some((rate * n_west).round() - own)
}

/// West holds 40 records (20 per side, far above `min_cell`) but only 3
/// events (A's 1, B's 2): the fit must not be released.
#[test]
fn a_level_with_few_events_withholds_the_fit() {
    let res = run_records(&job(), &side(1), &side(2));
    let stat = &res.statistics[0];
    let StatBody::Logistic(fit) = &stat.body else {
        panic!("not a logistic body: {stat:?}");
    };
    let body = serde_json::to_value(&stat.body).unwrap();
    let recovered = b_sick_west(&body, 40.0, 1.0);
    assert!(
        fit.suppressed && fit.coefficients.is_empty(),
        "the fit was released and gives B's sick west patients: {recovered:?} (truth 2); {body}"
    );
}

/// The control: with enough events and non-events in every level the same
/// job is fitted, and the rate it gives is the pooled one (so the attack
/// above reads a real count whenever a fit is released).
#[test]
fn a_level_with_enough_events_is_fitted_and_gives_its_rate() {
    // Each side's 10 events and 10 non-events in west pass the per-party
    // rule too.
    let res = run_records(&job(), &side(10), &side(10));
    let stat = &res.statistics[0];
    let body = serde_json::to_value(&stat.body).unwrap();
    assert_eq!(body["suppressed"], false, "{body}");
    assert_eq!(b_sick_west(&body, 40.0, 10.0), Some(10.0), "{body}");
}

/// Every level's events and non-events, the reference level's (north)
/// included, against the plaintext rule: both sides hold the same 20
/// records per level with `e` sick, so a level's pooled events are `2e`
/// and non-events `2 (20 - e)`, each side's `e` and `20 - e`. The fit is
/// released exactly when every one of them is 0 or at least 10.
#[test]
fn every_levels_events_and_non_events_gate_the_fit() {
    let passes = |e: usize| [e, 20 - e].iter().all(|&c| c == 0 || c >= 10);
    for north in [3, 10, 17] {
        for west in [3, 10, 17] {
            let res = run_records(&job(), &levels(north, west), &levels(north, west));
            let StatBody::Logistic(fit) = &res.statistics[0].body else {
                panic!("logistic");
            };
            let released = !fit.suppressed && !fit.coefficients.is_empty();
            assert_eq!(
                released,
                passes(north) && passes(west),
                "north {north} sick, west {west} sick per side: {fit:?}"
            );
        }
    }
}
