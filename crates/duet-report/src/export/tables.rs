//! Two-way tables with a test or a ratio, and Welch's t-test.

use serde_json::Value;

use super::cells::keys_for;
use super::document::{TestResult, ValueRow};
use super::grouped::n_row;
use super::models::Extras;
use super::rows::{real, CellKey, Unit, RATIO};
use super::{Context, ExportError};
use duet_stats::results::{TTestResult, TableTestResult};

/// A chi-square table or a ratio: `n` per cell, the ratio as a value
/// (about all records), the chi-square test in `tests`.
pub(crate) fn table(
    cx: &Context<'_>,
    t: &TableTestResult,
) -> Result<(Vec<ValueRow>, Extras), ExportError> {
    let keys = keys_for(cx.job, cx.spec, cx.label, t.cells.len())?;
    let mut rows: Vec<ValueRow> = t
        .cells
        .iter()
        .zip(&keys)
        .map(|(c, k)| n_row(cx, c, k))
        .collect();
    let mut extras = Extras::default();
    if let Some(r) = &t.ratio {
        let row = ValueRow::new(
            &CellKey::new(),
            r.measure,
            real(r.estimate),
            &Unit::plain(RATIO),
        )
        .with_ci(Some(r.ci_low), Some(r.ci_high));
        rows.push(row);
        extras
            .details
            .insert("corrected".into(), r.corrected.into());
    }
    extras.tests.extend(t.chi_square.as_ref().map(|c| {
        let mut details = serde_json::Map::new();
        details.insert("min_expected".into(), Value::from(c.min_expected));
        TestResult {
            test: "chi_square".into(),
            statistic: c.statistic,
            df: c.df as f64,
            df2: None,
            p_value: c.p_value,
            details,
        }
    }));
    extras.notes.extend(t.note.clone());
    Ok((rows, extras))
}

/// Welch's t-test: `n` and `mean` per group, the `mean_difference`
/// (second group minus first) about all records, the test in `tests`.
pub(crate) fn t_test(
    cx: &Context<'_>,
    t: &TTestResult,
) -> Result<(Vec<ValueRow>, Extras), ExportError> {
    let keys = keys_for(cx.job, cx.spec, cx.label, t.groups.len())?;
    let unit = Unit::column(cx.job, &t.column);
    let mut rows = Vec::new();
    for (g, key) in t.groups.iter().zip(&keys) {
        rows.push(n_row(cx, g, key));
        rows.push(if g.suppressed {
            ValueRow::withheld(key, "mean", &unit, &cx.withheld_reason(&g.cell))
        } else {
            ValueRow::new(key, "mean", g.value.and_then(real), &unit)
                .or_reason(Some("undefined: no records"))
        });
    }
    let mut extras = Extras::default();
    if let Some(w) = &t.test {
        let mut row = ValueRow::new(
            &CellKey::new(),
            "mean_difference",
            real(w.difference),
            &unit,
        )
        .with_ci(Some(w.ci_low), Some(w.ci_high));
        row.std_error = Some(w.std_error).filter(|v| v.is_finite());
        row.test_statistic = Some(w.t).filter(|v| v.is_finite());
        row.p_value = Some(w.p_value).filter(|v| v.is_finite());
        rows.push(row);
        extras.tests.push(TestResult {
            test: "welch_t".into(),
            statistic: w.t,
            df: w.df,
            df2: None,
            p_value: w.p_value,
            details: Default::default(),
        });
    }
    extras.notes.extend(t.note.clone());
    Ok((rows, extras))
}
