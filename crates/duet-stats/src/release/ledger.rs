//! The release ledger: one institution's record of what every run released
//! and withheld from its dataset, and of the privacy budget each spent. It
//! is a local JSON file named in local.toml (by default beside the CSV) and
//! never crosses to the peer.
//!
//! It serves two rules:
//! - a lifetime differential-privacy budget per dataset
//!   ([`Ledger::check_budget`]): by basic composition, the epsilons and the
//!   deltas of every run on the dataset, with any peer, add up, and a run
//!   that would take the sums above the budget is refused before it starts;
//! - the differencing test, which takes the values earlier runs released
//!   and withheld on the same population ([`Ledger::earlier`]).
//!
//! Guarantee: the budget holds across runs only as far as the ledger is
//! kept; deleting or editing the file, or naming the dataset afresh,
//! resets it. [`Ledger::append`] replaces the file atomically (a temporary
//! sibling, synced, then renamed over it), so a crash leaves the old ledger
//! or the new one, never half of one. It does not lock: two runs appending
//! to one ledger at once can lose one run's entry, so run one study at a
//! time per ledger.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::provenance::LinearValue;
use crate::atomic::{write_all_or_none, WriteError};
use crate::job::{hex, LedgerConfig, LocalConfig};

#[cfg(test)]
mod tests;

/// The format version written in, and required of, every ledger file.
pub const LEDGER_FORMAT: &str = "duet-ledger/1";
/// The largest ledger read or written (256 MiB).
pub const MAX_LEDGER_BYTES: u64 = 256 << 20;

/// Why the ledger refused, or could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The ledger file exists but could not be read.
    #[error("{path}: cannot read the release ledger: {source}")]
    Read {
        /// The ledger file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The ledger file is larger than the limit.
    #[error(
        "{path}: the release ledger is larger than {limit} bytes; archive it and start a new one"
    )]
    TooLarge {
        /// The ledger file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// Not JSON, or not the ledger's fields and types.
    #[error("{path}:{line}:{column}: not a valid release ledger: {source}")]
    Malformed {
        /// The ledger file.
        path: PathBuf,
        /// Line of the error (from 1).
        line: usize,
        /// Column of the error (from 1).
        column: usize,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A format version this crate does not read.
    #[error("{path}: release ledger format \"{found}\" is not \"{LEDGER_FORMAT}\"")]
    Format {
        /// The ledger file.
        path: PathBuf,
        /// The version the file states.
        found: String,
    },
    /// An entry (in the file, or being appended) with impossible contents.
    #[error("{path}: ledger entry {index}: {reason}")]
    InvalidEntry {
        /// The ledger file.
        path: PathBuf,
        /// The entry's position (from 0).
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A spend or budget given to [`Ledger::check_budget`] that is not
    /// finite or is below 0.
    #[error("{what} ({spend}) must be finite and at least 0")]
    InvalidSpend {
        /// `this run's spend` or `the budget`.
        what: &'static str,
        /// The value.
        spend: Spend,
    },
    /// The run would take the dataset past its lifetime budget.
    #[error(
        "refused: this run's {requested} on top of the {spent} already spent on dataset \
         {dataset} would exceed its lifetime budget of {budget}; lower the job's dp epsilon \
         or delta, or raise [ledger] epsilon and delta in local.toml if your institution allows"
    )]
    OverBudget {
        /// The dataset key.
        dataset: String,
        /// What earlier runs spent on it.
        spent: Spend,
        /// What this run would spend.
        requested: Spend,
        /// The lifetime budget.
        budget: Spend,
    },
    /// The ledger could not be serialised.
    #[error("{path}: cannot serialise the release ledger: {source}")]
    Serialise {
        /// The ledger file.
        path: PathBuf,
        /// The serialiser's error.
        source: serde_json::Error,
    },
    /// The ledger could not be written; the file on disk is unchanged.
    #[error("{path}: cannot write the release ledger: {source}")]
    Write {
        /// The ledger file.
        path: PathBuf,
        /// What failed.
        source: WriteError,
    },
    /// The dataset could not be read to fingerprint it.
    #[error("{path}: cannot fingerprint the dataset: {source}")]
    Fingerprint {
        /// The CSV file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// The records a run's values are computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// The union of both sides' records (with one peer: another peer's
    /// union is another population).
    Pooled,
    /// The records linked between both sides.
    Linked,
}

/// Differential-privacy loss, `(epsilon, delta)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spend {
    /// Epsilon.
    pub epsilon: f64,
    /// Delta.
    pub delta: f64,
}

impl Spend {
    /// The lifetime budget of local.toml's `[ledger]`.
    pub fn budget_of(cfg: &LedgerConfig) -> Spend {
        Spend {
            epsilon: cfg.epsilon,
            delta: cfg.delta,
        }
    }

    fn is_valid(&self) -> bool {
        [self.epsilon, self.delta]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0)
    }

    fn plus(self, other: Spend) -> Spend {
        Spend {
            epsilon: self.epsilon + other.epsilon,
            delta: self.delta + other.delta,
        }
    }
}

impl fmt::Display for Spend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "epsilon {}, delta {}", self.epsilon, self.delta)
    }
}

/// A value a run released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Released {
    /// Its provenance.
    pub value: LinearValue,
    /// The plan's name of the value.
    pub name: String,
    /// The released amount, exact integer text in the value's units.
    pub amount: String,
}

/// A value a run withheld.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withheld {
    /// Its provenance.
    pub value: LinearValue,
    /// The plan's name of the value.
    pub name: String,
    /// The rule that withheld it.
    pub rule: String,
}

/// One run's releases on this side's dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// When the run finished, in seconds since the Unix epoch.
    pub unix_time: u64,
    /// The job's name.
    pub job_name: String,
    /// The job's canonical hash (hex).
    pub job_hash: String,
    /// The dataset key: the CSV's fingerprint (hex) or a configured id.
    pub dataset: String,
    /// The peer's certificate fingerprint (hex).
    pub peer: String,
    /// The records the values are computed on.
    pub population: Population,
    /// The values released.
    pub released: Vec<Released>,
    /// The values withheld.
    pub withheld: Vec<Withheld>,
    /// The privacy loss of the release, for a differentially private run.
    pub dp: Option<Spend>,
}

impl Entry {
    fn check(&self) -> Result<(), &'static str> {
        if self.dataset.is_empty() {
            return Err("the dataset key is empty");
        }
        if self.dp.is_some_and(|s| !s.is_valid()) {
            return Err("dp epsilon and delta must be finite and at least 0");
        }
        if self
            .released
            .iter()
            .any(|r| r.amount.parse::<i128>().is_err())
        {
            return Err("a released amount is not integer text");
        }
        Ok(())
    }
}

/// The ledger file, as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerFile {
    /// Checked by [`Header`] first.
    #[serde(rename = "format")]
    _format: String,
    entries: Vec<Entry>,
}

/// The ledger file, as written.
#[derive(Serialize)]
struct LedgerFileOut<'a> {
    format: &'static str,
    entries: &'a [Entry],
}

/// The format field alone, read before the rest so that another version
/// is reported as such, not as a field mismatch.
#[derive(Deserialize)]
struct Header {
    format: String,
}

/// Every run's releases on this side's datasets, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    entries: Vec<Entry>,
}

impl Ledger {
    /// Reads the ledger at `path` (no file: an empty ledger), refusing a
    /// file over [`MAX_LEDGER_BYTES`].
    pub fn load(path: &Path) -> Result<Ledger, LedgerError> {
        Ledger::load_limited(path, MAX_LEDGER_BYTES)
    }

    /// [`Ledger::load`] with a size limit of `limit` bytes.
    pub fn load_limited(path: &Path, limit: u64) -> Result<Ledger, LedgerError> {
        match read_limited(path, limit)? {
            None => Ok(Ledger::default()),
            Some(bytes) => Ledger::from_json(path, &bytes),
        }
    }

    /// Parses ledger JSON; `path` names the file in errors.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<Ledger, LedgerError> {
        let malformed = |source: serde_json::Error| LedgerError::Malformed {
            path: path.to_path_buf(),
            line: source.line(),
            column: source.column(),
            source,
        };
        let header: Header = serde_json::from_slice(bytes).map_err(malformed)?;
        if header.format != LEDGER_FORMAT {
            return Err(LedgerError::Format {
                path: path.to_path_buf(),
                found: header.format,
            });
        }
        let file: LedgerFile = serde_json::from_slice(bytes).map_err(malformed)?;
        for (index, entry) in file.entries.iter().enumerate() {
            entry.check().map_err(|reason| LedgerError::InvalidEntry {
                path: path.to_path_buf(),
                index,
                reason,
            })?;
        }
        Ok(Ledger {
            entries: file.entries,
        })
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The values earlier runs released and withheld on `dataset` with
    /// `peer` in `population`, each list in ledger order without repeats.
    pub fn earlier(
        &self,
        dataset: &str,
        peer: &str,
        population: Population,
    ) -> (Vec<LinearValue>, Vec<LinearValue>) {
        let same = || {
            self.entries
                .iter()
                .filter(move |e| e.dataset == dataset && e.peer == peer)
                .filter(move |e| e.population == population)
        };
        let released = distinct(same().flat_map(|e| e.released.iter().map(|r| &r.value)));
        let withheld = distinct(same().flat_map(|e| e.withheld.iter().map(|w| &w.value)));
        (released, withheld)
    }

    /// What every run on `dataset` spent, with any peer and population, by
    /// basic composition (the sums of epsilon and of delta).
    pub fn spent(&self, dataset: &str) -> Spend {
        self.entries
            .iter()
            .filter(|e| e.dataset == dataset)
            .filter_map(|e| e.dp)
            .fold(Spend::default(), Spend::plus)
    }

    /// Refuses a run whose spend, added to what `dataset` has spent, would
    /// exceed `budget` in epsilon or in delta; a run that reaches the budget
    /// exactly is allowed. No tolerance is applied to the float sums.
    pub fn check_budget(
        &self,
        dataset: &str,
        budget: Spend,
        this_run: Spend,
    ) -> Result<(), LedgerError> {
        for (what, spend) in [("this run's spend", this_run), ("the budget", budget)] {
            if !spend.is_valid() {
                return Err(LedgerError::InvalidSpend { what, spend });
            }
        }
        let spent = self.spent(dataset);
        let total = spent.plus(this_run);
        if total.epsilon <= budget.epsilon && total.delta <= budget.delta {
            return Ok(());
        }
        Err(LedgerError::OverBudget {
            dataset: dataset.to_string(),
            spent,
            requested: this_run,
            budget,
        })
    }

    /// Adds `entry` to the ledger at `path` (created if missing) and
    /// returns the ledger as written. The file is replaced atomically; on
    /// any error it is left as it was. Not safe against a concurrent
    /// writer: the later rename wins.
    pub fn append(path: &Path, entry: Entry) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::load(path)?;
        entry.check().map_err(|reason| LedgerError::InvalidEntry {
            path: path.to_path_buf(),
            index: ledger.entries.len(),
            reason,
        })?;
        ledger.entries.push(entry);
        ledger.write(path)?;
        Ok(ledger)
    }

    fn write(&self, path: &Path) -> Result<(), LedgerError> {
        let out = LedgerFileOut {
            format: LEDGER_FORMAT,
            entries: &self.entries,
        };
        let mut bytes =
            serde_json::to_vec_pretty(&out).map_err(|source| LedgerError::Serialise {
                path: path.to_path_buf(),
                source,
            })?;
        bytes.push(b'\n');
        if u64::try_from(bytes.len()).map_or(true, |n| n > MAX_LEDGER_BYTES) {
            // It could not be read back.
            return Err(LedgerError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_LEDGER_BYTES,
            });
        }
        let target = path.to_path_buf();
        write_all_or_none(&[(&target, bytes)]).map_err(|source| LedgerError::Write {
            path: target.clone(),
            source,
        })
    }
}

/// The file's bytes, `None` if it does not exist, refused above `limit`.
fn read_limited(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, LedgerError> {
    let read_err = |source| LedgerError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        opened => opened.map_err(read_err)?,
    };
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > limit) {
        return Err(LedgerError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(Some(bytes))
}

fn distinct<'a>(values: impl Iterator<Item = &'a LinearValue>) -> Vec<LinearValue> {
    let mut seen = HashSet::new();
    values.filter(|v| seen.insert(*v)).cloned().collect()
}

/// The SHA-256 of the file at `path` (lower-case hex), read in chunks.
pub fn dataset_fingerprint(path: &Path) -> Result<String, LedgerError> {
    let err = |source| LedgerError::Fingerprint {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(err)?;
    Ok(hex(&hasher.finalize()))
}

/// This side's dataset key: `[ledger] dataset` if set, else the
/// fingerprint of its CSV.
pub fn dataset_key(local: &LocalConfig) -> Result<String, LedgerError> {
    match &local.ledger.dataset {
        Some(id) => Ok(id.clone()),
        None => dataset_fingerprint(&local.csv),
    }
}
