//! `[protocol] ot_extension` over two processes: a job naming IKNP runs
//! and releases what the default extension releases; two sides whose
//! jobs name different extensions are refused at the handshake by both,
//! with a one-line error, before any OT.

use std::time::Duration;

use serde_json::Value;

use crate::{root, stderr, wait_bounded, Setup};

const LIMIT: Duration = Duration::from_secs(120);

fn naming(ext: &str, text: String) -> String {
    format!("{text}\n[protocol]\not_extension = \"{ext}\"\n")
}

/// Runs both sides of `setup`'s job; both results.json.
fn run(setup: &Setup) -> [Value; 2] {
    let b = setup.start(1, &setup.job, 60);
    let a = setup.start(0, &setup.job, 60);
    let (oa, ob) = (wait_bounded(a, LIMIT), wait_bounded(b, LIMIT));
    assert!(
        oa.status.success() && ob.status.success(),
        "{}\n{}",
        stderr(&oa),
        stderr(&ob)
    );
    [0, 1].map(|side| {
        let bytes = std::fs::read(setup.out[side].join("results.json")).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    })
}

/// `a` and `b` agree: every string, bool and null exactly, numbers to
/// 1e-9 relative (regressions on shares use probabilistic truncation, so
/// different triples may move their last bits).
fn same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-9 * (1.0 + x.abs()), "{at}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, p) in x {
                same(p, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn a_job_naming_iknp_releases_what_the_default_releases() {
    let data = root().join("datasets");
    let (a, b) = (data.join("hospital_a.csv"), data.join("hospital_b.csv"));
    let iknp = Setup::for_job("pooled_cohort.toml", &a, &b, |t| naming("iknp", t));
    let default = Setup::new(&a, &b);
    let [ia, ib] = run(&iknp);
    let [da, db] = run(&default);
    assert_eq!(ia["statistics"], ib["statistics"]);
    assert_eq!(da["statistics"], db["statistics"]);
    same(&ia["statistics"], &da["statistics"], "statistics");
    same(&ia["disclosure"], &da["disclosure"], "disclosure");
}

#[test]
fn sides_naming_different_extensions_are_refused_by_both() {
    let data = root().join("datasets");
    let setup = Setup::new(&data.join("hospital_a.csv"), &data.join("hospital_b.csv"));
    let text = std::fs::read_to_string(&setup.job).unwrap();
    let other = setup.dir.path().join("job-b.toml");
    // softspoken-2 is never the default, so the hashes differ.
    std::fs::write(&other, naming("softspoken-2", text)).unwrap();
    let b = setup.start(1, &other, 30);
    let a = setup.start(0, &setup.job, 30);
    let (a, b) = (wait_bounded(a, LIMIT), wait_bounded(b, LIMIT));
    for out in [&a, &b] {
        let err = stderr(out);
        assert_eq!(out.status.code(), Some(4), "{err}");
        assert!(err.contains("job hash"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert!(!setup.wrote_anything(0) && !setup.wrote_anything(1));
}
