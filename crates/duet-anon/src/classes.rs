//! Equivalence classes of a full-domain generalisation. Records are reduced
//! once to distinct (quasi-identifier codes, sensitive code) rows with a
//! multiplicity; a transformation then groups rows by a packed `u64` key
//! built from per-level lookup tables.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{AnonError, Result};
use crate::hierarchy::Generalizer;
use crate::table::Table;

/// Key spaces up to this size (or four times the rows) are grouped with a
/// dense array, not a hash map.
const DENSE_LIMIT: u64 = 1 << 16;

/// The data prepared for the search: quasi-identifiers with their bound
/// hierarchies, an optional sensitive attribute, and distinct rows.
#[derive(Debug, Clone)]
pub struct Problem {
    pub(crate) qi_names: Vec<String>,
    pub(crate) gens: Vec<Generalizer>,
    /// Distinct rows, column-major: `cols[a][row]` is the column code of
    /// quasi-identifier `a`, so keys are built one tight loop per attribute.
    pub(crate) cols: Vec<Vec<u32>>,
    /// Sensitive code of each distinct row (0 when there is none).
    pub(crate) sens: Vec<u32>,
    /// Number of records behind each distinct row.
    pub(crate) weight: Vec<u64>,
    /// Distinct row of each record, in table order.
    pub(crate) row_of_record: Vec<u32>,
    /// Number of sensitive values (1 when there is no sensitive attribute).
    pub(crate) sens_values: usize,
    /// Whether a sensitive column was given.
    pub(crate) has_sensitive: bool,
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
            cols: vec![Vec::new(); cols.len()],
            sens: Vec::new(),
            weight: Vec::new(),
            row_of_record: Vec::with_capacity(table.n_rows()),
            sens_values,
            has_sensitive: sens_col.is_some(),
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
                for (col, &c) in self.cols.iter_mut().zip(&key) {
                    col.push(c);
                }
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
        let keys = self.keys(levels);
        let class_of_row = self.group(&keys, levels);
        Classes::from_rows(self, class_of_row, hist)
    }

    /// Packed key of every distinct row: per quasi-identifier, a lookup
    /// table from column code to generalised code times its stride.
    fn keys(&self, levels: &[usize]) -> Vec<u64> {
        let mut keys = vec![0u64; self.n_distinct()];
        for ((lut, _), col) in self.luts(levels).iter().zip(&self.cols) {
            for (k, &c) in keys.iter_mut().zip(col) {
                *k += lut.get(c as usize).copied().unwrap_or(0);
            }
        }
        keys
    }

    /// Keys of the distinct rows `rows` (representatives of coarser classes).
    pub(crate) fn keys_of(&self, levels: &[usize], rows: &[u32]) -> Vec<u64> {
        let mut keys = vec![0u64; rows.len()];
        for ((lut, _), col) in self.luts(levels).iter().zip(&self.cols) {
            for (k, &r) in keys.iter_mut().zip(rows) {
                let c = col.get(r as usize).copied().unwrap_or(0);
                *k += lut.get(c as usize).copied().unwrap_or(0);
            }
        }
        keys
    }

    /// Per quasi-identifier: column code -> generalised code x stride, and
    /// the stride.
    fn luts(&self, levels: &[usize]) -> Vec<(Vec<u64>, u64)> {
        let mut stride = 1u64;
        let mut out = Vec::with_capacity(self.q());
        for (g, &l) in self.gens.iter().zip(levels) {
            let map = g.map.get(l).map_or(&[][..], Vec::as_slice);
            out.push((map.iter().map(|&c| u64::from(c) * stride).collect(), stride));
            stride = stride.saturating_mul(g.level_size(l) as u64);
        }
        out
    }

    /// Groups keys into dense class numbers in order of first appearance.
    pub(crate) fn group(&self, keys: &[u64], levels: &[usize]) -> Vec<u32> {
        let space = levels.iter().zip(&self.gens).fold(1u64, |acc, (&l, g)| {
            acc.saturating_mul(g.level_size(l) as u64)
        });
        // A dense table pays for clearing it: use it only while it is small
        // next to the number of keys.
        if space <= DENSE_LIMIT.max(4 * keys.len() as u64) {
            Self::group_dense(keys, space as usize)
        } else {
            Self::group_hashed(keys)
        }
    }

    fn group_dense(keys: &[u64], space: usize) -> Vec<u32> {
        let mut slot = vec![u32::MAX; space];
        let mut next = 0u32;
        keys.iter()
            .map(|&k| {
                let Some(s) = slot.get_mut(k as usize) else {
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

    fn group_hashed(keys: &[u64]) -> Vec<u32> {
        let mut map: HashMap<u64, u32, BuildHasherDefault<MulHasher>> =
            HashMap::with_capacity_and_hasher(keys.len(), BuildHasherDefault::default());
        keys.iter()
            .map(|&k| {
                let next = map.len() as u32;
                *map.entry(k).or_insert(next)
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

    fn build_hist(&mut self, p: &Problem) {
        let (start, hist) = histograms(
            self.sizes.len(),
            &self.class_of_row,
            p.sens_values,
            |r, emit| {
                let s = p.sens.get(r).copied().unwrap_or(0);
                emit(s, p.weight.get(r).copied().unwrap_or(0));
            },
        );
        self.hist_start = start;
        self.hist = hist;
    }

    /// Assembles classes from their parts (used by roll-up).
    pub(crate) fn from_parts(
        class_of_row: Vec<u32>,
        sizes: Vec<u64>,
        representative: Vec<u32>,
        hist: Option<Histograms>,
    ) -> Self {
        let (hist_start, hist) = hist.unwrap_or_default();
        Self {
            class_of_row,
            sizes,
            representative,
            hist_start,
            hist,
        }
    }

    /// Whether the sensitive histograms were built.
    pub fn has_histograms(&self) -> bool {
        !self.hist_start.is_empty()
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

/// Sensitive histograms of all classes in compressed rows: start offset
/// per class (plus one), then `(code, count)` pairs.
pub(crate) type Histograms = (Vec<usize>, Vec<(u32, u64)>);

/// Per-class sensitive histograms as CSR (`start`, `(code, count)` pairs):
/// items are counting-sorted by class, then each class is summed in a
/// scratch array over sensitive codes. `each(item, emit)` emits the item's
/// `(code, count)` contributions.
pub(crate) fn histograms<F>(
    n_classes: usize,
    class_of_item: &[u32],
    sens_values: usize,
    mut each: F,
) -> Histograms
where
    F: FnMut(usize, &mut dyn FnMut(u32, u64)),
{
    let mut start = vec![0usize; n_classes + 1];
    for &c in class_of_item {
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
    let mut order = vec![0usize; class_of_item.len()];
    for (item, &c) in class_of_item.iter().enumerate() {
        if let Some(f) = fill.get_mut(c as usize) {
            if let Some(o) = order.get_mut(*f) {
                *o = item;
            }
            *f += 1;
        }
    }
    let mut scratch = vec![0u64; sens_values];
    let mut touched: Vec<u32> = Vec::new();
    let mut hist_start = vec![0];
    let mut hist = Vec::new();
    for w in start.windows(2) {
        for &item in order.get(w[0]..w[1]).unwrap_or(&[]) {
            each(item, &mut |s, n| {
                if let Some(slot) = scratch.get_mut(s as usize) {
                    if *slot == 0 {
                        touched.push(s);
                    }
                    *slot += n;
                }
            });
        }
        for s in touched.drain(..) {
            let n = scratch.get_mut(s as usize).map(std::mem::take).unwrap_or(0);
            hist.push((s, n));
        }
        hist_start.push(hist.len());
    }
    (hist_start, hist)
}
