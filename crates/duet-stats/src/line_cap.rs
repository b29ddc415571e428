//! A reader that refuses over-long lines before the CSV parser buffers
//! them: without it one 200 MiB line grows the process by its size.

use std::io::Read;

/// Longest CSV line accepted unless the job's `data.max_line_bytes` says
/// otherwise (1 MiB: a record of hundreds of wide fields fits easily).
pub const DEFAULT_MAX_LINE_BYTES: u64 = 1 << 20;

/// The error a [`LineCap`] reader returns (inside an `io::Error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line} is longer than {limit} bytes")]
pub struct LineTooLong {
    /// 1-based line number.
    pub line: u64,
    /// The cap in bytes.
    pub limit: u64,
}

/// Wraps a reader, failing as soon as a line (bytes between newlines)
/// exceeds `limit`.
#[derive(Debug)]
pub struct LineCap<R> {
    inner: R,
    limit: u64,
    line: u64,
    run: u64,
}

impl<R: Read> LineCap<R> {
    /// Caps the lines of `inner` at `limit` bytes.
    pub fn new(inner: R, limit: u64) -> LineCap<R> {
        LineCap {
            inner,
            limit,
            line: 1,
            run: 0,
        }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or_default() {
            if b == b'\n' {
                self.line += 1;
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > self.limit {
                    let e = LineTooLong {
                        line: self.line,
                        limit: self.limit,
                    };
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
                }
            }
        }
        Ok(n)
    }
}

/// The [`LineTooLong`] inside an I/O error, if it is one.
pub(crate) fn too_long(e: &std::io::Error) -> Option<LineTooLong> {
    e.get_ref()?.downcast_ref::<LineTooLong>().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_past_the_cap_is_refused_with_its_number() {
        let text = b"ab\ncdef\nghijkl\n";
        let mut out = Vec::new();
        let err = LineCap::new(&text[..], 4)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(too_long(&err), Some(LineTooLong { line: 3, limit: 4 }));
        let mut out = Vec::new();
        LineCap::new(&text[..], 6).read_to_end(&mut out).unwrap();
        assert_eq!(out, text);
    }
}
