//! The rows a statistic left out for missing values (available-case
//! analysis): `rows_excluded` in all (cell `{}`) and per group, and
//! `rows_excluded_missing_group` for the rows missing a grouping column.

use super::cells::keys_for;
use super::document::ValueRow;
use super::rows::{count, CellKey, Unit, COUNT};
use super::{Context, ExportError};
use duet_stats::results::ExcludedRows;

/// Why an excluded-rows count is `null`: one of its parts was withheld.
const WITHHELD_PART: &str =
    "withheld: a part was 1 to min_cell - 1 rows (a count of rows left out is released at 0 or at least min_cell)";

/// The excluded-rows rows of a statistic (none without available cases);
/// an error if its per-group parts do not match the job's cells.
pub(crate) fn rows(
    cx: &Context<'_>,
    e: Option<&ExcludedRows>,
) -> Result<Vec<ValueRow>, ExportError> {
    let Some(e) = e else {
        return Ok(Vec::new());
    };
    let unit = Unit::plain(COUNT);
    let row = |key: &CellKey, measure: &str, n: Option<u64>| match n {
        Some(n) => ValueRow::new(key, measure, count(n), &unit),
        None => ValueRow::withheld(key, measure, &unit, WITHHELD_PART),
    };
    let mut out = vec![row(&CellKey::new(), "rows_excluded", e.rows)];
    let Some((missing_group, groups)) = e.cells.split_last() else {
        return Ok(out);
    };
    // Per-group parts follow the statistic's own cells, in its order.
    let keys = keys_for(cx.job, cx.spec, cx.label, groups.len())?;
    out.extend(
        keys.iter()
            .zip(groups)
            .map(|(k, c)| row(k, "rows_excluded", c.rows)),
    );
    out.push(row(
        &CellKey::new(),
        "rows_excluded_missing_group",
        missing_group.rows,
    ));
    Ok(out)
}
