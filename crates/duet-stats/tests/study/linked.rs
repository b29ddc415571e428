//! Linked studies: the example exposure-outcome job on the bundled
//! hospital and agency files, both parties in memory (dealer triples, real
//! OT for the join's products), against a plaintext join: the released
//! results equal, value for value, those of a pooled run whose only input
//! is the plaintext join's aggregates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use duet_core::Role;
use duet_stats::data::read_records;
use duet_stats::plan::Accumulator;
use duet_stats::results::StatBody;
use duet_stats::{prepare, Job, LocalConfig, Plan, Studied, StudyError};

use super::common::{run_both, run_pair};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn linked_job() -> Job {
    Job::load(&root().join("examples/jobs/linked_exposure.toml")).unwrap()
}

pub fn local_for(role: &str, csv: &str) -> LocalConfig {
    let csv = root().join("datasets").join(csv);
    LocalConfig::from_toml_str(&format!(
        "role = \"{role}\"\ncsv = {csv:?}\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:1\"\noutput_dir = \"o\"\n"
    ))
    .unwrap()
}

/// Both parties' `run_prepared` over the in-memory channel.
pub fn run_linked(job: &Job, locals: [&LocalConfig; 2]) -> [Result<Studied, StudyError>; 2] {
    run_both(job, locals, [&|_| {}, &|_| {}])
}

/// The plaintext join (hospital rows whose lower-cased id the agency has),
/// as rows of job columns, each column from its owner's file.
pub fn plaintext_join(job: &Job, locals: [&LocalConfig; 2]) -> Vec<Vec<i64>> {
    let load = |l: &LocalConfig| {
        let file = std::fs::File::open(&l.csv).unwrap();
        let mut rows = Vec::new();
        read_records(file, "t", job, l, |r, ids, _| {
            rows.push((ids.join("|").trim().to_lowercase(), r.to_vec()))
        })
        .unwrap();
        rows
    };
    let agency: HashMap<String, Vec<i64>> = load(locals[1]).into_iter().collect();
    load(locals[0])
        .into_iter()
        .filter_map(|(id, a)| {
            let b = agency.get(&id)?;
            let merged = job
                .columns()
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    if c.owner == Some(Role::P0) {
                        a[j]
                    } else {
                        b[j]
                    }
                })
                .collect();
            Some(merged)
        })
        .collect()
}

#[test]
fn linked_study_releases_what_a_plaintext_join_would() {
    let job = linked_job();
    let (l0, l1) = (
        local_for("p0", "hospital_b.csv"),
        local_for("p1", "agency_exposure.csv"),
    );
    let [x, y] = run_linked(&job, [&l0, &l1]);
    let (x, y) = (x.unwrap(), y.unwrap());
    // Private facts: the receiver knows how many linked, the sender does not.
    let (lx, ly) = (x.link.clone().unwrap(), y.link.clone().unwrap());
    assert_eq!((lx.distinct_ids, ly.distinct_ids), (1622, 6781));
    assert_eq!(ly.linked, None);
    let (x, y) = (x.results, y.results);
    assert_eq!(x, y, "both sides release the same results");

    let joined = plaintext_join(&job, [&l0, &l1]);
    assert!(
        joined.len() > 500 && joined.len() < 1622,
        "{}",
        joined.len()
    );
    let plan = Plan::new(&job).unwrap();
    let mut acc = Accumulator::new(&plan);
    joined.iter().for_each(|r| acc.add(r));
    let all = acc.finish();
    let none = Accumulator::new(&plan).finish();
    let p = job.policy().clone();
    let ((oracle, _), _) = run_pair(&job, &plan, [&all, &none], [p.clone(), p]);
    let oracle = oracle.unwrap();
    super::common::assert_same_statistics(&x.statistics, &oracle.statistics);
    assert_eq!(x.revealed, oracle.revealed);

    let link = x.linkage.as_ref().unwrap();
    assert_eq!(link.linked, Some(joined.len() as u64));
    assert_eq!(lx.linked, Some(joined.len() as u64));
    assert_eq!((link.receiver_records, link.sender_records), (1622, 6781));
    // Mean PM2.5 of diabetics, from the plaintext join directly.
    let (pm, dia) = (
        job.column("pm25").unwrap().0,
        job.column("diabetes").unwrap().0,
    );
    let yes: Vec<f64> = joined
        .iter()
        .filter(|r| r[dia] == 1)
        .map(|r| r[pm] as f64 / 10.0)
        .collect();
    let want = yes.iter().sum::<f64>() / yes.len() as f64;
    let StatBody::Cells { cells } = &x.statistics[1].body else {
        panic!()
    };
    assert!((cells[1].value.unwrap() - want).abs() < 1e-9);
}

/// Plaintext logistic regression by IRLS: (coefficients, standard errors).
fn irls(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let p = x[0].len();
    let mut beta = vec![0.0; p];
    let mut inv = vec![vec![0.0; p]; p];
    for _ in 0..40 {
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
        inv = gauss_inverse(h);
        for i in 0..p {
            beta[i] += (0..p).map(|j| inv[i][j] * g[j]).sum::<f64>();
        }
    }
    (beta, (0..p).map(|i| inv[i][i].sqrt()).collect())
}

fn gauss_inverse(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for c in 0..n {
        let d = a[c][c];
        for j in 0..n {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for i in (0..n).filter(|&i| i != c) {
            let f = a[i][c];
            for j in 0..n {
                a[i][j] -= f * a[c][j];
                inv[i][j] -= f * inv[c][j];
            }
        }
    }
    inv
}

#[test]
fn linked_logistic_regression_matches_a_plaintext_fit_on_the_join() {
    let text = std::fs::read_to_string(root().join("examples/jobs/linked_exposure.toml"))
        .unwrap()
        .replace("max_rows = 100000", "max_rows = 10000")
        + "\n[[statistic]]\nkind = \"logistic_regression\"\ny = \"diabetes\"\nx = [\"age\", \"pm25\"]\n";
    let job = Job::from_toml_str(&text).unwrap();
    let (l0, l1) = (
        local_for("p0", "hospital_b.csv"),
        local_for("p1", "agency_exposure.csv"),
    );
    let [x, y] = run_linked(&job, [&l0, &l1]);
    let (x, y) = (x.unwrap().results, y.unwrap().results);
    assert_eq!(x, y);
    let joined = plaintext_join(&job, [&l0, &l1]);
    let col = |n: &str| job.column(n).unwrap().0;
    let (age, pm, dia) = (col("age"), col("pm25"), col("diabetes"));
    let design: Vec<Vec<f64>> = joined
        .iter()
        .map(|r| vec![1.0, r[age] as f64, r[pm] as f64 / 10.0])
        .collect();
    let outcome: Vec<f64> = joined.iter().map(|r| r[dia] as f64).collect();
    let (beta, se) = irls(&design, &outcome);
    let StatBody::Logistic(fit) = &x.statistics.last().unwrap().body else {
        panic!("logistic")
    };
    assert_eq!(fit.n, Some(joined.len() as u64));
    // Stated accuracy: 1e-4 on the standardised scale (half-ranges: age
    // 46, pm25 30), the intercept in original units.
    for (k, half) in [1.0, 46.0, 30.0].iter().enumerate() {
        let c = &fit.coefficients[k];
        assert!(
            (c.estimate - beta[k]).abs() * half < 1e-4,
            "coef {k}: {} vs {}",
            c.estimate,
            beta[k]
        );
        assert!(
            (c.std_error - se[k]).abs() * half < 1e-4,
            "se {k}: {} vs {}",
            c.std_error,
            se[k]
        );
    }
}

#[test]
fn the_receiver_may_be_either_role() {
    let job = linked_job();
    let (h, a) = (
        local_for("p0", "hospital_b.csv"),
        local_for("p1", "agency_exposure.csv"),
    );
    let [x, _] = run_linked(&job, [&h, &a]);
    // The same study with the roles swapped: the hospital plays p1 and
    // still receives; the agency dials in as p0.
    let text = std::fs::read_to_string(root().join("examples/jobs/linked_exposure.toml"))
        .unwrap()
        .replace("receiver = \"p0\"", "receiver = \"p1\"")
        .replace("p0 = [\"patient_id\"]", "p0 = [\"resident_id\"]")
        .replace("p1 = [\"resident_id\"]", "p1 = [\"patient_id\"]")
        .replace("party = \"p0\"", "party = \"tmp\"")
        .replace("party = \"p1\"", "party = \"p0\"")
        .replace("party = \"tmp\"", "party = \"p1\"");
    let swapped = Job::from_toml_str(&text).unwrap();
    let (a0, h1) = (
        local_for("p0", "agency_exposure.csv"),
        local_for("p1", "hospital_b.csv"),
    );
    let [p0, p1] = run_linked(&swapped, [&a0, &h1]);
    let (p0, p1) = (p0.unwrap(), p1.unwrap());
    let x = x.unwrap().results;
    super::common::assert_same_statistics(&p0.results.statistics, &x.statistics);
    assert_eq!(p0.results.revealed, x.revealed);
    assert_eq!(p1.link.unwrap().linked, x.linkage.unwrap().linked);
    assert_eq!(p0.link.unwrap().linked, None);
}

#[test]
fn a_repeated_identifier_is_refused_before_any_connection_naming_its_lines() {
    let job = linked_job();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("agency.csv");
    std::fs::write(
        &csv,
        "resident_id,zone,pm25,no2,pm25_band\nr000002,a,8.8,10.8,low\nr000003,b,12.3,21.5,medium\n R000002 ,c,9.0,11.0,low\n",
    )
    .unwrap();
    let local = local_for("p1", csv.to_str().unwrap());
    let e = prepare(&job, &local).unwrap_err().to_string();
    assert!(
        e.contains("agency.csv:4: repeats the identifier of line 2"),
        "{e}"
    );
    let keep = Job::from_toml_str(
        &std::fs::read_to_string(root().join("examples/jobs/linked_exposure.toml"))
            .unwrap()
            .replace("[data]", "duplicates = \"keep_first\"\n\n[data]"),
    )
    .unwrap();
    assert!(prepare(&keep, &local).is_ok());
}
