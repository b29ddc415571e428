//! Secondary suppression: after the primary suppression bits are open,
//! withhold more cells until no withheld value can be recomputed as a
//! linear combination of released ones.
//!
//! Both parties run this as a pure function of public things only: the
//! job's structure (each value's provenance and cell), the opened
//! suppression bits, and the ledger's earlier releases. It never looks at
//! a value, so both compute the same answer and the answer leaks nothing
//! beyond the bits.
//!
//! # Procedure
//!
//! Values are put over atoms ([`super::atoms`]) and each withheld value is
//! tested for exact membership in the rational span ([`super::span`]) of
//! the released ones of its quantity: earlier releases first, then this
//! job's, in order. Withheld values are taken in order: this job's, then
//! the ledger's earlier withheld ones, then those this procedure withholds,
//! as it withholds them. While the value is non-zero (not structurally
//! empty) and in the span, one group (a plan cell: all its elements go
//! together) among this job's released values with a non-zero coefficient
//! in the combination found is withheld: the value covering the fewest
//! atoms, then the latest. A combination of earlier releases alone cannot
//! be undone: the value is reported in [`Secondary::exposed_by_earlier`].
//! Each step withholds one more group, so the loop ends.
//!
//! # Guarantee
//!
//! Withholding only shrinks the span, so a value found outside it stays
//! outside. Hence afterwards no non-zero withheld value (this job's, or
//! the ledger's earlier withheld ones), count or sum, equals a rational
//! linear combination of released values of its quantity (this job's and
//! the given earlier ones) for every possible data set consistent with the
//! domain, except those listed in `exposed_by_earlier`.
//!
//! # Not covered
//!
//! - Bounds rather than values: counts are non-negative integers, so a
//!   withheld count can be bracketed (a released total of 3 bounds each
//!   part by 3) even when it is no linear combination; the threshold rules
//!   address small counts, this rule only exact recomputation.
//! - Nonlinear releases: regression coefficients, means, variances and
//!   other derived numbers are not values here; only the linear
//!   aggregates behind them are.
//! - Relations across quantities that are not linear in one quantity (a
//!   sum of squares with a sum and a count), and facts from outside the
//!   domain given (a column an earlier job bounded differently).

use std::collections::VecDeque;

use super::atoms::{atomize, AtomError, Atomized, Domain, MAX_ATOMS};
use super::provenance::LinearValue;
use super::span::Basis;

/// One value of this job: its provenance, its group (the plan cell whose
/// elements are released or withheld together) and its primary decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// What the value sums.
    pub(crate) value: LinearValue,
    /// Its plan cell.
    pub(crate) group: usize,
    /// Whether the primary rules release it.
    pub(crate) released: bool,
}

/// A withheld value that needs protecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Protected {
    /// This job's item of that index.
    Item(usize),
    /// The ledger's earlier withheld value of that index.
    Earlier(usize),
}

/// One secondary suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Withhold {
    /// The group withheld.
    pub(crate) group: usize,
    /// The withheld value it keeps from being recomputed.
    pub(crate) protects: Protected,
}

/// What secondary suppression decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Secondary {
    /// Groups withheld, in the order decided.
    pub(crate) withheld: Vec<Withhold>,
    /// Withheld values that earlier releases alone already determine.
    pub(crate) exposed_by_earlier: Vec<Protected>,
}

impl Secondary {
    /// Whether each item is released after secondary suppression.
    #[cfg(test)]
    pub(crate) fn released(&self, items: &[Item]) -> Vec<bool> {
        let groups: std::collections::BTreeSet<usize> =
            self.withheld.iter().map(|w| w.group).collect();
        items
            .iter()
            .map(|i| i.released && !groups.contains(&i.group))
            .collect()
    }
}

/// Decides secondary suppression for `items` given the ledger's earlier
/// released and withheld values, over `domain`.
pub(crate) fn secondary(
    items: &[Item],
    earlier_released: &[LinearValue],
    earlier_withheld: &[LinearValue],
    domain: &Domain,
) -> Result<Secondary, AtomError> {
    let values: Vec<&LinearValue> = items
        .iter()
        .map(|i| &i.value)
        .chain(earlier_released)
        .chain(earlier_withheld)
        .collect();
    let mut state = State {
        items,
        atoms: atomize(&values, domain, MAX_ATOMS)?,
        earlier: earlier_released.len(),
        released: items.iter().map(|i| i.released).collect(),
        spans: Vec::new(),
    };
    state.spans = state.spans();
    let mut queue: VecDeque<Protected> = (0..items.len())
        .filter(|&i| !state.released.get(i).copied().unwrap_or(true))
        .map(Protected::Item)
        .chain((0..earlier_withheld.len()).map(Protected::Earlier))
        .collect();
    let mut out = Secondary::default();
    while let Some(target) = queue.pop_front() {
        state.protect(target, &mut out, &mut queue);
    }
    Ok(out)
}

/// The decision in progress.
struct State<'a> {
    items: &'a [Item],
    atoms: Atomized,
    /// Number of earlier released values (ids after the items).
    earlier: usize,
    released: Vec<bool>,
    /// The span of the released values, per space.
    spans: Vec<Basis>,
}

impl State<'_> {
    /// The vector (space, atoms) of value `id` (items, earlier released,
    /// earlier withheld).
    fn vector(&self, id: usize) -> Option<&(usize, Vec<usize>)> {
        self.atoms.vectors.get(id)
    }

    fn atoms_of(&self, id: usize) -> usize {
        self.vector(id).map_or(usize::MAX, |(_, a)| a.len())
    }

    fn id(&self, p: Protected) -> usize {
        match p {
            Protected::Item(i) => i,
            Protected::Earlier(k) => self.items.len() + self.earlier + k,
        }
    }

    /// The spans of the released values: earlier ones first, so that a
    /// value they determine is expressed with them alone; then this job's,
    /// narrowest first (unit rows keep the echelon form sparse), then in
    /// order.
    fn spans(&self) -> Vec<Basis> {
        let n = self.items.len();
        let mut mine: Vec<usize> = (0..n).filter(|&i| self.is_released(i)).collect();
        mine.sort_by_key(|&i| (self.atoms_of(i), i));
        let mut spans: Vec<Basis> = (0..self.atoms.spaces.len()).map(|_| Basis::new()).collect();
        for id in (n..n + self.earlier).chain(mine) {
            if let Some((space, atoms)) = self.vector(id) {
                if let Some(span) = spans.get_mut(*space) {
                    span.insert_support(id, atoms);
                }
            }
        }
        spans
    }

    fn is_released(&self, item: usize) -> bool {
        self.released.get(item).copied().unwrap_or(false)
    }

    /// Withholds groups until `target` is out of the released span.
    fn protect(&mut self, target: Protected, out: &mut Secondary, queue: &mut VecDeque<Protected>) {
        let Some((space, atoms)) = self.vector(self.id(target)).cloned() else {
            return;
        };
        if atoms.is_empty() {
            return; // publicly zero
        }
        while let Some(coeffs) = self
            .spans
            .get(space)
            .and_then(|s| s.express_support(&atoms))
        {
            let Some(pick) = self.choose(coeffs.iter().map(|(id, _)| *id)) else {
                out.exposed_by_earlier.push(target);
                return;
            };
            let group = self.items.get(pick).map_or(usize::MAX, |i| i.group);
            self.withhold_group(group, queue);
            out.withheld.push(Withhold {
                group,
                protects: target,
            });
        }
    }

    /// Among the ids of a combination, this job's released value covering
    /// the fewest atoms, then the latest.
    fn choose(&self, ids: impl Iterator<Item = usize>) -> Option<usize> {
        ids.filter(|&id| id < self.items.len() && self.is_released(id))
            .max_by_key(|&id| (std::cmp::Reverse(self.atoms_of(id)), id))
    }

    /// Withholds every released item of `group`, queues them for
    /// protection, and takes them out of their spans.
    fn withhold_group(&mut self, group: usize, queue: &mut VecDeque<Protected>) {
        for (i, item) in self.items.iter().enumerate() {
            if item.group == group && self.is_released(i) {
                if let Some(r) = self.released.get_mut(i) {
                    *r = false;
                }
                queue.push_back(Protected::Item(i));
                let space = self.vector(i).map(|(s, _)| *s);
                if let Some(span) = space.and_then(|s| self.spans.get_mut(s)) {
                    span.remove(i);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "secondary_tests.rs"]
mod tests;
