//! Exact membership in a rational span, with the combination that shows it.
//!
//! Vectors are sparse (index, rational) lists; the ones the release gate
//! builds are 0/1 vectors over atoms (see [`super::atoms`]). A [`Basis`]
//! keeps the inserted vectors in row echelon form over the rationals
//! (num-rational's `BigRational`, so no rounding and no overflow), each
//! row remembering the combination of inserted vectors it equals. Testing
//! a vector reduces it against the rows: it is in the span exactly when it
//! reduces to zero, and the multipliers used then give its coefficients.
//!
//! Rows are reduced from their smallest index upward and every stored row
//! starts at its own pivot with a leading 1, so a reduction touches only
//! the rows whose pivots it meets; sparse 0/1 tables stay sparse.

use std::collections::{BTreeMap, HashMap};

use num_rational::BigRational;
use num_traits::{One, Zero};

/// A vector being reduced, or a combination being tracked: index to
/// non-zero value.
type Work = BTreeMap<usize, BigRational>;

/// One echelon row: entries from its pivot (leading 1) upward, and the
/// combination of inserted vectors (by id) it equals.
#[derive(Debug, Clone)]
struct Row {
    entries: Vec<(usize, BigRational)>,
    combo: Vec<(usize, BigRational)>,
}

/// The rational span of the vectors inserted so far, in row echelon form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Basis {
    /// Row position by pivot index.
    pivots: HashMap<usize, usize>,
    rows: Vec<Row>,
}

impl Basis {
    /// The span of nothing: only the zero vector.
    pub(crate) fn new() -> Self {
        Basis::default()
    }

    /// The dimension of the span.
    #[cfg(test)]
    pub(crate) fn rank(&self) -> usize {
        self.rows.len()
    }

    /// Adds the 0/1 vector with ones at `support` as vector `id`; returns
    /// whether it was independent of the vectors already inserted (a
    /// dependent vector adds nothing and is never used in combinations).
    pub(crate) fn insert_support(&mut self, id: usize, support: &[usize]) -> bool {
        self.insert(id, ones(support))
    }

    /// Adds vector `id`; returns whether it was independent.
    pub(crate) fn insert(&mut self, id: usize, vector: Work) -> bool {
        let mut w = vector;
        let mut combo = Work::from([(id, BigRational::one())]);
        self.reduce(&mut w, &mut combo);
        let Some(lead) = w.values().next().cloned() else {
            return false;
        };
        let scale = |m: Work| m.into_iter().map(|(i, v)| (i, v / &lead)).collect();
        let row = Row {
            entries: scale(w),
            combo: scale(combo),
        };
        if let Some(&pivot) = row.entries.first().map(|(i, _)| i) {
            self.pivots.insert(pivot, self.rows.len());
        }
        self.rows.push(row);
        true
    }

    /// The coefficients (by id, non-zero, ascending id) of a combination of
    /// inserted vectors equal to the 0/1 vector with ones at `support`, or
    /// None when it is not in the span.
    pub(crate) fn express_support(&self, support: &[usize]) -> Option<Vec<(usize, BigRational)>> {
        self.express(ones(support))
    }

    /// As [`Basis::express_support`], for any vector.
    pub(crate) fn express(&self, vector: Work) -> Option<Vec<(usize, BigRational)>> {
        let mut w = vector;
        let mut combo = Work::new();
        self.reduce(&mut w, &mut combo);
        // w = v - sum f_k row_k = 0 and combo = -sum f_k combo_k.
        w.is_empty()
            .then(|| combo.into_iter().map(|(i, v)| (i, -v)).collect())
    }

    /// Subtracts rows from `w` (and their combinations from `combo`) until
    /// `w` is zero or its smallest index is no pivot.
    fn reduce(&self, w: &mut Work, combo: &mut Work) {
        while let Some((&lead, f)) = w.iter().next() {
            let Some(row) = self.pivots.get(&lead).and_then(|&r| self.rows.get(r)) else {
                return;
            };
            let f = f.clone();
            sub_scaled(w, &row.entries, &f);
            sub_scaled(combo, &row.combo, &f);
        }
    }
}

/// `w -= f * row`, dropping entries that become zero.
fn sub_scaled(w: &mut Work, row: &[(usize, BigRational)], f: &BigRational) {
    for (i, v) in row {
        let d = f * v;
        match w.get_mut(i) {
            Some(x) => {
                *x -= d;
                if x.is_zero() {
                    w.remove(i);
                }
            }
            None => {
                w.insert(*i, -d);
            }
        }
    }
}

/// The 0/1 vector with ones at `support`.
pub(crate) fn ones(support: &[usize]) -> Work {
    support.iter().map(|&i| (i, BigRational::one())).collect()
}

#[cfg(test)]
#[path = "span_tests.rs"]
mod tests;
