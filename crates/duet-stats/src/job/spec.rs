//! The job file as written: serde types mirroring the TOML, with unknown
//! fields refused. Validation lives in `validate`.

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;
use super::protocol::ProtocolSpec;

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
    /// `[link]`: present for a linked study (each side holds different
    /// columns about the same people, joined by identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkSpec>,
    /// `[protocol]`: the OT extension both sides run.
    #[serde(default, skip_serializing_if = "ProtocolSpec::hashes_as_absent")]
    pub protocol: ProtocolSpec,
}

/// A party, as the job names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyId {
    /// Party 0.
    P0,
    /// Party 1.
    P1,
}

impl PartyId {
    /// The role this party runs.
    pub fn role(self) -> duet_core::Role {
        match self {
            PartyId::P0 => duet_core::Role::P0,
            PartyId::P1 => duet_core::Role::P1,
        }
    }
}

/// `[link]`: how the two files are joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The party that learns which of its own rows matched (the other
    /// learns only both set sizes).
    pub receiver: PartyId,
    /// p0's identifier columns (CSV headers, after the local mapping).
    pub p0: Vec<String>,
    /// p1's identifier columns.
    pub p1: Vec<String>,
    /// How identifiers are normalised before matching.
    #[serde(default)]
    pub normalize: Normalize,
    /// What to do with an identifier seen twice in one file.
    #[serde(default)]
    pub duplicates: LinkDuplicates,
}

/// Identifier normalisation, applied identically on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Normalize {
    /// Strip leading and trailing whitespace.
    pub trim: bool,
    /// Collapse inner runs of whitespace to one space.
    pub collapse_whitespace: bool,
    /// Lower-case (Unicode lowercase mapping, not full case folding).
    pub lowercase: bool,
    /// Unicode NFC.
    pub nfc: bool,
}

impl Default for Normalize {
    fn default() -> Self {
        Normalize {
            trim: true,
            collapse_whitespace: true,
            lowercase: false,
            nfc: true,
        }
    }
}

/// An identifier seen twice in one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDuplicates {
    /// Stop with an error naming the rows.
    #[default]
    Reject,
    /// Keep the first row, count the others in the load log.
    KeepFirst,
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

/// What to do with a missing value (a field holding one of the missing
/// codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// Stop with an error naming file, line and column.
    #[default]
    Reject,
    /// Available-case analysis: the row is left out of the statistics
    /// that use the column only, and each statistic reports how many rows
    /// it left out. In a linked study the row is left out of the linkage
    /// (as `listwise`).
    Drop,
    /// Complete-case analysis: the row is left out of every statistic.
    Listwise,
}

/// The missing codes when the job names none: an empty field and `NA`.
pub const DEFAULT_MISSING_CODES: [&str; 2] = ["", "NA"];

/// `[data]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSettings {
    /// Most rows each side may contribute (the planner's overflow proof
    /// rests on it, and loading enforces it).
    pub max_rows: u64,
    /// A field holding a missing code.
    #[serde(default)]
    pub on_missing: OnMissing,
    /// The fields that mean "not recorded", for every column without its
    /// own `missing` (default [`DEFAULT_MISSING_CODES`]). Left out of the
    /// job's hash when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// Number outside the column's declared bounds.
    #[serde(default)]
    pub on_out_of_bounds: OnBadValue,
    /// Category value not among the declared levels.
    #[serde(default)]
    pub on_unknown_level: OnBadValue,
    /// Longest CSV line accepted, in bytes (default
    /// [`crate::line_cap::DEFAULT_MAX_LINE_BYTES`], 1 MiB). Left out of the
    /// job's hash when not given, so older jobs keep theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_line_bytes: Option<u64>,
}

/// `[[column]]`: one typed column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnSpec {
    /// Whole numbers within `[min, max]`.
    Integer {
        /// Column name.
        name: String,
        /// In a linked study, the party whose file holds the column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        party: Option<PartyId>,
        /// This column's missing codes (instead of `data.missing`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        missing: Option<Vec<String>>,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Decimals with at most `places` places within `[min, max]`.
    Decimal {
        /// Column name.
        name: String,
        /// In a linked study, the party whose file holds the column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        party: Option<PartyId>,
        /// This column's missing codes (instead of `data.missing`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        missing: Option<Vec<String>>,
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
        /// In a linked study, the party whose file holds the column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        party: Option<PartyId>,
        /// This column's missing codes (instead of `data.missing`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        missing: Option<Vec<String>>,
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

    /// The column's own missing codes, if it names them.
    pub fn missing(&self) -> Option<&[String]> {
        match self {
            ColumnSpec::Integer { missing, .. }
            | ColumnSpec::Decimal { missing, .. }
            | ColumnSpec::Category { missing, .. } => missing.as_deref(),
        }
    }

    /// The party holding the column (linked studies only).
    pub fn party(&self) -> Option<PartyId> {
        match self {
            ColumnSpec::Integer { party, .. }
            | ColumnSpec::Decimal { party, .. }
            | ColumnSpec::Category { party, .. } => *party,
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
        /// Robust standard errors besides the ordinary ones: `"hc1"`
        /// (White's heteroskedasticity-consistent estimator with the
        /// `n / (n - p)` correction, R's `sandwich::vcovHC(type = "HC1")`,
        /// statsmodels' `cov_type="HC1"`). Absent: none. Pooled studies
        /// without `policy.dp` only (each side reads its own records).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        robust: Option<String>,
    },
    /// Pearson's chi-square test of independence of two categories.
    ChiSquare {
        /// The two category columns (rows, then columns of the table).
        columns: Vec<String>,
    },
    /// Welch's t-test of a numeric column between the two levels of `by`.
    TTest {
        /// The numeric column.
        column: String,
        /// A category column with exactly two levels.
        by: String,
    },
    /// Odds ratio of `outcome` (second level) for `exposure` (second level
    /// vs the first), with a 95% confidence interval.
    OddsRatio {
        /// A two-level category; the first level is the reference.
        exposure: String,
        /// A two-level category; the second level is the outcome.
        outcome: String,
    },
    /// Risk ratio, as [`StatisticSpec::OddsRatio`].
    RiskRatio {
        /// A two-level category; the first level is the reference.
        exposure: String,
        /// A two-level category; the second level is the outcome.
        outcome: String,
    },
    /// Kaplan-Meier curves on follow-up times grouped into intervals.
    KaplanMeier {
        /// The follow-up time (numeric).
        time: String,
        /// The event indicator: an integer column within [0, 1] or a
        /// category of two levels (the second is the event).
        event: String,
        /// Interval edges, strictly increasing, from the time's minimum.
        edges: Vec<Decimal>,
        /// At most one category column: one curve per level.
        #[serde(default)]
        by: Vec<String>,
    },
    /// Logistic regression of a binary `y` on an intercept and `x`, fitted
    /// on secret shares by Newton's method; only the coefficients and
    /// their standard errors are opened.
    LogisticRegression {
        /// The outcome: integer within [0, 1] or a two-level category.
        y: String,
        /// Numeric or category predictors.
        x: Vec<String>,
        /// Newton iterations: fixed for the sealed fit (so the run does not
        /// depend on the data; above 65,536 records up to 7 of them run on
        /// a sample, at least 3 on every record), the most for opened
        /// iterates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        iterations: Option<u32>,
        /// How the fit runs ([`LogisticFitMode`]; sealed when not given).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fit: Option<LogisticFitMode>,
    },
    /// Quantiles of a numeric column on its declared grid (`min` to `max`
    /// in steps of `10^-places`), optionally per group: for each `p` the
    /// smallest grid value `v` with `count(x <= v) >= p * n` (R's type 1,
    /// the inverted empirical distribution function). Found by bisection
    /// on shares; only the bits of the answer are opened.
    Quantile {
        /// The numeric column.
        column: String,
        /// Probabilities, strictly increasing, each in (0, 1) with at most
        /// 6 decimal places (default: 0.25, 0.5, 0.75).
        #[serde(default = "default_quantile_p")]
        p: Vec<Decimal>,
        /// Category columns to group by.
        #[serde(default)]
        by: Vec<String>,
    },
}

/// The quartiles: 0.25, 0.5 and 0.75.
pub fn default_quantile_p() -> Vec<Decimal> {
    [25, 50, 75]
        .into_iter()
        .map(|u| Decimal::from_units(u, 2))
        .collect()
}

/// `fit` of a logistic regression: how much the fit opens on its way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogisticFitMode {
    /// Every record on shares; only the final fit is opened (the default).
    #[default]
    Sealed,
    /// Pooled studies only: every Newton iterate is opened, each side sums
    /// its own records' gradient and Hessian in the clear, and only those
    /// sums are shared (`secure::logistic::fit_opened`).
    OpenedIterates,
}

impl LogisticFitMode {
    /// The name in job files.
    pub fn as_str(self) -> &'static str {
        match self {
            LogisticFitMode::Sealed => "sealed",
            LogisticFitMode::OpenedIterates => "opened-iterates",
        }
    }

    /// The Newton steps when the job gives none: fixed (sealed) or the
    /// most (opened).
    pub fn default_iterations(self) -> u32 {
        match self {
            LogisticFitMode::Sealed => 10,
            LogisticFitMode::OpenedIterates => 20,
        }
    }
}

impl StatisticSpec {
    /// How a logistic regression is fitted (`None` for other statistics).
    pub fn logistic_fit(&self) -> Option<LogisticFitMode> {
        match self {
            StatisticSpec::LogisticRegression { fit, .. } => Some(fit.unwrap_or_default()),
            _ => None,
        }
    }

    /// A logistic regression's Newton steps, the default filled in.
    pub fn logistic_iterations(&self) -> Option<u32> {
        match self {
            StatisticSpec::LogisticRegression {
                iterations, fit, ..
            } => Some(iterations.unwrap_or(fit.unwrap_or_default().default_iterations())),
            _ => None,
        }
    }

    /// The robust standard errors a linear regression asks for (`"hc1"`),
    /// `None` otherwise.
    pub fn robust(&self) -> Option<&str> {
        match self {
            StatisticSpec::LinearRegression { robust, .. } => robust.as_deref(),
            _ => None,
        }
    }

    /// Every column the statistic reads, as named in the job.
    pub fn column_names(&self) -> Vec<&str> {
        fn all(cs: &[String]) -> Vec<&str> {
            cs.iter().map(String::as_str).collect()
        }
        fn one<'a>(c: &'a str, by: &'a [String]) -> Vec<&'a str> {
            std::iter::once(c)
                .chain(by.iter().map(String::as_str))
                .collect()
        }
        match self {
            StatisticSpec::Count { by } => all(by),
            StatisticSpec::Sum { column, by }
            | StatisticSpec::Mean { column, by }
            | StatisticSpec::Variance { column, by }
            | StatisticSpec::StdDev { column, by }
            | StatisticSpec::Quantile { column, by, .. } => one(column, by),
            StatisticSpec::Histogram { column, .. } => vec![column.as_str()],
            StatisticSpec::Contingency { columns }
            | StatisticSpec::Correlation { columns }
            | StatisticSpec::ChiSquare { columns } => all(columns),
            StatisticSpec::LinearRegression { y, x, .. }
            | StatisticSpec::LogisticRegression { y, x, .. } => one(y, x),
            StatisticSpec::TTest { column, by } => vec![column.as_str(), by.as_str()],
            StatisticSpec::OddsRatio { exposure, outcome }
            | StatisticSpec::RiskRatio { exposure, outcome } => {
                vec![exposure.as_str(), outcome.as_str()]
            }
            StatisticSpec::KaplanMeier {
                time, event, by, ..
            } => {
                let mut v = vec![time.as_str(), event.as_str()];
                v.extend(by.iter().map(String::as_str));
                v
            }
        }
    }
}

/// `[policy]`: disclosure rules both sides enforce on shares.
///
/// Defaults follow the output-checking rules of trusted research
/// environments (SACRO/ACRO: threshold 10, (n, k) dominance with n = 2,
/// k = 90%) and DataSHIELD's nfilter.glm = 0.33. A policy below the floor
/// (a threshold under 3) is refused unless `disclosure = "off"` states why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Cells (counts, histogram bins, table cells, groups, category levels
    /// of models, survival intervals) with a pooled count below this are
    /// withheld.
    pub min_cell: u64,
    /// Means, variances, correlations and regressions need at least this
    /// many pooled rows (per group).
    pub min_group: u64,
    /// Each side's part of a released cell is 0 or at least this many
    /// records (default: `min_cell`; 0 with `disclosure = "off"`), so neither side can subtract its own
    /// part to learn fewer than that many of the other's records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cell_per_party: Option<u64>,
    /// The (n, k) dominance rule for sums and means.
    pub dominance: Dominance,
    /// A regression may have at most `max_params_ratio * n` parameters.
    pub max_params_ratio: f64,
    /// Suppress small cells one by one, or a statistic's whole table
    /// when any of its cells is small.
    pub suppress: Suppress,
    /// Whether disclosure control is on (`checked`, the default) or
    /// switched off by the job (`off`, which needs `reason`).
    pub disclosure: Disclosure,
    /// Why the job switches disclosure control off; shown in every output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Differential privacy for every released value, if asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dp: Option<DpSpec>,
}

impl Policy {
    /// The per-party threshold in force (`min_cell` when not stated).
    pub fn per_party(&self) -> u64 {
        let default = if self.control_off() { 0 } else { self.min_cell };
        self.min_cell_per_party.unwrap_or(default)
    }

    /// Whether the job switched disclosure control off.
    pub fn control_off(&self) -> bool {
        self.disclosure == Disclosure::Off
    }
}

/// `policy.dominance`: a sum or mean cell is withheld when its `n` largest
/// contributions (in absolute value) make up more than `k` percent of the
/// cell's total of absolute values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dominance {
    /// Contributors counted (1 to 10).
    pub n: u32,
    /// Largest share they may hold, in percent (1 to 100; 100 turns the
    /// rule off).
    pub k: u32,
}

impl Default for Dominance {
    fn default() -> Self {
        Dominance { n: 2, k: 90 }
    }
}

/// Whether a job's disclosure control is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Every rule applies, and the policy may not go below the floor.
    #[default]
    Checked,
    /// The job states that control is off (with a reason, shown in every
    /// output); thresholds may then go below the floor.
    Off,
}

/// `policy.dp`: the job's privacy budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpSpec {
    /// Total epsilon over every released value.
    pub epsilon: f64,
    /// Total delta (the Gaussian mechanism needs it above 0).
    #[serde(default)]
    pub delta: f64,
    /// The noise distribution.
    #[serde(default)]
    pub mechanism: Mechanism,
}

/// The noise distribution of a DP release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// Discrete Laplace, pure epsilon-DP (delta unused).
    #[default]
    Laplace,
    /// Discrete Gaussian, rho-zCDP converted to (epsilon, delta).
    Gaussian,
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
            min_cell: 10,
            min_group: 10,
            min_cell_per_party: None,
            dominance: Dominance::default(),
            max_params_ratio: 0.33,
            suppress: Suppress::Cell,
            disclosure: Disclosure::Checked,
            reason: None,
            dp: None,
        }
    }
}
