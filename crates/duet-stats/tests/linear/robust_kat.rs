//! Known answers: HC1 standard errors on shares against statsmodels
//! (`tests/data/hc1_kat/expected.json`, written by `make_and_fit.py`
//! there with its tool and version), on R's `cars` and on a
//! heteroskedastic design with a category predictor, each side holding
//! its CSV's rows, both rings.

use std::path::Path;

use duet_core::{Ring, Z128, Z64};
use duet_stats::secure::linear::{TermBounds, ACCURACY};

use crate::linear::data::Records;
use crate::linear::robust::{robust_error, secure_robust, Split};

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn expected(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir().join("hc1_kat/expected.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v[name].clone()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The rows of a CSV, each through `row` (the header skipped).
fn rows(path: &Path, row: impl Fn(&[&str]) -> Vec<i64>) -> Vec<Vec<i64>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| row(&l.split(',').collect::<Vec<_>>()))
        .collect()
}

fn load(
    folder: &str,
    bounds: Vec<TermBounds>,
    row: impl Fn(&[&str]) -> Vec<i64>,
) -> (Records, usize) {
    let a = rows(&dir().join(folder).join("a.csv"), &row);
    let b = rows(&dir().join(folder).join("b.csv"), &row);
    let first = a.len();
    let rows = a.into_iter().chain(b).collect();
    (Records { bounds, rows }, first)
}

fn cars() -> (Records, usize) {
    let b = |min, max| TermBounds { min, max };
    load("cars_kat", vec![b(0, 30), b(0, 150)], |f| {
        f.iter().map(|v| v.parse().unwrap()).collect()
    })
}

fn dose_site() -> (Records, usize) {
    let b = |min, max| TermBounds { min, max };
    let bounds = vec![
        b(0, 100),
        TermBounds::INDICATOR,
        TermBounds::INDICATOR,
        b(-100, 300),
    ];
    load("hc1_kat", bounds, |f| {
        let site = |s: &str| i64::from(f[1] == s);
        vec![
            f[0].parse().unwrap(),
            site("south"),
            site("east"),
            f[2].parse().unwrap(),
        ]
    })
}

fn check<R: Ring>(name: &str, (d, first): &(Records, usize), seed: u64) {
    let want = expected(name);
    let (fit, got) = secure_robust::<R>(seed, d, Split::First(*first)).unwrap();
    let (hc1, bse) = (floats(&want["hc1_bse"]), floats(&want["bse"]));
    for i in 0..got.len() {
        let rel = (got[i] - hc1[i]).abs() / hc1[i];
        println!(
            "{name}: se {} hc1 {} (statsmodels {}, relative {rel:.1e})",
            fit.std_errors[i], got[i], hc1[i]
        );
        assert!(rel < 1e-7, "{name} {i}: {} vs {}", got[i], hc1[i]);
        assert!((fit.std_errors[i] - bse[i]).abs() / bse[i] < 1e-7);
    }
    // The statsmodels figures are the oracle's too (the oracle is checked).
    assert!(
        robust_error(d, &hc1) < 1e-12,
        "the f64 oracle agrees with statsmodels"
    );
    assert!(robust_error(d, &got) <= ACCURACY);
}

#[test]
fn cars_matches_statsmodels_hc1_both_rings() {
    check::<Z64>("cars", &cars(), 21);
    check::<Z128>("cars", &cars(), 22);
}

#[test]
fn a_heteroskedastic_design_with_a_category_matches_statsmodels_hc1() {
    check::<Z64>("dose_site", &dose_site(), 23);
    check::<Z128>("dose_site", &dose_site(), 24);
}
