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
//!
//! Vectors can also be taken out again ([`Basis::remove`]) without a
//! rebuild. The independent vectors `B` have rows; each dependent one
//! keeps its expression over `B`. Removing a dependent vector drops its
//! expression. Removing `r` in `B`: if some dependent `d` uses `r`, `d`
//! takes its place (the span and the rows are unchanged, only
//! combinations are rewritten with `r = (d - sum_{b != r} e_b b) / e_r`);
//! otherwise the span loses one dimension: `r` is eliminated from every
//! row's combination but one's, using the row of largest pivot (so the
//! echelon form holds), and that row is dropped.

use std::collections::{BTreeMap, HashMap};

use num_rational::BigRational;
use num_traits::{One, Zero};

/// A vector being reduced, or a combination being tracked: index to
/// non-zero value.
type Work = BTreeMap<usize, BigRational>;

/// One echelon row: entries from its pivot (leading 1) upward, and the
/// combination of independent vectors (by id) it equals.
#[derive(Debug, Clone)]
struct Row {
    entries: Work,
    combo: Work,
}

impl Row {
    fn pivot(&self) -> Option<usize> {
        self.entries.keys().next().copied()
    }
}

/// The rational span of the vectors inserted (and not removed) so far, in
/// row echelon form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Basis {
    /// Row position by pivot index.
    pivots: HashMap<usize, usize>,
    rows: Vec<Row>,
    /// Dependent vectors in insertion order, with their expressions over
    /// the independent ones.
    dependent: Vec<(usize, Work)>,
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

    /// Adds the 0/1 vector with ones at `support` as vector `id` (ids must
    /// be distinct); returns whether it was independent of the vectors
    /// already there.
    pub(crate) fn insert_support(&mut self, id: usize, support: &[usize]) -> bool {
        self.insert(id, ones(support))
    }

    /// Adds vector `id`; returns whether it was independent.
    pub(crate) fn insert(&mut self, id: usize, vector: Work) -> bool {
        let mut w = vector;
        let mut combo = Work::new();
        self.reduce(&mut w, &mut combo);
        let Some(lead) = w.values().next().cloned() else {
            // v = sum f_k row_k, and combo = -sum f_k combo_k.
            let expr = combo.into_iter().map(|(i, v)| (i, -v)).collect();
            self.dependent.push((id, expr));
            return false;
        };
        // w = v_id - sum f_k row_k, a combination of the others and v_id.
        combo.insert(id, BigRational::one());
        let scale = |m: Work| m.into_iter().map(|(i, v)| (i, v / &lead)).collect();
        self.push_row(Row {
            entries: scale(w),
            combo: scale(combo),
        });
        true
    }

    /// The coefficients (by id, non-zero, ascending id) of a combination of
    /// independent vectors equal to the 0/1 vector with ones at `support`,
    /// or None when it is not in the span.
    pub(crate) fn express_support(&self, support: &[usize]) -> Option<Vec<(usize, BigRational)>> {
        self.express(ones(support))
    }

    /// As [`Basis::express_support`], for any vector.
    pub(crate) fn express(&self, vector: Work) -> Option<Vec<(usize, BigRational)>> {
        let mut w = vector;
        let mut combo = Work::new();
        self.reduce(&mut w, &mut combo);
        w.is_empty()
            .then(|| combo.into_iter().map(|(i, v)| (i, -v)).collect())
    }

    /// Takes vector `id` out: afterwards the basis spans the vectors still
    /// in. An id never inserted changes nothing.
    pub(crate) fn remove(&mut self, id: usize) {
        if let Some(k) = self.dependent.iter().position(|(d, _)| *d == id) {
            self.dependent.remove(k);
            return;
        }
        let uses = |e: &Work| e.get(&id).is_some_and(|c| !c.is_zero());
        match self.dependent.iter().position(|(_, e)| uses(e)) {
            Some(k) => {
                let (d, expr) = self.dependent.remove(k);
                self.exchange(id, d, &expr);
            }
            None => self.shrink(id),
        }
    }

    /// Replaces independent `r` by dependent `d = sum_b expr_b b`.
    fn exchange(&mut self, r: usize, d: usize, expr: &Work) {
        let Some(e_r) = expr.get(&r).cloned() else {
            return;
        };
        // r = (d - sum_{b != r} e_b b) / e_r, so a combination c becomes
        // c + (c_r / e_r) (d - expr).
        let mut step = Work::from([(d, BigRational::one())]);
        add_scaled(&mut step, expr, &-BigRational::one());
        let combos = self
            .rows
            .iter_mut()
            .map(|row| &mut row.combo)
            .chain(self.dependent.iter_mut().map(|(_, e)| e));
        for c in combos {
            if let Some(c_r) = c.get(&r).cloned() {
                add_scaled(c, &step, &(c_r / &e_r));
            }
        }
    }

    /// Drops independent `r` that nothing can replace.
    fn shrink(&mut self, r: usize) {
        let using: Vec<usize> = (0..self.rows.len())
            .filter(|&k| {
                self.rows
                    .get(k)
                    .is_some_and(|row| row.combo.contains_key(&r))
            })
            .collect();
        let Some(&last) = using
            .iter()
            .max_by_key(|&&k| self.rows.get(k).and_then(Row::pivot))
        else {
            return;
        };
        let Some(top) = self.rows.get(last).cloned() else {
            return;
        };
        let top_r = top.combo.get(&r).cloned().unwrap_or_else(BigRational::one);
        for k in using.into_iter().filter(|&k| k != last) {
            if let Some(row) = self.rows.get_mut(k) {
                let f = row.combo.get(&r).cloned().unwrap_or_default() / &top_r;
                add_scaled(&mut row.entries, &top.entries, &-f.clone());
                add_scaled(&mut row.combo, &top.combo, &-f);
            }
        }
        self.drop_row(last);
    }

    fn push_row(&mut self, row: Row) {
        if let Some(pivot) = row.pivot() {
            self.pivots.insert(pivot, self.rows.len());
        }
        self.rows.push(row);
    }

    fn drop_row(&mut self, k: usize) {
        if k >= self.rows.len() {
            return;
        }
        let row = self.rows.swap_remove(k);
        if let Some(p) = row.pivot() {
            self.pivots.remove(&p);
        }
        if let Some(p) = self.rows.get(k).and_then(Row::pivot) {
            self.pivots.insert(p, k);
        }
    }

    /// Subtracts rows from `w` (and their combinations from `combo`) until
    /// `w` is zero or its smallest index is no pivot.
    fn reduce(&self, w: &mut Work, combo: &mut Work) {
        while let Some((&lead, f)) = w.iter().next() {
            let Some(row) = self.pivots.get(&lead).and_then(|&r| self.rows.get(r)) else {
                return;
            };
            let f = -f.clone();
            add_scaled(w, &row.entries, &f);
            add_scaled(combo, &row.combo, &f);
        }
    }
}

/// `w += f * row`, dropping entries that become zero.
fn add_scaled(w: &mut Work, row: &Work, f: &BigRational) {
    for (i, v) in row {
        let d = f * v;
        match w.get_mut(i) {
            Some(x) => {
                *x += d;
                if x.is_zero() {
                    w.remove(i);
                }
            }
            None => {
                w.insert(*i, d);
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
