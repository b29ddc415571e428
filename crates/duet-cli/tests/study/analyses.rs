//! The analyses job over loopback QUIC (two `duet run` processes, OT
//! triples): logistic regression fitted on shares against a plaintext IRLS
//! fit, Kaplan-Meier counts and Welch's t-test against the plaintext union
//! of both hospitals, and the quartiles of sbp by smoker against R's type 1
//! on that union. The first 600 rows of each hospital keep the
//! per-record fit quick in a debug build (with 400, a side's smokers with
//! diabetes fall below `min_cell_per_party`, which withholds the fit).

use std::time::Duration;

use serde_json::Value;

use std::path::{Path, PathBuf};

use crate::doc::{self, nth};
use crate::{root, stderr, wait_bounded, Setup};

const ROWS: usize = 600;

/// The first `ROWS` rows of a bundled hospital file, written to `dir`.
fn head(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("datasets").join(name)).unwrap();
    let kept: Vec<&str> = text.lines().take(ROWS + 1).collect();
    let path = dir.join(name);
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    path
}

/// (age, bmi, smoker, diabetes, followup_days, event, sbp) of both files.
fn rows(files: [&Path; 2]) -> Vec<[f64; 7]> {
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut lines = text.lines();
        let h: Vec<&str> = lines.next().unwrap().split(',').collect();
        let c = |n: &str| h.iter().position(|x| *x == n).unwrap();
        for l in lines {
            let v: Vec<&str> = l.split(',').collect();
            let num = |n: &str| v[c(n)].parse::<f64>().unwrap();
            let yes = |n: &str| f64::from(u8::from(v[c(n)] == "yes"));
            out.push([
                num("age"),
                num("bmi"),
                yes("smoker"),
                yes("diabetes"),
                num("followup_days"),
                num("event"),
                num("sbp"),
            ]);
        }
    }
    out
}

/// Plaintext logistic regression by IRLS: (coefficients, standard errors).
fn irls(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let p = x[0].len();
    let mut beta = vec![0.0; p];
    let mut inv = vec![vec![0.0; p]; p];
    for _ in 0..50 {
        let mut h = vec![vec![0.0; p]; p];
        let mut g = vec![0.0; p];
        for (r, &yi) in x.iter().zip(y) {
            let eta: f64 = r.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let pr = 1.0 / (1.0 + (-eta).exp());
            for i in 0..p {
                g[i] += r[i] * (yi - pr);
                for j in 0..p {
                    h[i][j] += r[i] * r[j] * pr * (1.0 - pr);
                }
            }
        }
        inv = invert(h);
        for i in 0..p {
            beta[i] += (0..p).map(|j| inv[i][j] * g[j]).sum::<f64>();
        }
    }
    let se = (0..p).map(|i| inv[i][i].sqrt()).collect();
    (beta, se)
}

fn invert(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for c in 0..n {
        let piv = (c..n)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, piv);
        inv.swap(c, piv);
        let d = a[c][c];
        for j in 0..n {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for i in 0..n {
            if i != c {
                let f = a[i][c];
                for j in 0..n {
                    a[i][j] -= f * a[c][j];
                    inv[i][j] -= f * inv[c][j];
                }
            }
        }
    }
    inv
}

/// Runs both sides of `setup`'s job as two processes; their results.json,
/// checked equal on both sides and valid against the schema.
fn run_both(setup: &Setup) -> Value {
    let b = setup.start(1, &setup.job, 600);
    let a = setup.start(0, &setup.job, 600);
    let (oa, ob) = (
        wait_bounded(a, Duration::from_secs(900)),
        wait_bounded(b, Duration::from_secs(900)),
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
    let (a, b) = (read(0), read(1));
    assert_eq!(a, b);
    doc::assert_valid(&a);
    a
}

#[test]
fn analyses_job_matches_plaintext_fits() {
    let data = tempfile::tempdir().unwrap();
    let files = [
        head(data.path(), "hospital_a.csv"),
        head(data.path(), "hospital_b.csv"),
    ];
    let setup = Setup::for_job("pooled_analyses.toml", &files[0], &files[1], |t| {
        t.replace("max_rows = 2000", &format!("max_rows = {ROWS}"))
    });
    let a = run_both(&setup);
    let s = &a["statistics"];
    let rows = rows([&files[0], &files[1]]);

    // #2 logistic regression of diabetes on age, bmi and smoker. The
    // stated accuracy is 1e-4 on the standardised scale (half-ranges:
    // age 46, bmi 30, smoker 0.5); the intercept in original units.
    let x: Vec<Vec<f64>> = rows.iter().map(|r| vec![1.0, r[0], r[1], r[2]]).collect();
    let y: Vec<f64> = rows.iter().map(|r| r[3]).collect();
    let (beta, se) = irls(&x, &y);
    let half = [1.0, 46.0, 30.0, 0.5];
    let coef = doc::rows(&s[1], "estimate");
    for k in 0..4 {
        let (b, e) = (
            coef[k]["value"].as_f64().unwrap(),
            coef[k]["std_error"].as_f64().unwrap(),
        );
        assert!(
            (b - beta[k]).abs() * half[k] < 1e-4,
            "coef {k}: {b} vs {}",
            beta[k]
        );
        assert!(
            (e - se[k]).abs() * half[k] < 1e-4,
            "se {k}: {e} vs {}",
            se[k]
        );
    }

    // #3 Kaplan-Meier by smoker: at-risk and event counts of the first interval.
    for (g, smoker) in [0.0, 1.0].iter().enumerate() {
        let grp: Vec<&[f64; 7]> = rows.iter().filter(|r| r[2] == *smoker).collect();
        let level = ["no", "yes"][g];
        let of_group = |measure: &str| -> Option<Value> {
            doc::rows(&s[2], measure)
                .into_iter()
                .find(|v| v["cell"]["smoker"] == level)
                .cloned()
        };
        let Some(at_risk) = of_group("at_risk") else {
            // Every interval failed the rules even merged: the note says so.
            let curve = &s[2]["details"]["curves"][g];
            assert_eq!(curve["cell"]["smoker"], level);
            let note = curve["note"].as_str().unwrap();
            assert!(
                note.contains("fail the disclosure rules even merged"),
                "{note}"
            );
            continue;
        };
        assert_eq!(at_risk["value"].as_u64().unwrap(), grp.len() as u64);
        // The first released step may merge intervals until its counts pass.
        let end = at_risk["interval"]["end"].as_f64().unwrap();
        let events = grp.iter().filter(|r| r[4] < end && r[5] == 1.0).count();
        let got = of_group("events").unwrap();
        assert_eq!(got["interval"], at_risk["interval"]);
        assert_eq!(got["value"].as_u64().unwrap(), events as u64);
    }

    // #4 Welch's t-test of sbp by diabetes.
    let moments = |d: f64| {
        let v: Vec<f64> = rows.iter().filter(|r| r[3] == d).map(|r| r[6]).collect();
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        (n, m, var)
    };
    let ((n0, m0, v0), (n1, m1, v1)) = (moments(0.0), moments(1.0));
    let t = (m1 - m0) / (v0 / n0 + v1 / n1).sqrt();
    let got = doc::test(&s[3], "welch_t")["statistic"].as_f64().unwrap();
    assert_eq!(nth(&s[3], "mean_difference", 0)["test_statistic"], got);
    assert!((got - t).abs() < 1e-6 * t.abs(), "t {got} vs {t}");

    // #6 quartiles of sbp by smoker: x_(ceil(n p)) of the union, in tenths
    // (every group here is large enough for the extreme rule).
    for (g, smoker) in [0.0, 1.0].iter().enumerate() {
        let mut v: Vec<i64> = rows
            .iter()
            .filter(|r| r[2] == *smoker)
            .map(|r| (r[6] * 10.0).round() as i64)
            .collect();
        v.sort_unstable();
        let n = v.len();
        let level = ["no", "yes"][g];
        let in_group = |measure: &str| -> Vec<&Value> {
            doc::rows(&s[5], measure)
                .into_iter()
                .filter(|r| r["cell"]["smoker"] == level)
                .collect()
        };
        assert_eq!(in_group("n")[0]["value"].as_u64().unwrap(), n as u64);
        let quartiles = in_group("quantile");
        let mut q = Vec::new();
        for (k, p) in [(0, 25), (1, 50), (2, 75)] {
            let r = (n * p).div_ceil(100);
            let want = v[r - 1] as f64 / 10.0;
            let row = quartiles[k];
            assert_eq!(row["p"].as_f64().unwrap(), p as f64 / 100.0);
            let got = row["value"].as_f64().unwrap();
            assert_eq!(got, want, "smoker {smoker} p 0.{p}");
            q.push(v[r - 1]);
        }
        let iqr = in_group("iqr")[0]["value"].as_f64().unwrap();
        assert_eq!(iqr, (q[2] - q[0]) as f64 / 10.0);
    }
}

/// The same job with `fit = "opened-iterates"` on every row of both
/// hospitals (1,792 and 1,622; the opened values need 258 per side):
/// the fit within 1e-6 of the plaintext IRLS fit on the standardised
/// scale, every iterate in results.json (schema-valid) with the last
/// equal to the estimates, and the disclosure record counting them.
#[test]
fn analyses_job_with_opened_iterates_matches_the_plaintext_fit() {
    let files = [
        root().join("datasets/hospital_a.csv"),
        root().join("datasets/hospital_b.csv"),
    ];
    let setup = Setup::for_job("pooled_analyses.toml", &files[0], &files[1], |t| {
        t.replace(
            "x = [\"age\", \"bmi\", \"smoker\"]",
            "x = [\"age\", \"bmi\", \"smoker\"]\nfit = \"opened-iterates\"",
        )
    });
    let d = run_both(&setup);
    let fit = &d["statistics"][1];
    assert_eq!(fit["details"]["fit"], "opened-iterates", "{fit}");
    let rows = rows([&files[0], &files[1]]);
    let x: Vec<Vec<f64>> = rows.iter().map(|r| vec![1.0, r[0], r[1], r[2]]).collect();
    let y: Vec<f64> = rows.iter().map(|r| r[3]).collect();
    let (beta, se) = irls(&x, &y);
    let half = [1.0, 46.0, 30.0, 0.5];
    let coef = doc::rows(fit, "estimate");
    let iterates = fit["details"]["iterates"].as_array().unwrap();
    let last = iterates.last().unwrap().as_array().unwrap();
    for k in 0..4 {
        let b = coef[k]["value"].as_f64().unwrap();
        let e = coef[k]["std_error"].as_f64().unwrap();
        assert!(
            (b - beta[k]).abs() * half[k] < 1e-6,
            "coef {k}: {b} vs {}",
            beta[k]
        );
        assert!(
            (e - se[k]).abs() * half[k] < 1e-6,
            "se {k}: {e} vs {}",
            se[k]
        );
        assert!((last[k].as_f64().unwrap() - b).abs() * half[k] < 1e-9);
    }
    let t = iterates.len();
    assert_eq!(fit["details"]["iterations"].as_u64().unwrap() as usize, t);
    let models = d["disclosure"]["models"].as_array().unwrap();
    let counted = models
        .iter()
        .find(|m| m["opened"].as_str().unwrap().contains("Newton iterates"))
        .unwrap();
    assert_eq!(
        counted["count"].as_u64().unwrap() as usize,
        4 * t + 2 * 4 + 2
    );
}
