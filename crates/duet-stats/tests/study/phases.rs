//! The phases `run_prepared_with` reports for a progress display: in the
//! order they run, the same on both sides, one per per-record fit or
//! robust pass that runs and none for a statistic that does not.

use std::sync::Mutex;

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::results::StatBody;
use duet_stats::{prepare, run_prepared_with, Job, LocalConfig, Phase, Results};
use futures::executor::block_on;
use rand::SeedableRng;

use super::linked::{linked_job, local_for};
use super::logistic_fit::{job_text, keep, side, CATEGORY};

/// Both sides' study of `job`; each side's phases and the results.
fn phases(job: &Job, locals: [LocalConfig; 2]) -> ([Vec<Phase>; 2], Results) {
    let p0 = prepare(job, &locals[0]).unwrap();
    let p1 = prepare(job, &locals[1]).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let seed = [5u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(51);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(52);
    let mut e0 = Engine::new(Role::P0, c0, InsecureDealer::new(Role::P0, seed), &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, seed), &mut r1);
    let (seen0, seen1) = (Mutex::new(vec![]), Mutex::new(vec![]));
    let log0 = |p: Phase| seen0.lock().unwrap().push(p);
    let log1 = |p: Phase| seen1.lock().unwrap().push(p);
    let sid = [8u8; 32];
    let a = async {
        let r = run_prepared_with(&mut e0, sid, job, &p0, &mut r0, &log0).await;
        drop(e0);
        r
    };
    let b = async {
        let r = run_prepared_with(&mut e1, sid, job, &p1, &mut r1, &log1).await;
        drop(e1);
        r
    };
    let (a, b) = block_on(futures::future::join(a, b));
    let (a, b) = (a.unwrap().results, b.unwrap().results);
    assert_eq!(a, b, "both sides release the same results");
    let seen = [seen0.into_inner().unwrap(), seen1.into_inner().unwrap()];
    (seen, a)
}

/// The logistic known-answer job with a second statistic (`extra`, a
/// `[[statistic]]` table) after its fit, on its rows with `edit` applied.
fn logistic_and(extra: &str, edit: &dyn Fn(&mut [String])) -> ([Vec<Phase>; 2], Results) {
    let text = job_text("\"age\", \"smoker\"", CATEGORY)
        .replace("[policy]", &format!("{extra}\n[policy]"));
    let job = Job::from_toml_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let locals = [
        side(dir.path(), "a.csv", edit),
        side(dir.path(), "b.csv", edit),
    ];
    phases(&job, locals)
}

#[test]
fn a_pooled_study_reports_its_fit_and_robust_pass_in_order() {
    let robust = "[[statistic]]\nkind = \"linear_regression\"\ny = \"age\"\nx = [\"smoker\"]\nrobust = \"hc1\"";
    let (seen, results) = logistic_and(robust, &keep);
    let label = |i: usize| results.statistics[i].label.clone();
    let want = vec![
        Phase::Aggregates,
        Phase::Fit {
            statistic: label(0),
        },
        Phase::RobustErrors {
            statistic: label(1),
        },
    ];
    assert!(label(0).contains("logistic_regression"), "{}", label(0));
    assert!(label(1).contains("linear_regression"), "{}", label(1));
    assert_eq!(seen, [want.clone(), want]);
    assert_eq!(
        seen[0][1].to_string(),
        format!("fitting {}", label(0)),
        "the line a progress bar shows"
    );
}

#[test]
fn a_regression_without_robust_errors_reports_no_robust_pass() {
    let plain = "[[statistic]]\nkind = \"linear_regression\"\ny = \"age\"\nx = [\"smoker\"]";
    let (seen, results) = logistic_and(plain, &keep);
    let fit = Phase::Fit {
        statistic: results.statistics[0].label.clone(),
    };
    let want = vec![Phase::Aggregates, fit];
    assert_eq!(seen, [want.clone(), want]);
}

#[test]
fn a_linked_study_reports_the_linkage_first() {
    let locals = [
        local_for("p0", "hospital_b.csv"),
        local_for("p1", "agency_exposure.csv"),
    ];
    let (seen, _) = phases(&linked_job(), locals);
    let want = vec![Phase::Linking, Phase::Aggregates];
    assert_eq!(seen, [want.clone(), want]);
}

#[test]
fn a_suppressed_fit_reports_no_fit() {
    // Events only at ages 78 and over: too few, the fit is withheld.
    let rare = |f: &mut [String]| {
        let age: i64 = f[0].parse().unwrap();
        f[2] = if age >= 78 { "yes" } else { "no" }.into();
    };
    let plain = "[[statistic]]\nkind = \"count\"";
    let (seen, results) = logistic_and(plain, &rare);
    let StatBody::Logistic(l) = &results.statistics[0].body else {
        panic!("logistic")
    };
    assert!(l.suppressed, "{l:?}");
    assert_eq!(seen, [vec![Phase::Aggregates], vec![Phase::Aggregates]]);
}
