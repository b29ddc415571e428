//! The careless operator of the DP re-run attack: before each run it asks
//! the release ledger whether the dataset's lifetime budget allows the
//! run, and after it appends the run's entry, as `duet run` is to do (the
//! run command does not consult the ledger yet; this is the library-level
//! loop it will follow).

use std::path::PathBuf;

use duet_stats::job::LedgerConfig;
use duet_stats::release::ledger::{Entry, Ledger, Population, Released, Spend};
use duet_stats::Results;

/// One institution's ledger for one dataset.
pub struct Operator {
    path: PathBuf,
    dataset: String,
    budget: Spend,
}

impl Operator {
    /// A fresh ledger in `dir` with the default lifetime budget.
    pub fn new(dir: &std::path::Path) -> Operator {
        Operator {
            path: dir.join("a.csv.duet-ledger.json"),
            dataset: "hospital-a-registry".into(),
            budget: Spend::budget_of(&LedgerConfig::default()),
        }
    }

    /// Whether the ledger lets a run spending `epsilon` start.
    pub fn may_run(&self, epsilon: f64) -> bool {
        let ledger = Ledger::load(&self.path).unwrap();
        let run = Spend {
            epsilon,
            delta: 0.0,
        };
        ledger.check_budget(&self.dataset, self.budget, run).is_ok()
    }

    /// Appends the run's releases and spend.
    pub fn record(&self, res: &Results) {
        let dp = res.dp.as_ref().map(|d| Spend {
            epsilon: d.epsilon_spent,
            delta: d.delta,
        });
        let released = res.disclosure.released.iter().map(|r| Released {
            value: r.provenance.clone(),
            name: r.name.clone(),
            amount: r.value.clone(),
        });
        let entry = Entry {
            unix_time: 0,
            job_name: res.job_name.clone(),
            job_hash: res.job_hash.clone(),
            dataset: self.dataset.clone(),
            peer: "ffeeddcc".into(),
            population: Population::Pooled,
            released: released.collect(),
            withheld: Vec::new(),
            dp,
        };
        Ledger::append(&self.path, entry).unwrap();
    }
}
