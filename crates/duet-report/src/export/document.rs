//! The types of the `duet-results/2` document: what `results.json` holds.
//!
//! These types are the format; the study's internal result types map
//! onto them in the sibling modules, one function per kind of result, so
//! the internals can change without changing the file. The fields are
//! described for readers in `docs/RESULTS.md` and for programs in
//! `docs/results.schema.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// The whole `results.json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsDocument {
    /// Always [`super::FORMAT`] for this version of the format.
    pub format: String,
    /// The job the results are of.
    pub job: JobInfo,
    /// The transcript digest both sides agreed on (hex).
    pub transcript_digest: String,
    /// The ring the study ran in (`Z64` or `Z128`).
    pub ring: String,
    /// The job's columns, with their types, bounds and decimal places:
    /// what every unit named after a column refers to.
    pub columns: Vec<ColumnInfo>,
    /// The disclosure policy enforced (the tighter of both sides'), as in
    /// the job file's `[policy]`.
    pub policy: Value,
    /// One entry per statistic, in job order.
    pub statistics: Vec<Statistic>,
    /// The differential-privacy guarantee, or `null`.
    pub dp: Option<Value>,
    /// The record linkage of a linked study, or `null`.
    pub linkage: Option<Value>,
    /// Every released and withheld aggregate with its provenance and the
    /// rules it passed or failed; the rules in force.
    pub disclosure: Value,
    /// Every value opened, in order, as exact integer text in units of
    /// `10^-places` (suppression bits are 0 or 1).
    pub revealed: Vec<Revealed>,
}

/// The job's name and canonical hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobInfo {
    /// The job's name.
    pub name: String,
    /// Its canonical hash (hex), the same on both sides.
    pub hash: String,
    /// The OT extension that made the study's preprocessing
    /// (`protocol.ot_extension`, its default filled in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ot_extension: Option<String>,
}

/// One column of the job's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// The column's name (units named after a column are its units).
    pub name: String,
    /// `numeric` or `category`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Declared decimal places (numeric columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// Declared smallest value, as exact decimal text (numeric columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    /// Declared largest value, as exact decimal text (numeric columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// The levels, in order (category columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
}

/// An opened value, as the manifest also lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revealed {
    /// The plan's name of the value.
    pub name: String,
    /// Exact integer text.
    pub value: String,
}

/// One statistic: the same layout for every kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistic {
    /// Its label (`#2 mean(sbp by smoker)`).
    pub label: String,
    /// Its kind as in the job file (`mean`).
    pub kind: String,
    /// The job file's settings of the statistic (its `[[statistic]]`
    /// table without `kind`).
    pub inputs: Map<String, Value>,
    /// Every value, released or withheld, one number each.
    pub values: Vec<ValueRow>,
    /// Hypothesis tests computed from the released values.
    pub tests: Vec<TestResult>,
    /// Kind-specific facts that are not values (estimators, iterations,
    /// the levels compared); an empty object when there are none.
    pub details: Map<String, Value>,
    /// Why something is missing or limited, in words.
    pub notes: Vec<String>,
    /// The noise added to the released aggregates under DP.
    pub noise: Vec<Noise>,
}

/// A closed-open (or, for a histogram's last bin, closed) interval of a
/// numeric column, in the column's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The numeric column.
    pub column: String,
    /// Inclusive start.
    pub start: f64,
    /// End: exclusive, unless `end_inclusive`.
    pub end: f64,
    /// Whether `end` belongs to the interval (a histogram's last bin).
    pub end_inclusive: bool,
}

/// One value of a statistic: what it is (cell, interval, term, measure),
/// the number and its unit, and whether it was released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueRow {
    /// The records it is about: category column to level; `{}` for all.
    pub cell: BTreeMap<String, String>,
    /// The numeric interval it is about (histogram bins, survival intervals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
    /// The model term (`intercept`, a column, or `column=level`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// The two columns of a correlation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<[String; 2]>,
    /// The probability of a quantile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// What the number is (`n`, `mean`, `estimate`, ...).
    pub measure: String,
    /// The number (integers for counts); `null` when withheld or undefined.
    pub value: Option<Number>,
    /// The exact pooled value as decimal text, where one exists (sums).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
    /// The unit of `value` and of its interval and standard error.
    pub unit: String,
    /// The declared decimal places of the column the unit names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// Standard error, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std_error: Option<f64>,
    /// Lower 95% limit, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    /// Upper 95% limit, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    /// The test statistic of `value = 0` (t or z).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_statistic: Option<f64>,
    /// Two-sided p-value of `value = 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Whether the disclosure rules released it.
    pub released: bool,
    /// Why it is withheld, or why a released value is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A hypothesis test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// `chi_square`, `welch_t`, `log_rank` or `f`.
    pub test: String,
    /// The test statistic.
    pub statistic: f64,
    /// Degrees of freedom (the numerator's for `f`).
    pub df: f64,
    /// The denominator's degrees of freedom (`f` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub df2: Option<f64>,
    /// The p-value (upper tail; two-sided for `welch_t`).
    pub p_value: f64,
    /// Test-specific facts (`min_expected`, `until`).
    #[serde(default)]
    pub details: Map<String, Value>,
}

/// The noise on one group of a statistic's released aggregates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    /// Which aggregates (`count`, `sum of sbp`, `cross-products`).
    pub aggregates: String,
    /// Sensitivity (L1 for Laplace, L2 for Gaussian), in the aggregate's unit.
    pub sensitivity: f64,
    /// Each side's discrete Laplace scale or Gaussian sigma.
    pub scale: f64,
    /// Epsilon (Laplace) or rho (Gaussian) spent on the group.
    pub budget: f64,
    /// Standard deviation of the total noise in a released value.
    pub total_sd: f64,
}
