//! Quantiles: a type-1 quantile is the value of a real record, so an
//! extreme one is a single record's value. The reader here asks for a
//! sweep of probabilities (p = 0.01 gives the minimum of 20 records,
//! p = 0.99 the maximum, an outlier) and for the median of a one-record
//! group, and reads every released value. The release rules (a group
//! passes the gate; `n p >= min_cell` and `n (1 - p) >= min_cell`) stop
//! both: each released value has at least `min_cell` records at or below
//! and at or above it. With control off and thresholds at 0 (the rules
//! disabled) the same reads succeed, which shows the attack is real.

use super::common::{csv, job_text, run, POLICY};
use duet_stats::Job;

const COLUMNS: &str = r#"
[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 0
max = 250

[[column]]
name = "sex"
kind = "category"
levels = ["f", "m"]
"#;

const STATS: &str = r#"
[[statistic]]
kind = "quantile"
column = "sbp"
p = [0.01, 0.05, 0.1, 0.5, 0.9, 0.95, 0.99]

[[statistic]]
kind = "quantile"
column = "sbp"
p = [0.5]
by = ["sex"]
"#;

/// The rules switched off: control off, every threshold 0.
const OFF: &str = "[policy]\ndisclosure = \"off\"\nreason = \"attack test: rules disabled\"\nmin_cell = 0\nmin_group = 0\n";

/// B's outlier (a record of its own: the pooled maximum).
const OUTLIER: f64 = 249.9;
/// B's one male patient.
const MALE: f64 = 77.7;

/// One CSV row per record.
fn rows(r: &[String]) -> Vec<(&str, usize)> {
    r.iter().map(|s| (s.as_str(), 1)).collect()
}

/// Runs the job under `policy` and returns every released quantile
/// value that is a protected record's: one of the 9 smallest or 9 largest
/// (min_cell - 1 at either end) of the 21 records, or the male patient's.
fn attack(policy: &str) -> Vec<String> {
    let job = Job::from_toml_str(&job_text(COLUMNS, STATS, policy)).unwrap();
    // A: 10 women at 100.0 .. 109.0; B: 9 women at 110.0 .. 118.0, one
    // woman at the outlier, one man.
    let a_rows: Vec<String> = (0..10).map(|i| format!("{}.0,f", 100 + i)).collect();
    let mut b_rows: Vec<String> = (0..9).map(|i| format!("{}.0,f", 110 + i)).collect();
    b_rows.push(format!("{OUTLIER},f"));
    b_rows.push(format!("{MALE},m"));
    let a = csv("sbp,sex", &rows(&a_rows));
    let b = csv("sbp,sex", &rows(&b_rows));
    let res = run(&job, &a, &b);
    let mut all: Vec<f64> = a_rows
        .iter()
        .chain(&b_rows)
        .map(|r| r.split(',').next().unwrap().parse().unwrap())
        .collect();
    all.sort_by(f64::total_cmp);
    let extreme: Vec<f64> = all[..9]
        .iter()
        .chain(&all[all.len() - 9..])
        .copied()
        .collect();
    let mut read = Vec::new();
    for st in &res.statistics {
        let q = st.quantile().unwrap();
        for g in &q.groups {
            for v in &g.quantiles {
                let Some(x) = v.value else { continue };
                if extreme.contains(&x) || x == MALE {
                    read.push(format!("{} [{}] q({}) = {x}", st.label, g.group, v.p));
                }
            }
        }
    }
    read
}

#[test]
fn no_released_quantile_is_an_extreme_record_or_a_lone_record() {
    let read = attack(POLICY);
    assert!(read.is_empty(), "the reader recovered records: {read:?}");
}

#[test]
fn with_the_rules_off_the_same_reads_recover_the_records() {
    let read = attack(OFF);
    for want in [
        "#1 quantile(sbp) [all] q(0.99) = 249.9",
        "#1 quantile(sbp) [all] q(0.01) = 77.7",
        "#2 quantile(sbp by sex) [sex=m] q(0.5) = 77.7",
    ] {
        assert!(read.iter().any(|r| r == want), "missing {want}: {read:?}");
    }
}

#[test]
fn only_the_median_of_twenty_one_is_released_and_the_lone_group_opens_nothing() {
    let job = Job::from_toml_str(&job_text(COLUMNS, STATS, POLICY)).unwrap();
    let a = csv("sbp,sex", &[("105.0,f", 10)]);
    let b = csv("sbp,sex", &[("115.0,f", 10), ("77.7,m", 1)]);
    let res = run(&job, &a, &b);
    let all = res.statistic(0).unwrap().quantile().unwrap();
    let released: Vec<(f64, f64)> = all.groups[0]
        .quantiles
        .iter()
        .filter_map(|v| Some((v.p, v.value?)))
        .collect();
    // n 21, p 0.5: n p = 10.5 and n (1 - p) = 10.5, both >= 10: x_(11),
    // which is 105.0 (77.7, then ten at 105.0). p 0.9: n (1 - p) = 2.1
    // < 10, withheld (and the other p likewise).
    assert_eq!(released, vec![(0.5, 105.0)]);
    let by = res.statistic(1).unwrap().quantile().unwrap();
    assert!(by.groups[1].suppressed, "the one-record group was released");
    assert!(res.revealed.iter().all(|r| !r.name.contains("[sex=m].p=")));
}
