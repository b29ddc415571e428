//! Models: correlation matrices, linear and logistic regressions. Their
//! values are about all records (`cell` is `{}`) and name a `term` (or,
//! for correlations, a `pair` of columns).

use serde_json::Value;

use super::document::{TestResult, ValueRow};
use super::rows::{count, real, CellKey, Unit, COUNT, LOG_ODDS, NO_COUNT, ONE, RATIO};
use super::Context;
use duet_stats::job::ColumnType;
use duet_stats::results::{
    Coefficient, CorrelationResult, LogisticCoefficient, LogisticResult, RegressionResult,
};

/// What a model brings besides its rows.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    pub(crate) tests: Vec<TestResult>,
    pub(crate) details: serde_json::Map<String, Value>,
    pub(crate) notes: Vec<String>,
}

/// The model's `n` row, withheld when the model is suppressed.
fn n_row(cx: &Context<'_>, suppressed: bool, n: Option<u64>) -> ValueRow {
    let unit = Unit::plain(COUNT);
    let all = CellKey::new();
    if suppressed {
        return ValueRow::withheld(&all, "n", &unit, &cx.withheld_reason("all"));
    }
    ValueRow::new(&all, "n", n.and_then(count), &unit).or_reason(Some(NO_COUNT))
}

/// A correlation: `n`, then `r` for each pair of columns (upper triangle).
pub(crate) fn correlation(cx: &Context<'_>, c: &CorrelationResult) -> (Vec<ValueRow>, Extras) {
    let mut rows = vec![n_row(cx, c.suppressed, c.n)];
    let unit = Unit::plain(ONE);
    let all = CellKey::new();
    for (i, x) in c.columns.iter().enumerate() {
        for (j, y) in c.columns.iter().enumerate().skip(i + 1) {
            let mut row = if c.suppressed {
                ValueRow::withheld(&all, "r", &unit, &cx.withheld_reason("all"))
            } else {
                let r = c.matrix.as_ref().and_then(|m| *m.get(i)?.get(j)?);
                ValueRow::new(&all, "r", r.and_then(real), &unit)
                    .or_reason(Some("undefined: a column is constant"))
            };
            row.pair = Some([x.clone(), y.clone()]);
            if let Some(p) = c.pairs.iter().find(|p| p.x == *x && p.y == *y) {
                row.p_value = Some(p.p_value);
                row = row.with_ci(Some(p.ci_low), Some(p.ci_high));
            }
            rows.push(row);
        }
    }
    let mut extras = Extras::default();
    extras
        .details
        .insert("columns".into(), Value::from(c.columns.clone()));
    (rows, extras)
}

/// The unit of a linear-regression coefficient: the outcome's per unit of
/// a numeric term, the outcome's for the intercept and indicators.
fn coefficient_unit(cx: &Context<'_>, y: &str, term: &str) -> Unit {
    match cx.job.column(term).map(|(_, c)| &c.ty) {
        Some(ColumnType::Numeric { .. }) => Unit::per(y, term),
        _ => Unit::column(cx.job, y),
    }
}

/// A linear regression: `n`, each coefficient's `estimate`, then R^2,
/// adjusted R^2 and the residual degrees of freedom; the F test.
pub(crate) fn regression(cx: &Context<'_>, r: &RegressionResult) -> (Vec<ValueRow>, Extras) {
    let mut rows = vec![n_row(cx, r.suppressed, r.n)];
    rows.extend(r.coefficients.iter().map(|c| coefficient(cx, &r.y, c)));
    rows.extend(r.coefficients.iter().filter_map(|c| robust(cx, &r.y, c)));
    let all = CellKey::new();
    let one = Unit::plain(ONE);
    let fit = [
        ("r_squared", r.r_squared.and_then(real)),
        ("adjusted_r_squared", r.adjusted_r_squared.and_then(real)),
        ("residual_df", r.residual_df.and_then(count)),
    ];
    if !r.suppressed && !r.coefficients.is_empty() {
        rows.extend(
            fit.into_iter()
                .map(|(m, v)| ValueRow::new(&all, m, v, &one)),
        );
        rows.extend(r.residual_std_error.map(|v| {
            let unit = Unit::column(cx.job, &r.y);
            ValueRow::new(&all, "residual_std_error", real(v), &unit)
        }));
    }
    let mut extras = Extras::default();
    extras.tests.extend(r.f_test.as_ref().map(|f| TestResult {
        test: "f".into(),
        statistic: f.value,
        df: f.df1 as f64,
        df2: Some(f.df2 as f64),
        p_value: f.p_value,
        details: Default::default(),
    }));
    extras.notes.extend(r.note.clone());
    if let Some(kind) = &r.robust {
        extras.details.insert("robust".into(), kind.clone().into());
    }
    extras.notes.extend(
        r.robust_note
            .iter()
            .map(|n| format!("robust (HC1) standard errors {n}")),
    );
    (rows, extras)
}

/// A coefficient's `robust_std_error` row: the HC1 standard error as the
/// value, with its t, p and 95% limits.
fn robust(cx: &Context<'_>, y: &str, c: &Coefficient) -> Option<ValueRow> {
    let r = c.robust.as_ref()?;
    let unit = coefficient_unit(cx, y, &c.term);
    let mut row = ValueRow::new(
        &CellKey::new(),
        "robust_std_error",
        real(r.std_error),
        &unit,
    )
    .with_term(&c.term)
    .with_ci(r.ci_low, r.ci_high);
    row.test_statistic = r.t.filter(|v| v.is_finite());
    row.p_value = r.p_value.filter(|v| v.is_finite());
    Some(row)
}

fn coefficient(cx: &Context<'_>, y: &str, c: &Coefficient) -> ValueRow {
    let unit = coefficient_unit(cx, y, &c.term);
    let mut row = ValueRow::new(&CellKey::new(), "estimate", real(c.estimate), &unit)
        .with_term(&c.term)
        .with_ci(c.ci_low, c.ci_high);
    row.std_error = c.std_error.filter(|v| v.is_finite());
    row.test_statistic = c.t.filter(|v| v.is_finite());
    row.p_value = c.p_value.filter(|v| v.is_finite());
    row
}

/// A logistic regression: `n`, then per term its `estimate` (log-odds)
/// and its `odds_ratio`.
pub(crate) fn logistic(cx: &Context<'_>, r: &LogisticResult) -> (Vec<ValueRow>, Extras) {
    let mut rows = vec![n_row(cx, r.suppressed, r.n)];
    for c in &r.coefficients {
        rows.extend(logistic_rows(c));
    }
    let all = CellKey::new();
    if !r.suppressed {
        rows.extend(
            r.events
                .map(|e| ValueRow::new(&all, "events", count(e), &Unit::plain(COUNT))),
        );
        let fit = [
            ("deviance", r.deviance),
            ("null_deviance", r.null_deviance),
            ("aic", r.aic),
        ];
        rows.extend(
            fit.into_iter()
                .filter_map(|(m, v)| Some(ValueRow::new(&all, m, real(v?), &Unit::plain(ONE)))),
        );
    }
    let mut extras = Extras::default();
    extras.details.insert("outcome".into(), r.y.clone().into());
    extras
        .details
        .insert("iterations".into(), r.iterations.into());
    for (k, v) in [("estimable", r.estimable), ("converged", r.converged)] {
        if let Some(v) = v {
            extras.details.insert(k.into(), v.into());
        }
    }
    if let Some(c) = &r.convergence {
        extras
            .details
            .insert("convergence".into(), c.clone().into());
    }
    if let Some(fit) = &r.fit {
        extras.details.insert("fit".into(), fit.clone().into());
        let iterates: Vec<Value> = r.iterates.iter().map(|b| b.clone().into()).collect();
        extras.details.insert("iterates".into(), iterates.into());
    }
    extras.notes.extend(r.note.clone());
    (rows, extras)
}

fn logistic_rows(c: &LogisticCoefficient) -> [ValueRow; 2] {
    let all = CellKey::new();
    let mut estimate = ValueRow::new(&all, "estimate", real(c.estimate), &Unit::plain(LOG_ODDS))
        .with_term(&c.term);
    estimate.std_error = Some(c.std_error).filter(|v| v.is_finite());
    estimate.test_statistic = Some(c.z).filter(|v| v.is_finite());
    estimate.p_value = Some(c.p_value).filter(|v| v.is_finite());
    let ratio = ValueRow::new(&all, "odds_ratio", real(c.odds_ratio), &Unit::plain(RATIO))
        .with_term(&c.term)
        .with_ci(Some(c.ci_low), Some(c.ci_high));
    [estimate, ratio]
}
