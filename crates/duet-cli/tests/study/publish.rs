//! Two `duet run` processes over loopback QUIC on a job with quantiles,
//! survival curves and missing data (available cases), against a
//! plaintext computation on the union of both hospitals' rows: every
//! released count exact, means and survival within 1e-9, quantiles exact
//! (R's type 1), and the rows each statistic left out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::doc;
use crate::{root, stderr, wait_bounded, Setup};

const ROWS: usize = 1500;

const JOB: &str = r#"
[job]
name = "publishable"
version = 1
[parties]
p0 = { name = "hospital-a", cert_sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }
p1 = { name = "hospital-b", cert_sha256 = "1111111111111111111111111111111111111111111111111111111111111111", address = "127.0.0.1:4433" }
[data]
max_rows = 1500
on_missing = "drop"
missing = ["", "NA", "."]
[[column]]
name = "smoker"
kind = "category"
levels = ["no", "yes"]
[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 60
max = 260
[[column]]
name = "followup_days"
kind = "integer"
min = 1
max = 1825
[[column]]
name = "event"
kind = "integer"
min = 0
max = 1
[[statistic]]
kind = "mean"
column = "sbp"
by = ["smoker"]
[[statistic]]
kind = "kaplan_meier"
time = "followup_days"
event = "event"
by = ["smoker"]
edges = [1, 365, 730, 1095, 1460, 1826]
[[statistic]]
kind = "quantile"
column = "sbp"
p = [0.25, 0.5, 0.75]
by = ["smoker"]
[policy]
min_cell = 10
min_group = 10
"#;

/// (smoker, sbp in tenths, followup_days, event), `None` where missing.
type Row = [Option<i64>; 4];

/// The first `ROWS` rows of a hospital file with fields blanked in a
/// fixed pattern (`""`, `NA` and `.`), written to `dir`; and its rows.
fn with_gaps(dir: &Path, name: &str, shift: usize) -> (PathBuf, Vec<Row>) {
    let text = std::fs::read_to_string(root().join("datasets").join(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (smoker, sbp, days, event) = (
        col("smoker"),
        col("sbp"),
        col("followup_days"),
        col("event"),
    );
    let mut out = vec![header.join(",")];
    let mut rows = Vec::new();
    for (i, line) in lines.take(ROWS).enumerate() {
        let mut f: Vec<String> = line.split(',').map(String::from).collect();
        let k = i + shift;
        if k.is_multiple_of(7) {
            f[sbp] = String::new();
        }
        if k.is_multiple_of(23) {
            f[smoker] = "NA".into();
        }
        if k.is_multiple_of(17) {
            f[days] = ".".into();
        }
        let num = |s: &str, scale: f64| s.parse::<f64>().ok().map(|v| (v * scale).round() as i64);
        rows.push([
            match f[smoker].as_str() {
                "no" => Some(0),
                "yes" => Some(1),
                _ => None,
            },
            num(&f[sbp], 10.0),
            num(&f[days], 1.0),
            num(&f[event], 1.0),
        ]);
        out.push(f.join(","));
    }
    let path = dir.join(name);
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    (path, rows)
}

fn in_group<'a>(stat: &'a Value, measure: &str, level: &str) -> Vec<&'a Value> {
    doc::rows(stat, measure)
        .into_iter()
        .filter(|r| r["cell"]["smoker"] == level)
        .collect()
}

fn value(row: &Value) -> f64 {
    row["value"].as_f64().unwrap()
}

#[test]
fn quantiles_survival_and_missing_data_match_the_union() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, ra) = with_gaps(tmp.path(), "hospital_a.csv", 0);
    let (b, rb) = with_gaps(tmp.path(), "hospital_b.csv", 3);
    let setup = Setup::for_job("pooled_cohort.toml", &a, &b, |_| JOB.to_string());
    let pb = setup.start(1, &setup.job, 60);
    let pa = setup.start(0, &setup.job, 60);
    for p in [pa, pb] {
        let out = wait_bounded(p, Duration::from_secs(300));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let text = std::fs::read_to_string(setup.out[0].join("results.json")).unwrap();
    let other = std::fs::read_to_string(setup.out[1].join("results.json")).unwrap();
    assert_eq!(text, other, "both sides hold the same results");
    let d: Value = serde_json::from_str(&text).unwrap();
    doc::assert_valid(&d);
    let s = d["statistics"].as_array().unwrap();
    let all: Vec<Row> = ra.into_iter().chain(rb).collect();

    for (g, level) in ["no", "yes"].into_iter().enumerate() {
        let g = Some(g as i64);
        // #1 mean(sbp by smoker): rows recording smoker and sbp.
        let x: Vec<f64> = all
            .iter()
            .filter(|r| r[0] == g)
            .filter_map(|r| r[1])
            .map(|v| v as f64 / 10.0)
            .collect();
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        assert_eq!(value(in_group(&s[0], "n", level)[0]), x.len() as f64);
        let got = value(in_group(&s[0], "mean", level)[0]);
        assert!((got - mean).abs() < 1e-9 * mean, "mean {got} vs {mean}");
        let out = all.iter().filter(|r| r[0] == g && r[1].is_none()).count();
        assert_eq!(
            value(in_group(&s[0], "rows_excluded", level)[0]),
            out as f64
        );

        // #2 survival: rows recording smoker, time and event; yearly
        // intervals, the life table S *= 1 - d / (n - c / 2).
        let recs: Vec<(i64, i64)> = all
            .iter()
            .filter(|r| r[0] == g)
            .filter_map(|r| Some((r[2]?, r[3]?)))
            .collect();
        let at_risk = in_group(&s[1], "at_risk", level);
        let events = in_group(&s[1], "events", level);
        let survival = in_group(&s[1], "survival", level);
        assert!(!survival.is_empty(), "no released interval for {level}");
        // Intervals whose counts fail the rules are merged into spans;
        // each released row carries its span.
        let mut surv = 1.0;
        for k in 0..survival.len() {
            let span = &at_risk[k]["interval"];
            let lo = span["start"].as_f64().unwrap() as i64;
            let hi = span["end"].as_f64().unwrap() as i64;
            let n = recs.iter().filter(|r| r.0 >= lo).count() as f64;
            let inside = |e| {
                let within = |r: &&(i64, i64)| r.0 >= lo && r.0 < hi && r.1 == e;
                recs.iter().filter(within).count() as f64
            };
            let (d, c) = (inside(1), inside(0));
            surv *= 1.0 - d / (n - c / 2.0);
            assert_eq!(value(at_risk[k]), n, "{level} [{lo}, {hi})");
            assert_eq!(value(events[k]), d, "{level} [{lo}, {hi})");
            assert!(
                (value(survival[k]) - surv).abs() < 1e-9,
                "{level} [{lo}, {hi})"
            );
        }

        // #3 quartiles of sbp: x_(ceil(n p)) of the recorded values.
        let mut v: Vec<i64> = all
            .iter()
            .filter(|r| r[0] == g)
            .filter_map(|r| r[1])
            .collect();
        v.sort_unstable();
        let q = in_group(&s[2], "quantile", level);
        for (k, p) in [25, 50, 75].into_iter().enumerate() {
            let want = v[(v.len() * p).div_ceil(100) - 1] as f64 / 10.0;
            assert_eq!(value(q[k]), want, "{level} p 0.{p}");
        }
    }
    // Rows missing smoker are left out of all three; the survival curve's
    // total counts rows missing smoker, time or event.
    let no_smoker = all.iter().filter(|r| r[0].is_none()).count() as f64;
    let missing_group = |i: usize| value(doc::rows(&s[i], "rows_excluded_missing_group")[0]);
    assert_eq!(missing_group(0), no_smoker);
    assert_eq!(missing_group(2), no_smoker);
    let km_out = all
        .iter()
        .filter(|r| r[0].is_none() || r[2].is_none() || r[3].is_none())
        .count();
    let total = doc::rows(&s[1], "rows_excluded")
        .into_iter()
        .find(|r| r["cell"].as_object().is_some_and(|c| c.is_empty()))
        .unwrap();
    assert_eq!(value(total), km_out as f64);
}
