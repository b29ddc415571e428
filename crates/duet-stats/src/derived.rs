//! Tests, ratios and survival curves derived from released tables: the
//! opened (possibly noisy) aggregates are all they use.

use crate::analysis::{
    chi_square, log_rank, ratio, survival_curve, welch, Interval, Measure, Moments,
};
use crate::job::{ColumnType, Job, StatisticSpec};
use crate::plan::{Block, BlockKind};
use crate::release::survival::{CurveSpans, Stop};
use crate::results::{
    CellResult, LogRankTest, LogisticResult, StatBody, SurvivalResult, TTestResult, TableTestResult,
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
        interval: None,
    }
}

/// Counts of every cell, or None if any is suppressed.
fn counts(released: &Released) -> Option<Vec<f64>> {
    released
        .iter()
        .map(|v| v.as_ref().and_then(|v| v.first()).map(|&n| n as f64))
        .collect()
}

/// Why a table with withheld cells gets no test: naming how many, and
/// why the test cannot simply skip them.
fn withheld_note(released: &Released) -> String {
    let k = released.iter().filter(|v| v.is_none()).count();
    format!(
        "no test: {k} of {} cells of the table withheld by the disclosure rules (primary or \
         secondary); a test needs every cell, and one computed from released margins would \
         reveal what was withheld. Merging levels (fewer, larger cells) may let it run",
        released.len()
    )
}

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
        r.note = Some(withheld_note(released));
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

/// Survival curves, one per group, from at-risk, event and censoring
/// counts, and the log-rank test between the groups.
pub(crate) fn survival(job: &Job, time: &str, b: &Block, curves: &[CurveSpans<'_>]) -> StatBody {
    let BlockKind::Survival { edges, .. } = &b.kind else {
        return StatBody::Survival(SurvivalResult {
            time: time.into(),
            curves: vec![],
            log_rank: None,
            note: None,
        });
    };
    let s = scale(job, time);
    let bins = edges.len().saturating_sub(1).max(1);
    let edge = |k: usize| edges.get(k).map_or(f64::NAN, |&e| e as f64 / s);
    // Edges are in the column's smallest unit: a width of 1 is one value.
    let one_value = |first: usize, last: usize| match (edges.get(first), edges.get(last + 1)) {
        (Some(&a), Some(&b)) => b.checked_sub(a) == Some(1),
        _ => false,
    };
    let mut released = Vec::with_capacity(curves.len());
    let curves = curves
        .iter()
        .map(|(curve, spans)| {
            let intervals: Vec<Option<Interval>> = spans
                .iter()
                .map(|(span, [a, e, c])| {
                    Some(Interval {
                        start: edge(span.first),
                        end: edge(span.last + 1),
                        at_risk: *a as f64,
                        events: *e as f64,
                        censored: *c as f64,
                        single_time: one_value(span.first, span.last),
                    })
                })
                .collect();
            let why = curve.stop.map(|stop| match stop {
                Stop::AtRisk { at } => format!("from {} on too few are at risk", edge(at)),
                Stop::Tail { from } => format!(
                    "the events or censored counts from {} on fail the disclosure rules even merged",
                    edge(from)
                ),
            });
            let stop = why.map(|why| match curve.spans.last() {
                Some(last) => format!(
                    "{why}, so the last interval released, from {} to {}, holds them",
                    edge(last.first),
                    edge(last.last + 1)
                ),
                None => format!("{why}, and no released interval passes with them: the curve is withheld"),
            });
            let name = b.cell_name(curve.group * bins);
            let group = name.rsplit_once(", [").map_or(name, |(g, _)| g);
            released.push((group.to_string(), intervals.iter().flatten().copied().collect()));
            let mut km = survival_curve(group.to_string(), &intervals);
            if let Some(stop) = stop {
                km.note = Some(km.note.map_or(stop.clone(), |n| format!("{n}; {stop}")));
            }
            if spans.iter().any(|(sp, _)| sp.first != sp.last) {
                let merged = "intervals were merged until their events and censored counts passed the disclosure rules";
                km.note = Some(km.note.map_or(merged.to_string(), |n| format!("{n}; {merged}")));
            }
            km
        })
        .collect();
    let (log_rank, note) = survival_test(&released);
    StatBody::Survival(SurvivalResult {
        time: time.into(),
        curves,
        log_rank,
        note,
    })
}

/// The log-rank test between two or more groups, or why there is none,
/// and the range it covers when shorter than some curve.
fn survival_test(released: &[(String, Vec<Interval>)]) -> (Option<LogRankTest>, Option<String>) {
    if released.len() < 2 {
        return (None, None);
    }
    match log_rank(released) {
        Ok(t) => {
            let longest = released
                .iter()
                .filter_map(|(_, iv)| iv.last().map(|i| i.end))
                .fold(f64::NEG_INFINITY, f64::max);
            let note = (t.until < longest).then(|| {
                format!(
                    "the log-rank test covers follow-up up to {}, where every group's curve is released",
                    t.until
                )
            });
            (Some(t), note)
        }
        Err(reason) => (None, Some(reason)),
    }
}

/// The gate of a logistic fit; the fit itself runs afterwards on shares.
/// `counts` holds the gated `n` and the released number of events;
/// `separated` the category predictors found separating (then there is no
/// fit: the estimate does not exist).
pub(crate) fn logistic(
    y: &str,
    iterations: u32,
    counts: (Option<i128>, Option<i128>),
    separated: &[String],
) -> StatBody {
    let n = counts.0.and_then(|n| u64::try_from(n).ok());
    let events = counts.1.and_then(|e| u64::try_from(e).ok());
    let note = (!separated.is_empty()).then(|| separation_note(separated));
    StatBody::Logistic(LogisticResult {
        y: y.to_string(),
        suppressed: n.is_none(),
        n,
        coefficients: vec![],
        iterations,
        note,
        events,
        estimable: n.map(|_| separated.is_empty()),
        ..LogisticResult::default()
    })
}

/// The refusal of a separated fit, naming the predictors.
fn separation_note(separated: &[String]) -> String {
    let terms = separated.join(", ");
    let has = if separated.len() == 1 {
        "has"
    } else {
        "each have"
    };
    format!(
        "{terms} {has} a level with no events or no non-events (complete or quasi-complete \
         separation): the estimate does not exist, so no coefficient is released; merge levels \
         or drop the term"
    )
}
