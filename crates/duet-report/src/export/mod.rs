//! The `duet-results/2` document: a stable, documented form of a study's
//! released values for programs (`results.json`, and `results.csv` with
//! one row per value).
//!
//! Every statistic has the same layout: its `inputs` from the job, its
//! `values` (one number each, with its cell as an object, its measure,
//! unit and whether it was released), its `tests`, kind-specific
//! `details`, `notes` and DP `noise`. The format is described in
//! `docs/RESULTS.md` and `docs/results.schema.json`.
//!
//! The mapping from the internal [`Results`] is one function per
//! [`StatBody`] variant, dispatched by one match (`statistic` in this
//! module). To add a kind of result:
//! 1. one arm in that match and one function returning its value rows and
//!    `Extras`-style tests, details and notes (new model fields
//!    such as a deviance or an AIC are more rows with their own `measure`;
//!    facts that are not numbers go in `details`, which passes any JSON);
//! 2. any new `measure`, `kind` or `test` name in the enums of
//!    `docs/results.schema.json` and in the tables of `docs/RESULTS.md`
//!    (the schema tests fail until then).
//!
//! The job's own settings of each statistic pass through as `inputs`
//! without any code here.

mod cells;
mod csv;
mod document;
mod excluded;
mod grouped;
mod models;
mod quantile;
mod rows;
mod survival;
mod tables;
#[cfg(test)]
pub(crate) mod tests;

use serde_json::{Map, Value};

pub use self::csv::to_csv;
pub use document::{
    ColumnInfo, Interval, JobInfo, Noise, ResultsDocument, Revealed, Statistic, TestResult,
    ValueRow,
};

use duet_stats::job::{format_scaled, ColumnType, Job, StatisticSpec};
use duet_stats::results::{Results, StatBody, StatisticResult};
use models::Extras;

/// The format name and version every document carries in `format`.
pub const FORMAT: &str = "duet-results/2";

/// Why results could not be put in the document's form: the job given
/// does not describe them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The job and the results differ in how many of something there are.
    #[error("{statistic}: the job gives {expected} {what}, the results hold {found}")]
    Mismatch {
        /// The statistic (`results` for the whole study).
        statistic: String,
        /// What was counted (`statistics`, `cells`, `bins`).
        what: &'static str,
        /// The job's count.
        expected: usize,
        /// The results' count.
        found: usize,
    },
    /// A survival curve's group is no level of the job's `by` column.
    #[error("{statistic}: the group {group:?} is not a level of the job's grouping column")]
    UnknownGroup {
        /// The statistic.
        statistic: String,
        /// The group as the results name it.
        group: String,
    },
}

/// What the mapping of one statistic needs.
pub(crate) struct Context<'a> {
    pub(crate) job: &'a Job,
    pub(crate) spec: &'a StatisticSpec,
    pub(crate) label: &'a str,
    pub(crate) results: &'a Results,
}

impl Context<'_> {
    /// The rule that withheld the values of internal cell `cell`, from
    /// the disclosure record (a generic reason when it names none).
    pub(crate) fn withheld_reason(&self, cell: &str) -> String {
        let prefix = format!("{}[{cell}]", self.label);
        self.results
            .disclosure
            .withheld
            .iter()
            .find(|w| w.name.starts_with(&prefix))
            .map_or_else(|| rows::WITHHELD.to_string(), |w| w.rule.clone())
    }
}

/// The document of `results`, which `job` produced; `transcript_digest`
/// is the hex digest both sides agreed on.
pub fn document(
    job: &Job,
    results: &Results,
    transcript_digest: &str,
) -> Result<ResultsDocument, ExportError> {
    let specs = job.statistics();
    cells::check_len(
        "results",
        "statistics",
        specs.len(),
        results.statistics.len(),
    )?;
    let statistics = specs
        .iter()
        .zip(&results.statistics)
        .map(|(spec, s)| {
            let cx = Context {
                job,
                spec,
                label: &s.label,
                results,
            };
            statistic(&cx, s)
        })
        .collect::<Result<_, _>>()?;
    Ok(ResultsDocument {
        format: FORMAT.into(),
        job: JobInfo {
            name: results.job_name.clone(),
            hash: results.job_hash.clone(),
            ot_extension: Some(job.ot_extension().name().to_string()),
        },
        transcript_digest: transcript_digest.into(),
        ring: format!("{:?}", results.ring),
        columns: columns(job),
        policy: to_value(&results.policy),
        statistics,
        dp: results.dp.as_ref().map(to_value),
        linkage: results.linkage.as_ref().map(to_value),
        disclosure: to_value(&results.disclosure),
        revealed: results
            .revealed
            .iter()
            .map(|r| Revealed {
                name: r.name.clone(),
                value: r.value.clone(),
            })
            .collect(),
    })
}

/// One statistic: the rows and extras of its kind, in the common layout.
/// A new [`StatBody`] variant is one arm here and one function.
fn statistic(cx: &Context<'_>, s: &StatisticResult) -> Result<Statistic, ExportError> {
    let (mut values, extras) = match &s.body {
        StatBody::Cells { cells } => (grouped::rows(cx, cells)?, Extras::default()),
        StatBody::Correlation(c) => models::correlation(cx, c),
        StatBody::Regression(r) => models::regression(cx, r),
        StatBody::Logistic(r) => models::logistic(cx, r),
        StatBody::ChiSquare(t) | StatBody::Ratio(t) => tables::table(cx, t)?,
        StatBody::TTest(t) => tables::t_test(cx, t)?,
        StatBody::Survival(r) => survival::survival(cx, r)?,
        StatBody::Quantile(q) => (quantile::rows(cx, q)?, quantile_extras(q)),
    };
    values.extend(excluded::rows(cx, s.excluded.as_ref())?);
    Ok(Statistic {
        label: s.label.clone(),
        kind: s.kind.into(),
        inputs: inputs(cx.spec),
        values,
        tests: extras.tests,
        details: extras.details,
        notes: extras.notes,
        noise: s
            .noise
            .iter()
            .map(|n| Noise {
                aggregates: n.aggregates.clone(),
                sensitivity: n.sensitivity,
                scale: n.scale,
                budget: n.budget,
                total_sd: n.total_sd,
            })
            .collect(),
    })
}

/// A quantile statistic's definition, in `details`.
fn quantile_extras(q: &duet_stats::results::QuantileResult) -> Extras {
    let mut extras = Extras::default();
    extras
        .details
        .insert("definition".into(), q.definition.clone().into());
    extras
}

/// The job's `[[statistic]]` table without `kind`; extra settings a new
/// kind adds pass through unchanged.
fn inputs(spec: &StatisticSpec) -> Map<String, Value> {
    match to_value(spec) {
        Value::Object(mut m) => {
            m.remove("kind");
            m
        }
        _ => Map::new(),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The job's columns with their declared types, bounds and places.
fn columns(job: &Job) -> Vec<ColumnInfo> {
    job.columns()
        .iter()
        .map(|c| match &c.ty {
            ColumnType::Numeric { places, min, max } => ColumnInfo {
                name: c.name.clone(),
                ty: "numeric".into(),
                places: Some(*places),
                min: Some(format_scaled(i128::from(*min), *places)),
                max: Some(format_scaled(i128::from(*max), *places)),
                levels: None,
            },
            ColumnType::Category { levels } => ColumnInfo {
                name: c.name.clone(),
                ty: "category".into(),
                places: None,
                min: None,
                max: None,
                levels: Some(levels.clone()),
            },
        })
        .collect()
}
