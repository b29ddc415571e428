//! The crate's error type: every failure names the file, line and column it
//! comes from, so a data steward can fix the input without reading code.

use std::path::PathBuf;

/// Everything that can go wrong while reading, transforming, searching or
/// writing. Messages are one line and say what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnonError {
    /// A file could not be opened, read, written or renamed.
    #[error("{path}: {action} failed: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What was being done ("read", "write", "rename", ...).
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The CSV reader rejected the file (quoting, encoding of the record).
    #[error("{path}:{line}: malformed CSV: {message}")]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line where the bad record starts.
        line: u64,
        /// The parser's description.
        message: String,
    },
    /// A file that must hold a header and records holds nothing.
    #[error("{path}: file is empty; expected a header line and at least one record")]
    EmptyFile {
        /// The file concerned.
        path: PathBuf,
    },
    /// A record has more or fewer fields than the header.
    #[error("{path}:{line}: record has {found} fields but the header has {expected}; check the delimiter and quoting")]
    RaggedRow {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line of the record.
        line: u64,
        /// Number of fields in the header.
        expected: usize,
        /// Number of fields found.
        found: usize,
    },
    /// A field is not valid text in the declared encoding.
    #[error("{path}:{line}:{column}: field is not valid {encoding}; set `encoding` in the input options")]
    Encoding {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The declared encoding.
        encoding: &'static str,
    },
    /// A header names the same column twice.
    #[error("{path}: column `{column}` appears twice in the header")]
    DuplicateColumn {
        /// The file concerned.
        path: PathBuf,
        /// The repeated name.
        column: String,
    },
    /// A column named in the configuration is not in the table.
    #[error("{path}: no column named `{column}`; the header has: {available}")]
    UnknownColumn {
        /// The data file.
        path: PathBuf,
        /// The missing name.
        column: String,
        /// Comma-separated header, to spot typos.
        available: String,
    },
    /// A data value has no row in the attribute's hierarchy.
    #[error("{data}:{line}:{column}: value `{value}` is missing from hierarchy {hierarchy}; add a row for it")]
    ValueNotInHierarchy {
        /// The data file.
        data: PathBuf,
        /// 1-based line of the first record holding the value.
        line: u64,
        /// 1-based column of the attribute.
        column: usize,
        /// The value.
        value: String,
        /// The hierarchy file (or rule) that lacks it.
        hierarchy: String,
    },
    /// A hierarchy file is malformed (ragged, not a tree, duplicate leaves).
    #[error("{path}:{line}: invalid hierarchy: {reason}")]
    Hierarchy {
        /// The hierarchy file (or rule name).
        path: String,
        /// 1-based line (0 when the problem concerns the whole file).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A value could not be parsed for a numeric or date transform.
    #[error("{path}:{line}:{column}: `{value}` is not a valid {expected}")]
    BadValue {
        /// The data file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The offending text.
        value: String,
        /// What was expected ("integer", "date YYYY-MM-DD", ...).
        expected: &'static str,
    },
    /// A parameter is out of its domain (k = 0, t > 1, suppression > 1, ...).
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the configuration.
        name: &'static str,
        /// The rejected value, rendered.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },
    /// k exceeds the number of records, so no transformation can satisfy it.
    #[error("k = {k} is impossible: the input has only {records} records")]
    ImpossibleK {
        /// Requested k.
        k: u64,
        /// Records in the input.
        records: u64,
    },
    /// No transformation in the lattice satisfies the privacy models.
    #[error("no transformation satisfies the privacy models within the suppression limit ({checked} of {nodes} transformations checked); relax the models or raise the limit")]
    NoSolution {
        /// Transformations evaluated on the data.
        checked: u64,
        /// Size of the lattice.
        nodes: u64,
    },
    /// The lattice has more transformations than the search will hold.
    #[error("the generalisation lattice has {nodes} transformations, more than the {limit} the search holds; use fewer quasi-identifiers or shorter hierarchies")]
    LatticeTooLarge {
        /// Transformations in the lattice.
        nodes: u64,
        /// The limit.
        limit: u64,
    },
    /// A model needs a sensitive attribute but none was given.
    #[error("{model} needs a sensitive attribute; give one when preparing the data")]
    NoSensitiveAttribute {
        /// The model's name.
        model: &'static str,
    },
    /// The quasi-identifier domains are too large to pack into 64-bit keys.
    #[error("the product of quasi-identifier domain sizes exceeds 2^64; use fewer or coarser quasi-identifiers")]
    KeyOverflow,
    /// The HMAC key file is unusable.
    #[error("{path}: unusable key file: {reason}")]
    Key {
        /// The key file (its content is never shown).
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The configuration file could not be parsed.
    #[error("{path}: invalid configuration: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Exact arithmetic in a DP sampler would overflow its 128-bit integers.
    #[error("sampler parameters too large for exact 128-bit arithmetic: {what}")]
    SamplerOverflow {
        /// Which quantity overflowed.
        what: &'static str,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, AnonError>;

impl AnonError {
    /// An I/O error on `path` while doing `action`.
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            path: path.into(),
            action,
            source,
        }
    }
}
