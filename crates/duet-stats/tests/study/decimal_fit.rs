//! A decimal predictor is fitted in its own units: the statsmodels known
//! answers of `logistic_fit.rs` with age declared `decimal` (places = 1,
//! the same values, held as tenths), for the sealed fit and for opened
//! iterates. Each side encodes, standardises and evaluates the deviance
//! of its own rows, so a value read in tenths rather than years would
//! change every figure below.

use duet_stats::results::LogisticResult;
use duet_stats::Job;

use super::logistic_fit::{fit_job, job_text, keep, CATEGORY, SM_AIC, SM_BSE, SM_LLF, SM_PARAMS};

const INTEGER_AGE: &str = "kind = \"integer\"\nmin = 20\nmax = 80";
const DECIMAL_AGE: &str = "kind = \"decimal\"\nplaces = 1\nmin = 20\nmax = 80";

/// The known-answer job with age in tenths; `fit` replaces the `x` line
/// and `policy` the `[policy]` section when given.
fn decimal_job(fit: Option<&str>, policy: Option<&str>) -> Job {
    let x = "x = [\"age\", \"smoker\"]";
    let mut text = job_text("\"age\", \"smoker\"", CATEGORY);
    assert!(text.contains(INTEGER_AGE) && text.contains(x));
    text = text.replace(INTEGER_AGE, DECIMAL_AGE);
    if let Some(fit) = fit {
        text = text.replace(x, &format!("{x}\nfit = \"{fit}\""));
    }
    if let Some(policy) = policy {
        let at = text.find("[policy]").unwrap();
        text = format!("{}{policy}", &text[..at]);
    }
    Job::from_toml_str(&text).unwrap()
}

/// Estimates and standard errors within `tol` of statsmodels on the
/// standardised scale (half-ranges: age 30, smoker 0.5), the deviance
/// within `dev_tol`, and the AIC with it.
fn assert_statsmodels(l: &LogisticResult, tol: f64, dev_tol: f64) {
    assert_eq!(
        (l.n, l.events, l.converged),
        (Some(60), Some(21), Some(true))
    );
    assert_eq!(l.coefficients.len(), 3);
    for ((c, (b, se)), half) in l
        .coefficients
        .iter()
        .zip(SM_PARAMS.iter().zip(SM_BSE))
        .zip([1.0, 30.0, 0.5])
    {
        assert!((c.estimate - b).abs() * half < tol, "{c:?} vs {b}");
        assert!((c.std_error - se).abs() * half < tol, "{c:?} vs {se}");
    }
    let dev = l.deviance.unwrap();
    assert!((dev - -2.0 * SM_LLF).abs() < dev_tol, "{dev}");
    assert!((l.aic.unwrap() - SM_AIC).abs() < dev_tol, "{:?}", l.aic);
}

#[test]
fn a_decimal_predictor_gives_the_known_answers_of_the_sealed_fit() {
    let (l, _) = fit_job(&decimal_job(None, None), &keep);
    assert_eq!(l.fit, None);
    // The accuracy `logistic_fit.rs` states for the integer column.
    assert_statsmodels(&l, 1e-4, 1e-6);
}

#[test]
fn a_decimal_predictor_gives_the_known_answers_of_opened_iterates() {
    // The control off, as in `opened_iterates.rs`: 60 records are too few
    // for the opened values; the test is of the fit.
    let off =
        "[policy]\ndisclosure = \"off\"\nreason = \"accuracy test\"\nmin_cell = 0\nmin_group = 0\n";
    let (l, _) = fit_job(&decimal_job(Some("opened-iterates"), Some(off)), &keep);
    assert_eq!(l.fit.as_deref(), Some("opened-iterates"));
    assert_statsmodels(&l, 1e-6, 1e-8);
    // Every iterate is in original units: the last one is the estimate.
    let last = l.iterates.last().unwrap();
    for (c, b) in l.coefficients.iter().zip(last) {
        assert!((c.estimate - b).abs() < 1e-9, "{c:?} vs {b}");
    }
}
