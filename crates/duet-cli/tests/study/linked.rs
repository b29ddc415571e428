//! The linked exposure study and the DP release through `duet demo`, over
//! loopback QUIC: the released values against a plaintext join, and
//! nothing of the agency's identifiers or rows in what the hospital (the
//! receiver) stores or prints.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

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
    assert_eq!(s[0]["cells"][0]["n"].as_u64().unwrap(), rows.len() as u64);
    // #2 mean PM2.5 by diabetes.
    for (i, d) in ["no", "yes"].iter().enumerate() {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.0["diabetes"] == *d)
            .map(|r| r.1)
            .collect();
        let want = v.iter().sum::<f64>() / v.len() as f64;
        let got = s[1]["cells"][i]["value"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "mean pm25 {d}: {got} vs {want}");
    }
    // #3 chi-square table: PM2.5 band by diabetes, exact counts.
    for (i, band) in ["low", "medium", "high"].iter().enumerate() {
        for (j, d) in ["no", "yes"].iter().enumerate() {
            let n = rows
                .iter()
                .filter(|r| r.2 == *band && r.0["diabetes"] == *d)
                .count();
            let cell = &s[2]["cells"][i * 2 + j];
            if n >= 10 {
                assert_eq!(cell["n"].as_u64().unwrap(), n as u64, "{band} {d}");
            } else {
                assert!(cell["suppressed"].as_bool().unwrap());
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
    let coef = &s[6]["coefficients"];
    for (k, b) in beta.iter().enumerate() {
        let got = coef[k]["estimate"].as_f64().unwrap();
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
    for f in std::fs::read_dir(dir.path().join("hospital-b")).unwrap() {
        seen.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
    }
    let seen = seen.to_lowercase();
    for r in &agency_rows {
        if !hospital_ids.contains(&r[0].to_lowercase()) {
            assert!(
                !seen.contains(&r[0].to_lowercase()),
                "agency id {} leaked",
                r[0]
            );
        }
        assert!(!seen.contains(&r[1]), "agency zone {} leaked", r[1]);
        let pair = format!("{},{}", r[2], r[3]);
        assert!(!seen.contains(&pair), "agency row values {pair} leaked");
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
}
