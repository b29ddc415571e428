//! Streaming CSV loading: each record is checked against the job's typed
//! columns and handed to a sink as integers (decimals in units of
//! 10^-places, categories as level indices), so no table is ever held.
//!
//! Missing values (empty or `NA`), values outside the declared bounds and
//! unknown category levels are rejected or dropped and counted, as the job
//! says. Text that is not a number, or a record with the wrong number of
//! fields, is always an error. Every error names file, line and column.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::job::{format_scaled, Column, ColumnType, Job, LocalConfig, OnBadValue, OnMissing};
use crate::line_cap::{too_long, LineCap, LineTooLong, DEFAULT_MAX_LINE_BYTES};
use crate::plan::{Accumulator, LocalAggregates, Plan};

/// A loaded row's value for a missing field, under available-case analysis
/// ([`Job::available_case`]); no declared value can be it (bounds stay
/// within 2^62 units, levels are small indices).
pub const MISSING: i64 = i64::MIN;

/// Why a CSV could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A line longer than the job's `data.max_line_bytes` (1 MiB unless set).
    #[error("{file}:{line}: line longer than {limit} bytes (raise data.max_line_bytes in the job if it is real)")]
    LineTooLong {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The cap in bytes.
        limit: u64,
    },
    /// The CSV reader rejected a record (quoting, encoding).
    #[error("{file}:{line}: malformed CSV: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line of the record.
        line: u64,
        /// The parser's description.
        message: String,
    },
    /// A record with more or fewer fields than the header.
    #[error("{file}:{line}: record has {found} fields but the header has {expected}")]
    Ragged {
        /// The file.
        file: String,
        /// 1-based line of the record.
        line: u64,
        /// Fields in the header.
        expected: u64,
        /// Fields in the record.
        found: u64,
    },
    /// No header for a job column.
    #[error("{file}: no header '{header}' for job column '{column}'")]
    MissingHeader {
        /// The file.
        file: String,
        /// The header looked for.
        header: String,
        /// The job column.
        column: String,
    },
    /// A header that appears twice, so the column is ambiguous.
    #[error("{file}: header '{header}' appears twice")]
    DuplicateHeader {
        /// The file.
        file: String,
        /// The header.
        header: String,
    },
    /// A missing value under `on_missing = "reject"`.
    #[error("{file}:{line}: column '{column}': missing value (set data.on_missing = \"drop\" to leave the row out of the statistics that use the column)")]
    Missing {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The CSV header.
        column: String,
    },
    /// A value outside the declared bounds under `on_out_of_bounds = "reject"`.
    #[error("{file}:{line}: column '{column}': value {value} is outside {bounds}")]
    OutOfBounds {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The CSV header.
        column: String,
        /// The value as written.
        value: String,
        /// The declared bounds, as `[min, max]`.
        bounds: String,
    },
    /// A level not declared, under `on_unknown_level = "reject"`.
    #[error("{file}:{line}: column '{column}': unknown level '{value}'")]
    UnknownLevel {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The CSV header.
        column: String,
        /// The value as written.
        value: String,
    },
    /// Text that is not a number with at most the declared places.
    #[error("{file}:{line}: column '{column}': '{value}' is not a number with at most {places} decimal places (if it marks a missing value, list it in data.missing)")]
    NotANumber {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The CSV header.
        column: String,
        /// The value as written.
        value: String,
        /// Places allowed.
        places: u32,
    },
    /// More usable rows than the job's `data.max_rows`.
    #[error("{file}:{line}: more than data.max_rows = {max_rows} rows")]
    TooManyRows {
        /// The file.
        file: String,
        /// 1-based line of the first row too many.
        line: u64,
        /// The job's limit.
        max_rows: u64,
    },
    /// A linked study's identifier seen on two rows (with `duplicates = "reject"`).
    #[error("{file}:{line}: repeats the identifier of line {first_line}; remove the duplicate or set link.duplicates = \"keep_first\"")]
    DuplicateIdentifier {
        /// The file.
        file: String,
        /// 1-based line of the repeat.
        line: u64,
        /// 1-based line of the first occurrence.
        first_line: u64,
    },
    /// A linked study's identifier that is empty after normalisation.
    #[error("{file}:{line}: the identifier is empty")]
    EmptyIdentifier {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
    },
}

/// Rows dropped for one column, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Dropped {
    /// Missing values.
    pub missing: u64,
    /// Values outside the declared bounds.
    pub out_of_bounds: u64,
    /// Unknown category levels.
    pub unknown_level: u64,
}

/// What loading did: rows read, used and dropped (per job column).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadLog {
    /// Records read.
    pub rows_read: u64,
    /// Records used.
    pub rows_used: u64,
    /// Records dropped, by job column and reason (a row is counted under
    /// the first column that made it drop).
    pub dropped: BTreeMap<String, Dropped>,
    /// Under available-case analysis, missing values kept (the row is
    /// left out only of the statistics that use the column), by column.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missing: BTreeMap<String, u64>,
    /// In a linked study, what the linkage did with this side's rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linkage: Option<LinkLog>,
}

/// This side's private facts of a linkage.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkLog {
    /// Distinct identifiers this side brought.
    pub distinct_ids: u64,
    /// Rows left out because they repeat an earlier row's identifier.
    pub duplicate_rows: u64,
    /// Rows left out because their identifier was empty.
    pub empty_rows: u64,
    /// Records linked (the receiver knows it; the sender does not).
    pub linked: Option<u64>,
}

/// Why one field was not usable.
enum Bad {
    Missing,
    OutOfBounds,
    UnknownLevel,
    NotANumber(u32),
}

/// Loads `local.csv` and accumulates `plan`'s local aggregates in one pass.
pub fn aggregate_csv(
    job: &Job,
    local: &LocalConfig,
    plan: &Plan,
) -> Result<(LocalAggregates, LoadLog), DataError> {
    let file = local.csv.display().to_string();
    let reader = std::fs::File::open(&local.csv).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    let mut acc = Accumulator::new(plan);
    let log = read_rows(reader, &file, job, local, |row| acc.add(row))?;
    Ok((acc.finish(), log))
}

/// Streams records from `reader` (named `file` in errors), checks each
/// against the job, and calls `sink` with every usable row: one integer
/// per job column, in job order.
pub fn read_rows<R: Read>(
    reader: R,
    file: &str,
    job: &Job,
    local: &LocalConfig,
    mut sink: impl FnMut(&[i64]),
) -> Result<LoadLog, DataError> {
    read_records(reader, file, job, local, |row, _, _| sink(row))
}

/// As [`read_rows`], for a linked study: only the columns this side holds
/// are read (the peer's are 0), and `sink` also gets the row's identifier
/// fields (the job's `[link]` columns for this side), raw.
pub fn read_records<R: Read>(
    reader: R,
    file: &str,
    job: &Job,
    local: &LocalConfig,
    mut sink: impl FnMut(&[i64], &[&str], u64),
) -> Result<LoadLog, DataError> {
    let cap = job.data().max_line_bytes.unwrap_or(DEFAULT_MAX_LINE_BYTES);
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(local.delimiter_byte())
        .trim(csv::Trim::All)
        .from_reader(LineCap::new(reader, cap));
    let index = header_index(&mut csv, file, job, local)?;
    let ids = id_index(&mut csv, file, job, local)?;
    let mut log = LoadLog::default();
    let mut record = csv::StringRecord::new();
    let mut row = vec![0i64; index.len()];
    while read_record(&mut csv, &mut record, file)? {
        log.rows_read += 1;
        let line = record.position().map_or(0, |p| p.line());
        if !parse_row(job, local, &index, &record, file, line, &mut row, &mut log)? {
            continue;
        }
        if log.rows_used >= job.data().max_rows {
            return Err(DataError::TooManyRows {
                file: file.into(),
                line,
                max_rows: job.data().max_rows,
            });
        }
        log.rows_used += 1;
        let fields: Vec<&str> = ids.iter().map(|&i| record.get(i).unwrap_or("")).collect();
        sink(&row, &fields, line);
    }
    Ok(log)
}

/// The position of `header` among `headers` (a byte-order mark, as
/// spreadsheet exports write, is not part of the name).
fn find_header(
    headers: &csv::StringRecord,
    file: &str,
    header: &str,
    column: &str,
) -> Result<usize, DataError> {
    let mut at = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.trim_start_matches('\u{feff}') == header);
    let (i, _) = at.next().ok_or_else(|| DataError::MissingHeader {
        file: file.into(),
        header: header.into(),
        column: column.into(),
    })?;
    if at.next().is_some() {
        return Err(DataError::DuplicateHeader {
            file: file.into(),
            header: header.into(),
        });
    }
    Ok(i)
}

fn id_index<R: Read>(
    csv: &mut csv::Reader<R>,
    file: &str,
    job: &Job,
    local: &LocalConfig,
) -> Result<Vec<usize>, DataError> {
    let headers = csv.headers().map_err(|e| csv_error(e, file))?.clone();
    job.link_ids(local.role)
        .iter()
        .map(|id| find_header(&headers, file, local.header_for(id), id))
        .collect()
}

fn header_index<R: Read>(
    csv: &mut csv::Reader<R>,
    file: &str,
    job: &Job,
    local: &LocalConfig,
) -> Result<Vec<Option<usize>>, DataError> {
    let headers = csv.headers().map_err(|e| csv_error(e, file))?.clone();
    job.columns()
        .iter()
        .map(|c| {
            if !c.held_by(local.role) {
                return Ok(None);
            }
            find_header(&headers, file, local.header_for(&c.name), &c.name).map(Some)
        })
        .collect()
}

fn read_record<R: Read>(
    csv: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    file: &str,
) -> Result<bool, DataError> {
    csv.read_record(record).map_err(|e| csv_error(e, file))
}

fn csv_error(e: csv::Error, file: &str) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    if let csv::ErrorKind::UnequalLengths {
        pos,
        expected_len,
        len,
    } = e.kind()
    {
        return DataError::Ragged {
            file: file.into(),
            line: pos.as_ref().map_or(line, |p| p.line()),
            expected: *expected_len,
            found: *len,
        };
    }
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => match too_long(&source) {
            Some(LineTooLong { line, limit }) => DataError::LineTooLong {
                file: file.into(),
                line,
                limit,
            },
            None => DataError::Io {
                file: file.into(),
                source,
            },
        },
        _ => DataError::Malformed {
            file: file.into(),
            line,
            message,
        },
    }
}

/// Fills `row` from `record`; false when the row is dropped.
#[allow(clippy::too_many_arguments)]
fn parse_row(
    job: &Job,
    local: &LocalConfig,
    index: &[Option<usize>],
    record: &csv::StringRecord,
    file: &str,
    line: u64,
    row: &mut [i64],
    log: &mut LoadLog,
) -> Result<bool, DataError> {
    for (j, col) in job.columns().iter().enumerate() {
        let Some(Some(i)) = index.get(j) else {
            continue;
        };
        let text = record.get(*i).unwrap_or("");
        match parse_field(col, text) {
            Ok(v) => row[j] = v,
            Err(Bad::Missing) if job.available_case() => {
                row[j] = MISSING;
                *log.missing.entry(col.name.clone()).or_default() += 1;
            }
            Err(bad) => {
                let header = local.header_for(&col.name);
                return handle_bad(job, col, bad, text, file, line, header, log);
            }
        }
    }
    Ok(true)
}

fn parse_field(col: &Column, text: &str) -> Result<i64, Bad> {
    if col.is_missing(text) {
        return Err(Bad::Missing);
    }
    match &col.ty {
        ColumnType::Numeric { places, min, max } => {
            let v = duet_core::fixed::parse_scaled_decimal(text, *places)
                .map_err(|_| Bad::NotANumber(*places))?;
            if v < i128::from(*min) || v > i128::from(*max) {
                return Err(Bad::OutOfBounds);
            }
            i64::try_from(v).map_err(|_| Bad::OutOfBounds)
        }
        ColumnType::Category { levels } => levels
            .iter()
            .position(|l| l == text)
            .and_then(|i| i64::try_from(i).ok())
            .ok_or(Bad::UnknownLevel),
    }
}

/// Drops and counts, or reports, one unusable field.
#[allow(clippy::too_many_arguments)]
fn handle_bad(
    job: &Job,
    col: &Column,
    bad: Bad,
    text: &str,
    file: &str,
    line: u64,
    header: &str,
    log: &mut LoadLog,
) -> Result<bool, DataError> {
    let settings = job.data();
    let (file, column, value) = (file.to_string(), header.to_string(), text.to_string());
    let (action, err) = match bad {
        Bad::NotANumber(places) => {
            let e = DataError::NotANumber {
                file,
                line,
                column,
                value,
                places,
            };
            (OnBadValue::Reject, e)
        }
        Bad::Missing => {
            let action = match settings.on_missing {
                OnMissing::Reject => OnBadValue::Reject,
                OnMissing::Drop | OnMissing::Listwise => OnBadValue::Drop,
            };
            (action, DataError::Missing { file, line, column })
        }
        Bad::UnknownLevel => {
            let e = DataError::UnknownLevel {
                file,
                line,
                column,
                value,
            };
            (settings.on_unknown_level, e)
        }
        Bad::OutOfBounds => {
            let e = DataError::OutOfBounds {
                file,
                line,
                column,
                value,
                bounds: bounds_text(col),
            };
            (settings.on_out_of_bounds, e)
        }
    };
    if action == OnBadValue::Reject {
        return Err(err);
    }
    let counts = log.dropped.entry(col.name.clone()).or_default();
    match err {
        DataError::Missing { .. } => counts.missing += 1,
        DataError::UnknownLevel { .. } => counts.unknown_level += 1,
        _ => counts.out_of_bounds += 1,
    }
    Ok(false)
}

fn bounds_text(col: &Column) -> String {
    match &col.ty {
        ColumnType::Numeric { places, min, max } => format!(
            "[{}, {}]",
            format_scaled(i128::from(*min), *places),
            format_scaled(i128::from(*max), *places),
        ),
        ColumnType::Category { .. } => String::new(),
    }
}

/// Reads rows from a file path (convenience for tests and tools).
pub fn read_rows_from_path(
    path: &Path,
    job: &Job,
    local: &LocalConfig,
    sink: impl FnMut(&[i64]),
) -> Result<LoadLog, DataError> {
    let file = path.display().to_string();
    let reader = std::fs::File::open(path).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    read_rows(reader, &file, job, local, sink)
}
