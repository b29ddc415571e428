//! A party's identifiers, deduplicated under an explicit policy and ready
//! for the protocols: every list sent must hold each identifier once, or the
//! peer could count a person twice and learn from the repeat.

use crate::error::PsiError;
use crate::ident::Normalizer;

/// What to do with an identifier that occurs on more than one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Duplicates {
    /// Fail with [`PsiError::DuplicateIdentifier`] (default).
    #[default]
    Reject,
    /// Keep the first row; later rows are left out and listed in the report.
    KeepFirst,
}

/// What to do with an identifier that is empty after normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Empty {
    /// Fail with [`PsiError::EmptyIdentifier`] (default).
    #[default]
    Reject,
    /// Leave the row out and list it in the report.
    Skip,
}

/// The duplicate and empty-identifier policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Policy {
    /// Rows repeating an identifier.
    pub duplicates: Duplicates,
    /// Rows whose identifier is empty.
    pub empty: Empty,
}

/// What preparation did to the rows, for the local log: never silent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SetReport {
    /// Rows given.
    pub rows: usize,
    /// Distinct identifiers kept.
    pub unique: usize,
    /// Rows left out because they repeat an earlier row's identifier.
    pub duplicate_rows: Vec<usize>,
    /// Rows left out because their identifier is empty.
    pub empty_rows: Vec<usize>,
}

/// Distinct identifiers in one buffer, each with the row it came from.
///
/// Identifiers are kept in the order of their first row; the protocols
/// shuffle them before anything is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedSet {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    rows: Vec<usize>,
    report: SetReport,
}

impl core::fmt::Debug for PreparedSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Identifiers are personal data: print only the counts.
        f.debug_struct("PreparedSet")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl PreparedSet {
    /// Prepares identifiers that are already normalised, one per row.
    pub fn new<I, T>(ids: I, policy: Policy) -> Result<Self, PsiError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        let mut rows = Vec::new();
        let mut report = SetReport::default();
        for (row, id) in ids.into_iter().enumerate() {
            report.rows += 1;
            let id = id.as_ref();
            if id.is_empty() {
                match policy.empty {
                    Empty::Reject => return Err(PsiError::EmptyIdentifier { row }),
                    Empty::Skip => report.empty_rows.push(row),
                }
                continue;
            }
            bytes.extend_from_slice(id);
            ends.push(bytes.len());
            rows.push(row);
        }
        let mut set = PreparedSet {
            bytes,
            ends,
            rows,
            report,
        };
        set.dedup(policy.duplicates)?;
        Ok(set)
    }

    /// Normalises each string with `norm`, then prepares them.
    pub fn from_strs<I, T>(ids: I, norm: &Normalizer, policy: Policy) -> Result<Self, PsiError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        Self::new(ids.into_iter().map(|s| norm.apply(s.as_ref())), policy)
    }

    /// Number of distinct identifiers.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Identifier `i` (`i < len()`), as given.
    pub fn identifier(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        self.bytes.get(start..end)
    }

    /// The input row identifier `i` came from.
    pub fn row(&self, i: usize) -> Option<usize> {
        self.rows.get(i).copied()
    }

    /// What preparation did.
    pub fn report(&self) -> &SetReport {
        &self.report
    }

    /// Removes repeats (sorting indices by identifier), keeping first rows.
    fn dedup(&mut self, policy: Duplicates) -> Result<(), PsiError> {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by(|&a, &b| self.identifier(a).cmp(&self.identifier(b)).then(a.cmp(&b)));
        let mut drop = vec![false; self.len()];
        // (repeating row, first row); indices follow rows, so a run's first is its row.
        let mut dups = Vec::new();
        let mut run_first = None;
        for w in idx.windows(2) {
            let (a, b) = (w[0], w[1]);
            if self.identifier(a) == self.identifier(b) {
                let first = *run_first.get_or_insert(a);
                drop[b] = true;
                dups.push((self.rows[b], self.rows[first]));
            } else {
                run_first = None;
            }
        }
        if let Some(&(row, first_row)) = dups.iter().min() {
            if policy == Duplicates::Reject {
                return Err(PsiError::DuplicateIdentifier { row, first_row });
            }
        }
        self.keep(&drop);
        self.report.duplicate_rows = dups.into_iter().map(|d| d.0).collect();
        self.report.duplicate_rows.sort_unstable();
        self.report.unique = self.len();
        Ok(())
    }

    /// Keeps the identifiers not marked in `drop`.
    fn keep(&mut self, drop: &[bool]) {
        let mut bytes = Vec::with_capacity(self.bytes.len());
        let mut ends = Vec::with_capacity(self.len());
        let mut rows = Vec::with_capacity(self.len());
        for i in 0..self.len() {
            if drop[i] {
                continue;
            }
            bytes.extend_from_slice(self.identifier(i).unwrap_or_default());
            ends.push(bytes.len());
            rows.push(self.rows[i]);
        }
        (self.bytes, self.ends, self.rows) = (bytes, ends, rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep_first() -> Policy {
        Policy {
            duplicates: Duplicates::KeepFirst,
            empty: Empty::Skip,
        }
    }

    #[test]
    fn keeps_first_rows_and_reports_the_rest() {
        let s = PreparedSet::new(["b", "a", "", "b", "c", "a", "b"], keep_first()).unwrap();
        assert_eq!(s.len(), 3);
        let ids: Vec<&[u8]> = (0..3).map(|i| s.identifier(i).unwrap()).collect();
        assert_eq!(ids, vec![&b"b"[..], b"a", b"c"]);
        assert_eq!(
            (0..3).map(|i| s.row(i).unwrap()).collect::<Vec<_>>(),
            vec![0, 1, 4]
        );
        assert_eq!(s.report().duplicate_rows, vec![3, 5, 6]);
        assert_eq!(s.report().empty_rows, vec![2]);
        assert_eq!((s.report().rows, s.report().unique), (7, 3));
        assert_eq!(s.identifier(3), None);
    }

    #[test]
    fn rejects_by_default_naming_rows() {
        let err = PreparedSet::new(["x", "y", "z", "y", "x"], Policy::default()).unwrap_err();
        assert!(matches!(
            err,
            PsiError::DuplicateIdentifier {
                row: 3,
                first_row: 1
            }
        ));
        let err = PreparedSet::new(["x", "x", "x"], Policy::default()).unwrap_err();
        assert!(matches!(
            err,
            PsiError::DuplicateIdentifier {
                row: 1,
                first_row: 0
            }
        ));
        let err = PreparedSet::new(["x", ""], Policy::default()).unwrap_err();
        assert!(matches!(err, PsiError::EmptyIdentifier { row: 1 }));
    }

    #[test]
    fn normalises_before_deduplicating() {
        let n = Normalizer::default();
        let s = PreparedSet::from_strs([" Zoë", "ZOE\u{308}", "zoe"], &n, keep_first()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.report().duplicate_rows, vec![1]);
        assert!(PreparedSet::new(Vec::<&str>::new(), Policy::default())
            .unwrap()
            .is_empty());
    }
}
