//! One side's local settings: where its CSV is, how its headers map to the
//! job's columns, its keys and address, and a policy that may only tighten
//! the job's. Never part of the shared job or its hash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use duet_core::Role;
use serde::{Deserialize, Serialize};

use super::{Job, LedgerConfig, Policy};

/// Why local settings were refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// The file could not be read.
    #[error("{path}: cannot read the local settings: {source}")]
    Read {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Not valid TOML, or a field unknown, missing or of the wrong type.
    #[error("local settings: {0}")]
    Toml(#[from] toml::de::Error),
    /// Neither or both of `listen` and `dial`.
    #[error("local settings: give exactly one of `listen` and `dial`")]
    Address,
    /// A mapping to a column the job does not declare, or two headers to one column.
    #[error("local settings: columns.\"{header}\" maps to '{column}': {reason}")]
    Mapping {
        /// The CSV header.
        header: String,
        /// The job column.
        column: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A delimiter that is not one ASCII character.
    #[error("local settings: the delimiter must be one ASCII character")]
    Delimiter,
    /// A `[ledger]` value out of range (a budget not finite, epsilon not
    /// above 0, delta outside `[0, 1)`, an empty path or dataset id).
    #[error("local settings: ledger.{field} = {value}: {reason}")]
    Ledger {
        /// The field.
        field: &'static str,
        /// The value as written.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// A local policy value looser than the job's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The local value would loosen the job's policy.
    #[error("local policy.{field} = {local} is looser than the job's {job}; a side may only tighten the policy")]
    Looser {
        /// The field.
        field: &'static str,
        /// The job's value.
        job: String,
        /// The local value.
        local: String,
    },
}

/// Local tightening of the job's policy; each field absent keeps the job's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalPolicy {
    /// At least the job's `min_cell`.
    pub min_cell: Option<u64>,
    /// At least the job's `min_group`.
    pub min_group: Option<u64>,
    /// At least the job's per-party threshold.
    pub min_cell_per_party: Option<u64>,
    /// At most the job's dominance percentage `k`.
    pub dominance_k: Option<u32>,
    /// At most the job's `max_params_ratio`.
    pub max_params_ratio: Option<f64>,
    /// `table` may tighten the job's `cell`, not the other way round.
    pub suppress: Option<super::Suppress>,
}

fn looser(field: &'static str, job: impl ToString, local: impl ToString) -> PolicyError {
    PolicyError::Looser {
        field,
        job: job.to_string(),
        local: local.to_string(),
    }
}

impl Policy {
    /// The job's policy tightened by a local one; a looser local value is
    /// an error, never silently ignored.
    pub fn tightened_by(&self, local: &LocalPolicy) -> Result<Policy, PolicyError> {
        let mut p = self.clone();
        if let Some(v) = local.min_cell_per_party {
            if v < p.per_party() {
                return Err(looser("min_cell_per_party", p.per_party(), v));
            }
            p.min_cell_per_party = Some(v);
        }
        if let Some(v) = local.dominance_k {
            if v > p.dominance.k || v == 0 {
                return Err(looser("dominance_k", p.dominance.k, v));
            }
            p.dominance.k = v;
        }
        if let Some(v) = local.min_cell {
            if v < p.min_cell {
                return Err(looser("min_cell", p.min_cell, v));
            }
            p.min_cell = v;
        }
        if let Some(v) = local.min_group {
            if v < p.min_group {
                return Err(looser("min_group", p.min_group, v));
            }
            p.min_group = v;
        }
        if let Some(v) = local.max_params_ratio {
            if !(v > 0.0 && v <= p.max_params_ratio) {
                return Err(looser("max_params_ratio", p.max_params_ratio, v));
            }
            p.max_params_ratio = v;
        }
        if let Some(v) = local.suppress {
            if v < p.suppress {
                return Err(looser(
                    "suppress",
                    format!("{:?}", p.suppress),
                    format!("{v:?}"),
                ));
            }
            p.suppress = v;
        }
        Ok(p)
    }

    /// The tighter of two policies, field by field (what a run enforces
    /// once both sides have stated theirs).
    pub fn tighter(&self, other: &Policy) -> Policy {
        Policy {
            min_cell: self.min_cell.max(other.min_cell),
            min_group: self.min_group.max(other.min_group),
            min_cell_per_party: Some(self.per_party().max(other.per_party())),
            dominance: super::Dominance {
                n: self.dominance.n.max(other.dominance.n),
                k: self.dominance.k.min(other.dominance.k),
            },
            max_params_ratio: self.max_params_ratio.min(other.max_params_ratio),
            suppress: self.suppress.max(other.suppress),
            disclosure: self.disclosure,
            reason: self.reason.clone(),
            dp: self.dp.or(other.dp),
        }
    }
}

/// One side's local settings (`local.toml`), for example:
///
/// ```toml
/// role = "p0"
/// csv = "hospital-a.csv"
/// output_dir = "out"
/// key = "keys/a.key"
/// cert = "keys/a.crt"
/// listen = "0.0.0.0:4433"
/// [columns]        # CSV header = job column; unlisted headers map to themselves
/// "SBP_mmHg" = "sbp"
/// [policy]
/// min_cell = 20
/// [ledger]         # optional; these are the defaults
/// # path = "hospital-a.csv.duet-ledger.json"   (beside the CSV)
/// # dataset = "<SHA-256 of the CSV>"            (or an id you choose)
/// epsilon = 10.0   # lifetime DP budget per dataset, over all runs
/// delta = 1e-5
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalConfig {
    /// This side's role.
    #[serde(with = "role_serde")]
    pub role: Role,
    /// The CSV file with this side's rows.
    pub csv: PathBuf,
    /// Field delimiter (default `,`).
    #[serde(default = "comma")]
    pub delimiter: char,
    /// CSV header -> job column, for headers whose name differs.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// This side's private key file.
    pub key: PathBuf,
    /// This side's certificate file.
    pub cert: PathBuf,
    /// Address to listen on, for the listening side.
    #[serde(default)]
    pub listen: Option<String>,
    /// Address to dial, for the dialling side.
    #[serde(default)]
    pub dial: Option<String>,
    /// Where results, report and manifest are written.
    pub output_dir: PathBuf,
    /// Local tightening of the job's policy.
    #[serde(default)]
    pub policy: LocalPolicy,
    /// The release ledger and the lifetime DP budget per dataset.
    #[serde(default)]
    pub ledger: LedgerConfig,
}

fn comma() -> char {
    ','
}

mod role_serde {
    use duet_core::Role;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(r: &Role, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&r.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        match String::deserialize(d)?.as_str() {
            "p0" => Ok(Role::P0),
            "p1" => Ok(Role::P1),
            other => Err(serde::de::Error::custom(format!(
                "role must be \"p0\" or \"p1\", found \"{other}\""
            ))),
        }
    }
}

impl LocalConfig {
    /// Reads local settings; relative paths are taken from the file's directory.
    pub fn load(path: &Path) -> Result<LocalConfig, LocalError> {
        let text = std::fs::read_to_string(path).map_err(|source| LocalError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut cfg = LocalConfig::from_toml_str(&text)?;
        if let Some(base) = path.parent() {
            let paths = [
                &mut cfg.csv,
                &mut cfg.key,
                &mut cfg.cert,
                &mut cfg.output_dir,
            ];
            for p in paths.into_iter().chain(cfg.ledger.path.as_mut()) {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
        Ok(cfg)
    }

    /// Parses local settings TOML (checks that need no job).
    pub fn from_toml_str(text: &str) -> Result<LocalConfig, LocalError> {
        let cfg: LocalConfig = toml::from_str(text)?;
        if cfg.listen.is_some() == cfg.dial.is_some() {
            return Err(LocalError::Address);
        }
        if !cfg.delimiter.is_ascii() {
            return Err(LocalError::Delimiter);
        }
        cfg.ledger.check()?;
        Ok(cfg)
    }

    /// This side's release ledger file (`[ledger] path`, else beside the CSV).
    pub fn ledger_path(&self) -> PathBuf {
        self.ledger.path_for(&self.csv)
    }

    /// The delimiter as a byte.
    pub fn delimiter_byte(&self) -> u8 {
        u8::try_from(u32::from(self.delimiter)).unwrap_or(b',')
    }

    /// Checks the column mapping against the job: every target is a job
    /// column, and no two headers map to one column.
    pub fn check_against(&self, job: &Job) -> Result<(), LocalError> {
        let mut targets = std::collections::BTreeSet::new();
        for (header, column) in &self.columns {
            let err = |reason| LocalError::Mapping {
                header: header.clone(),
                column: column.clone(),
                reason,
            };
            let is_id = job.link_ids(self.role).contains(column);
            match job.column(column) {
                None if !is_id => return Err(err("the job declares no such column")),
                Some((_, c)) if !c.held_by(self.role) => {
                    return Err(err("the job gives this column to the other party"))
                }
                _ => {}
            }
            if !targets.insert(column) {
                return Err(err("another header maps to the same column"));
            }
        }
        Ok(())
    }

    /// The CSV header that holds job column `column`.
    pub fn header_for<'a>(&'a self, column: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|(_, c)| c.as_str() == column)
            .map_or(column, |(h, _)| h.as_str())
    }

    /// The policy this side enforces: the job's, tightened by this side's.
    pub fn effective_policy(&self, job: &Job) -> Result<Policy, PolicyError> {
        job.policy().tightened_by(&self.policy)
    }
}
