//! CSV text helpers: decoding with a declared encoding, and line numbers
//! for error messages.

use std::path::Path;

use crate::error::{AnonError, Result};
use crate::table::Encoding;

pub(crate) fn decode(path: &Path, bytes: Vec<u8>, encoding: Encoding) -> Result<String> {
    match encoding {
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        Encoding::Utf8 => String::from_utf8(bytes).map_err(|e| {
            let good = e.utf8_error().valid_up_to();
            let (line, column) = locate(e.as_bytes(), good);
            AnonError::Encoding {
                path: path.into(),
                line,
                column,
                encoding: encoding.name(),
            }
        }),
    }
}

/// Line and (approximate, unquoted) field number of byte offset `at`.
fn locate(bytes: &[u8], at: usize) -> (u64, usize) {
    let before = bytes.get(..at).unwrap_or(bytes);
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let in_line = before.get(start..).unwrap_or(&[]);
    let column = in_line
        .iter()
        .filter(|&&b| b == b',' || b == b';' || b == b'\t')
        .count()
        + 1;
    (line, column)
}

/// Line numbers from byte offsets, counted incrementally: the csv crate's
/// own line count is off by one after CRLF line endings.
pub(crate) struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            byte: 0,
            line: 1,
        }
    }

    /// 1-based line of byte offset `at` (offsets must not decrease).
    pub(crate) fn line_at(&mut self, at: u64) -> u64 {
        let mut at = usize::try_from(at)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // After CRLF the reported start is the LF itself; step over it.
        if self.text.get(at) == Some(&b'\n') {
            at += 1;
        }
        if at > self.byte {
            let span = self.text.get(self.byte..at).unwrap_or(&[]);
            self.line += span.iter().filter(|&&b| b == b'\n').count() as u64;
            self.byte = at;
        }
        self.line
    }
}

pub(crate) fn parse_error(path: &Path, text: &[u8], e: &csv::Error) -> AnonError {
    let line = e
        .position()
        .map_or(0, |p| LineCounter::new(text).line_at(p.byte()));
    AnonError::Csv {
        path: path.into(),
        line,
        message: e.to_string(),
    }
}

pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> AnonError {
    AnonError::Csv {
        path: path.into(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}
