//! The released results of a study: the same on both sides.

use serde::Serialize;

use crate::job::Policy;
use crate::plan::RingChoice;

mod quantile;

pub use quantile::{QuantileGroup, QuantileResult, QuantileValue};

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
    /// The differential-privacy guarantee, when the job asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dp: Option<DpSummary>,
    /// The record linkage, for a linked study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linkage: Option<LinkageSummary>,
    /// Every released and withheld value with its provenance and rules,
    /// and the rules in force.
    pub disclosure: crate::release::DisclosureRecord,
}

/// The guarantee of a differentially private release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DpSummary {
    /// `laplace` (pure epsilon-DP) or `gaussian` (zero-concentrated DP,
    /// converted to (epsilon, delta)).
    pub mechanism: &'static str,
    /// The job's epsilon.
    pub epsilon: f64,
    /// The job's delta (0 for the Laplace mechanism).
    pub delta: f64,
    /// The epsilon the released values spend in total (never above `epsilon`).
    pub epsilon_spent: f64,
    /// For the Gaussian mechanism, the total rho of rho-zCDP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    /// The guarantee in one sentence, for the report.
    pub guarantee: String,
}

/// How the two record sets were linked, and what each side learnt from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkageSummary {
    /// The party that learns which of its own rows matched.
    pub receiver: String,
    /// The other party.
    pub sender: String,
    /// Distinct identifiers the receiver brought.
    pub receiver_records: u64,
    /// Distinct identifiers the sender brought.
    pub sender_records: u64,
    /// Linked records, as released (noisy under DP; `null` if suppressed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<u64>,
    /// What the receiver learnt from the linkage itself.
    pub receiver_learnt: String,
    /// What the sender learnt from the linkage itself.
    pub sender_learnt: String,
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
    /// The noise added to this statistic's released aggregates, under DP.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub noise: Vec<NoiseNote>,
    /// Under available-case analysis, the rows this statistic left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<ExcludedRows>,
}

/// The rows a statistic left out because a column it reads was missing
/// (available-case analysis: `on_missing = "drop"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludedRows {
    /// The columns read: a row missing any of them is left out.
    pub columns: Vec<String>,
    /// The pooled count, when released (each part 0 or at least the
    /// threshold); `None` when a part is withheld.
    pub rows: Option<u64>,
    /// For a grouped statistic: per group, its rows missing the summed
    /// column, then the rows missing a grouping column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<ExcludedCell>,
}

/// One part of the rows a grouped statistic left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludedCell {
    /// The group (`smoker=yes`), or `a grouping column missing`.
    pub cell: String,
    /// The pooled count, when released.
    pub rows: Option<u64>,
}

/// The noise on one group of a statistic's released aggregates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoiseNote {
    /// Which aggregates (`count`, `sum of sbp`, `cross-products`).
    pub aggregates: String,
    /// Sensitivity of that group (L1 for Laplace, L2 for Gaussian), in
    /// the natural unit of the aggregate.
    pub sensitivity: f64,
    /// The distribution each side drew from: discrete Laplace scale `t`
    /// or discrete Gaussian `sigma`, in the natural unit.
    pub scale: f64,
    /// Epsilon (Laplace) or rho (Gaussian) spent on the group.
    pub budget: f64,
    /// Standard deviation of the total noise in the released value (both
    /// sides' draws), in the natural unit.
    pub total_sd: f64,
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
    /// A two-way table with Pearson's chi-square test of independence.
    ChiSquare(TableTestResult),
    /// Welch's two-sample t-test.
    TTest(TTestResult),
    /// An odds ratio or risk ratio from a 2x2 table.
    Ratio(TableTestResult),
    /// Kaplan-Meier survival curves by group.
    Survival(SurvivalResult),
    /// A logistic regression fitted on shares.
    Logistic(LogisticResult),
    /// Quantiles per group, found by bisection on shares.
    Quantile(QuantileResult),
}

/// A released table and the test or measure computed from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableTestResult {
    /// Levels of the row variable (the exposure, for ratios).
    pub rows: Vec<String>,
    /// Levels of the column variable (the outcome, for ratios).
    pub columns: Vec<String>,
    /// The cells, row-major.
    pub cells: Vec<CellResult>,
    /// Chi-square test (chi-square statistics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_square: Option<ChiSquareTest>,
    /// The ratio (odds or risk ratio statistics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<RatioEstimate>,
    /// Why there is no test or ratio (a suppressed or empty cell).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Pearson's chi-square test of independence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiSquareTest {
    /// The statistic, sum of (observed - expected)^2 / expected.
    pub statistic: f64,
    /// Degrees of freedom, (rows - 1)(columns - 1).
    pub df: u64,
    /// Upper-tail p-value.
    pub p_value: f64,
    /// The smallest expected count (the test is unreliable below 5).
    pub min_expected: f64,
}

/// An odds ratio or a risk ratio with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioEstimate {
    /// `odds_ratio` or `risk_ratio`.
    pub measure: &'static str,
    /// The estimate (exposed level vs the reference level).
    pub estimate: f64,
    /// Lower 95% limit (log-scale Wald interval).
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
    /// Whether 0.5 was added to every cell because one was zero.
    pub corrected: bool,
}

/// Welch's t-test of a numeric column between two groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TTestResult {
    /// The column compared.
    pub column: String,
    /// The two groups, with their released count, mean and sd.
    pub groups: Vec<CellResult>,
    /// The test, when both groups are released with n >= 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<WelchTest>,
    /// Why there is no test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Welch's unequal-variance t-test (second group minus first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WelchTest {
    /// Difference of means.
    pub difference: f64,
    /// Its standard error.
    pub std_error: f64,
    /// The t statistic.
    pub t: f64,
    /// Welch-Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower 95% limit of the difference.
    pub ci_low: f64,
    /// Upper 95% limit of the difference.
    pub ci_high: f64,
}

/// Survival curves on follow-up times grouped into intervals, and the
/// log-rank test between the groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalResult {
    /// The time column.
    pub time: String,
    /// One curve per group (one `all` curve without `by`).
    pub curves: Vec<SurvivalCurve>,
    /// The log-rank test between the groups of `by`, when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_rank: Option<LogRankTest>,
    /// Why no log-rank test is given (with `by`), or what range it covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The log-rank test (Mantel-Haenszel) on the released interval counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRankTest {
    /// Chi-square statistic.
    pub chi_square: f64,
    /// Degrees of freedom (groups - 1).
    pub df: u32,
    /// Upper-tail p-value.
    pub p_value: f64,
    /// Observed and expected events per group.
    pub groups: Vec<LogRankGroup>,
    /// The end of the follow-up the test covers (where the shortest
    /// released curve ends).
    pub until: f64,
}

/// One group's observed and expected events in a log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRankGroup {
    /// The group.
    pub group: String,
    /// Observed events.
    pub observed: f64,
    /// Expected events under equal hazards.
    pub expected: f64,
}

/// The survival estimator a curve used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Every interval holds one time value (the data's resolution): the
    /// exact Kaplan-Meier product-limit estimator.
    ProductLimit,
    /// Intervals span several time values: the actuarial life table
    /// (those censored in an interval count as at risk for half of it).
    Actuarial,
    /// Some intervals hold one time value and others several: each
    /// interval uses the estimator that fits it.
    Mixed,
}

/// Median survival with its 95% limits (where the curve's 95% band
/// crosses 1/2; `None` where it does not within the released follow-up).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MedianSurvival {
    /// The median; `None` when survival stays above 1/2.
    pub time: Option<f64>,
    /// Lower 95% limit.
    pub ci_low: Option<f64>,
    /// Upper 95% limit.
    pub ci_high: Option<f64>,
}

/// One group's curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalCurve {
    /// The group (`treatment=a`, or `all`).
    pub group: String,
    /// One step per released interval (merged intervals are one step), in
    /// time order, up to the last edge; none when the curve is withheld.
    pub steps: Vec<SurvivalStep>,
    /// The estimator used.
    pub estimator: Estimator,
    /// Median survival, from the curve and its 95% band.
    pub median: MedianSurvival,
    /// What the disclosure rules merged or withheld, and why, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One interval `[start, end)` of a survival curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalStep {
    /// Interval start.
    pub start: f64,
    /// Interval end.
    pub end: f64,
    /// Number at risk at the start.
    pub at_risk: u64,
    /// Events in the interval.
    pub events: u64,
    /// Censored in the interval.
    pub censored: u64,
    /// Those at risk as the estimator counts them: `at_risk` for a
    /// one-value interval, `at_risk - censored / 2` for a wider one.
    pub effective_at_risk: f64,
    /// Survival at the end of the interval.
    pub survival: f64,
    /// Lower 95% limit (Greenwood, log-log).
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
}

/// A logistic regression fitted on secret shares; only these values were opened.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LogisticResult {
    /// The outcome and the level counted as 1.
    pub y: String,
    /// Whether the policy suppressed it.
    pub suppressed: bool,
    /// Rows used, when released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// Coefficients (log odds), intercept first.
    pub coefficients: Vec<LogisticCoefficient>,
    /// Newton iterations run (fixed by the job, not by the data).
    pub iterations: u32,
    /// Why a released fit has no estimates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The pooled number of events (outcome 1), released by the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<u64>,
    /// `false` when the maximum-likelihood estimate does not exist (a
    /// category predictor separates the outcome): then no coefficient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimable: Option<bool>,
    /// Whether the fit converged by the rule in `convergence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// The convergence rule, and what it found when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convergence: Option<String>,
    /// Residual deviance, `-2` times the log-likelihood at the released
    /// coefficients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviance: Option<f64>,
    /// Null deviance: of the intercept-only fit, from `n` and `events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_deviance: Option<f64>,
    /// Akaike's information criterion, `deviance + 2 p`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aic: Option<f64>,
    /// `"opened-iterates"` when the job asked for that fit (absent: sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<String>,
    /// With opened iterates, every Newton iterate as released, in the
    /// coefficients' units (intercept first; the last is the estimate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iterates: Vec<Vec<f64>>,
}

/// One logistic-regression coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticCoefficient {
    /// `intercept`, a column, or `column=level`.
    pub term: String,
    /// The estimate (log odds ratio).
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Wald z.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// exp(estimate).
    pub odds_ratio: f64,
    /// Lower 95% limit of the odds ratio.
    pub ci_low: f64,
    /// Upper 95% limit of the odds ratio.
    pub ci_high: f64,
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
    /// A mean's standard error and 95% interval (t on n - 1 df, as R's
    /// `t.test`), when n >= 2 and the job is not under DP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<MeanInterval>,
}

/// A mean's standard error `s / sqrt(n)` and 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanInterval {
    /// Standard error of the mean.
    pub std_error: f64,
    /// Lower 95% limit.
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
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
    /// Each pair's test and interval (R's `cor.test`), where r is defined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<CorrelationPair>,
}

/// One pair of columns: r, its two-sided p (t on n - 2 df) and its 95%
/// interval (Fisher's z).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationPair {
    /// The first column.
    pub x: String,
    /// The second column.
    pub y: String,
    /// Pearson's r.
    pub r: f64,
    /// Two-sided p-value of r = 0.
    pub p_value: f64,
    /// Lower 95% limit.
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
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
    /// `estimate / std_error`, on the residual degrees of freedom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    /// Two-sided p-value of t.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Lower 95% limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    /// Upper 95% limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    /// The robust (HC1) standard error and its t test and 95% limits on
    /// the residual degrees of freedom, when the job asks (`robust`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robust: Option<RobustTest>,
}

/// A coefficient's robust standard error with the t test and 95% interval
/// that use it (as `lmtest::coeftest(fit, vcov = vcovHC(fit, "HC1"))` and
/// `coefci`: t on the residual degrees of freedom).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobustTest {
    /// The robust standard error.
    pub std_error: f64,
    /// `estimate / std_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    /// Two-sided p-value of t.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Lower 95% limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    /// Upper 95% limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
}

/// An F test with its two degrees of freedom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FTest {
    /// The statistic.
    pub value: f64,
    /// Numerator degrees of freedom.
    pub df1: u64,
    /// Denominator degrees of freedom.
    pub df2: u64,
    /// Upper-tail p-value.
    pub p_value: f64,
}

/// A linear regression.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    /// The residual standard error `sqrt(RSS / residual_df)` (R's
    /// `sigma`), in the outcome's units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_std_error: Option<f64>,
    /// Adjusted R^2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted_r_squared: Option<f64>,
    /// The F test of all slopes being 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f_test: Option<FTest>,
    /// Why a released regression has no estimates (a singular design).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The robust standard errors the job asked for (`"hc1"`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robust: Option<String>,
    /// Why the robust standard errors asked for are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robust_note: Option<String>,
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

    /// The quantile result, for quantiles.
    pub fn quantile(&self) -> Option<&QuantileResult> {
        match &self.body {
            StatBody::Quantile(q) => Some(q),
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
