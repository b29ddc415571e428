//! Everything one side does before it talks to the peer, in one call:
//! check the local settings against the job, settle this side's policy,
//! plan, check the DP budget against this side's release ledger, and
//! stream the CSV into local aggregates.

use crate::data::{aggregate_csv, DataError, LoadLog};
use crate::job::StatisticSpec;
use crate::job::{Job, LocalConfig, LocalError, Policy, PolicyError};
use crate::linked::{load_records, Records};
use crate::plan::{Accumulator, LocalAggregates, Plan, PlanError};
use crate::release::ledger::LedgerError;
use crate::release::run_ledger::RunLedger;

/// Why a side could not prepare its part of a study.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The local settings do not fit the job (column mapping).
    #[error(transparent)]
    Local(#[from] LocalError),
    /// The local policy would loosen the job's.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The job cannot be planned (a sum could overflow, too many cells).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The CSV was refused.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The release ledger could not be read, or the run would exceed the
    /// lifetime DP budget.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// One side's inputs to [`crate::run_study`], and its load log.
#[derive(Debug)]
pub struct Prepared {
    /// The plan (the same on both sides).
    pub plan: Plan,
    /// This side's effective policy (the job's, possibly tightened).
    pub policy: Policy,
    /// This side's input (private).
    pub input: StudyInput,
    /// What loading read, used and dropped (private).
    pub log: LoadLog,
    /// This side's release ledger for the run (never sent); `None` from
    /// [`prepare_data`], which does not consult it.
    pub ledger: Option<RunLedger>,
}

/// What one side brings to the study.
#[derive(Debug)]
pub enum StudyInput {
    /// A pooled study: this side's aggregates, and its rows when a
    /// statistic needs per-record shares (logistic regression).
    Pooled {
        /// The plan's aggregates over this side's rows.
        aggregates: LocalAggregates,
        /// The rows, if needed.
        records: Option<Records>,
    },
    /// A linked study: the rows and identifiers the join needs.
    Linked(Records),
}

impl StudyInput {
    /// The local aggregates of a pooled study.
    pub fn aggregates(&self) -> Option<&LocalAggregates> {
        match self {
            StudyInput::Pooled { aggregates, .. } => Some(aggregates),
            StudyInput::Linked(_) => None,
        }
    }
}

/// Checks, plans, loads and checks the DP budget against this side's
/// release ledger; nothing is sent and nothing is written.
pub fn prepare(job: &Job, local: &LocalConfig) -> Result<Prepared, PrepareError> {
    let mut prepared = prepare_data(job, local)?;
    // After loading, so that a missing or bad CSV is named as such.
    prepared.ledger = Some(RunLedger::open(job, local)?);
    Ok(prepared)
}

/// [`prepare`] without the ledger: for dry runs (`duet check`), which
/// report the budget rather than refuse on it.
pub fn prepare_data(job: &Job, local: &LocalConfig) -> Result<Prepared, PrepareError> {
    local.check_against(job)?;
    let policy = local.effective_policy(job)?;
    let plan = Plan::new(job)?;
    let per_record = job
        .statistics()
        .iter()
        .any(|s| matches!(s, StatisticSpec::LogisticRegression { .. }) || s.robust().is_some());
    let (input, log) = if job.link().is_some() {
        let (records, log) = load_records(job, local)?;
        (StudyInput::Linked(records), log)
    } else if per_record {
        let (records, log) = load_records(job, local)?;
        let mut acc = Accumulator::new(&plan);
        records.rows().for_each(|r| acc.add(r));
        let aggregates = acc.finish();
        let records = Some(records);
        (
            StudyInput::Pooled {
                aggregates,
                records,
            },
            log,
        )
    } else {
        let (aggregates, log) = aggregate_csv(job, local, &plan)?;
        let records = None;
        (
            StudyInput::Pooled {
                aggregates,
                records,
            },
            log,
        )
    };
    Ok(Prepared {
        plan,
        policy,
        input,
        log,
        ledger: None,
    })
}
