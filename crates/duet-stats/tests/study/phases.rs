//! The phases `run_prepared_with` reports for a progress display: in the
//! order they run, the same on both sides, one per per-record fit or
//! robust pass that runs and none for a statistic that does not.

use std::sync::Mutex;

use duet_stats::results::StatBody;
use duet_stats::{Job, LocalConfig, Phase, Results};

use super::common::run_both;
use super::linked::{linked_job, local_for};
use super::logistic_fit::{job_text, keep, side, CATEGORY};

/// Both sides' study of `job`; each side's phases and the results.
fn phases(job: &Job, locals: [LocalConfig; 2]) -> ([Vec<Phase>; 2], Results) {
    let seen = [Mutex::new(vec![]), Mutex::new(vec![])];
    let log0 = |p: Phase| seen[0].lock().unwrap().push(p);
    let log1 = |p: Phase| seen[1].lock().unwrap().push(p);
    let [a, b] = run_both(job, [&locals[0], &locals[1]], [&log0, &log1]);
    let (a, b) = (a.unwrap().results, b.unwrap().results);
    assert_eq!(a, b, "both sides release the same results");
    (seen.map(|s| s.into_inner().unwrap()), a)
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
    let (logit, linear) = (
        "#1 logistic_regression(outcome ~ age + smoker)",
        "#2 linear_regression(age ~ smoker)",
    );
    let labels: Vec<&str> = results
        .statistics
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(labels, [logit, linear]);
    let want = vec![
        Phase::Aggregates,
        Phase::Fit {
            statistic: logit.into(),
        },
        Phase::RobustErrors {
            statistic: linear.into(),
        },
    ];
    assert_eq!(seen, [want.clone(), want]);
    let lines: Vec<String> = seen[0].iter().map(Phase::to_string).collect();
    assert_eq!(
        lines,
        [
            "secure aggregates and disclosure checks".to_string(),
            format!("fitting {logit}"),
            format!("robust standard errors of {linear}"),
        ],
        "the lines a progress bar shows"
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
