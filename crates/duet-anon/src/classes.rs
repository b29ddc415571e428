//! Equivalence classes of a full-domain generalisation. Records are reduced
//! once to distinct (quasi-identifier codes, sensitive code) rows with a
//! multiplicity; a transformation then groups rows by a packed `u64` key
//! built from per-level lookup tables.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{AnonError, Result};
use crate::hierarchy::Generalizer;
use crate::table::Table;

/// Key spaces up to this size are grouped with a dense array, not a map.
const DENSE_LIMIT: u64 = 1 << 21;

/// The data prepared for the search: quasi-identifiers with their bound
/// hierarchies, an optional sensitive attribute, and distinct rows.
#[derive(Debug, Clone)]
pub struct Problem {
    pub(crate) qi_names: Vec<String>,
    pub(crate) gens: Vec<Generalizer>,
    /// Distinct rows, `q` column codes each, flattened.
    pub(crate) rows: Vec<u32>,
    /// Sensitive code of each distinct row (0 when there is none).
    pub(crate) sens: Vec<u32>,
    /// Number of records behind each distinct row.
    pub(crate) weight: Vec<u64>,
    /// Distinct row of each record, in table order.
    pub(crate) row_of_record: Vec<u32>,
    /// Number of sensitive values (1 when there is no sensitive attribute).
    pub(crate) sens_values: usize,
    pub(crate) n: u64,
}

impl Problem {
    /// Prepares `table` for search over the quasi-identifiers `qis` (column
    /// name and bound hierarchy), with an optional sensitive column.
    pub fn new(
        table: &Table,
        qis: Vec<(String, Generalizer)>,
        sensitive: Option<&str>,
    ) -> Result<Self> {
        let mut space: u64 = 1;
        for (_, g) in &qis {
            space = space
                .checked_mul(g.level_size(0) as u64)
                .ok_or(AnonError::KeyOverflow)?;
        }
        let cols: Vec<&[u32]> = qis
            .iter()
            .map(|(name, _)| table.column(name).map(|c| c.codes()))
            .collect::<Result<_>>()?;
        let sens_col = sensitive.map(|s| table.column(s)).transpose()?;
        let sens_values = sens_col.map_or(1, |c| c.dictionary().len().max(1));
        let (qi_names, gens) = qis.into_iter().unzip();
        let mut p = Self {
            qi_names,
            gens,
            rows: Vec::new(),
            sens: Vec::new(),
            weight: Vec::new(),
            row_of_record: Vec::with_capacity(table.n_rows()),
            sens_values,
            n: table.n_rows() as u64,
        };
        p.dedupe(&cols, sens_col.map(|c| c.codes()), table.n_rows());
        Ok(p)
    }

    fn dedupe(&mut self, cols: &[&[u32]], sens: Option<&[u32]>, n: usize) {
        let mut seen: HashMap<Vec<u32>, u32> = HashMap::new();
        for r in 0..n {
            let mut key: Vec<u32> = cols
                .iter()
                .map(|c| c.get(r).copied().unwrap_or(0))
                .collect();
            key.push(sens.and_then(|s| s.get(r).copied()).unwrap_or(0));
            let next = seen.len() as u32;
            let id = *seen.entry(key.clone()).or_insert(next);
            if id == next {
                self.sens.push(key.pop().unwrap_or(0));
                self.rows.extend_from_slice(&key);
                self.weight.push(0);
            }
            if let Some(w) = self.weight.get_mut(id as usize) {
                *w += 1;
            }
            self.row_of_record.push(id);
        }
    }

    /// Number of records.
    pub fn n_records(&self) -> u64 {
        self.n
    }

    /// Number of distinct (quasi-identifier, sensitive) rows.
    pub fn n_distinct(&self) -> usize {
        self.weight.len()
    }

    /// Quasi-identifier names in lattice order.
    pub fn qi_names(&self) -> &[String] {
        &self.qi_names
    }

    /// Height of each quasi-identifier's hierarchy.
    pub fn heights(&self) -> Vec<usize> {
        self.gens.iter().map(Generalizer::height).collect()
    }

    pub(crate) fn q(&self) -> usize {
        self.gens.len()
    }

    /// Groups the rows under `levels`; with `hist`, also per-class
    /// histograms of the sensitive attribute.
    pub fn classes(&self, levels: &[usize], hist: bool) -> Classes {
        let luts = self.luts(levels);
        let space = levels.iter().zip(&self.gens).fold(1u64, |acc, (&l, g)| {
            acc.saturating_mul(g.level_size(l) as u64)
        });
        let class_of_row = if space <= DENSE_LIMIT {
            self.group_dense(&luts, space as usize)
        } else {
            self.group_hashed(&luts)
        };
        Classes::from_rows(self, class_of_row, hist)
    }

    /// Per quasi-identifier: column code -> generalised code x stride.
    fn luts(&self, levels: &[usize]) -> Vec<Vec<u64>> {
        let mut stride = 1u64;
        let mut luts = Vec::with_capacity(self.q());
        for (g, &l) in self.gens.iter().zip(levels) {
            let map = g.map.get(l).map_or(&[][..], Vec::as_slice);
            luts.push(map.iter().map(|&c| u64::from(c) * stride).collect());
            stride = stride.saturating_mul(g.level_size(l) as u64);
        }
        luts
    }

    fn key(&self, luts: &[Vec<u64>], row: usize) -> u64 {
        let codes = self
            .rows
            .get(row * self.q()..(row + 1) * self.q())
            .unwrap_or(&[]);
        codes
            .iter()
            .zip(luts)
            .map(|(&c, lut)| lut.get(c as usize).copied().unwrap_or(0))
            .sum()
    }

    fn group_dense(&self, luts: &[Vec<u64>], space: usize) -> Vec<u32> {
        let mut slot = vec![u32::MAX; space];
        let mut next = 0u32;
        (0..self.n_distinct())
            .map(|r| {
                let Some(s) = slot.get_mut(self.key(luts, r) as usize) else {
                    return 0;
                };
                if *s == u32::MAX {
                    *s = next;
                    next += 1;
                }
                *s
            })
            .collect()
    }

    fn group_hashed(&self, luts: &[Vec<u64>]) -> Vec<u32> {
        let mut map: HashMap<u64, u32, BuildHasherDefault<MulHasher>> =
            HashMap::with_capacity_and_hasher(self.n_distinct(), BuildHasherDefault::default());
        (0..self.n_distinct())
            .map(|r| {
                let next = map.len() as u32;
                *map.entry(self.key(luts, r)).or_insert(next)
            })
            .collect()
    }
}

/// A multiply-shift hasher for `u64` keys: the keys are ours, not an
/// attacker's, so flooding resistance buys nothing here.
#[derive(Default)]
struct MulHasher(u64);

impl Hasher for MulHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
}

/// Equivalence classes: the class of every distinct row, class sizes, and
/// (optionally) each class's sensitive histogram as `(code, count)` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes {
    /// Class index of each distinct row.
    pub class_of_row: Vec<u32>,
    /// Records per class.
    pub sizes: Vec<u64>,
    /// A distinct row in each class (its codes generalise to the class key).
    pub representative: Vec<u32>,
    hist_start: Vec<usize>,
    hist: Vec<(u32, u64)>,
}

impl Classes {
    fn from_rows(p: &Problem, class_of_row: Vec<u32>, hist: bool) -> Self {
        let n_classes = class_of_row
            .iter()
            .map(|&c| c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut sizes = vec![0u64; n_classes];
        let mut representative = vec![0u32; n_classes];
        for (r, (&c, &w)) in class_of_row.iter().zip(&p.weight).enumerate().rev() {
            if let (Some(s), Some(rep)) = (
                sizes.get_mut(c as usize),
                representative.get_mut(c as usize),
            ) {
                *s += w;
                *rep = r as u32;
            }
        }
        let mut classes = Self {
            class_of_row,
            sizes,
            representative,
            hist_start: Vec::new(),
            hist: Vec::new(),
        };
        if hist {
            classes.build_hist(p);
        }
        classes
    }

    /// Counting sort of rows by class, then one pass per class with a
    /// scratch array over sensitive codes.
    fn build_hist(&mut self, p: &Problem) {
        let n_classes = self.sizes.len();
        let mut start = vec![0usize; n_classes + 1];
        for &c in &self.class_of_row {
            if let Some(s) = start.get_mut(c as usize + 1) {
                *s += 1;
            }
        }
        for i in 0..n_classes {
            let prev = start.get(i).copied().unwrap_or(0);
            if let Some(s) = start.get_mut(i + 1) {
                *s += prev;
            }
        }
        let mut fill = start.clone();
        let mut order = vec![0usize; self.class_of_row.len()];
        for (r, &c) in self.class_of_row.iter().enumerate() {
            if let Some(f) = fill.get_mut(c as usize) {
                if let Some(o) = order.get_mut(*f) {
                    *o = r;
                }
                *f += 1;
            }
        }
        self.collect_hist(p, &start, &order);
    }

    fn collect_hist(&mut self, p: &Problem, start: &[usize], order: &[usize]) {
        let mut scratch = vec![0u64; p.sens_values];
        let mut touched: Vec<u32> = Vec::new();
        self.hist_start.push(0);
        for w in start.windows(2) {
            let rows = order.get(w[0]..w[1]).unwrap_or(&[]);
            for &r in rows {
                let s = p.sens.get(r).copied().unwrap_or(0);
                let slot = scratch.get_mut(s as usize);
                if let Some(slot) = slot {
                    if *slot == 0 {
                        touched.push(s);
                    }
                    *slot += p.weight.get(r).copied().unwrap_or(0);
                }
            }
            for s in touched.drain(..) {
                let slot = scratch.get_mut(s as usize).map(std::mem::take).unwrap_or(0);
                self.hist.push((s, slot));
            }
            self.hist_start.push(self.hist.len());
        }
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.sizes.len()
    }

    /// True when there are no classes (no records).
    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// Sensitive histogram of class `c` (empty unless built with `hist`).
    pub fn histogram(&self, c: usize) -> &[(u32, u64)] {
        match (self.hist_start.get(c), self.hist_start.get(c + 1)) {
            (Some(&a), Some(&b)) => self.hist.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }
}
