//! Every aggregate of a plan as a sum over records of a product of
//! per-column factors ("atoms"). In a linked study each atom belongs to the
//! side holding its column, so an aggregate is `sum_r a_r * b_r` with `a`
//! computed by the receiver and `b` by the sender: an inner product over
//! linked records.

use duet_core::Role;

use crate::job::Job;
use crate::plan::{bin_of, Block, BlockKind, Term};

/// One factor of an aggregate, a function of one column of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Atom {
    /// 1 when the category column holds `level`.
    Level { col: usize, level: usize },
    /// 1 when the value falls in histogram bin `bin` (last bin closed).
    HistBin {
        col: usize,
        edges: Vec<i64>,
        bin: usize,
    },
    /// 1 when `lo <= value < hi`.
    Within { col: usize, lo: i64, hi: i64 },
    /// 1 when `value >= lo`.
    AtLeast { col: usize, lo: i64 },
    /// 1 when the 0/1 column equals `one`.
    Flag { col: usize, one: bool },
    /// The value itself.
    Value { col: usize },
}

impl Atom {
    fn col(&self) -> usize {
        match self {
            Atom::Level { col, .. }
            | Atom::HistBin { col, .. }
            | Atom::Within { col, .. }
            | Atom::AtLeast { col, .. }
            | Atom::Flag { col, .. }
            | Atom::Value { col } => *col,
        }
    }

    /// Whether the atom is 0 or 1 on every row.
    pub(crate) fn is_indicator(&self) -> bool {
        !matches!(self, Atom::Value { .. })
    }

    fn eval(&self, row: &[i64]) -> i128 {
        let v = row.get(self.col()).copied().unwrap_or(0);
        let flag = |b: bool| i128::from(b);
        match self {
            Atom::Level { level, .. } => flag(usize::try_from(v).ok() == Some(*level)),
            Atom::HistBin { edges, bin, .. } => flag(bin_of(edges, v) == Some(*bin)),
            Atom::Within { lo, hi, .. } => flag(*lo <= v && v < *hi),
            Atom::AtLeast { lo, .. } => flag(v >= *lo),
            Atom::Flag { one, .. } => flag((v == 1) == *one),
            Atom::Value { .. } => i128::from(v),
        }
    }
}

/// The product of `atoms` on `row` (1 for none), wrapping like the ring.
pub(crate) fn product(atoms: &[&Atom], row: &[i64]) -> i128 {
    atoms
        .iter()
        .fold(1i128, |acc, a| acc.wrapping_mul(a.eval(row)))
}

/// The atoms of `role`'s side among `atoms` (columns without an owner
/// belong to both; callers use owned columns only).
pub(crate) fn of_side<'a>(job: &Job, atoms: &'a [Atom], role: Role) -> Vec<&'a Atom> {
    atoms
        .iter()
        .filter(|a| {
            job.columns()
                .get(a.col())
                .is_some_and(|c| c.owner == Some(role))
        })
        .collect()
}

/// The levels of a mixed-radix cell, first column most significant.
fn levels_of(by: &[(usize, usize)], mut cell: usize) -> Vec<Atom> {
    let mut out: Vec<Atom> = by
        .iter()
        .rev()
        .map(|&(col, n)| {
            let level = cell % n.max(1);
            cell /= n.max(1);
            Atom::Level { col, level }
        })
        .collect();
    out.reverse();
    out
}

fn term_atom(t: &Term) -> Atom {
    match t {
        Term::Numeric { col, .. } => Atom::Value { col: *col },
        Term::Indicator { col, level } => Atom::Level {
            col: *col,
            level: *level,
        },
    }
}

/// The atoms of element `e` of cell `cell` of block `b`.
pub(crate) fn element(b: &Block, cell: usize, e: usize) -> Vec<Atom> {
    match &b.kind {
        BlockKind::Grouped { by, value, .. } => {
            let mut atoms = levels_of(by, cell);
            if let Some((col, _)) = value {
                atoms.extend((0..e.min(2)).map(|_| Atom::Value { col: *col }));
            }
            atoms
        }
        BlockKind::Histogram { col, edges } => vec![Atom::HistBin {
            col: *col,
            edges: edges.clone(),
            bin: cell,
        }],
        BlockKind::Cross { terms } => cross_element(terms, e),
        // Never planned in a linked study (`Job::available_case`); no
        // atom would be the count of every record.
        BlockKind::Excluded { .. } => Vec::new(),
        BlockKind::Survival {
            time,
            event,
            by,
            edges,
        } => {
            let bins = edges.len().saturating_sub(1).max(1);
            let (group, k) = (cell / bins, cell % bins);
            let mut atoms = levels_of(by, group);
            let (lo, hi) = (
                edges.get(k).copied().unwrap_or(0),
                edges.get(k + 1).copied().unwrap_or(0),
            );
            match e {
                0 => atoms.push(Atom::AtLeast { col: *time, lo }),
                _ => {
                    atoms.push(Atom::Within { col: *time, lo, hi });
                    atoms.push(Atom::Flag {
                        col: *event,
                        one: e == 1,
                    });
                }
            }
            atoms
        }
    }
}

/// Element `e` of a cross block: n, then each term, then each product of
/// two terms (upper triangle, diagonal included).
fn cross_element(terms: &[Term], e: usize) -> Vec<Atom> {
    let m = terms.len();
    if e == 0 {
        return vec![];
    }
    if e <= m {
        return terms.get(e - 1).map(term_atom).into_iter().collect();
    }
    let mut k = e - 1 - m;
    for i in 0..m {
        let row = m - i;
        if k < row {
            return [&terms[i], &terms[i + k]]
                .into_iter()
                .map(term_atom)
                .collect();
        }
        k -= row;
    }
    vec![]
}
