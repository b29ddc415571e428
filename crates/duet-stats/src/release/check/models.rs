//! The values a regression, correlation or logistic fit opens besides its
//! `n`, as `secure::linear` and `secure::logistic` document them: they are
//! computed on shares and are not linear in the records, so they carry no
//! provenance and are outside the differencing test.

use super::PlannedValue;
use crate::job::{ColumnType, Job, LogisticFitMode, StatisticSpec};
use crate::plan::{term_name, Block, Plan, Term};

/// A value computed on shares, released when the statistic's rules pass.
fn fitted(b: &Block, name: String, what: String, rules: &[String]) -> PlannedValue {
    PlannedValue {
        name: format!("{}.{name}", b.label),
        provenance: None,
        what,
        rules: rules.to_vec(),
    }
}

/// A correlation's `r` matrix (upper triangle) or a linear regression's
/// singular and narrow-spread flags, coefficients, variances and R^2.
pub(super) fn cross(
    job: &Job,
    b: &Block,
    spec: &StatisticSpec,
    terms: &[Term],
    rules: &[String],
) -> (Vec<PlannedValue>, Vec<String>) {
    let names: Vec<String> = terms.iter().map(|t| term_name(job, t)).collect();
    let kept = format!(
        "n is opened by the gate; the sums and cross-products of {} stay on shares",
        names.join(", ")
    );
    match spec {
        StatisticSpec::Correlation { .. } => (correlation(b, &names, rules), vec![kept]),
        _ => {
            let mut notes = vec![kept, format!("the residual degrees of freedom n - {} are public; a singular or too narrow design opens its flags and zeros", names.len())];
            let mut values = regression(b, &names, rules);
            if spec.robust().is_some() {
                notes.push(ROBUST_NOTE.into());
                values.extend(robust(b, &names, rules));
            }
            (values, notes)
        }
    }
}

/// How the robust pass works, for the check's notes.
const ROBUST_NOTE: &str = "robust = \"hc1\": after the fit is released, each side forms its part of the meat sum e_i^2 z_i z_i' from its own records at the released coefficients; it enters as shares without a message, the sandwich is formed on shares, and only the robust variances (and the two flags again) are opened";

/// `p + 2` values of the robust pass: the two flags again (0, as in the
/// released fit), then each coefficient's HC1 robust variance.
fn robust(b: &Block, names: &[String], rules: &[String]) -> Vec<PlannedValue> {
    let mut coefficients = vec!["intercept".to_string()];
    coefficients.extend(names.iter().take(names.len().saturating_sub(1)).cloned());
    let mut out = vec![
        fitted(
            b,
            "robust.singular".into(),
            "the singular-design flag, recomputed (0: the fit was released)".into(),
            rules,
        ),
        fitted(
            b,
            "robust.narrow_spread".into(),
            "the narrow-spread flag, recomputed (0: the fit was released)".into(),
            rules,
        ),
    ];
    out.extend(coefficients.iter().map(|t| {
        let what = format!("HC0 robust variance of the {t} estimate (times n / (n - p): HC1; its square root is the robust standard error; computed on shares from each side's meat)");
        fitted(b, format!("robust_variance[{t}]"), what, rules)
    }));
    out
}

/// `m (m + 1) / 2` values: each `r_ij` with `i <= j`; the diagonal says
/// which terms are constant.
fn correlation(b: &Block, names: &[String], rules: &[String]) -> Vec<PlannedValue> {
    let mut out = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for c in names.iter().skip(i) {
            let what = if a == c {
                format!("1, or undefined when {a} is constant (computed on shares)")
            } else {
                format!("Pearson r of {a} and {c}, undefined when either is constant (computed on shares)")
            };
            out.push(fitted(b, format!("r[{a}, {c}]"), what, rules));
        }
    }
    out
}

/// `2p + 4` values: the singular and narrow-spread flags, `p` coefficients, their `p`
/// variances, R^2 and the residual variance (the outcome is the last term).
fn regression(b: &Block, names: &[String], rules: &[String]) -> Vec<PlannedValue> {
    let (y, x) = names
        .split_last()
        .map_or(("?", &[][..]), |(y, x)| (y.as_str(), x));
    let mut coefficients = vec!["intercept".to_string()];
    coefficients.extend(x.iter().cloned());
    let flag = "1 when the design is singular (a variance inflation factor above 2^16), then every value below is 0";
    let narrow = "1 when some term spreads over less than 2^-20 of its declared half-width (the fit would be inaccurate), then every value below is 0";
    let mut out = vec![
        fitted(b, "singular".into(), flag.into(), rules),
        fitted(b, "narrow_spread".into(), narrow.into(), rules),
    ];
    out.extend(estimates(b, &coefficients, y, rules));
    out.push(fitted(
        b,
        "r_squared".into(),
        format!("R^2 of {y}, undefined when {y} is constant (computed on shares)"),
        rules,
    ));
    out.push(fitted(
        b,
        "residual_variance".into(),
        format!("residual sum of squares of {y} over n s_y^2; sqrt(RSS / (n - p)) is the residual standard error (computed on shares)"),
        rules,
    ));
    out
}

/// Each coefficient's estimate, then each one's variance.
fn estimates(b: &Block, coefficients: &[String], y: &str, rules: &[String]) -> Vec<PlannedValue> {
    let estimate = coefficients.iter().map(|t| {
        let what = format!("estimate of {t} for {y} (computed on shares)");
        fitted(b, format!("coefficient[{t}]"), what, rules)
    });
    let variance = coefficients.iter().map(|t| {
        let what =
            format!("variance of the {t} estimate; its square root is the standard error (computed on shares)");
        fitted(b, format!("variance[{t}]"), what, rules)
    });
    estimate.chain(variance).collect()
}

/// A logistic fit's values: the separation bits, the `2p` estimates and
/// variances, the convergence bit and the deviance.
pub(super) fn logistic(
    job: &Job,
    b: &Block,
    x: &[String],
    rules: &[String],
) -> (Vec<PlannedValue>, Vec<String>) {
    let mut coefficients = vec!["intercept".to_string()];
    coefficients.extend(x.iter().flat_map(|name| predictor_terms(job, name)));
    let y = match job.statistics().get(b.stat) {
        Some(StatisticSpec::LogisticRegression { y, .. }) => y.as_str(),
        _ => "?",
    };
    let spec = job.statistics().get(b.stat);
    let opened =
        spec.and_then(StatisticSpec::logistic_fit) == Some(LogisticFitMode::OpenedIterates);
    let steps = spec
        .and_then(StatisticSpec::logistic_iterations)
        .unwrap_or(0);
    let notes = vec![match opened {
        false => format!(
            "fitted by Newton's method on per-record shares; n and the outcome's level counts (events, non-events) are opened by the gate, and only the {} estimates, their variances, the convergence bit and (pooled studies) the deviance after it: no probability, Hessian or intermediate step",
            coefficients.len()
        ),
        true => format!(
            "fit = \"opened-iterates\": every Newton iterate is opened (at most {steps}; the fit stops earlier once a step is below {:e}); each side sums its own records' gradient and Hessian at the public iterate and only those sums are shared; then the {} variances and the deviance",
            crate::secure::logistic::OPENED_TOLERANCE,
            coefficients.len()
        ),
    }];
    let mut values = separation(job, b, x, rules);
    if opened {
        for t in 1..=steps {
            values.extend(coefficients.iter().map(|c| {
                let what = format!("Newton iterate {t}: the {c} coefficient for {y} (opened-iterates; not opened if the fit stopped before)");
                fitted(b, format!("iterate[{t}][{c}]"), what, rules)
            }));
        }
    }
    values.extend(estimates(b, &coefficients, y, rules));
    let converged = match opened {
        false => format!("1 when the last Newton step's norm (standardised) is below {} and no fitted probability is 0 or 1, else 0 (decided on shares)", crate::secure::logistic::STEP_TOLERANCE),
        true => "the number of iterates says whether the fit converged (opened as a constant)".to_string(),
    };
    values.push(fitted(b, "converged".into(), converged, rules));
    values.push(fitted(
        b,
        "deviance".into(),
        "-2 log-likelihood at the released coefficients: each side's part over its own records, added on shares (pooled studies only)".into(),
        rules,
    ));
    (values, notes)
}

/// One bit per category predictor: some level without events or
/// non-events (separation); when any is 1 nothing else is opened.
fn separation(job: &Job, b: &Block, x: &[String], rules: &[String]) -> Vec<PlannedValue> {
    x.iter()
        .filter(|name| matches!(job.column(name).map(|(_, c)| &c.ty), Some(ColumnType::Category { .. })))
        .map(|name| {
            let what = format!("1 when some level of {name} has no events or no non-events (separation: then no fit runs and nothing below is opened), decided on shares");
            fitted(b, format!("separated[{name}]"), what, rules)
        })
        .collect()
}

/// A predictor's terms: the column, or one indicator per level after the
/// first.
fn predictor_terms(job: &Job, name: &str) -> Vec<String> {
    match job.column(name).map(|(_, c)| &c.ty) {
        Some(ColumnType::Category { levels }) => levels
            .iter()
            .skip(1)
            .map(|l| format!("{name}={l}"))
            .collect(),
        _ => vec![name.to_string()],
    }
}

/// A quantile statistic's values: per group and `p`, the quantile, opened
/// as its bisection bits after the group's `n` passed and the extreme rule.
pub(super) fn quantile(
    plan: &Plan,
    b: &Block,
    column: &str,
    rules: &[String],
    t: u64,
) -> (Vec<PlannedValue>, Vec<String>) {
    let Some(q) = plan.quantiles().iter().find(|q| {
        plan.blocks()
            .get(q.block)
            .is_some_and(|qb| qb.offset == b.offset)
    }) else {
        return (vec![], vec![]);
    };
    let mut rules = rules.to_vec();
    rules.push(format!("n*p >= {t} and n*(1-p) >= {t}"));
    let levels = q.grid.levels();
    let mut out = Vec::new();
    for g in 0..b.cells {
        for &p in &q.grid.p_scaled {
            let p = crate::job::Decimal::from_units(p, q.grid.p_places);
            let what = format!(
                "type-1 quantile at p = {p} of {column} in {}: opened as its {levels} bisection bits (one extreme-rule bit first)",
                b.cell_name(g)
            );
            let name = format!("{}[{}].p={p}", b.label, b.cell_name(g));
            out.push(PlannedValue {
                name,
                provenance: None,
                what,
                rules: rules.clone(),
            });
        }
    }
    let notes = vec![format!(
        "each side counts its own records at or below each candidate; the counts are pooled and compared with p*n on shares, one comparison per group and p per level, {levels} levels; a withheld group opens nothing"
    )];
    (out, notes)
}
