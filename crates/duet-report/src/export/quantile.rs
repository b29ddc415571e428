//! Quantiles: per group its `n`, then one `quantile` row per probability
//! (the row's `p` says which) and the group's `iqr` when both quartiles
//! were asked for and released.

use super::cells::keys_for;
use super::document::ValueRow;
use super::rows::{count, real, Unit, COUNT, NO_COUNT};
use super::{Context, ExportError};
use duet_stats::results::QuantileResult;

/// Why a released group has a `null` quantile when it gives none.
const NO_VALUE: &str = "no quantile: the group has no records";

/// The rows of a quantile statistic.
pub(crate) fn rows(cx: &Context<'_>, q: &QuantileResult) -> Result<Vec<ValueRow>, ExportError> {
    let keys = keys_for(cx.job, cx.spec, cx.label, q.groups.len())?;
    let unit = Unit::column(cx.job, &q.column);
    let counts = Unit::plain(COUNT);
    let mut out = Vec::new();
    for (g, key) in q.groups.iter().zip(&keys) {
        if g.suppressed {
            let why = cx.withheld_reason(&g.group);
            out.push(ValueRow::withheld(key, "n", &counts, &why));
            out.extend(
                q.p.iter()
                    .map(|&p| ValueRow::withheld(key, "quantile", &unit, &why).with_p(p)),
            );
            continue;
        }
        out.push(ValueRow::new(key, "n", g.n.and_then(count), &counts).or_reason(Some(NO_COUNT)));
        for v in &g.quantiles {
            let row = match v.value {
                Some(x) => ValueRow::new(key, "quantile", real(x), &unit),
                None => {
                    let why = v.note.as_deref().or(g.note.as_deref()).unwrap_or(NO_VALUE);
                    ValueRow::withheld(key, "quantile", &unit, why)
                }
            };
            out.push(row.with_p(v.p));
        }
        out.extend(g.iqr.map(|iqr| ValueRow::new(key, "iqr", real(iqr), &unit)));
    }
    Ok(out)
}
