//! `fit = "opened-iterates"` in a study: the same statsmodels known
//! answers as the sealed fit (`logistic_fit.rs`), every iterate released
//! and recorded, the gate's per-side minimum for the opened values, and
//! the job settings around it.

use duet_stats::{Job, JobError};

use super::logistic_fit::{fit_job, job_text, keep, CATEGORY, SM_AIC, SM_BSE, SM_LLF, SM_PARAMS};

const OPENED: &str = "x = [\"age\", \"smoker\"]\nfit = \"opened-iterates\"";

/// The known-answer job with opened iterates; `policy` replaces its
/// `[policy]` section.
fn opened_job(policy: &str) -> Job {
    let text =
        job_text("\"age\", \"smoker\"", CATEGORY).replace("x = [\"age\", \"smoker\"]", OPENED);
    let at = text.find("[policy]").unwrap();
    Job::from_toml_str(&format!("{}{policy}", &text[..at])).unwrap()
}

/// 60 records, 3 parameters: the opened values (3 x 21 + 1 = 64) need
/// 194 records per side at `max_params_ratio = 0.33`, so the accuracy is
/// checked with the control off (the test is of the fit, not the gate).
const OFF: &str =
    "[policy]\ndisclosure = \"off\"\nreason = \"accuracy test\"\nmin_cell = 0\nmin_group = 0\n";

#[test]
fn opened_iterates_match_statsmodels_and_are_all_released() {
    let (l, results) = fit_job(&opened_job(OFF), &keep);
    assert_eq!(l.fit.as_deref(), Some("opened-iterates"));
    assert_eq!(
        (l.converged, l.n, l.events),
        (Some(true), Some(60), Some(21))
    );
    // Half-ranges of the standardisation: age 30, smoker 0.5.
    for ((c, (b, se)), half) in l
        .coefficients
        .iter()
        .zip(SM_PARAMS.iter().zip(SM_BSE))
        .zip([1.0, 30.0, 0.5])
    {
        assert!((c.estimate - b).abs() * half < 1e-6, "{c:?} vs {b}");
        assert!((c.std_error - se).abs() * half < 1e-6, "{c:?} vs {se}");
    }
    let dev = l.deviance.unwrap();
    assert!((dev - -2.0 * SM_LLF).abs() < 1e-8, "{dev}");
    assert!((l.aic.unwrap() - SM_AIC).abs() < 1e-8);
    // Newton from 0 with the ridge: a handful of steps, the last iterate
    // is the estimate, and the count is what the result says.
    let t = l.iterates.len();
    assert!((3..=12).contains(&t), "{t} iterates");
    assert_eq!(l.iterations as usize, t);
    for (est, last) in l.coefficients.iter().zip(&l.iterates[t - 1]) {
        assert!((est.estimate - last).abs() < 1e-9, "{est:?} vs {last}");
    }
    assert!(l.convergence.as_deref().unwrap().contains("1e-6"));
    // The disclosure record counts every iterate.
    let fit = results.disclosure.models.last().unwrap();
    assert_eq!(fit.count, 3 * t + 2 * 3 + 2, "{fit:?}");
    assert!(
        fit.opened.contains(&format!("{t} Newton iterates of 3")),
        "{fit:?}"
    );
}

/// Under a checked policy the same 60 records are too few: each side's
/// 30 is below the 194 that 64 opened values need, and the pooled 60 too.
/// The sealed fit of the same data is released (`logistic_fit.rs`).
#[test]
fn too_few_records_per_side_withhold_the_opened_fit() {
    let policy = "[policy]\nmin_cell = 3\nmin_group = 3\nmax_params_ratio = 0.33\n";
    let (l, results) = fit_job(&opened_job(policy), &keep);
    assert!(l.suppressed && l.coefficients.is_empty() && l.iterates.is_empty());
    assert!(results
        .disclosure
        .models
        .iter()
        .all(|m| !m.opened.contains("iterates")));
    // The withheld n names the rule it failed, at the fit's own minimum.
    let n = results
        .disclosure
        .withheld
        .iter()
        .find(|w| w.name.ends_with("[all].n"))
        .unwrap();
    assert!(
        n.rule.contains("pooled count >= 194")
            && n.rule.contains("each side's part 0 or >= 194")
            && n.rule.contains("events and non-events: pooled 0 or >= 3"),
        "{}",
        n.rule
    );
    // The rule is stated with its figures: 64 values / 0.33.
    let rules = results.disclosure.rules.join("\n");
    assert!(
        rules.contains("releases every Newton iterate, so it needs at least 194 records in all and, from each side that holds any, at least 194"),
        "{rules}"
    );
}

fn refused(text: &str) -> String {
    match Job::from_toml_str(text) {
        Err(e @ JobError::BadStatistic { .. }) => e.to_string(),
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn the_job_settings_around_opened_iterates() {
    let base = job_text("\"age\", \"smoker\"", CATEGORY);
    let opened = base.replace("x = [\"age\", \"smoker\"]", OPENED);
    let sealed = base.replace(
        "x = [\"age\", \"smoker\"]",
        "x = [\"age\", \"smoker\"]\nfit = \"sealed\"",
    );
    let hash = |t: &str| Job::from_toml_str(t).unwrap().hash_hex();
    // Sealed is the default and hashes as if absent; opened differs.
    assert_eq!(hash(&base), hash(&sealed));
    assert_ne!(hash(&base), hash(&opened));
    // Registry sizes: the sealed fit takes 200,000 rows per side and stops
    // at its fixed-point range (1,000,000), the opened one does not.
    let rows = |t: &str, n: &str| t.replace("max_rows = 40", &format!("max_rows = {n}"));
    assert!(Job::from_toml_str(&rows(&base, "200000")).is_ok());
    assert!(Job::from_toml_str(&rows(&opened, "2000000")).is_ok());
    let e = refused(&rows(&base, "2000000"));
    assert!(
        e.contains("fit = \\\"opened-iterates\\\"") || e.contains("opened-iterates"),
        "{e}"
    );
    // An unknown mode names the choices.
    let e = Job::from_toml_str(&base.replace(
        "x = [\"age\", \"smoker\"]",
        "x = [\"age\", \"smoker\"]\nfit = \"open\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("sealed") && e.contains("opened-iterates"), "{e}");
    // Each side sums its own whole records: not in a linked study.
    let link = "[link]\nreceiver = \"p0\"\np0 = [\"id\"]\np1 = [\"id\"]\n";
    let linked = format!("{opened}\n{link}")
        .replace("max = 80\n", "max = 80\nparty = \"p1\"\n")
        .replace(
            "levels = [\"no\", \"yes\"]",
            "levels = [\"no\", \"yes\"]\nparty = \"p0\"",
        );
    let e = refused(&linked);
    assert!(e.contains("a linked study splits the columns"), "{e}");
    assert!(Job::from_toml_str(&linked.replace("fit = \"opened-iterates\"", "")).is_ok());
}

/// `duet check` lists every value the opened fit may open: 20 iterates of
/// 3 coefficients before the estimates, and the OT extension in force.
#[test]
fn check_lists_every_iterate_the_fit_may_open() {
    let report = duet_stats::release::check::check(&opened_job(OFF), None).unwrap();
    assert_eq!(report.ot_extension, "softspoken-4");
    let fit = &report.statistics[0];
    let iterates: Vec<&str> = fit
        .values
        .iter()
        .map(|v| v.name.as_str())
        .filter(|n| n.contains("iterate["))
        .collect();
    assert_eq!(iterates.len(), 20 * 3, "{iterates:?}");
    assert!(
        iterates[0].ends_with(".iterate[1][intercept]"),
        "{iterates:?}"
    );
    assert!(fit
        .notes
        .iter()
        .any(|n| n.contains("every Newton iterate is opened (at most 20")));
}

/// The sealed fit's check lists the logistic values (on the code before
/// this test the logistic block fell into the linear regression's branch
/// and was listed with a singular-design flag and R^2).
#[test]
fn check_lists_a_sealed_fit_as_a_logistic_one() {
    let job = Job::from_toml_str(&job_text("\"age\", \"smoker\"", CATEGORY)).unwrap();
    let report = duet_stats::release::check::check(&job, None).unwrap();
    let names: Vec<&str> = report.statistics[0]
        .values
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".converged")), "{names:?}");
    assert!(
        names.iter().any(|n| n.ends_with(".separated[smoker]")),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.contains("singular") || n.contains("r_squared")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("iterate[")), "{names:?}");
}

/// `max_rows` far above the real counts (a registry-sized setting on 60
/// records): the sums are scaled by the released n, not by `max_rows`, so
/// the ridge stays negligible and the fit is as accurate.
#[test]
fn a_generous_max_rows_does_not_change_the_fit() {
    let text = job_text("\"age\", \"smoker\"", CATEGORY)
        .replace("x = [\"age\", \"smoker\"]", OPENED)
        .replace("max_rows = 40", "max_rows = 1000000");
    let at = text.find("[policy]").unwrap();
    let job = Job::from_toml_str(&format!("{}{OFF}", &text[..at])).unwrap();
    let (l, _) = fit_job(&job, &keep);
    assert_eq!(l.converged, Some(true), "{l:?}");
    for ((c, (b, se)), half) in l
        .coefficients
        .iter()
        .zip(SM_PARAMS.iter().zip(SM_BSE))
        .zip([1.0, 30.0, 0.5])
    {
        assert!((c.estimate - b).abs() * half < 1e-6, "{c:?} vs {b}");
        assert!((c.std_error - se).abs() * half < 1e-6, "{c:?} vs {se}");
    }
}

/// `duet check` states the opened fit's minimum on its n bit, and the
/// zero that a level's events may be.
#[test]
fn check_states_the_opened_minimum_and_the_level_outcome_rule() {
    let policy = "[policy]\nmin_cell = 3\nmin_group = 3\nmax_params_ratio = 0.33\n";
    let report = duet_stats::release::check::check(&opened_job(policy), None).unwrap();
    let bits: Vec<String> = report.statistics[0]
        .bits
        .iter()
        .map(|b| format!("{} ({})", b.name, b.decides))
        .collect();
    let has = |want: &str| bits.iter().any(|b| b.ends_with(want));
    assert!(
        has("[all].suppressed (pooled count >= 194; each side's part 0 or >= 194)"),
        "{bits:#?}"
    );
    assert!(
        has("[smoker=yes, events of outcome].suppressed (pooled count 0 or >= 3; each side's part 0 or >= 3)"),
        "{bits:#?}"
    );
}
