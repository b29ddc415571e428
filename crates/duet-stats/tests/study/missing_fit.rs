//! Available-case logistic regression: a row missing any column of the
//! model is no record of the fit, whichever column it misses. The
//! known-answer rows of `logistic_fit.rs` with the rows aged a multiple
//! of 7 missing their age give the fit of the same rows missing their
//! outcome instead.

use duet_stats::results::LogisticResult;
use duet_stats::Job;

use super::logistic_fit::{fit_job, job_text, CATEGORY};

/// The known-answer job with `NA` a missing code and available-case
/// analysis (`on_missing = "drop"`), with the disclosure control off (the
/// test is of the fit's records, not of the gate).
fn job() -> Job {
    let text = job_text("\"age\", \"smoker\"", CATEGORY);
    let reject = "on_missing = \"reject\"";
    assert!(text.contains(reject));
    let text = text.replace(reject, "on_missing = \"drop\"\nmissing = [\"NA\"]");
    let at = text.find("[policy]").unwrap();
    let off = "[policy]\ndisclosure = \"off\"\nreason = \"test\"\nmin_cell = 0\nmin_group = 0\n";
    Job::from_toml_str(&format!("{}{off}", &text[..at])).unwrap()
}

/// The fit with field `field` (0 age, 2 outcome) written `NA` in the
/// rows whose age is a multiple of 7.
fn fit_missing(field: usize) -> LogisticResult {
    let edit = move |f: &mut [String]| {
        if f[0].parse::<u32>().unwrap() % 7 == 0 {
            f[field] = "NA".to_string();
        }
    };
    fit_job(&job(), &edit).0
}

#[test]
fn a_row_missing_a_predictor_is_no_record_of_the_fit() {
    let (no_age, no_outcome) = (fit_missing(0), fit_missing(2));
    // 16 of the 60 rows are aged a multiple of 7: 44 records either way.
    assert_eq!((no_age.n, no_outcome.n), (Some(44), Some(44)), "{no_age:?}");
    assert_eq!(no_age.converged, Some(true));
    assert_eq!(no_outcome.converged, Some(true));
    // Each within the stated accuracy (1e-4 on the standardised scale,
    // half-ranges age 30, smoker 0.5) of the same estimate.
    for ((a, b), half) in no_age
        .coefficients
        .iter()
        .zip(&no_outcome.coefficients)
        .zip([1.0, 30.0, 0.5])
    {
        assert!(
            (a.estimate - b.estimate).abs() * half < 2e-4,
            "{a:?} vs {b:?}"
        );
        assert!(
            (a.std_error - b.std_error).abs() * half < 2e-4,
            "{a:?} vs {b:?}"
        );
    }
    let (d, e) = (no_age.deviance.unwrap(), no_outcome.deviance.unwrap());
    assert!((d - e).abs() < 1e-6, "{d} vs {e}");
}
