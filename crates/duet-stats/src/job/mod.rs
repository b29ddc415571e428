//! The shared job file: what both institutions agree to compute, on which
//! typed columns, under which disclosure policy; its canonical hash; and
//! each side's local settings, kept apart from it.

mod decimal;
mod link;
mod local;
mod local_ledger;
mod locate;
mod protocol;
mod quantile;
mod spec;
mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use decimal::Decimal;
pub use local::{LocalConfig, LocalError, LocalPolicy, PolicyError};
pub use local_ledger::{
    LedgerConfig, DEFAULT_LIFETIME_DELTA, DEFAULT_LIFETIME_EPSILON, LEDGER_SUFFIX,
};
pub use protocol::{OtChoice, ProtocolSpec, UnknownOtChoice, DEFAULT_OT_EXTENSION};
pub use quantile::{QuantileGrid, MAX_QUANTILES, MAX_QUANTILE_LEVELS, MAX_QUANTILE_PLACES};
pub use spec::{
    default_quantile_p, ColumnSpec, DataSettings, Disclosure, Dominance, DpSpec, JobHeader,
    JobSpec, LinkDuplicates, LinkSpec, LogisticFitMode, Mechanism, Normalize, OnBadValue,
    OnMissing, Parties, Party, PartyId, Policy, StatisticSpec, Suppress, DEFAULT_MISSING_CODES,
};

pub use decimal::format_scaled;
pub(crate) use quantile::grid as quantile_grid;
pub(crate) use validate::{check_edges, check_time_edges};

/// The job file format version this crate reads.
pub const JOB_FORMAT_VERSION: u32 = 1;

/// Domain tag hashed before the canonical serialisation.
const HASH_DOMAIN: &[u8] = b"duet-stats/job/v1\n";

/// Why a job file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The file could not be read.
    #[error("{path}: cannot read the job file: {source}")]
    Read {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Not valid TOML, or a field unknown, missing or of the wrong type.
    #[error("job file: {0}")]
    Toml(#[from] toml::de::Error),
    /// A format version this crate does not know.
    #[error(
        "job file format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The version supported.
        supported: u32,
    },
    /// A name that must not be empty is empty.
    #[error("{what} must not be empty")]
    Empty {
        /// What is empty.
        what: String,
    },
    /// A certificate fingerprint that is not 64 hex digits.
    #[error("parties.{party}.cert_sha256 must be 64 hex digits, found '{value}'")]
    BadFingerprint {
        /// `p0` or `p1`.
        party: &'static str,
        /// The value found.
        value: String,
    },
    /// Two columns with one name.
    #[error("column '{name}' is declared twice")]
    DuplicateColumn {
        /// The name.
        name: String,
    },
    /// A column whose bounds are unusable.
    #[error("column '{column}': {reason}")]
    BadColumn {
        /// The column.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// A category with a level listed twice.
    #[error("column '{column}': level '{level}' is listed twice")]
    DuplicateLevel {
        /// The column.
        column: String,
        /// The level.
        level: String,
    },
    /// A statistic naming a column the job does not declare.
    #[error("{statistic}: unknown column '{column}'")]
    UnknownColumn {
        /// The statistic.
        statistic: String,
        /// The column named.
        column: String,
    },
    /// A statistic using a column of the wrong kind.
    #[error("{statistic}: column '{column}' must be {expected}")]
    WrongColumnKind {
        /// The statistic.
        statistic: String,
        /// The column.
        column: String,
        /// What it must be.
        expected: &'static str,
    },
    /// A statistic that is malformed in another way.
    #[error("{statistic}: {reason}")]
    BadStatistic {
        /// The statistic.
        statistic: String,
        /// What is wrong.
        reason: String,
    },
    /// A disclosure policy value out of range.
    #[error("policy.{field}: {reason}")]
    BadPolicy {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A policy below the disclosure floor.
    #[error(transparent)]
    Floor(#[from] crate::release::floor::FloorError),
    /// An error in a job file, with where in it (from [`Job::load`]).
    #[error("{file}:{line}:{column}: {source}")]
    At {
        /// The job file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
        /// The error.
        source: Box<JobError>,
    },
}

/// The type of a validated column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    /// Integer (`places == 0`) or decimal, held as integers in units of
    /// `10^-places`, within `[min, max]` in those units.
    Numeric {
        /// Decimal places.
        places: u32,
        /// Smallest value, in units.
        min: i64,
        /// Largest value, in units.
        max: i64,
    },
    /// One of `levels`, held as the level's index.
    Category {
        /// The levels.
        levels: Vec<String>,
    },
}

/// A validated column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name in the job.
    pub name: String,
    /// Its type and bounds.
    pub ty: ColumnType,
    /// The role whose file holds it in a linked study (both, when `None`).
    pub owner: Option<duet_core::Role>,
    /// The fields that mean "not recorded" in this column.
    pub missing: Vec<String>,
}

impl Column {
    /// Whether `text` (trimmed, as read) is one of the column's missing codes.
    pub fn is_missing(&self, text: &str) -> bool {
        self.missing.iter().any(|m| m == text)
    }

    /// Whether the side playing `role` reads this column from its file.
    pub fn held_by(&self, role: duet_core::Role) -> bool {
        self.owner.is_none_or(|o| o == role)
    }
}

/// A validated job: parsed, checked, with its schema resolved and its
/// canonical hash computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    spec: JobSpec,
    columns: Vec<Column>,
    hash: [u8; 32],
}

impl Job {
    /// Reads and validates a job file. An error names the file, and the
    /// line and column of the value it is about ([`JobError::At`]).
    pub fn load(path: &Path) -> Result<Job, JobError> {
        let text = std::fs::read_to_string(path).map_err(|source| JobError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Job::from_toml_str(&text).map_err(|e| {
            let spec: Option<JobSpec> = toml::from_str(&text).ok();
            let (line, column) = locate::locate(&text, spec.as_ref(), &e).unwrap_or((1, 1));
            JobError::At {
                file: path.display().to_string(),
                line,
                column,
                source: Box::new(e),
            }
        })
    }

    /// Parses and validates job TOML.
    pub fn from_toml_str(text: &str) -> Result<Job, JobError> {
        let spec: JobSpec = toml::from_str(text)?;
        Job::from_spec(spec)
    }

    /// Validates a parsed job.
    pub fn from_spec(mut spec: JobSpec) -> Result<Job, JobError> {
        validate::normalise(&mut spec);
        let columns = validate::validate(&spec)?;
        let hash = canonical_hash(&spec);
        Ok(Job {
            spec,
            columns,
            hash,
        })
    }

    /// The job as parsed (normalised).
    pub fn spec(&self) -> &JobSpec {
        &self.spec
    }

    /// The job's name.
    pub fn name(&self) -> &str {
        &self.spec.job.name
    }

    /// The validated columns, in job order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column named `name` and its index.
    pub fn column(&self, name: &str) -> Option<(usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// The statistics, in job order.
    pub fn statistics(&self) -> &[StatisticSpec] {
        &self.spec.statistic
    }

    /// The party playing `role`.
    pub fn party(&self, role: duet_core::Role) -> &Party {
        match role {
            duet_core::Role::P0 => &self.spec.parties.p0,
            duet_core::Role::P1 => &self.spec.parties.p1,
        }
    }

    /// The pinned certificate fingerprint of the party playing `role`
    /// (validation guarantees 64 hex digits).
    pub fn fingerprint(&self, role: duet_core::Role) -> [u8; 32] {
        let hex = self.party(role).cert_sha256.as_bytes();
        let nibble = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
        core::array::from_fn(|i| match hex.get(2 * i..2 * i + 2) {
            Some(&[h, l]) => nibble(h) << 4 | nibble(l),
            _ => 0,
        })
    }

    /// The job's disclosure policy.
    pub fn policy(&self) -> &Policy {
        &self.spec.policy
    }

    /// The `[link]` section of a linked study.
    pub fn link(&self) -> Option<&LinkSpec> {
        self.spec.link.as_ref()
    }

    /// The identifier columns of the side playing `role` (linked studies).
    pub fn link_ids(&self, role: duet_core::Role) -> &[String] {
        match (self.link(), role) {
            (Some(l), duet_core::Role::P0) => &l.p0,
            (Some(l), duet_core::Role::P1) => &l.p1,
            (None, _) => &[],
        }
    }

    /// The OT extension both sides run (`protocol.ot_extension`).
    pub fn ot_extension(&self) -> OtChoice {
        self.spec.protocol.ot()
    }

    /// The `[data]` settings.
    pub fn data(&self) -> &DataSettings {
        &self.spec.data
    }

    /// Whether statistics use available cases: a row missing a column is
    /// left out only of the statistics that use it (`on_missing = "drop"`
    /// in a pooled study). Only then can a loaded row hold
    /// [`crate::data::MISSING`].
    pub fn available_case(&self) -> bool {
        self.spec.data.on_missing == OnMissing::Drop && self.spec.link.is_none()
    }

    /// The job columns statistic `i` reads (indices, ascending): a row
    /// missing any of them is left out of that statistic.
    pub fn statistic_columns(&self, i: usize) -> Vec<usize> {
        let Some(s) = self.spec.statistic.get(i) else {
            return Vec::new();
        };
        let mut cols: Vec<usize> = s
            .column_names()
            .iter()
            .filter_map(|n| self.column(n).map(|(j, _)| j))
            .collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    }

    /// The canonical hash both sides compare in the handshake:
    /// SHA-256 over a domain tag and the canonical serialisation of the
    /// parsed, normalised job (fields in declaration order, decimals in
    /// normal form, fingerprints in lower case). Whitespace, comments, key
    /// order and number spelling do not change it; any change of meaning does.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The hash as 64 lower-case hex digits.
    pub fn hash_hex(&self) -> String {
        hex(&self.hash)
    }
}

fn canonical_hash(spec: &JobSpec) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(HASH_DOMAIN);
    // serde_json writes struct fields in declaration order and has no map
    // in these types, so the bytes are a function of the parsed value.
    h.update(serde_json::to_vec(spec).unwrap_or_default());
    h.finalize().into()
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A short human label for a statistic, used in errors, names and reports.
pub fn statistic_label(s: &StatisticSpec) -> String {
    let grouped = |kind: &str, column: &str, by: &[String]| {
        if by.is_empty() {
            format!("{kind}({column})")
        } else {
            format!("{kind}({column} by {})", by.join(", "))
        }
    };
    match s {
        StatisticSpec::Count { by } if by.is_empty() => "count".to_string(),
        StatisticSpec::Count { by } => format!("count(by {})", by.join(", ")),
        StatisticSpec::Sum { column, by } => grouped("sum", column, by),
        StatisticSpec::Mean { column, by } => grouped("mean", column, by),
        StatisticSpec::Variance { column, by } => grouped("variance", column, by),
        StatisticSpec::StdDev { column, by } => grouped("std_dev", column, by),
        StatisticSpec::Histogram { column, .. } => format!("histogram({column})"),
        StatisticSpec::Contingency { columns } => format!("contingency({})", columns.join(" x ")),
        StatisticSpec::Correlation { columns } => format!("correlation({})", columns.join(", ")),
        StatisticSpec::LinearRegression { y, x, .. } => {
            format!("linear_regression({y} ~ {})", x.join(" + "))
        }
        StatisticSpec::ChiSquare { columns } => format!("chi_square({})", columns.join(" x ")),
        StatisticSpec::TTest { column, by } => format!("t_test({column} by {by})"),
        StatisticSpec::OddsRatio { exposure, outcome } => {
            format!("odds_ratio({outcome} ~ {exposure})")
        }
        StatisticSpec::RiskRatio { exposure, outcome } => {
            format!("risk_ratio({outcome} ~ {exposure})")
        }
        StatisticSpec::KaplanMeier {
            time, event, by, ..
        } => grouped("kaplan_meier", &format!("{time}, {event}"), by),
        StatisticSpec::LogisticRegression { y, x, .. } => {
            format!("logistic_regression({y} ~ {})", x.join(" + "))
        }
        StatisticSpec::Quantile { column, by, .. } => grouped("quantile", column, by),
    }
}
