//! Building value rows: units, numbers, released and withheld rows.

use std::collections::BTreeMap;

use serde_json::Number;

use super::document::{Interval, ValueRow};
use duet_stats::job::{ColumnType, Job};

/// A cell: category column to level (`{}` for all records).
pub(crate) type CellKey = BTreeMap<String, String>;

/// Counts of records (and expected counts).
pub(crate) const COUNT: &str = "count";
/// Dimensionless numbers: correlations, R^2, t, z, degrees of freedom.
pub(crate) const ONE: &str = "1";
/// Probabilities: survival.
pub(crate) const PROBABILITY: &str = "probability";
/// Odds ratios and risk ratios.
pub(crate) const RATIO: &str = "ratio";
/// Logistic-regression coefficients.
pub(crate) const LOG_ODDS: &str = "log-odds";

/// Why a withheld value has no number, when the record names no rule.
pub(crate) const WITHHELD: &str = "withheld by the disclosure rules";

/// Why a released count has no number: under DP noise it fell below zero.
pub(crate) const NO_COUNT: &str = "the released (noisy) count is below zero";

/// A unit and, when it names a column, that column's declared places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) name: String,
    pub(crate) places: Option<u32>,
}

impl Unit {
    /// A unit that names no column.
    pub(crate) fn plain(name: &str) -> Unit {
        Unit {
            name: name.into(),
            places: None,
        }
    }

    /// The units of `column` (its name), with its declared places.
    pub(crate) fn column(job: &Job, column: &str) -> Unit {
        Unit {
            name: column.into(),
            places: places(job, column),
        }
    }

    /// The square of `column`'s units (`sbp^2`), for variances.
    pub(crate) fn squared(job: &Job, column: &str) -> Unit {
        Unit {
            name: format!("{column}^2"),
            places: places(job, column),
        }
    }

    /// `y` units per `x` unit (`sbp/age`), for slopes.
    pub(crate) fn per(y: &str, x: &str) -> Unit {
        Unit::plain(&format!("{y}/{x}"))
    }
}

/// The declared places of a numeric column.
pub(crate) fn places(job: &Job, column: &str) -> Option<u32> {
    match job.column(column).map(|(_, c)| &c.ty) {
        Some(ColumnType::Numeric { places, .. }) => Some(*places),
        _ => None,
    }
}

/// A real number, `None` when not finite.
pub(crate) fn real(v: f64) -> Option<Number> {
    Number::from_f64(v)
}

/// A count.
pub(crate) fn count(v: u64) -> Option<Number> {
    Some(Number::from(v))
}

impl ValueRow {
    /// A released row of `measure` in `cell`.
    pub(crate) fn new(cell: &CellKey, measure: &str, value: Option<Number>, unit: &Unit) -> Self {
        ValueRow {
            cell: cell.clone(),
            interval: None,
            term: None,
            pair: None,
            p: None,
            measure: measure.into(),
            value,
            exact: None,
            unit: unit.name.clone(),
            places: unit.places,
            std_error: None,
            ci_low: None,
            ci_high: None,
            test_statistic: None,
            p_value: None,
            released: true,
            reason: None,
        }
    }

    /// A withheld row of `measure` in `cell`, with the reason.
    pub(crate) fn withheld(cell: &CellKey, measure: &str, unit: &Unit, reason: &str) -> Self {
        ValueRow {
            released: false,
            reason: Some(reason.into()),
            ..ValueRow::new(cell, measure, None, unit)
        }
    }

    /// The row about `term`.
    /// The row of the quantile at probability `p`.
    pub(crate) fn with_p(mut self, p: f64) -> Self {
        self.p = Some(p);
        self
    }

    pub(crate) fn with_term(mut self, term: &str) -> Self {
        self.term = Some(term.into());
        self
    }

    /// The row about `interval`.
    pub(crate) fn with_interval(mut self, interval: Option<Interval>) -> Self {
        self.interval = interval;
        self
    }

    /// The row's 95% limits.
    pub(crate) fn with_ci(mut self, low: Option<f64>, high: Option<f64>) -> Self {
        self.ci_low = low.filter(|v| v.is_finite());
        self.ci_high = high.filter(|v| v.is_finite());
        self
    }

    /// Why a released row has no number, when it has none.
    pub(crate) fn or_reason(mut self, reason: Option<&str>) -> Self {
        if self.value.is_none() {
            self.reason = reason.map(Into::into);
        }
        self
    }
}
