//! Released statistics from opened pooled aggregates, in f64 from exact
//! integers: every centred sum of squares or products is formed exactly
//! (`n * sum(xy) - sum(x) * sum(y)` in i128) before one division.

use crate::derived;
use crate::job::{format_scaled, ColumnType, Job, StatisticSpec};
use crate::plan::{term_name, Block, BlockKind, Plan, Term};
use crate::protocol::Opened;
use crate::release::models::Model;
use crate::release::survival::CurveSpans;
use crate::results::{
    CellResult, Coefficient, CorrelationResult, RegressionResult, StatBody, StatisticResult,
};
use crate::secure::logistic::LogisticOptions;

/// One result per block (statistic), in job order.
pub(crate) fn compute(job: &Job, plan: &Plan, opened: &Opened) -> Vec<StatisticResult> {
    let mut cell = 0;
    let mut out = Vec::with_capacity(plan.blocks().len());
    for (index, b) in plan.blocks().iter().enumerate() {
        let Some(spec) = job.statistics().get(b.stat) else {
            continue;
        };
        let released: Vec<Option<Vec<i128>>> = (0..b.cells)
            .map(|c| cell_values(b, c, cell + c, opened))
            .collect();
        cell += b.cells;
        let body = match (&b.kind, spec) {
            (_, StatisticSpec::LogisticRegression { y, iterations, .. }) => {
                let withheld = opened
                    .suppressed
                    .get(cell - b.cells)
                    .copied()
                    .unwrap_or(true);
                let n = opened
                    .values
                    .get(b.offset)
                    .copied()
                    .flatten()
                    .filter(|_| !withheld);
                derived::logistic(
                    y,
                    iterations.unwrap_or(LogisticOptions::default().iterations),
                    n,
                )
            }
            (BlockKind::Cross { terms }, _) => {
                let withheld = opened
                    .suppressed
                    .get(cell - b.cells)
                    .copied()
                    .unwrap_or(true);
                let n = opened
                    .values
                    .get(b.offset)
                    .copied()
                    .flatten()
                    .filter(|_| !withheld);
                let model = opened
                    .models
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, m)| m);
                cross(job, spec, terms, n, model)
            }
            (
                _,
                StatisticSpec::ChiSquare { .. }
                | StatisticSpec::OddsRatio { .. }
                | StatisticSpec::RiskRatio { .. },
            ) => derived::table(job, spec, b, &released),
            (_, StatisticSpec::TTest { column, .. }) => derived::t_test(job, column, b, &released),
            (_, StatisticSpec::KaplanMeier { time, .. }) => {
                derived::survival(job, time, b, &curves_of(index, opened))
            }
            _ => StatBody::Cells {
                cells: cells(job, spec, b, &released),
            },
        };
        out.push(StatisticResult {
            label: b.label.clone(),
            kind: kind_name(spec),
            body,
            noise: Vec::new(),
        });
    }
    out
}

/// The curves of survival block `index`, each with its released spans.
fn curves_of(index: usize, opened: &Opened) -> Vec<CurveSpans<'_>> {
    opened
        .curves
        .iter()
        .filter(|c| c.block == index)
        .map(|c| {
            let spans = opened
                .span_values
                .iter()
                .filter(|(s, _)| s.block == index && s.group == c.group)
                .copied()
                .collect();
            (c, spans)
        })
        .collect()
}

fn kind_name(s: &StatisticSpec) -> &'static str {
    match s {
        StatisticSpec::Count { .. } => "count",
        StatisticSpec::Sum { .. } => "sum",
        StatisticSpec::Mean { .. } => "mean",
        StatisticSpec::Variance { .. } => "variance",
        StatisticSpec::StdDev { .. } => "std_dev",
        StatisticSpec::Histogram { .. } => "histogram",
        StatisticSpec::Contingency { .. } => "contingency",
        StatisticSpec::Correlation { .. } => "correlation",
        StatisticSpec::LinearRegression { .. } => "linear_regression",
        StatisticSpec::ChiSquare { .. } => "chi_square",
        StatisticSpec::TTest { .. } => "t_test",
        StatisticSpec::OddsRatio { .. } => "odds_ratio",
        StatisticSpec::RiskRatio { .. } => "risk_ratio",
        StatisticSpec::KaplanMeier { .. } => "kaplan_meier",
        StatisticSpec::LogisticRegression { .. } => "logistic_regression",
    }
}

/// The opened aggregates of cell `c`, or None when it is suppressed.
fn cell_values(b: &Block, c: usize, global: usize, opened: &Opened) -> Option<Vec<i128>> {
    if opened.suppressed.get(global).copied().unwrap_or(true) {
        return None;
    }
    let start = b.offset + c * b.width;
    (start..start + b.width)
        .map(|i| opened.values.get(i).copied().flatten())
        .collect()
}

fn places_of(job: &Job, column: &str) -> u32 {
    match job.column(column).map(|(_, c)| &c.ty) {
        Some(ColumnType::Numeric { places, .. }) => *places,
        _ => 0,
    }
}

fn cells(
    job: &Job,
    spec: &StatisticSpec,
    b: &Block,
    released: &[Option<Vec<i128>>],
) -> Vec<CellResult> {
    released
        .iter()
        .enumerate()
        .map(|(c, v)| {
            let mut r = CellResult {
                cell: b.cell_name(c).to_string(),
                suppressed: v.is_none(),
                n: None,
                sum: None,
                value: None,
                note: None,
            };
            if let Some(v) = v {
                fill_cell(job, spec, v, &mut r);
            }
            r
        })
        .collect()
}

fn fill_cell(job: &Job, spec: &StatisticSpec, v: &[i128], r: &mut CellResult) {
    let n = v.first().copied().unwrap_or(0);
    r.n = u64::try_from(n).ok();
    let (sum, sumsq) = (v.get(1).copied(), v.get(2).copied());
    let scale = |column: &str| 10f64.powi(places_of(job, column) as i32);
    match spec {
        StatisticSpec::Sum { column, .. } => {
            r.sum = sum.map(|s| format_scaled(s, places_of(job, column)));
        }
        StatisticSpec::Mean { column, .. } => {
            r.value = sum
                .filter(|_| n > 0)
                .map(|s| s as f64 / n as f64 / scale(column));
        }
        StatisticSpec::Variance { column, .. } | StatisticSpec::StdDev { column, .. } => {
            let var = match (sum, sumsq) {
                (Some(s), Some(q)) if n >= 2 => Some(centred(n, q, s, s) / (n * (n - 1)) as f64),
                _ => None,
            };
            let sd = matches!(spec, StatisticSpec::StdDev { .. });
            let var = var.map(|v| v.max(0.0) / scale(column).powi(2));
            r.value = if sd { var.map(f64::sqrt) } else { var };
            if r.value.is_none() {
                r.note = Some("undefined for fewer than 2 rows".into());
            }
        }
        _ => {}
    }
}

/// `n * sxy - sx * sy` exactly when it fits i128, else in f64.
fn centred(n: i128, sxy: i128, sx: i128, sy: i128) -> f64 {
    n.checked_mul(sxy)
        .zip(sx.checked_mul(sy))
        .and_then(|(a, b)| a.checked_sub(b))
        .map_or_else(
            || n as f64 * sxy as f64 - sx as f64 * sy as f64,
            |v| v as f64,
        )
}

fn cross(
    job: &Job,
    spec: &StatisticSpec,
    terms: &[Term],
    n: Option<i128>,
    model: Option<&Model>,
) -> StatBody {
    let n = n.and_then(|n| u64::try_from(n).ok());
    match spec {
        StatisticSpec::Correlation { columns } => StatBody::Correlation(CorrelationResult {
            columns: columns.to_vec(),
            suppressed: n.is_none(),
            n,
            matrix: match model {
                Some(Model::Correlation(c)) => Some(c.matrix.clone()),
                _ => None,
            },
        }),
        StatisticSpec::LinearRegression { y, .. } => {
            StatBody::Regression(regression(job, y, terms, n, model))
        }
        _ => StatBody::Cells { cells: vec![] },
    }
}

fn regression(
    job: &Job,
    y: &str,
    terms: &[Term],
    n: Option<u64>,
    model: Option<&Model>,
) -> RegressionResult {
    let mut r = RegressionResult {
        y: y.to_string(),
        suppressed: n.is_none(),
        n,
        coefficients: vec![],
        r_squared: None,
        residual_df: None,
        note: None,
    };
    match model {
        Some(Model::Regression(fit)) => {
            let k = terms.len().saturating_sub(1);
            let places: Vec<i32> = terms.iter().map(|t| term_places(job, t)).collect();
            let py = places.get(k).copied().unwrap_or(0);
            let mut names = vec!["intercept".to_string()];
            names.extend(terms.iter().take(k).map(|t| term_name(job, t)));
            let mut unit = vec![10f64.powi(-py)];
            unit.extend(places.iter().take(k).map(|&p| 10f64.powi(p - py)));
            r.coefficients = names
                .into_iter()
                .zip(fit.coefficients.iter().zip(&fit.std_errors))
                .zip(unit)
                .map(|((term, (b, se)), u)| Coefficient {
                    term,
                    estimate: b * u,
                    std_error: (fit.residual_df > 0).then_some(se * u),
                })
                .collect();
            r.r_squared = fit.r_squared;
            r.residual_df = Some(fit.residual_df);
        }
        Some(Model::Refused(why)) => r.note = Some(why.clone()),
        Some(Model::Correlation(_)) | None => {}
    }
    r
}

fn term_places(job: &Job, t: &Term) -> i32 {
    match t {
        Term::Numeric { col, .. } => match job.columns().get(*col).map(|c| &c.ty) {
            Some(ColumnType::Numeric { places, .. }) => *places as i32,
            _ => 0,
        },
        Term::Indicator { .. } => 0,
    }
}
