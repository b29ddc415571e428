//! The ledger around one run: before connecting, this side's budget check
//! and the earlier releases that join the differencing test; after the
//! outputs are written, the run's entry.
//!
//! Guarantee: a run whose DP spend, added to every earlier run's on the
//! same dataset (any peer), would exceed the lifetime budget of
//! local.toml's `[ledger]` is refused before anything connects; and the
//! values earlier runs released or withheld on the same dataset with the
//! same peer join secondary suppression, so a second job cannot isolate
//! by linear differencing what an earlier one withheld.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use super::ledger::{
    dataset_key, Entry, Ledger, LedgerError, Population, Released, Spend, Withheld,
};
use super::Earlier;
use crate::job::{hex, Job, LocalConfig};
use crate::results::Results;

/// This side's ledger for one run.
#[derive(Debug, Clone)]
pub struct RunLedger {
    /// The ledger file (never sent).
    pub path: PathBuf,
    /// The dataset key.
    pub dataset: String,
    /// The peer's certificate fingerprint (hex).
    pub peer: String,
    /// Pooled or linked.
    pub population: Population,
    /// What earlier runs released and withheld on this dataset with this
    /// peer and population.
    pub earlier: Earlier,
    /// This job's DP budget (0 without DP).
    pub spend: Spend,
    /// What earlier runs spent on this dataset.
    pub spent_before: Spend,
    /// The lifetime budget.
    pub budget: Spend,
}

impl RunLedger {
    /// Loads this side's ledger and refuses the run if its DP spend would
    /// exceed the lifetime budget. Nothing is written.
    pub fn open(job: &Job, local: &LocalConfig) -> Result<RunLedger, LedgerError> {
        let path = local.ledger_path();
        let ledger = Ledger::load(&path)?;
        let dataset = dataset_key(local)?;
        let peer = hex(&job.fingerprint(local.role.peer()));
        let population = match job.link() {
            Some(_) => Population::Linked,
            None => Population::Pooled,
        };
        let spend = job.policy().dp.map_or(Spend::default(), |d| Spend {
            epsilon: d.epsilon,
            delta: d.delta,
        });
        let budget = Spend::budget_of(&local.ledger);
        ledger.check_budget(&dataset, budget, spend)?;
        let (released, withheld) = ledger.earlier(&dataset, &peer, population);
        Ok(RunLedger {
            spent_before: ledger.spent(&dataset),
            path,
            dataset,
            peer,
            population,
            earlier: Earlier { released, withheld },
            spend,
            budget,
        })
    }

    /// Appends the run's released and withheld values and its DP spend.
    pub fn record(&self, results: &Results) -> Result<(), LedgerError> {
        let d = &results.disclosure;
        let entry = Entry {
            unix_time: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |t| t.as_secs()),
            job_name: results.job_name.clone(),
            job_hash: results.job_hash.clone(),
            dataset: self.dataset.clone(),
            peer: self.peer.clone(),
            population: self.population,
            released: d
                .released
                .iter()
                .map(|r| Released {
                    value: r.provenance.clone(),
                    name: r.name.clone(),
                    amount: r.value.clone(),
                })
                .collect(),
            withheld: d
                .withheld
                .iter()
                .map(|w| Withheld {
                    value: w.provenance.clone(),
                    name: w.name.clone(),
                    rule: w.rule.clone(),
                })
                .collect(),
            // The job's declared (epsilon, delta), the spend the budget
            // check admitted: the float sum of its per-query shares can
            // exceed it by a rounding step, which would refuse a later run
            // that reaches the lifetime budget exactly.
            dp: results.dp.as_ref().map(|_| self.spend),
        };
        Ledger::append(&self.path, entry).map(|_| ())
    }
}
