//! The released quantiles of a statistic: plain serde structs, numbers as
//! numbers.

use serde::Serialize;

/// Quantiles of a numeric column, per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileResult {
    /// The column.
    pub column: String,
    /// The definition computed, in words (R's type 1 on the column's grid).
    pub definition: String,
    /// The probabilities asked for, in job order.
    pub p: Vec<f64>,
    /// One per group (one `all` group without `by`).
    pub groups: Vec<QuantileGroup>,
}

/// One group's quantiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileGroup {
    /// The group (`smoker=yes`, or `all`).
    pub group: String,
    /// Whether the group was suppressed by the policy (no quantile of it
    /// was searched or opened).
    pub suppressed: bool,
    /// The pooled count, when released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// One per probability, in job order (empty when suppressed).
    pub quantiles: Vec<QuantileValue>,
    /// The interquartile range `q(0.75) - q(0.25)`, when both were asked
    /// for and released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iqr: Option<f64>,
    /// Why a released group has no quantiles (no records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One quantile of a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileValue {
    /// The probability.
    pub p: f64,
    /// The quantile in the column's natural unit, when released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Why it was withheld.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl QuantileGroup {
    /// The released value at probability `p` (compared exactly as
    /// written in the job, e.g. `0.25`).
    pub fn at(&self, p: f64) -> Option<f64> {
        self.quantiles
            .iter()
            .find(|q| q.p == p)
            .and_then(|q| q.value)
    }
}
