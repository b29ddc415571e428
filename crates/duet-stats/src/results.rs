//! The released results of a study: the same on both sides.

use serde::Serialize;

use crate::job::Policy;
use crate::plan::RingChoice;

/// A value that was opened, by name (suppression bits are 0 or 1; other
/// values are pooled aggregates in units of 10^-places).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revealed {
    /// The plan's name of the value.
    pub name: String,
    /// The value, as exact integer text.
    pub value: String,
}

impl Revealed {
    pub(crate) fn new(name: String, value: i128) -> Self {
        Revealed {
            name,
            value: value.to_string(),
        }
    }
}

/// Everything a study released.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// The job's name.
    pub job_name: String,
    /// The job's canonical hash (hex).
    pub job_hash: String,
    /// The ring the study ran in.
    pub ring: RingChoice,
    /// The policy enforced (the tighter of both sides').
    pub policy: Policy,
    /// One result per statistic, in job order.
    pub statistics: Vec<StatisticResult>,
    /// Every value opened, in order.
    pub revealed: Vec<Revealed>,
}

/// One statistic's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatisticResult {
    /// Its label (`#2 mean(sbp by smoker)`).
    pub label: String,
    /// Its kind as in the job file (`mean`).
    pub kind: &'static str,
    /// The released values.
    #[serde(flatten)]
    pub body: StatBody,
}

/// The released values of one statistic.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StatBody {
    /// Per-cell results: counts, sums, means, variances, standard
    /// deviations, histogram bins, contingency cells.
    Cells {
        /// One per cell, in plan order (first grouping column most significant).
        cells: Vec<CellResult>,
    },
    /// A correlation matrix.
    Correlation(CorrelationResult),
    /// A linear regression.
    Regression(RegressionResult),
}

/// One cell of a grouped or ungrouped statistic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellResult {
    /// The cell (`smoker=yes`, `[50, 100)`, `all`).
    pub cell: String,
    /// Whether the cell was suppressed by the policy.
    pub suppressed: bool,
    /// The pooled count, when released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// The exact pooled sum as decimal text (sums only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    /// The statistic's value (means, variances, standard deviations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Why a released cell has no value (for example n < 2 for a variance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A correlation matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationResult {
    /// The columns, in order.
    pub columns: Vec<String>,
    /// Whether the policy suppressed it.
    pub suppressed: bool,
    /// Pooled rows, when released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// Pearson correlations (`null` where a column is constant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Vec<Vec<Option<f64>>>>,
}

/// One regression coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// `intercept`, a column, or `column=level`.
    pub term: String,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error (`null` with no residual degrees of freedom).
    pub std_error: Option<f64>,
}

/// A linear regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionResult {
    /// The outcome.
    pub y: String,
    /// Whether the policy suppressed it.
    pub suppressed: bool,
    /// Pooled rows, when released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// Coefficients, intercept first (empty when suppressed or singular).
    pub coefficients: Vec<Coefficient>,
    /// R^2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r_squared: Option<f64>,
    /// Residual degrees of freedom, n - parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residual_df: Option<u64>,
    /// Why a released regression has no estimates (a singular design).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Results {
    /// The result of statistic `i` (0-based, job order).
    pub fn statistic(&self, i: usize) -> Option<&StatisticResult> {
        self.statistics.get(i)
    }
}

impl StatisticResult {
    /// The cells, for per-cell statistics.
    pub fn cells(&self) -> Option<&[CellResult]> {
        match &self.body {
            StatBody::Cells { cells } => Some(cells),
            _ => None,
        }
    }

    /// The correlation result, for a correlation.
    pub fn correlation(&self) -> Option<&CorrelationResult> {
        match &self.body {
            StatBody::Correlation(c) => Some(c),
            _ => None,
        }
    }

    /// The regression result, for a regression.
    pub fn regression(&self) -> Option<&RegressionResult> {
        match &self.body {
            StatBody::Regression(r) => Some(r),
            _ => None,
        }
    }
}
