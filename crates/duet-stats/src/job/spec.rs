//! The job file as written: serde types mirroring the TOML, with unknown
//! fields refused. Validation lives in `validate`.

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;

/// The whole job file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// `[job]`: name and format version.
    pub job: JobHeader,
    /// `[parties]`: who runs each role.
    pub parties: Parties,
    /// `[data]`: row limit and how to treat bad values.
    pub data: DataSettings,
    /// `[[column]]`: the typed schema both CSVs follow.
    pub column: Vec<ColumnSpec>,
    /// `[[statistic]]`: what to compute.
    pub statistic: Vec<StatisticSpec>,
    /// `[policy]`: the disclosure policy.
    #[serde(default)]
    pub policy: Policy,
}

/// `[job]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobHeader {
    /// A short name for reports.
    pub name: String,
    /// Job file format version (only 1 exists).
    pub version: u32,
}

/// `[parties]`: the two roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parties {
    /// Party 0.
    pub p0: Party,
    /// Party 1.
    pub p1: Party,
}

/// One party: its name, pinned certificate and optional public address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Institution name.
    pub name: String,
    /// SHA-256 of its certificate (64 hex digits, normalised to lower case).
    pub cert_sha256: String,
    /// `host:port` where it listens, if it is the listening side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// What to do with a value the schema does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnBadValue {
    /// Stop with an error naming file, line and column.
    #[default]
    Reject,
    /// Drop the row and count it in the load log.
    Drop,
}

/// `[data]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSettings {
    /// Most rows each side may contribute (the planner's overflow proof
    /// rests on it, and loading enforces it).
    pub max_rows: u64,
    /// Empty or `NA` field.
    #[serde(default)]
    pub on_missing: OnBadValue,
    /// Number outside the column's declared bounds.
    #[serde(default)]
    pub on_out_of_bounds: OnBadValue,
    /// Category value not among the declared levels.
    #[serde(default)]
    pub on_unknown_level: OnBadValue,
}

/// `[[column]]`: one typed column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnSpec {
    /// Whole numbers within `[min, max]`.
    Integer {
        /// Column name.
        name: String,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Decimals with at most `places` places within `[min, max]`.
    Decimal {
        /// Column name.
        name: String,
        /// Decimal places kept exactly.
        places: u32,
        /// Smallest allowed value.
        min: Decimal,
        /// Largest allowed value.
        max: Decimal,
    },
    /// One of the declared levels.
    Category {
        /// Column name.
        name: String,
        /// The levels, in order (the first is the reference in regressions).
        levels: Vec<String>,
    },
}

impl ColumnSpec {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            ColumnSpec::Integer { name, .. }
            | ColumnSpec::Decimal { name, .. }
            | ColumnSpec::Category { name, .. } => name,
        }
    }
}

/// `[[statistic]]`: one statistic over the pooled rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StatisticSpec {
    /// Row counts, optionally per group.
    Count {
        /// Category columns to group by.
        #[serde(default)]
        by: Vec<String>,
    },
    /// Sum of a numeric column, optionally per group.
    Sum {
        /// The numeric column.
        column: String,
        /// Category columns to group by.
        #[serde(default)]
        by: Vec<String>,
    },
    /// Mean of a numeric column, optionally per group.
    Mean {
        /// The numeric column.
        column: String,
        /// Category columns to group by.
        #[serde(default)]
        by: Vec<String>,
    },
    /// Sample variance (n - 1), optionally per group.
    Variance {
        /// The numeric column.
        column: String,
        /// Category columns to group by.
        #[serde(default)]
        by: Vec<String>,
    },
    /// Sample standard deviation (n - 1), optionally per group.
    StdDev {
        /// The numeric column.
        column: String,
        /// Category columns to group by.
        #[serde(default)]
        by: Vec<String>,
    },
    /// Counts per bin `[e_i, e_i+1)`, the last bin closed.
    Histogram {
        /// The numeric column.
        column: String,
        /// Bin edges, strictly increasing, covering the column's bounds.
        edges: Vec<Decimal>,
    },
    /// A two- or three-way table of counts over category columns.
    Contingency {
        /// Two or three category columns.
        columns: Vec<String>,
    },
    /// Pearson correlation matrix of numeric columns.
    Correlation {
        /// Two or more numeric columns.
        columns: Vec<String>,
    },
    /// Ordinary least squares of `y` on an intercept and `x` (categories
    /// enter as indicators of every level but the first).
    LinearRegression {
        /// The numeric outcome.
        y: String,
        /// Numeric or category predictors.
        x: Vec<String>,
    },
}

/// `[policy]`: disclosure rules both sides enforce on shares.
///
/// Defaults follow DataSHIELD's disclosure settings (nfilter.tab = 3,
/// nfilter.subset = 3, nfilter.glm = 0.33).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Cells (counts, histogram bins, table cells, groups) with a pooled
    /// count below this are suppressed.
    pub min_cell: u64,
    /// Means, variances, correlations and regressions need at least this
    /// many pooled rows (per group).
    pub min_group: u64,
    /// A regression may have at most `max_params_ratio * n` parameters.
    pub max_params_ratio: f64,
    /// Suppress small cells one by one, or a statistic's whole table
    /// when any of its cells is small.
    pub suppress: Suppress,
}

/// How small cells are suppressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppress {
    /// Each cell below its threshold is suppressed; the others are
    /// released, and one suppression bit per cell is opened.
    #[default]
    Cell,
    /// A statistic with any cell below its threshold is suppressed as a
    /// whole; only one bit per statistic is opened (which cells were small
    /// stays secret), and no released total can be differenced against
    /// released siblings of a small cell within the statistic.
    Table,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_cell: 3,
            min_group: 3,
            max_params_ratio: 0.33,
            suppress: Suppress::Cell,
        }
    }
}
