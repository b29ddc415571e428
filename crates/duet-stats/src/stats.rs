//! Released statistics from opened pooled aggregates, in f64 from exact
//! integers: every centred sum of squares or products is formed exactly
//! (`n * sum(xy) - sum(x) * sum(y)` in i128) before one division.

use crate::derived;
use crate::job::{format_scaled, ColumnType, Job, StatisticSpec};
use crate::linalg::spd_inverse;
use crate::plan::{term_name, Block, BlockKind, Plan, Term};
use crate::protocol::Opened;
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
            (BlockKind::Cross { terms }, _) => {
                cross(job, spec, terms, released.first().cloned().flatten())
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
            (_, StatisticSpec::LogisticRegression { y, iterations, .. }) => derived::logistic(
                y,
                iterations.unwrap_or(LogisticOptions::default().iterations),
                &released,
            ),
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

/// Layout of a cross block's elements: n, sums, upper-triangle products.
struct Cross<'a> {
    v: &'a [i128],
    m: usize,
}

impl Cross<'_> {
    fn n(&self) -> i128 {
        self.v.first().copied().unwrap_or(0)
    }

    fn sum(&self, i: usize) -> i128 {
        self.v.get(1 + i).copied().unwrap_or(0)
    }

    fn prod(&self, i: usize, j: usize) -> i128 {
        let (i, j) = (i.min(j), i.max(j));
        // Row i of the upper triangle starts at i*m - i*(i-1)/2.
        let at = 1 + self.m + i * self.m - i * i.saturating_sub(1) / 2 + (j - i);
        self.v.get(at).copied().unwrap_or(0)
    }

    /// `n * sum(t_i t_j) - sum(t_i) sum(t_j)`: n^2 times the centred product.
    fn centred(&self, i: usize, j: usize) -> f64 {
        centred(self.n(), self.prod(i, j), self.sum(i), self.sum(j))
    }
}

fn cross(job: &Job, spec: &StatisticSpec, terms: &[Term], v: Option<Vec<i128>>) -> StatBody {
    match spec {
        StatisticSpec::Correlation { columns } => {
            StatBody::Correlation(correlation(columns, terms.len(), v.as_deref()))
        }
        StatisticSpec::LinearRegression { y, .. } => {
            StatBody::Regression(regression(job, y, terms, v.as_deref()))
        }
        _ => StatBody::Cells { cells: vec![] },
    }
}

fn correlation(columns: &[String], m: usize, v: Option<&[i128]>) -> CorrelationResult {
    let matrix = v.map(|v| {
        let x = Cross { v, m };
        (0..m)
            .map(|i| {
                (0..m)
                    .map(|j| {
                        let d = (x.centred(i, i) * x.centred(j, j)).sqrt();
                        (d > 0.0).then(|| (x.centred(i, j) / d).clamp(-1.0, 1.0))
                    })
                    .collect()
            })
            .collect()
    });
    CorrelationResult {
        columns: columns.to_vec(),
        suppressed: v.is_none(),
        n: v.and_then(|v| u64::try_from(Cross { v, m }.n()).ok()),
        matrix,
    }
}

fn regression(job: &Job, y: &str, terms: &[Term], v: Option<&[i128]>) -> RegressionResult {
    let mut r = RegressionResult {
        y: y.to_string(),
        suppressed: v.is_none(),
        n: None,
        coefficients: vec![],
        r_squared: None,
        residual_df: None,
        note: None,
    };
    let Some(v) = v else { return r };
    let x = Cross { v, m: terms.len() };
    r.n = u64::try_from(x.n()).ok();
    let k = terms.len().saturating_sub(1);
    let places: Vec<i32> = terms.iter().map(|t| term_places(job, t)).collect();
    match ols(&x, k) {
        Some(fit) => {
            let py = places.get(k).copied().unwrap_or(0);
            let mut names = vec!["intercept".to_string()];
            names.extend(terms[..k].iter().map(|t| term_name(job, t)));
            let mut unit = vec![10f64.powi(-py)];
            unit.extend(places[..k].iter().map(|&p| 10f64.powi(p - py)));
            r.coefficients = names
                .into_iter()
                .zip(fit.beta.iter().zip(&fit.se))
                .zip(unit)
                .map(|((term, (b, se)), u)| Coefficient {
                    term,
                    estimate: b * u,
                    std_error: se.map(|s| s * u),
                })
                .collect();
            r.r_squared = fit.r_squared;
            r.residual_df = Some(fit.df);
        }
        None => r.note = Some("singular design: a predictor is constant or collinear".into()),
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

/// An OLS fit in units: intercept first.
struct Fit {
    beta: Vec<f64>,
    se: Vec<Option<f64>>,
    r_squared: Option<f64>,
    df: u64,
}

/// OLS of term `k` on an intercept and terms `0..k`, by centred normal
/// equations (all centred sums exact before division).
fn ols(x: &Cross<'_>, k: usize) -> Option<Fit> {
    let n = x.n() as f64;
    let sxx: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| x.centred(i, j) / n).collect())
        .collect();
    let sxy: Vec<f64> = (0..k).map(|i| x.centred(i, k) / n).collect();
    let syy = x.centred(k, k) / n;
    let inv = spd_inverse(&sxx)?;
    let slopes: Vec<f64> = inv.iter().map(|row| dot(row, &sxy)).collect();
    let means: Vec<f64> = (0..=k).map(|i| x.sum(i) as f64 / n).collect();
    let intercept = means[k] - dot(&slopes, &means[..k]);
    let rss = (syy - dot(&slopes, &sxy)).max(0.0);
    let df = u64::try_from(x.n()).ok()?.checked_sub(k as u64 + 1)?;
    let sigma2 = (df > 0).then(|| rss / df as f64);
    let quad: f64 = (0..k).map(|i| means[i] * dot(&inv[i], &means[..k])).sum();
    let mut se = vec![sigma2.map(|s| (s * (1.0 / n + quad)).sqrt())];
    se.extend((0..k).map(|i| sigma2.map(|s| (s * inv[i][i]).sqrt())));
    let mut beta = vec![intercept];
    beta.extend(slopes);
    Some(Fit {
        beta,
        se,
        r_squared: (syy > 0.0).then(|| 1.0 - rss / syy),
        df,
    })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
