//! Values as 0/1 vectors over atoms, so that linear relations between them
//! become linear algebra.
//!
//! For each quantity, the atoms are the finest partition of the records
//! that every cell of that quantity's values is a union of: per column
//! mentioned by some condition, numeric ranges cut at every bound any
//! condition mentions (compared on the finest scale mentioned), category
//! levels split into each mentioned level and one "any other level" piece;
//! an atom picks one piece per column. A value is the sum over its atoms,
//! so a relation between the 0/1 vectors is a relation between the values
//! whatever the data. Values of different quantities live in separate
//! spaces and are never combined.
//!
//! The [`Domain`] (the columns' declared levels and bounds) removes pieces
//! no record can fall in: levels outside it, the "other" piece when every
//! level is mentioned, ranges holding no value in bounds at the column's
//! places. This matters for safety: an atom that is always empty but kept
//! as a dimension hides relations (a total minus all its parts), while
//! dropping pieces can only reveal more. A column missing from the domain
//! is taken as unbounded, with unknown levels.

use std::collections::{BTreeMap, BTreeSet};

use super::provenance::{Cell, Condition, LinearValue};
use crate::job::{ColumnType, Job};

/// Most atoms of one quantity: beyond it the job is refused, not run out
/// of memory.
pub(crate) const MAX_ATOMS: usize = 1 << 18;

/// Most non-zero entries over all vectors.
pub(crate) const MAX_ENTRIES: usize = 1 << 26;

/// What records may hold in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ColumnDomain {
    /// One of these levels.
    Levels(BTreeSet<String>),
    /// An integer in `[min, max]`, in units of `10^-places`.
    Numeric { places: u32, min: i64, max: i64 },
    /// As the inner domain, or not recorded (available-case analysis).
    Missable(Box<ColumnDomain>),
}

/// Declared domains, by column name.
pub(crate) type Domain = BTreeMap<String, ColumnDomain>;

/// The domain a job declares for its columns.
pub(crate) fn domain_of(job: &Job) -> Domain {
    let of = |ty: &ColumnType| match ty {
        ColumnType::Category { levels } => ColumnDomain::Levels(levels.iter().cloned().collect()),
        &ColumnType::Numeric { places, min, max } => ColumnDomain::Numeric { places, min, max },
    };
    let missable = job.available_case();
    job.columns()
        .iter()
        .map(|c| {
            let d = of(&c.ty);
            let d = if missable {
                ColumnDomain::Missable(Box::new(d))
            } else {
                d
            };
            (c.name.clone(), d)
        })
        .collect()
}

/// Why values could not be put over atoms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AtomError {
    /// A quantity's cells cut the records into too many atoms.
    #[error("the values summing {quantity:?} cut the records into {atoms} atoms, more than the {limit} the release gate compares; release fewer or coarser cells")]
    TooManyAtoms {
        /// The quantity (empty for counts).
        quantity: Vec<String>,
        /// The atoms needed (`usize::MAX` when not even representable).
        atoms: usize,
        /// The limit.
        limit: usize,
    },
    /// The vectors would hold too many entries in all.
    #[error("the values' atom vectors would hold more than {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// A column under both level and range conditions (or a domain of the
    /// other kind).
    #[error("column '{column}' is both a category and numeric among the values compared")]
    MixedKinds {
        /// The column.
        column: String,
    },
    /// Bounds that cannot be put on one scale.
    #[error("column '{column}': bounds at {places} places do not fit a common scale")]
    Scale {
        /// The column.
        column: String,
        /// The finest places mentioned.
        places: u32,
    },
}

/// The values over atoms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Atomized {
    /// Per space: its quantity and number of atoms.
    pub(crate) spaces: Vec<(Vec<String>, usize)>,
    /// Per value, in input order: its space and its atoms, ascending.
    pub(crate) vectors: Vec<(usize, Vec<usize>)>,
}

/// Puts `values` over the atoms of their quantities, refusing a quantity
/// with more than `limit` atoms.
pub(crate) fn atomize(
    values: &[&LinearValue],
    domain: &Domain,
    limit: usize,
) -> Result<Atomized, AtomError> {
    let mut by_quantity: BTreeMap<&[String], Vec<usize>> = BTreeMap::new();
    for (i, v) in values.iter().enumerate() {
        by_quantity.entry(&v.quantity).or_default().push(i);
    }
    let mut out = Atomized {
        spaces: Vec::new(),
        vectors: vec![(0, Vec::new()); values.len()],
    };
    let mut entries = 0usize;
    for (quantity, members) in by_quantity {
        let space = out.spaces.len();
        let cells: Vec<&LinearValue> = members
            .iter()
            .filter_map(|&i| values.get(i).copied())
            .collect();
        let dims = dimensions(&cells, domain)?;
        let atoms = dims
            .iter()
            .try_fold(1usize, |acc, (_, d)| acc.checked_mul(d.len()))
            .unwrap_or(usize::MAX);
        if atoms > limit {
            return Err(AtomError::TooManyAtoms {
                quantity: quantity.to_vec(),
                atoms,
                limit,
            });
        }
        out.spaces.push((quantity.to_vec(), atoms));
        for (&i, v) in members.iter().zip(cells) {
            let atoms = vector(v, &dims);
            entries = entries.saturating_add(atoms.len());
            if entries > MAX_ENTRIES {
                return Err(AtomError::TooManyEntries { limit: MAX_ENTRIES });
            }
            if let Some(slot) = out.vectors.get_mut(i) {
                *slot = (space, atoms);
            }
        }
    }
    Ok(out)
}

/// The pieces of one column, and whether one more piece (the last) holds
/// the records not recording it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dimension {
    kind: Pieces,
    missing: bool,
}

/// The value pieces of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pieces {
    /// Each mentioned level in the domain, and whether "any other level"
    /// may hold records.
    Levels { levels: Vec<String>, other: bool },
    /// Intervals `[lo, hi)` at `10^-places` (absent: unbounded) holding
    /// some value of the domain, ascending.
    Ranges {
        places: u32,
        intervals: Vec<(Option<i128>, Option<i128>)>,
    },
}

impl Dimension {
    fn len(&self) -> usize {
        self.kind.len() + usize::from(self.missing)
    }

    /// The pieces satisfying `cond` (all of them for no condition; the
    /// missing piece for none but that).
    fn pieces(&self, cond: Option<&Condition>) -> Vec<usize> {
        match cond {
            None => (0..self.len()).collect(),
            Some(Condition::Recorded) => (0..self.kind.len()).collect(),
            Some(c) => self.kind.pieces(c),
        }
    }
}

impl Pieces {
    fn len(&self) -> usize {
        match self {
            Pieces::Levels { levels, other } => levels.len() + usize::from(*other),
            Pieces::Ranges { intervals, .. } => intervals.len(),
        }
    }

    /// The value pieces satisfying `cond`.
    fn pieces(&self, cond: &Condition) -> Vec<usize> {
        match (self, cond) {
            (Pieces::Levels { levels, .. }, Condition::Levels(set)) => levels
                .iter()
                .enumerate()
                .filter(|(_, l)| set.contains(*l))
                .map(|(i, _)| i)
                .collect(),
            (Pieces::Ranges { places, intervals }, Condition::Range { places: p, lo, hi }) => {
                // Scaling succeeded when the dimension was built.
                let lo = lo.and_then(|v| scale(v, *p, *places));
                let hi = hi.and_then(|v| scale(v, *p, *places));
                intervals
                    .iter()
                    .enumerate()
                    .filter(|(_, (a, b))| within(*a, *b, lo, hi))
                    .map(|(i, _)| i)
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Whether `[a, b)` lies in `[lo, hi)` (absent bounds unbounded).
fn within(a: Option<i128>, b: Option<i128>, lo: Option<i128>, hi: Option<i128>) -> bool {
    let above = match (a, lo) {
        (_, None) => true,
        (Some(a), Some(lo)) => a >= lo,
        (None, Some(_)) => false,
    };
    let below = match (b, hi) {
        (_, None) => true,
        (Some(b), Some(hi)) => b <= hi,
        (None, Some(_)) => false,
    };
    above && below
}

/// `v` at `10^-from` written at `10^-to` (`to >= from`), if it fits.
fn scale(v: i64, from: u32, to: u32) -> Option<i128> {
    10i128
        .checked_pow(to.checked_sub(from)?)
        .and_then(|m| m.checked_mul(i128::from(v)))
}

/// The dimensions of a quantity's cells: every column some condition
/// mentions, in name order.
fn dimensions(
    cells: &[&LinearValue],
    domain: &Domain,
) -> Result<Vec<(String, Dimension)>, AtomError> {
    let mut mentioned: BTreeMap<&str, Vec<&Condition>> = BTreeMap::new();
    for v in cells {
        for (column, cond) in v.cell.iter().chain(v.except.iter().flatten()) {
            mentioned.entry(column).or_default().push(cond);
        }
    }
    mentioned
        .into_iter()
        .map(|(column, conds)| {
            let dim = dimension(column, &conds, domain.get(column))?;
            Ok((column.to_string(), dim))
        })
        .collect()
}

fn dimension(
    column: &str,
    conds: &[&Condition],
    domain: Option<&ColumnDomain>,
) -> Result<Dimension, AtomError> {
    let (domain, missable) = match domain {
        Some(ColumnDomain::Missable(inner)) => (Some(&**inner), true),
        d => (d, false),
    };
    // An unknown domain may hold missing values if a condition says so.
    let recorded = conds.iter().any(|c| **c == Condition::Recorded);
    let missing = missable || (domain.is_none() && recorded);
    let kind = value_pieces(column, conds, domain)?;
    Ok(Dimension { kind, missing })
}

fn value_pieces(
    column: &str,
    conds: &[&Condition],
    domain: Option<&ColumnDomain>,
) -> Result<Pieces, AtomError> {
    let mixed = || AtomError::MixedKinds {
        column: column.to_string(),
    };
    let mut levels = BTreeSet::new();
    let mut ranges = Vec::new();
    for c in conds {
        match c {
            Condition::Levels(set) => levels.extend(set.iter().cloned()),
            &&Condition::Range { places, lo, hi } => ranges.push((places, lo, hi)),
            Condition::Recorded => {}
        }
    }
    match (levels.is_empty(), ranges.is_empty(), domain) {
        (_, true, None | Some(ColumnDomain::Levels(_))) => {
            let all = match domain {
                Some(ColumnDomain::Levels(all)) => Some(all),
                _ => None,
            };
            Ok(level_pieces(levels, all))
        }
        (true, false, None | Some(ColumnDomain::Numeric { .. }))
        | (true, true, Some(ColumnDomain::Numeric { .. })) => range_pieces(column, &ranges, domain),
        _ => Err(mixed()),
    }
}

/// Intervals cut at every bound mentioned, on the finest scale mentioned,
/// keeping those that hold some value of the domain.
fn range_pieces(
    column: &str,
    ranges: &[(u32, Option<i64>, Option<i64>)],
    domain: Option<&ColumnDomain>,
) -> Result<Pieces, AtomError> {
    let dom = match domain {
        Some(&ColumnDomain::Numeric { places, min, max }) => Some((places, min, max)),
        _ => None,
    };
    let places = ranges
        .iter()
        .map(|r| r.0)
        .chain(dom.map(|d| d.0))
        .max()
        .unwrap_or(0);
    let err = || AtomError::Scale {
        column: column.to_string(),
        places,
    };
    let mut cuts = BTreeSet::new();
    for &(p, lo, hi) in ranges {
        for b in [lo, hi].into_iter().flatten() {
            cuts.insert(scale(b, p, places).ok_or_else(err)?);
        }
    }
    let bounds: Vec<Option<i128>> = std::iter::once(None)
        .chain(cuts.into_iter().map(Some))
        .chain(std::iter::once(None))
        .collect();
    let mut intervals = Vec::new();
    for w in bounds.windows(2) {
        if let &[a, b] = w {
            if holds_value(a, b, dom, places).ok_or_else(err)? {
                intervals.push((a, b));
            }
        }
    }
    Ok(Pieces::Ranges { places, intervals })
}

/// Whether `[a, b)` at `10^-places` holds a value of the domain `(places,
/// min, max)` (always, with no domain); None when the scales do not fit.
fn holds_value(
    a: Option<i128>,
    b: Option<i128>,
    dom: Option<(u32, i64, i64)>,
    places: u32,
) -> Option<bool> {
    let Some((p, min, max)) = dom else {
        return Some(true);
    };
    // Domain values are k * m for integers k in [min, max].
    let m = scale(1, p, places)?;
    let ceil_div = |x: i128| x.div_euclid(m) + i128::from(x.rem_euclid(m) != 0);
    let lo = a.map_or(i128::from(min), |a| ceil_div(a).max(i128::from(min)));
    let hi = b.map_or(i128::from(max), |b| (ceil_div(b) - 1).min(i128::from(max)));
    Some(lo <= hi)
}

/// Mentioned levels in the domain, and "other" when the domain (if known)
/// has a level not mentioned.
fn level_pieces(mentioned: BTreeSet<String>, all: Option<&BTreeSet<String>>) -> Pieces {
    let levels: Vec<String> = mentioned
        .into_iter()
        .filter(|l| all.is_none_or(|a| a.contains(l)))
        .collect();
    let other = all.is_none_or(|a| a.len() > levels.len());
    Pieces::Levels { levels, other }
}

/// A value's atoms: every combination of its pieces, in mixed radix over
/// the dimensions (first most significant), so ascending; less those of
/// its `except` part.
fn vector(v: &LinearValue, dims: &[(String, Dimension)]) -> Vec<usize> {
    let atoms = cell_atoms(&v.cell, dims);
    let Some(except) = &v.except else {
        return atoms;
    };
    let mut both = v.cell.clone();
    both.extend(except.iter().map(|(c, x)| (c.clone(), x.clone())));
    let out: BTreeSet<usize> = cell_atoms(&both, dims).into_iter().collect();
    atoms.into_iter().filter(|a| !out.contains(a)).collect()
}

fn cell_atoms(cell: &Cell, dims: &[(String, Dimension)]) -> Vec<usize> {
    let mut atoms = vec![0usize];
    for (column, dim) in dims {
        let pieces = dim.pieces(cell.get(column));
        let n = dim.len();
        atoms = atoms
            .iter()
            .flat_map(|&a| pieces.iter().map(move |&p| a * n + p))
            .collect();
    }
    atoms
}

#[cfg(test)]
#[path = "atoms_tests.rs"]
mod tests;
