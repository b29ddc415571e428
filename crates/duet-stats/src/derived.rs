//! Tests, ratios and survival curves derived from released tables: the
//! opened (possibly noisy) aggregates are all they use.

use crate::analysis::{chi_square, kaplan_meier, ratio, welch, Interval, Measure, Moments};
use crate::job::{ColumnType, Job, StatisticSpec};
use crate::plan::{Block, BlockKind};
use crate::release::survival::{CurveSpans, Stop};
use crate::results::{
    CellResult, LogisticResult, StatBody, SurvivalResult, TTestResult, TableTestResult,
};

/// The opened aggregates of every cell of a block (None when suppressed).
pub(crate) type Released = [Option<Vec<i128>>];

fn levels(job: &Job, column: &str) -> Vec<String> {
    match job.column(column).map(|(_, c)| &c.ty) {
        Some(ColumnType::Category { levels }) => levels.clone(),
        _ => vec![],
    }
}

fn scale(job: &Job, column: &str) -> f64 {
    match job.column(column).map(|(_, c)| &c.ty) {
        Some(ColumnType::Numeric { places, .. }) => 10f64.powi(*places as i32),
        _ => 1.0,
    }
}

fn count_cell(b: &Block, c: usize, v: &Option<Vec<i128>>) -> CellResult {
    CellResult {
        cell: b.cell_name(c).to_string(),
        suppressed: v.is_none(),
        n: v.as_ref().and_then(|v| u64::try_from(*v.first()?).ok()),
        sum: None,
        value: None,
        note: None,
    }
}

/// Counts of every cell, or None if any is suppressed.
fn counts(released: &Released) -> Option<Vec<f64>> {
    released
        .iter()
        .map(|v| v.as_ref().and_then(|v| v.first()).map(|&n| n as f64))
        .collect()
}

const SUPPRESSED: &str = "a cell of the table was suppressed, so no test is computed";

/// Chi-square, odds ratio and risk ratio statistics.
pub(crate) fn table(job: &Job, spec: &StatisticSpec, b: &Block, released: &Released) -> StatBody {
    let (row_col, col_col) = match spec {
        StatisticSpec::ChiSquare { columns } => (
            columns.first().cloned().unwrap_or_default(),
            columns.get(1).cloned().unwrap_or_default(),
        ),
        StatisticSpec::OddsRatio { exposure, outcome }
        | StatisticSpec::RiskRatio { exposure, outcome } => (exposure.clone(), outcome.clone()),
        _ => Default::default(),
    };
    let mut r = TableTestResult {
        rows: levels(job, &row_col),
        columns: levels(job, &col_col),
        cells: released
            .iter()
            .enumerate()
            .map(|(c, v)| count_cell(b, c, v))
            .collect(),
        chi_square: None,
        ratio: None,
        note: None,
    };
    let Some(n) = counts(released) else {
        r.note = Some(SUPPRESSED.into());
        return finish(spec, r);
    };
    let outcome = match spec {
        StatisticSpec::ChiSquare { .. } => {
            chi_square(r.rows.len(), r.columns.len(), &n).map(|t| r.chi_square = Some(t))
        }
        _ => {
            let m = match spec {
                StatisticSpec::RiskRatio { .. } => Measure::RiskRatio,
                _ => Measure::OddsRatio,
            };
            let at = |i: usize| n.get(i).copied().unwrap_or(0.0);
            ratio(m, [[at(0), at(1)], [at(2), at(3)]]).map(|e| r.ratio = Some(e))
        }
    };
    if let Err(reason) = outcome {
        r.note = Some(reason);
    }
    finish(spec, r)
}

fn finish(spec: &StatisticSpec, r: TableTestResult) -> StatBody {
    match spec {
        StatisticSpec::ChiSquare { .. } => StatBody::ChiSquare(r),
        _ => StatBody::Ratio(r),
    }
}

/// Welch's t-test from the two groups' n, sum and sum of squares.
pub(crate) fn t_test(job: &Job, column: &str, b: &Block, released: &Released) -> StatBody {
    let s = scale(job, column);
    let moments: Vec<Option<Moments>> = released
        .iter()
        .map(|v| {
            let v = v.as_ref()?;
            Some(Moments {
                n: *v.first()? as f64,
                sum: *v.get(1)? as f64 / s,
                sumsq: *v.get(2)? as f64 / (s * s),
            })
        })
        .collect();
    let groups = released
        .iter()
        .zip(&moments)
        .enumerate()
        .map(|(c, (v, m))| CellResult {
            value: m.as_ref().filter(|m| m.n > 0.0).map(|m| m.sum / m.n),
            ..count_cell(b, c, v)
        })
        .collect();
    let mut r = TTestResult {
        column: column.to_string(),
        groups,
        test: None,
        note: None,
    };
    match (moments.first(), moments.get(1)) {
        (Some(Some(a)), Some(Some(b))) => match welch(a, b) {
            Ok(t) => r.test = Some(t),
            Err(reason) => r.note = Some(reason),
        },
        _ => r.note = Some("a group was suppressed, so no test is computed".into()),
    }
    StatBody::TTest(r)
}

/// Kaplan-Meier curves, one per group, from at-risk, event and censoring counts.
pub(crate) fn survival(job: &Job, time: &str, b: &Block, curves: &[CurveSpans<'_>]) -> StatBody {
    let BlockKind::Survival { edges, .. } = &b.kind else {
        return StatBody::Survival(SurvivalResult {
            time: time.into(),
            curves: vec![],
        });
    };
    let s = scale(job, time);
    let bins = edges.len().saturating_sub(1).max(1);
    let edge = |k: usize| edges.get(k).map_or(f64::NAN, |&e| e as f64 / s);
    let curves = curves
        .iter()
        .map(|(curve, spans)| {
            let mut intervals: Vec<Option<Interval>> = spans
                .iter()
                .map(|(span, [a, e, c])| {
                    Some(Interval {
                        start: edge(span.first),
                        end: edge(span.last + 1),
                        at_risk: *a as f64,
                        events: *e as f64,
                        censored: *c as f64,
                    })
                })
                .collect();
            let stop = curve.stop.map(|stop| match stop {
                Stop::AtRisk { at } => format!(
                    "the curve stops at {}: too few at risk to release the next interval",
                    edge(at)
                ),
                Stop::Tail { from } => format!(
                    "the curve stops at {}: the events or censored counts after it fail the disclosure rules even merged",
                    edge(from)
                ),
            });
            if stop.is_some() {
                intervals.push(None);
            }
            let name = b.cell_name(curve.group * bins);
            let group = name.rsplit_once(", [").map_or(name, |(g, _)| g);
            let mut km = kaplan_meier(group.to_string(), &intervals);
            if km.note.is_some() && stop.is_some() {
                km.note = stop;
            }
            if spans.iter().any(|(sp, _)| sp.first != sp.last) {
                let merged = "intervals were merged until their events and censored counts passed the disclosure rules";
                km.note = Some(km.note.map_or(merged.to_string(), |n| format!("{n}; {merged}")));
            }
            km
        })
        .collect();
    StatBody::Survival(SurvivalResult {
        time: time.into(),
        curves,
    })
}

/// The gate of a logistic fit; the fit itself runs afterwards on shares.
pub(crate) fn logistic(y: &str, iterations: u32, n: Option<i128>) -> StatBody {
    let n = n.and_then(|n| u64::try_from(n).ok());
    StatBody::Logistic(LogisticResult {
        y: y.to_string(),
        suppressed: n.is_none(),
        n,
        coefficients: vec![],
        iterations,
        note: None,
    })
}
