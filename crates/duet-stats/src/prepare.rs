//! Everything one side does before it talks to the peer, in one call:
//! check the local settings against the job, settle this side's policy,
//! plan, and stream the CSV into local aggregates.

use crate::data::{aggregate_csv, DataError, LoadLog};
use crate::job::{Job, LocalConfig, LocalError, Policy, PolicyError};
use crate::plan::{LocalAggregates, Plan, PlanError};

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
}

/// One side's inputs to [`crate::run_study`], and its load log.
#[derive(Debug)]
pub struct Prepared {
    /// The plan (the same on both sides).
    pub plan: Plan,
    /// This side's effective policy (the job's, possibly tightened).
    pub policy: Policy,
    /// This side's aggregates (private).
    pub aggregates: LocalAggregates,
    /// What loading read, used and dropped (private).
    pub log: LoadLog,
}

/// Checks, plans and loads; nothing is sent and nothing is written.
pub fn prepare(job: &Job, local: &LocalConfig) -> Result<Prepared, PrepareError> {
    local.check_against(job)?;
    let policy = local.effective_policy(job)?;
    let plan = Plan::new(job)?;
    let (aggregates, log) = aggregate_csv(job, local, &plan)?;
    Ok(Prepared {
        plan,
        policy,
        aggregates,
        log,
    })
}
