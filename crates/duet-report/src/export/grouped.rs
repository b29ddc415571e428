//! Per-cell statistics: counts, sums, means, variances, standard
//! deviations, histograms and contingency tables.

use super::cells::{bins, check_len, keys_for};
use super::document::ValueRow;
use super::rows::{count, real, CellKey, Unit, COUNT, NO_COUNT};
use super::Context;
use super::ExportError;
use duet_stats::job::StatisticSpec;
use duet_stats::results::CellResult;

/// The measure a per-cell statistic releases besides `n`, and its unit.
fn measure(cx: &Context<'_>) -> Option<(&'static str, Unit)> {
    let job = cx.job;
    match cx.spec {
        StatisticSpec::Sum { column, .. } => Some(("sum", Unit::column(job, column))),
        StatisticSpec::Mean { column, .. } => Some(("mean", Unit::column(job, column))),
        StatisticSpec::Variance { column, .. } => Some(("variance", Unit::squared(job, column))),
        StatisticSpec::StdDev { column, .. } => Some(("sd", Unit::column(job, column))),
        _ => None,
    }
}

/// The rows of a `Cells` body: `n` for each cell, then the measure.
pub(crate) fn rows(cx: &Context<'_>, cells: &[CellResult]) -> Result<Vec<ValueRow>, ExportError> {
    let (keys, intervals) = match cx.spec {
        StatisticSpec::Histogram { column, edges } => {
            let bins = bins(column, edges);
            check_len(cx.label, "bins", bins.len(), cells.len())?;
            (
                vec![CellKey::new(); bins.len()],
                bins.into_iter().map(Some).collect(),
            )
        }
        spec => (
            keys_for(cx.job, spec, cx.label, cells.len())?,
            vec![None; cells.len()],
        ),
    };
    let measure = measure(cx);
    let mut out = Vec::new();
    for ((cell, key), interval) in cells.iter().zip(&keys).zip(intervals) {
        let mut rows = vec![n_row(cx, cell, key)];
        rows.extend(
            measure
                .as_ref()
                .map(|(m, unit)| value_row(cx, cell, key, m, unit)),
        );
        out.extend(rows.into_iter().map(|r| r.with_interval(interval.clone())));
    }
    Ok(out)
}

/// A cell's count.
pub(crate) fn n_row(cx: &Context<'_>, cell: &CellResult, key: &CellKey) -> ValueRow {
    let unit = Unit::plain(COUNT);
    if cell.suppressed {
        return ValueRow::withheld(key, "n", &unit, &cx.withheld_reason(&cell.cell));
    }
    ValueRow::new(key, "n", cell.n.and_then(count), &unit)
        .or_reason(cell.note.as_deref().or(Some(NO_COUNT)))
}

/// A cell's measure: the sum (with its exact text) or the value.
fn value_row(
    cx: &Context<'_>,
    cell: &CellResult,
    key: &CellKey,
    measure: &str,
    unit: &Unit,
) -> ValueRow {
    if cell.suppressed {
        return ValueRow::withheld(key, measure, unit, &cx.withheld_reason(&cell.cell));
    }
    let value = match &cell.sum {
        Some(exact) => exact.parse::<f64>().ok().and_then(real),
        None => cell.value.and_then(real),
    };
    let mut row = ValueRow::new(key, measure, value, unit);
    row.exact = cell.sum.clone();
    if let Some(i) = &cell.interval {
        (row.std_error, row.ci_low, row.ci_high) =
            (Some(i.std_error), Some(i.ci_low), Some(i.ci_high));
    }
    row.or_reason(cell.note.as_deref().or(Some("undefined for this cell")))
}
