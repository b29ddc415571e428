//! `duet demo` and `duet run` release exactly the plaintext statistics.

use std::time::Duration;

use serde_json::Value;

use crate::doc::{self, nth};
use crate::oracle::{self, Row};
use crate::{duet, root, stderr, wait_bounded, Setup};

const TOL: f64 = 1e-9;

fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what}: no value"));
    assert!(
        (got - want).abs() <= TOL * want.abs().max(1.0),
        "{what}: {got} vs {want}"
    );
}

/// A cell's released count, or None if withheld.
fn cell_n(stat: &Value, i: usize) -> Option<u64> {
    doc::n(stat, i)
}

/// What a cell of pooled count `n` may show: the count when released, or
/// nothing. A cell below the pooled threshold must be withheld; a cell
/// above it may also be withheld (the per-party rule, or secondary
/// suppression), which the disclosure record explains.
fn gated(n: u64) -> GatedCell {
    GatedCell(n)
}

struct GatedCell(u64);

impl PartialEq<GatedCell> for Option<u64> {
    fn eq(&self, g: &GatedCell) -> bool {
        match self {
            Some(v) => *v == g.0 && g.0 >= 10,
            None => true,
        }
    }
}

impl std::fmt::Debug for GatedCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (or withheld)", self.0)
    }
}

fn check_against_plaintext(results: &Value, rows: &[Row]) {
    let s = &results["statistics"];
    // #1 count by region
    let by_region = oracle::count_by(rows, |r| r.region.clone());
    for (i, region) in ["north", "south", "east", "west"].iter().enumerate() {
        assert_eq!(
            cell_n(&s[0], i),
            gated(by_region[*region]),
            "count {region}"
        );
    }
    // #2 mean sbp by smoker, #3 sd sbp by sex
    for (i, smoker) in [false, true].iter().enumerate() {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.smoker == *smoker)
            .map(|r| r.sbp)
            .collect();
        assert_eq!(cell_n(&s[1], i), Some(v.len() as u64));
        close(
            &nth(&s[1], "mean", i)["value"],
            oracle::mean(&v),
            "mean sbp",
        );
    }
    for (i, male) in [false, true].iter().enumerate() {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.male == *male)
            .map(|r| r.sbp)
            .collect();
        close(&nth(&s[2], "sd", i)["value"], oracle::sd(&v), "sd sbp");
    }
    // #4 histogram of bmi
    let edges = [10.0, 18.5, 25.0, 30.0, 35.0, 40.0, 70.0];
    for i in 0..6 {
        let last = i == 5;
        let n = rows
            .iter()
            .filter(|r| {
                r.bmi >= edges[i] && (r.bmi < edges[i + 1] || (last && r.bmi <= edges[i + 1]))
            })
            .count() as u64;
        assert_eq!(cell_n(&s[3], i), gated(n), "bmi bin {i}");
    }
    // #5 and #6 contingency tables
    let t2 = oracle::count_by(rows, |r| (r.smoker, r.diabetes));
    for (i, key) in [(false, false), (false, true), (true, false), (true, true)]
        .iter()
        .enumerate()
    {
        assert_eq!(cell_n(&s[4], i), gated(t2.get(key).copied().unwrap_or(0)));
    }
    let t3 = oracle::count_by(rows, |r| (r.region.clone(), r.smoker, r.diabetes));
    let mut i = 0;
    for region in ["north", "south", "east", "west"] {
        for key in [(false, false), (false, true), (true, false), (true, true)] {
            let n = t3
                .get(&(region.to_string(), key.0, key.1))
                .copied()
                .unwrap_or(0);
            assert_eq!(cell_n(&s[5], i), gated(n), "{region} {key:?}");
            i += 1;
        }
    }
    // #7 correlation matrix of age, bmi, sbp (one row per pair)
    let names = ["age", "bmi", "sbp"];
    let cols: [Vec<f64>; 3] = [
        rows.iter().map(|r| r.age).collect(),
        rows.iter().map(|r| r.bmi).collect(),
        rows.iter().map(|r| r.sbp).collect(),
    ];
    for a in 0..3 {
        for b in a + 1..3 {
            close(
                &doc::pair(&s[6], names[a], names[b])["value"],
                oracle::correlation(&cols[a], &cols[b]),
                "correlation",
            );
        }
    }
    // #8 sbp ~ age + smoker + bmi + sex
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            vec![
                1.0,
                r.age,
                f64::from(u8::from(r.smoker)),
                r.bmi,
                f64::from(u8::from(r.male)),
            ]
        })
        .collect();
    let (beta, se, r2) = oracle::ols(&x, &cols[2]);
    let coef = doc::rows(&s[7], "estimate");
    for j in 0..5 {
        // Both sides solve the same exact sums; 1e-7 allows for a different solver.
        let (got, want) = (coef[j]["value"].as_f64().unwrap(), beta[j]);
        assert!(
            (got - want).abs() <= 1e-7 * want.abs().max(1.0),
            "coefficient {j}: {got} vs {want}"
        );
        let (got, want) = (coef[j]["std_error"].as_f64().unwrap(), se[j]);
        assert!(
            (got - want).abs() <= 1e-7 * want.abs().max(1.0),
            "se {j}: {got} vs {want}"
        );
    }
    assert!(
        (nth(&s[7], "r_squared", 0)["value"].as_f64().unwrap() - r2).abs() <= 1e-9,
        "R^2"
    );
}

fn union_rows() -> Vec<Row> {
    let data = root().join("datasets");
    let mut rows = oracle::read(&data.join("hospital_a.csv"));
    rows.extend(oracle::read(&data.join("hospital_b.csv")));
    rows
}

#[test]
fn demo_releases_the_plaintext_statistics_to_both_hospitals() {
    let dir = tempfile::tempdir().unwrap();
    let child = duet()
        .args(["demo", "--json", "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_bounded(child, Duration::from_secs(120));
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |h: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(h).join("results.json")).unwrap())
            .unwrap()
    };
    let (a, b) = (read("hospital-a"), read("hospital-b"));
    assert_eq!(a, b, "both hospitals must hold the same results");
    doc::assert_valid(&a);
    // The demo says where the table of values went.
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let csv = dir.path().join("hospital-a/results.csv");
    assert_eq!(printed["results_csv"].as_str(), csv.to_str());
    let table = std::fs::read_to_string(&csv).unwrap();
    let header =
        "statistic,kind,cell,cell.sex,cell.region,cell.smoker,cell.diabetes,interval_start,";
    assert!(table.starts_with(header), "{table}");
    check_against_plaintext(&a, &union_rows());
    // The manifest lists every opened value, and only the results' ones.
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("hospital-a/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["revealed"], a["revealed"]);
    assert!(manifest["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["kind"] == "ot-ext-u"));
}

#[test]
fn two_processes_run_the_job_over_quic() {
    let data = root().join("datasets");
    let setup = Setup::new(&data.join("hospital_a.csv"), &data.join("hospital_b.csv"));
    let b = setup.start(1, &setup.job, 60);
    let a = setup.start(0, &setup.job, 60);
    let (oa, ob) = (
        wait_bounded(a, Duration::from_secs(120)),
        wait_bounded(b, Duration::from_secs(120)),
    );
    assert!(
        oa.status.success() && ob.status.success(),
        "{}\n{}",
        stderr(&oa),
        stderr(&ob)
    );
    let read = |side: usize| -> Value {
        serde_json::from_slice(&std::fs::read(setup.out[side].join("results.json")).unwrap())
            .unwrap()
    };
    let (ra, rb) = (read(0), read(1));
    assert_eq!(ra, rb);
    check_against_plaintext(&ra, &union_rows());
    assert!(setup.port > 0);
}
