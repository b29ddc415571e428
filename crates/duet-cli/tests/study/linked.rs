//! The linked exposure study and the DP release through `duet demo`, over
//! loopback QUIC: the released values against a plaintext join, and
//! nothing of the agency's identifiers or rows in what the hospital (the
//! receiver) stores or prints.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::doc::{self, nth};
use crate::oracle::ols;
use crate::{duet, root, stderr, wait_bounded};

struct Agency {
    pm25: f64,
    band: String,
}

fn csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(root().join("datasets").join(name)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

fn agency() -> (Vec<Vec<String>>, HashMap<String, Agency>) {
    let (_, rows) = csv("agency_exposure.csv");
    let map = rows
        .iter()
        .map(|r| {
            let a = Agency {
                pm25: r[2].parse().unwrap(),
                band: r[4].clone(),
            };
            (r[0].to_lowercase(), a)
        })
        .collect();
    (rows, map)
}

/// Hospital B's rows (by header) joined to the agency's.
fn joined() -> Vec<(BTreeMap<String, String>, f64, String)> {
    let (header, rows) = csv("hospital_b.csv");
    let (_, agency) = agency();
    rows.into_iter()
        .filter_map(|r| {
            let a = agency.get(&r[0].to_lowercase())?;
            let m = header.iter().cloned().zip(r).collect();
            Some((m, a.pm25, a.band.clone()))
        })
        .collect()
}

fn run_demo(study: &str, dir: &Path) -> std::process::Output {
    let child = duet()
        .args(["demo", "--json", "--study", study, "--out"])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_bounded(child, Duration::from_secs(300));
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn results(dir: &Path, who: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(who).join("results.json")).unwrap()).unwrap()
}

#[test]
fn linked_demo_releases_the_plaintext_join_statistics_and_keeps_the_agency_data_away() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_demo("linked", dir.path());
    let (h, a) = (
        results(dir.path(), "hospital-b"),
        results(dir.path(), "environment-agency"),
    );
    assert_eq!(h, a, "both institutions hold the same results");
    let rows = joined();
    let s = &h["statistics"];
    assert_eq!(h["linkage"]["linked"].as_u64().unwrap(), rows.len() as u64);
    doc::assert_valid(&h);
    assert_eq!(doc::n(&s[0], 0), Some(rows.len() as u64));
    // #2 mean PM2.5 by diabetes.
    for (i, d) in ["no", "yes"].iter().enumerate() {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.0["diabetes"] == *d)
            .map(|r| r.1)
            .collect();
        let want = v.iter().sum::<f64>() / v.len() as f64;
        let got = nth(&s[1], "mean", i)["value"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "mean pm25 {d}: {got} vs {want}");
    }
    // #3 chi-square table: PM2.5 band by diabetes, exact counts.
    for (i, band) in ["low", "medium", "high"].iter().enumerate() {
        for (j, d) in ["no", "yes"].iter().enumerate() {
            let n = rows
                .iter()
                .filter(|r| r.2 == *band && r.0["diabetes"] == *d)
                .count();
            let cell = nth(&s[2], "n", i * 2 + j);
            assert_eq!(
                cell["cell"],
                serde_json::json!({"pm25_band": band, "diabetes": d})
            );
            if n >= 10 {
                assert_eq!(doc::n(&s[2], i * 2 + j), Some(n as u64), "{band} {d}");
            } else {
                assert_eq!(cell["released"], false);
            }
        }
    }
    // #7 linear regression of sbp on age, smoker, bmi, sex and PM2.5.
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|(m, pm, _)| {
            let f = |k: &str| m[k].parse::<f64>().unwrap();
            vec![
                1.0,
                f("age"),
                f64::from(u8::from(m["smoker"] == "yes")),
                f("bmi"),
                f64::from(u8::from(m["sex"] == "M")),
                *pm,
            ]
        })
        .collect();
    let y: Vec<f64> = rows.iter().map(|r| r.0["sbp"].parse().unwrap()).collect();
    let (beta, _, _) = ols(&x, &y);
    let coef = doc::rows(&s[6], "estimate");
    for (k, b) in beta.iter().enumerate() {
        let got = coef[k]["value"].as_f64().unwrap();
        assert!(
            (got - b).abs() < 1e-6 * b.abs().max(1.0),
            "coef {k}: {got} vs {b}"
        );
    }
    // The model's PM2.5 effect on blood pressure is 0.6 per ug/m3.
    assert!((beta[5] - 0.6).abs() < 0.4, "{}", beta[5]);

    // Nothing of the agency's own data in the hospital's files or output.
    let (agency_rows, _) = agency();
    let hospital_ids: std::collections::HashSet<String> = csv("hospital_b.csv")
        .1
        .iter()
        .map(|r| r[0].to_lowercase())
        .collect();
    let mut seen = String::from_utf8_lossy(&out.stdout).into_owned();
    seen.push_str(&String::from_utf8_lossy(&out.stderr));
    // results.csv is searched for identifiers and zones only: its columns
    // put public bin edges side by side (interval_start,interval_end =
    // "5.0,10.0"), which can coincide with an agency row's "pm25,no2".
    let mut table = String::new();
    for f in std::fs::read_dir(dir.path().join("hospital-b")).unwrap() {
        let path = f.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if path.ends_with("results.csv") {
            table = text.to_lowercase();
        } else {
            seen.push_str(&text);
        }
    }
    assert!(table.starts_with("statistic,kind,cell,"), "{table}");
    let seen = seen.to_lowercase();
    let needles: Vec<[String; 3]> = agency_rows
        .iter()
        .map(|r| {
            [
                r[0].to_lowercase(),
                r[1].clone(),
                format!("{},{}", r[2], r[3]),
            ]
        })
        .collect();
    let lens = needles.iter().flatten().map(String::len);
    let (in_table, in_seen) = (
        Substrings::of(&table, lens.clone()),
        Substrings::of(&seen, lens),
    );
    for [id, zone, pair] in &needles {
        if !hospital_ids.contains(id) {
            assert!(!in_table.has(id), "agency id {id} leaked");
            assert!(!in_seen.has(id), "agency id {id} leaked");
        }
        assert!(!in_table.has(zone), "agency zone {zone} leaked");
        assert!(!in_seen.has(zone), "agency zone {zone} leaked");
        assert!(!in_seen.has(pair), "agency row values {pair} leaked");
    }
}

/// Every substring of a text whose length is one of a few given lengths:
/// `has(needle)` answers `text.contains(needle)` for thousands of needles
/// in one pass per length instead of one pass per needle.
struct Substrings<'a>(std::collections::HashSet<&'a [u8]>);

impl<'a> Substrings<'a> {
    fn of(text: &'a str, lens: impl Iterator<Item = usize>) -> Self {
        let lens: std::collections::BTreeSet<usize> = lens.collect();
        let bytes = text.as_bytes();
        Self(lens.iter().flat_map(|&l| bytes.windows(l.max(1))).collect())
    }

    fn has(&self, needle: &str) -> bool {
        self.0.contains(needle.as_bytes())
    }
}

#[test]
fn dp_demo_states_its_guarantee_and_stays_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    run_demo("dp", dir.path());
    let (a, b) = (
        results(dir.path(), "hospital-a"),
        results(dir.path(), "hospital-b"),
    );
    assert_eq!(a, b);
    doc::assert_valid(&a);
    let dp = &a["dp"];
    assert_eq!(dp["mechanism"], "laplace");
    let spent = dp["epsilon_spent"].as_f64().unwrap();
    assert!(spent <= 2.0 && spent > 1.9, "{spent}");
    for s in a["statistics"].as_array().unwrap() {
        assert!(!s["noise"].as_array().unwrap().is_empty(), "{}", s["label"]);
    }
    let html = std::fs::read_to_string(dir.path().join("hospital-a/report.html")).unwrap();
    assert!(
        html.contains("differential privacy"),
        "the report states the guarantee"
    );
    released_counts_carry_noise(&a["statistics"]);
}

/// Both hospitals' rows, by header.
fn pooled_rows() -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    for name in ["hospital_a.csv", "hospital_b.csv"] {
        let (header, rows) = csv(name);
        out.extend(
            rows.into_iter()
                .map(|r| header.iter().cloned().zip(r).collect()),
        );
    }
    out
}

/// The exact pooled count of rows that `keep` accepts.
fn exact(
    rows: &[BTreeMap<String, String>],
    keep: impl Fn(&BTreeMap<String, String>) -> bool,
) -> i64 {
    rows.iter().filter(|r| keep(r)).count() as i64
}

/// Every released count of the DP demo minus its exact value: within ten
/// standard deviations of the stated noise, and not zero for most cells.
/// Each count's two draws (scale 3) sum to 0 with probability 0.09, so
/// fewer than 10 of the 18 counts differing has probability below 1e-6
/// when the noise is there; without it all 18 are exact. The smoker x
/// diabetes table is released twice (chi-square, risk ratio) with
/// independent draws, and the mean's value is not the exact mean.
fn released_counts_carry_noise(stats: &Value) {
    let rows = pooled_rows();
    let by = |col: &'static str, level: &'static str| {
        move |r: &BTreeMap<String, String>| r[col] == level
    };
    let bmi_in = |lo: f64, hi: f64| {
        move |r: &BTreeMap<String, String>| {
            let b: f64 = r["bmi"].parse().unwrap();
            b >= lo && b < hi
        }
    };
    let table: Vec<i64> = [("no", "no"), ("no", "yes"), ("yes", "no"), ("yes", "yes")]
        .iter()
        .map(|&(s, d)| exact(&rows, |r| r["smoker"] == s && r["diabetes"] == d))
        .collect();
    let mut want: Vec<(usize, usize, i64)> = Vec::new();
    for (i, region) in ["north", "south", "east", "west"].iter().enumerate() {
        want.push((0, i, exact(&rows, by("region", region))));
    }
    want.push((1, 0, exact(&rows, by("smoker", "no"))));
    want.push((1, 1, exact(&rows, by("smoker", "yes"))));
    for (i, (lo, hi)) in [(10.0, 18.5), (18.5, 25.0), (25.0, 30.0), (30.0, 35.0)]
        .into_iter()
        .enumerate()
    {
        want.push((2, i, exact(&rows, bmi_in(lo, hi))));
    }
    for stat in [3, 4] {
        want.extend(table.iter().enumerate().map(|(i, &n)| (stat, i, n)));
    }
    let mut differing = 0;
    for &(stat, cell, n) in &want {
        let c = nth(&stats[stat], "n", cell);
        let got = c["value"]
            .as_i64()
            .unwrap_or_else(|| panic!("#{stat} cell {cell} withheld: {c}"));
        let sd = stats[stat]["noise"][0]["total_sd"].as_f64().unwrap();
        assert_eq!(sd, 6.0);
        assert!(
            ((got - n) as f64).abs() <= 10.0 * sd,
            "#{stat} {c}: exact {n}"
        );
        differing += usize::from(got != n);
    }
    assert_eq!(want.len(), 18);
    assert!(differing >= 10, "only {differing} of 18 counts carry noise");
    let twice = |stat: usize| -> Vec<i64> {
        (0..4)
            .map(|i| nth(&stats[stat], "n", i)["value"].as_i64().unwrap())
            .collect()
    };
    assert_ne!(twice(3), twice(4), "one table released twice with one draw");
    let smokers: Vec<f64> = rows
        .iter()
        .filter(|r| r["smoker"] == "yes")
        .map(|r| r["sbp"].parse().unwrap())
        .collect();
    let mean = smokers.iter().sum::<f64>() / smokers.len() as f64;
    let got = nth(&stats[1], "mean", 1)["value"].as_f64().unwrap();
    assert_ne!(got, mean, "the mean of sbp carries no noise");
}
