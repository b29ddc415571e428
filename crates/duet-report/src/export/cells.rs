//! Cells as objects: the job's grouping columns and levels give each
//! internal cell, in plan order, its `{column: level}` key.

use super::document::Interval;
use super::rows::CellKey;
use super::ExportError;
use duet_stats::job::{ColumnType, Job, StatisticSpec};

/// The category columns a statistic's cells are the combinations of
/// (first most significant), for kinds with cells.
pub(crate) fn grouping(spec: &StatisticSpec) -> Vec<String> {
    match spec {
        StatisticSpec::Count { by }
        | StatisticSpec::Sum { by, .. }
        | StatisticSpec::Mean { by, .. }
        | StatisticSpec::Variance { by, .. }
        | StatisticSpec::StdDev { by, .. }
        | StatisticSpec::Quantile { by, .. }
        | StatisticSpec::KaplanMeier { by, .. } => by.clone(),
        StatisticSpec::Contingency { columns } | StatisticSpec::ChiSquare { columns } => {
            columns.clone()
        }
        StatisticSpec::TTest { by, .. } => vec![by.clone()],
        StatisticSpec::OddsRatio { exposure, outcome }
        | StatisticSpec::RiskRatio { exposure, outcome } => vec![exposure.clone(), outcome.clone()],
        _ => vec![],
    }
}

/// A category column's levels (none for anything else).
pub(crate) fn levels<'a>(job: &'a Job, column: &str) -> &'a [String] {
    match job.column(column).map(|(_, c)| &c.ty) {
        Some(ColumnType::Category { levels }) => levels,
        _ => &[],
    }
}

/// Every combination of the levels of `columns`, first column most
/// significant; one empty key without columns.
pub(crate) fn keys(job: &Job, columns: &[String]) -> Vec<CellKey> {
    let mut out = vec![CellKey::new()];
    for col in columns {
        out = out
            .iter()
            .flat_map(|key| {
                levels(job, col).iter().map(move |level| {
                    let mut k = key.clone();
                    k.insert(col.clone(), level.clone());
                    k
                })
            })
            .collect();
    }
    out
}

/// The keys of a statistic's `found` cells, checked against the job.
pub(crate) fn keys_for(
    job: &Job,
    spec: &StatisticSpec,
    label: &str,
    found: usize,
) -> Result<Vec<CellKey>, ExportError> {
    let keys = keys(job, &grouping(spec));
    check_len(label, "cells", keys.len(), found)?;
    Ok(keys)
}

/// An error unless the job's `expected` count of `what` is `found`.
pub(crate) fn check_len(
    label: &str,
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), ExportError> {
    if expected == found {
        return Ok(());
    }
    Err(ExportError::Mismatch {
        statistic: label.into(),
        what,
        expected,
        found,
    })
}

/// A histogram's bins, in the column's units; the last is closed.
pub(crate) fn bins(column: &str, edges: &[duet_stats::job::Decimal]) -> Vec<Interval> {
    let n = edges.len().saturating_sub(1);
    let at = |i: usize| edges.get(i).map_or(f64::NAN, decimal_f64);
    (0..n)
        .map(|i| Interval {
            column: column.into(),
            start: at(i),
            end: at(i + 1),
            end_inclusive: i + 1 == n,
        })
        .collect()
}

fn decimal_f64(d: &duet_stats::job::Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// The key of a survival curve's group (`treatment=a`, or `all`).
pub(crate) fn group_key(
    job: &Job,
    by: &[String],
    group: &str,
    label: &str,
) -> Result<CellKey, ExportError> {
    let Some(col) = by.first() else {
        return Ok(CellKey::new());
    };
    let level = levels(job, col).iter().find(|l| {
        group
            .strip_prefix(col.as_str())
            .and_then(|g| g.strip_prefix('='))
            == Some(l)
    });
    match level {
        Some(l) => Ok(CellKey::from([(col.clone(), l.clone())])),
        None => Err(ExportError::UnknownGroup {
            statistic: label.into(),
            group: group.into(),
        }),
    }
}
