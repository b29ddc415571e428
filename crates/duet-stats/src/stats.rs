//! Released statistics from opened pooled aggregates, in f64 from exact
//! integers: every centred sum of squares or products is formed exactly
//! (`n * sum(xy) - sum(x) * sum(y)` in i128) before one division.

use crate::analysis::{adjusted_r_squared, coefficient_test, correlation_test, overall_f};
use crate::derived;
use crate::job::{format_scaled, ColumnType, Job, StatisticSpec};
use crate::plan::{term_name, Block, BlockKind, Plan, Term};
use crate::protocol::Opened;
use crate::release::models::Model;
use crate::release::survival::CurveSpans;
use crate::results::{
    CellResult, Coefficient, CorrelationPair, CorrelationResult, ExcludedCell, ExcludedRows,
    MeanInterval, RegressionResult, StatBody, StatisticResult,
};

mod quantile;

/// One result per block (statistic), in job order.
pub(crate) fn compute(job: &Job, plan: &Plan, opened: &Opened) -> Vec<StatisticResult> {
    let mut cell = 0;
    let mut out: Vec<StatisticResult> = Vec::with_capacity(plan.blocks().len());
    let mut pushed = None;
    for (index, b) in plan.blocks().iter().enumerate() {
        let Some(spec) = job.statistics().get(b.stat) else {
            continue;
        };
        let released: Vec<Option<Vec<i128>>> = (0..b.cells)
            .map(|c| cell_values(b, c, cell + c, opened))
            .collect();
        cell += b.cells;
        if let BlockKind::Excluded { .. } = &b.kind {
            // It follows its statistic's block.
            if let (Some(last), true) = (out.last_mut(), pushed == Some(b.stat)) {
                last.excluded = Some(excluded(job, b, &released));
            }
            continue;
        }
        let body = match (&b.kind, spec) {
            (BlockKind::Cross { terms }, StatisticSpec::LogisticRegression { y, .. }) => {
                let n = gated_n(opened, cell - b.cells, b.offset);
                // The outcome's event indicator is the block's last term.
                let events =
                    n.and_then(|_| opened.values.get(b.offset + terms.len()).copied().flatten());
                let separated = match opened.models.iter().find(|(i, _)| *i == index) {
                    Some((_, Model::Separation(names))) => names.as_slice(),
                    _ => &[],
                };
                derived::logistic(
                    y,
                    spec.logistic_iterations().unwrap_or_default(),
                    (n, events),
                    separated,
                )
            }
            (BlockKind::Cross { terms }, _) => {
                let n = gated_n(opened, cell - b.cells, b.offset);
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
            (_, StatisticSpec::Quantile { column, .. }) => {
                quantile::result(job, plan, (index, b, cell - b.cells), column, opened)
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
            excluded: None,
        });
        pushed = Some(b.stat);
    }
    out
}

/// The rows a statistic left out, as released (a noisy count under DP is
/// shown at 0 when below): per cell, and in all when every cell is.
fn excluded(job: &Job, b: &Block, released: &[Option<Vec<i128>>]) -> ExcludedRows {
    let count = |v: &Option<Vec<i128>>| {
        v.as_ref()
            .and_then(|v| v.first())
            .map(|&n| u64::try_from(n.max(0)).unwrap_or(u64::MAX))
    };
    let cells: Vec<ExcludedCell> = released
        .iter()
        .enumerate()
        .map(|(c, v)| ExcludedCell {
            cell: b.cell_name(c).to_string(),
            rows: count(v),
        })
        .collect();
    let rows = cells
        .iter()
        .try_fold(0u64, |acc, c| c.rows.map(|n| acc.saturating_add(n)));
    let read = job.statistic_columns(b.stat);
    ExcludedRows {
        columns: read
            .iter()
            .filter_map(|&c| job.columns().get(c).map(|c| c.name.clone()))
            .collect(),
        rows,
        cells: if cells.len() > 1 { cells } else { Vec::new() },
    }
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
        StatisticSpec::Quantile { .. } => "quantile",
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
                interval: None,
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
            r.interval = match (r.value, sum, sumsq) {
                (Some(mean), Some(s), Some(q)) if n >= 2 => {
                    let var = centred(n, q, s, s).max(0.0) / (n * (n - 1)) as f64;
                    mean_interval(mean, var.sqrt() / scale(column), n)
                }
                _ => None,
            };
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

/// The standard error `sd / sqrt(n)` and the 95% interval on `n - 1`
/// degrees of freedom (R's `t.test`).
fn mean_interval(mean: f64, sd: f64, n: i128) -> Option<MeanInterval> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
    let std_error = sd / (n as f64).sqrt();
    let half = t.inverse_cdf(0.975) * std_error;
    Some(MeanInterval {
        std_error,
        ci_low: mean - half,
        ci_high: mean + half,
    })
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
        StatisticSpec::Correlation { columns } => {
            let matrix = match model {
                Some(Model::Correlation(c)) => Some(c.matrix.clone()),
                _ => None,
            };
            StatBody::Correlation(CorrelationResult {
                columns: columns.to_vec(),
                suppressed: n.is_none(),
                n,
                pairs: correlation_pairs(columns, matrix.as_deref(), n),
                matrix,
            })
        }
        StatisticSpec::LinearRegression { y, robust, .. } => {
            let mut r = regression(job, y, terms, n, model);
            r.robust = robust.clone();
            StatBody::Regression(r)
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
        adjusted_r_squared: None,
        f_test: None,
        note: None,
        ..RegressionResult::default()
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
                .map(|((term, (b, se)), u)| {
                    let std_error = (fit.residual_df > 0).then_some(se * u);
                    let test = coefficient_test(b * u, std_error, fit.residual_df);
                    Coefficient {
                        term,
                        estimate: b * u,
                        std_error,
                        t: test.map(|t| t[0]),
                        p_value: test.map(|t| t[1]),
                        ci_low: test.map(|t| t[2]),
                        ci_high: test.map(|t| t[3]),
                        robust: None,
                    }
                })
                .collect();
            r.r_squared = fit.r_squared;
            r.residual_df = Some(fit.residual_df);
            r.residual_std_error = Some(fit.residual_std_error * 10f64.powi(-py));
            let p = fit.coefficients.len();
            let n = fit.residual_df + p as u64;
            r.adjusted_r_squared = fit.r_squared.and_then(|r2| adjusted_r_squared(r2, n, p));
            r.f_test = fit.r_squared.and_then(|r2| overall_f(r2, n, p));
        }
        Some(Model::Refused(why)) => r.note = Some(why.clone()),
        Some(Model::Correlation(_) | Model::Separation(_)) | None => {}
    }
    r
}

/// Each pair of the upper triangle whose r is defined, with its test.
fn correlation_pairs(
    columns: &[String],
    matrix: Option<&[Vec<Option<f64>>]>,
    n: Option<u64>,
) -> Vec<CorrelationPair> {
    let (Some(m), Some(n)) = (matrix, n) else {
        return vec![];
    };
    let mut out = Vec::new();
    for (i, row) in m.iter().enumerate() {
        for (j, r) in row.iter().enumerate().skip(i + 1) {
            let (Some(r), Some(x), Some(y)) = (r, columns.get(i), columns.get(j)) else {
                continue;
            };
            if let Some([p_value, ci_low, ci_high]) = correlation_test(*r, n) {
                out.push(CorrelationPair {
                    x: x.clone(),
                    y: y.clone(),
                    r: *r,
                    p_value,
                    ci_low,
                    ci_high,
                });
            }
        }
    }
    out
}

/// A model's released `n` (its block's first element), or `None` when
/// its first cell was withheld.
fn gated_n(opened: &Opened, first_cell: usize, offset: usize) -> Option<i128> {
    let withheld = opened.suppressed.get(first_cell).copied().unwrap_or(true);
    opened
        .values
        .get(offset)
        .copied()
        .flatten()
        .filter(|_| !withheld)
}

pub(crate) fn term_places(job: &Job, t: &Term) -> i32 {
    match t {
        Term::Numeric { col, .. } => match job.columns().get(*col).map(|c| &c.ty) {
            Some(ColumnType::Numeric { places, .. }) => *places as i32,
            _ => 0,
        },
        Term::Indicator { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R: `t.test(c(120.5, 140, 131.5, 150))$conf.int` is 115.5515 to
    /// 155.4485. Figures from scipy 1.17.1 (`x.std(ddof=1)/sqrt(n)`,
    /// `t.ppf(0.975, n - 1)`), 2026-12-06.
    #[test]
    fn a_means_interval_matches_t_test() {
        let x = [1205i128, 1400, 1315, 1500];
        let (n, s, q) = (4, x.iter().sum(), x.iter().map(|v| v * v).sum());
        let sd = (centred(n, q, s, s) / (n * (n - 1)) as f64).sqrt() / 10.0;
        let got = mean_interval(135.5, sd, n).unwrap();
        let want = [
            6.268_306_523_030_496,
            115.551_451_065_395_84,
            155.448_548_934_604_16,
        ];
        for (g, w) in [got.std_error, got.ci_low, got.ci_high]
            .into_iter()
            .zip(want)
        {
            assert!((g - w).abs() < 1e-9 * w.abs(), "{g} vs {w}");
        }
        // Two values: t on 1 df.
        let got = mean_interval(126.0, 5.5 * 2f64.sqrt(), 2).unwrap();
        assert!((got.ci_low - 56.115_873_951_039_19).abs() < 1e-9);
        assert!((got.ci_high - 195.884_126_048_960_8).abs() < 1e-9);
    }
}
