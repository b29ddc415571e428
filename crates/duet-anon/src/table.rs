//! A typed in-memory table read from CSV, each column dictionary-encoded to
//! `u32` codes so grouping and generalisation work on integers, not strings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
pub use crate::column::{Column, ColumnKind};
use crate::csv_text::{csv_error, decode, parse_error, LineCounter};
use crate::error::{AnonError, Result};

/// Character encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8 (a leading byte-order mark is dropped).
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same number.
    #[serde(rename = "latin-1")]
    Latin1,
}

impl Encoding {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Latin1 => "ISO-8859-1",
        }
    }
}

/// How to read a CSV file. Line endings (LF or CRLF) are both accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter byte (default `,`).
    pub delimiter: u8,
    /// Character encoding (default UTF-8).
    pub encoding: Encoding,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            encoding: Encoding::Utf8,
        }
    }
}

/// A table: named, dictionary-encoded columns of equal length, and the
/// source line of every row for error messages.
#[derive(Debug, Clone)]
pub struct Table {
    source: PathBuf,
    columns: Vec<Column>,
    lines: Vec<u64>,
    /// Interning maps while rows are appended; emptied once built.
    building: Vec<HashMap<String, u32>>,
}

impl Table {
    /// Reads a CSV file whose first line is the header.
    pub fn read_csv(path: &Path, options: &CsvOptions) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| AnonError::io(path, "read", e))?;
        let text = decode(path, bytes, options.encoding)?;
        Self::parse_csv(path, text.as_bytes(), options.delimiter)
    }

    /// Parses CSV text already in memory; `source` names it in errors.
    pub fn parse_csv(source: &Path, text: &[u8], delimiter: u8) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text);
        let mut records = reader.records();
        let header = match records.next() {
            None => {
                return Err(AnonError::EmptyFile {
                    path: source.into(),
                })
            }
            Some(r) => r.map_err(|e| parse_error(source, text, &e))?,
        };
        let names: Vec<&str> = header.iter().collect();
        let mut table = Self::with_header(source, &names)?;
        let mut lines = LineCounter::new(text);
        for record in records {
            let record = record.map_err(|e| parse_error(source, text, &e))?;
            let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
            table.push_record(line, &record)?;
        }
        if table.n_rows() == 0 {
            return Err(AnonError::EmptyFile {
                path: source.into(),
            });
        }
        table.building.clear();
        Ok(table)
    }

    /// Builds a table from string rows (tests, examples, generated data).
    pub fn from_rows<S: AsRef<str>>(
        source: &str,
        header: &[&str],
        rows: &[Vec<S>],
    ) -> Result<Self> {
        let mut table = Self::with_header(Path::new(source), header)?;
        for (i, row) in rows.iter().enumerate() {
            let line = i as u64 + 2;
            let record: csv::StringRecord = row.iter().map(AsRef::as_ref).collect();
            table.push_record(line, &record)?;
        }
        table.building.clear();
        Ok(table)
    }

    fn with_header(source: &Path, names: &[&str]) -> Result<Self> {
        let mut columns: Vec<Column> = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let name = if i == 0 {
                name.trim_start_matches('\u{feff}')
            } else {
                name
            };
            if columns.iter().any(|c| c.name() == name) {
                return Err(AnonError::DuplicateColumn {
                    path: source.into(),
                    column: name.to_owned(),
                });
            }
            columns.push(Column::empty(name));
        }
        Ok(Self {
            source: source.into(),
            building: vec![HashMap::new(); columns.len()],
            columns,
            lines: Vec::new(),
        })
    }

    fn push_record(&mut self, line: u64, record: &csv::StringRecord) -> Result<()> {
        if record.len() != self.columns.len() {
            return Err(AnonError::RaggedRow {
                path: self.source.clone(),
                line,
                expected: self.columns.len(),
                found: record.len(),
            });
        }
        for ((col, index), field) in self
            .columns
            .iter_mut()
            .zip(&mut self.building)
            .zip(record.iter())
        {
            col.push(index, field);
        }
        self.lines.push(line);
        Ok(())
    }

    /// The file (or label) the table came from.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Number of records.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// All columns in header order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Index of the column called `name`, or an error listing the header.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name() == name)
            .ok_or_else(|| self.unknown(name))
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Result<&Column> {
        let i = self.column_index(name)?;
        let found = self.columns.get(i);
        found.ok_or_else(|| self.unknown(name))
    }

    /// Mutable access to the column called `name`.
    pub fn column_mut(&mut self, name: &str) -> Result<&mut Column> {
        let i = self.column_index(name)?;
        let unknown = self.unknown(name);
        self.columns.get_mut(i).ok_or(unknown)
    }

    fn unknown(&self, name: &str) -> AnonError {
        AnonError::UnknownColumn {
            path: self.source.clone(),
            column: name.to_owned(),
            available: self.header().join(", "),
        }
    }

    /// Header names in order.
    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name()).collect()
    }

    /// 1-based source line of `row` (0 if unknown).
    pub fn line_of(&self, row: usize) -> u64 {
        self.lines.get(row).copied().unwrap_or(0)
    }

    /// Keeps only the rows for which `keep` is true.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        for col in &mut self.columns {
            col.retain_rows(keep);
        }
        self.lines = self
            .lines
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(l, _)| *l)
            .collect();
    }

    /// Removes the named column.
    pub fn drop_column(&mut self, name: &str) -> Result<()> {
        let i = self.column_index(name)?;
        self.columns.remove(i);
        Ok(())
    }

    /// Renders the table as CSV text (header first, LF line endings).
    pub fn to_csv(&self, delimiter: u8) -> Result<Vec<u8>> {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        let fail = |e: csv::Error| csv_error(&self.source, &e);
        w.write_record(self.header()).map_err(fail)?;
        for row in 0..self.n_rows() {
            w.write_record(self.columns.iter().map(|c| c.get(row).unwrap_or("")))
                .map_err(fail)?;
        }
        w.into_inner()
            .map_err(|e| AnonError::io(&self.source, "render", e.into_error()))
    }

    /// Writes the table as CSV to `path` atomically (temp file + rename).
    pub fn write_csv(&self, path: &Path, delimiter: u8) -> Result<()> {
        write_atomic(path, &self.to_csv(delimiter)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<u64> {
        let t = Table::parse_csv(Path::new("t"), text.as_bytes(), b';').unwrap();
        (0..t.n_rows()).map(|r| t.line_of(r)).collect()
    }

    #[test]
    fn line_numbers_for_lf_crlf_and_quoted_newlines() {
        assert_eq!(lines("a;b\n1;2\n3;4\n"), [2, 3]);
        assert_eq!(lines("a;b\r\n1;2\r\n3;4\r\n"), [2, 3]);
        assert_eq!(lines("a;b\n\"x\ny\";2\n3;4\n"), [2, 4]);
        assert_eq!(lines("a;b\r\n\"x\r\ny\";2\r\n3;4"), [2, 4]);
    }

    #[test]
    fn map_distinct_merges_values_and_csv_round_trips() {
        let mut t = Table::from_rows(
            "t",
            &["a", "b"],
            &[vec!["x", "1"], vec!["y", "2"], vec!["x", "3"]],
        )
        .unwrap();
        t.column_mut("a")
            .unwrap()
            .map_distinct(|_, _| Ok("z".into()))
            .unwrap();
        assert_eq!(t.column("a").unwrap().dictionary(), ["z"]);
        let csv = t.to_csv(b';').unwrap();
        assert_eq!(
            String::from_utf8(csv.clone()).unwrap(),
            "a;b\nz;1\nz;2\nz;3\n"
        );
        let back = Table::parse_csv(Path::new("t"), &csv, b';').unwrap();
        assert_eq!(back.columns(), t.columns());
    }

    #[test]
    fn header_problems() {
        let dup = Table::parse_csv(Path::new("t.csv"), b"a;a\n1;2\n", b';').unwrap_err();
        assert_eq!(
            dup.to_string(),
            "t.csv: column `a` appears twice in the header"
        );
        let t = Table::parse_csv(Path::new("t.csv"), b"\xef\xbb\xbfa;b\n1;2\n", b';').unwrap();
        assert_eq!(t.header(), ["a", "b"], "byte-order mark dropped");
        let err = t.column("c").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: no column named `c`; the header has: a, b"
        );
    }
}
