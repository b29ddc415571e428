//! One pass over the rows: each side's local aggregates, exactly, in i128.
//!
//! The planner's bound (2 * max_rows * max|term| < 2^126) covers one side's
//! sums with room to spare, and loading stops at `max_rows`, so no local
//! sum here can overflow.

use core::fmt;

use duet_core::Ring;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::layout::{Block, BlockKind, Term};
use super::{DominanceCell, Plan};

/// One side's aggregates in plan order. Private to this side: never
/// printed (Debug is redacted) and zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct LocalAggregates {
    values: Vec<i128>,
    /// Per dominance cell: total of |x|, then the `n` largest |x| (empty
    /// for aggregates that are not this side's own, as in a linked study).
    tops: Vec<i128>,
    /// Whether `values` are this side's own records' aggregates (pooled
    /// studies) rather than shares (linked studies).
    own: bool,
    /// Per quantile statistic and group: this side's values of the
    /// column, ascending (what its bisection counts are read from).
    samples: Vec<Vec<Vec<i64>>>,
}

impl fmt::Debug for LocalAggregates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalAggregates(len {}, redacted)", self.values.len())
    }
}

impl LocalAggregates {
    /// Aggregates made elsewhere (shares from a linked study's join).
    pub(crate) fn from_values(values: Vec<i128>) -> Self {
        LocalAggregates {
            values,
            tops: Vec::new(),
            own: false,
            samples: Vec::new(),
        }
    }

    /// This side's values of quantile statistic `q` in group `g`,
    /// ascending (empty when there are none, or none are kept).
    pub(crate) fn samples(&self, q: usize, g: usize) -> &[i64] {
        self.samples
            .get(q)
            .and_then(|s| s.get(g))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether these are this side's own aggregates (a pooled study).
    pub(crate) fn is_own(&self) -> bool {
        self.own
    }

    /// Dominance inputs: per cell, the total of |x| and the top-n |x|.
    pub(crate) fn tops(&self) -> &[i128] {
        &self.tops
    }

    /// The aggregates as integers, in plan order.
    pub fn values(&self) -> &[i128] {
        &self.values
    }

    /// The aggregates as ring elements (two's complement).
    pub fn to_ring<R: Ring>(&self) -> Vec<R> {
        self.values.iter().map(|&v| R::from_i128(v)).collect()
    }

    /// Element-wise sum with another side's aggregates (for plaintext
    /// references in tests and simulations).
    pub fn pooled_with(&self, other: &LocalAggregates) -> Vec<i128> {
        self.values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| a.wrapping_add(*b))
            .collect()
    }
}

/// Accumulates rows into a plan's aggregates.
pub struct Accumulator<'p> {
    plan: &'p Plan,
    values: Vec<i128>,
    tops: Vec<i128>,
    /// The dominance cells of models, with their input slot.
    models: Vec<(usize, DominanceCell)>,
    /// Per quantile statistic and group: the column's values seen.
    samples: Vec<Vec<Vec<i64>>>,
}

impl fmt::Debug for Accumulator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Accumulator(len {}, redacted)", self.values.len())
    }
}

impl<'p> Accumulator<'p> {
    /// All aggregates zero.
    pub fn new(plan: &'p Plan) -> Self {
        let cells = plan.dominance_cells();
        let models = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.level.is_some() || is_model(plan, c.cell))
            .map(|(i, c)| (i, *c))
            .collect();
        Accumulator {
            plan,
            values: vec![0; plan.len()],
            tops: vec![0; cells.len() * (plan.dominance_n() + 1)],
            models,
            samples: plan
                .quantiles()
                .iter()
                .map(|q| vec![Vec::new(); q.groups])
                .collect(),
        }
    }

    /// Adds one row (one integer per job column, as `data` produces it).
    /// A row of the wrong length is ignored.
    pub fn add(&mut self, row: &[i64]) {
        if row.len() != self.plan.columns() {
            return;
        }
        for b in self.plan.blocks() {
            if b.takes(row) {
                add_to_block(b, row, &mut self.values);
            }
        }
        self.add_tops(row);
        self.add_samples(row);
    }

    /// Keeps the row's value of each quantile's column in its group.
    fn add_samples(&mut self, row: &[i64]) {
        for (q, groups) in self.plan.quantiles().iter().zip(&mut self.samples) {
            let (Some(g), Some(&x)) = (group_cell(&q.by, row), row.get(q.col)) else {
                continue;
            };
            // A missing value (available cases) is no value of the column.
            if x == crate::data::MISSING {
                continue;
            }
            if let Some(values) = groups.get_mut(g) {
                values.push(x);
            }
        }
    }

    /// Keeps each dominance cell's total of |x| and its top-n |x|.
    fn add_tops(&mut self, row: &[i64]) {
        let n = self.plan.dominance_n();
        if n == 0 {
            return;
        }
        let mut at = 0;
        for b in self.plan.blocks() {
            if let BlockKind::Grouped {
                by,
                value: Some((col, _)),
                ..
            } = &b.kind
            {
                if let (true, Some(c)) = (b.takes(row), group_cell(by, row)) {
                    let slot = (at + c) * (n + 1);
                    if let Some(slots) = self.tops.get_mut(slot..slot + n + 1) {
                        insert_top(slots, value(row, *col).unsigned_abs());
                    }
                }
                at += b.cells;
            }
        }
        for &(slot, c) in &self.models {
            let inside = c
                .level
                .is_none_or(|(col, level)| usize::try_from(value(row, col)).ok() == Some(level))
                && block_of(self.plan, c.cell).is_none_or(|b| b.takes(row));
            let at = slot * (n + 1);
            if let (true, Some(slots)) = (inside, self.tops.get_mut(at..at + n + 1)) {
                insert_top(slots, value(row, c.col).unsigned_abs());
            }
        }
    }

    /// The finished aggregates.
    pub fn finish(mut self) -> LocalAggregates {
        let mut samples = core::mem::take(&mut self.samples);
        samples.iter_mut().flatten().for_each(|v| v.sort_unstable());
        LocalAggregates {
            values: core::mem::take(&mut self.values),
            tops: core::mem::take(&mut self.tops),
            own: true,
            samples,
        }
    }
}

impl Drop for Accumulator<'_> {
    fn drop(&mut self) {
        self.values.zeroize();
        self.tops.zeroize();
        self.samples.zeroize();
    }
}

/// Whether plan cell `cell` is a model's (a cross block's).
fn is_model(plan: &Plan, cell: usize) -> bool {
    block_of(plan, cell).is_some_and(|b| matches!(b.kind, BlockKind::Cross { .. }))
}

/// The block holding plan cell `cell`.
fn block_of(plan: &Plan, cell: usize) -> Option<&Block> {
    let mut first = 0;
    for b in plan.blocks() {
        if cell < first + b.cells {
            return Some(b);
        }
        first += b.cells;
    }
    None
}

/// Adds |x| to a cell's total (`cell[0]`) and keeps `cell[1..]` the
/// largest values seen, in decreasing order.
fn insert_top(cell: &mut [i128], x: u128) {
    let x = i128::try_from(x).unwrap_or(i128::MAX);
    if let Some((total, top)) = cell.split_first_mut() {
        *total = total.wrapping_add(x);
        if let Some(i) = top.iter().position(|&t| x > t) {
            top[i..].rotate_right(1);
            top[i] = x;
        }
    }
}

fn value(row: &[i64], col: usize) -> i128 {
    row.get(col).map_or(0, |&v| i128::from(v))
}

/// Wrapping, so that rows beyond `max_rows` fed by a caller other than
/// `data` can make results wrong (as the ring would) but never panic.
fn add_at(values: &mut [i128], i: usize, v: i128) {
    if let Some(slot) = values.get_mut(i) {
        *slot = slot.wrapping_add(v);
    }
}

fn add_to_block(b: &Block, row: &[i64], values: &mut [i128]) {
    match &b.kind {
        BlockKind::Grouped { by, value: v, .. } => {
            let Some(cell) = group_cell(by, row) else {
                return;
            };
            let at = b.offset + cell * b.width;
            add_at(values, at, 1);
            if let Some((col, _)) = v {
                let x = value(row, *col);
                add_at(values, at + 1, x);
                if b.width > 2 {
                    add_at(values, at + 2, x.wrapping_mul(x));
                }
            }
        }
        BlockKind::Histogram { col, edges } => {
            let x = row.get(*col).copied().unwrap_or(i64::MIN);
            if let Some(bin) = bin_of(edges, x) {
                add_at(values, b.offset + bin, 1);
            }
        }
        BlockKind::Cross { terms } => add_cross(b.offset, terms, row, values),
        BlockKind::Survival {
            time,
            event,
            by,
            edges,
        } => add_survival(b, (*time, *event), by, edges, row, values),
        BlockKind::Excluded { by, values: cols } => {
            if let Some(cell) = excluded_cell(by, cols, row) {
                add_at(values, b.offset + cell, 1);
            }
        }
    }
}

/// The cell of an excluded-rows block a row counts in: without `by`, 0
/// when it misses any of `cols`; with `by`, its group when it records the
/// grouping but misses any of `cols`, and the last cell when it misses a
/// grouping column. None for a row the statistic uses.
fn excluded_cell(by: &[(usize, usize)], cols: &[usize], row: &[i64]) -> Option<usize> {
    let missing = |c: &usize| row.get(*c).is_none_or(|&v| v == crate::data::MISSING);
    if by.iter().any(|(c, _)| missing(c)) {
        return Some(by.iter().map(|(_, l)| *l).product());
    }
    if !cols.iter().any(missing) {
        return None;
    }
    group_cell(by, row)
}

/// At risk in every interval the time reaches; an event or a censoring
/// in the interval holding the time (the job's edges cover every time).
fn add_survival(
    b: &Block,
    (time, event): (usize, usize),
    by: &[(usize, usize)],
    edges: &[i64],
    row: &[i64],
    values: &mut [i128],
) {
    let Some(group) = group_cell(by, row) else {
        return;
    };
    let bins = edges.len().saturating_sub(1);
    let t = row.get(time).copied().unwrap_or(i64::MIN);
    let base = b.offset + group * bins * b.width;
    for (k, w) in edges.windows(2).enumerate() {
        if t < w[0] {
            break;
        }
        let at = base + k * b.width;
        add_at(values, at, 1);
        if t < w[1] {
            let slot = if value(row, event) == 1 { 1 } else { 2 };
            add_at(values, at + slot, 1);
        }
    }
}

/// The cell of a row in a grouping (mixed radix, first column most significant).
pub(crate) fn group_cell(by: &[(usize, usize)], row: &[i64]) -> Option<usize> {
    by.iter().try_fold(0usize, |acc, &(col, n)| {
        let level = usize::try_from(*row.get(col)?).ok().filter(|&l| l < n)?;
        Some(acc * n + level)
    })
}

/// The bin of `x`: `[e_i, e_i+1)`, the last bin closed; None outside.
pub(crate) fn bin_of(edges: &[i64], x: i64) -> Option<usize> {
    let last = *edges.last()?;
    if x < *edges.first()? || x > last {
        return None;
    }
    let bins = edges.len() - 1;
    Some((edges.partition_point(|&e| e <= x) - 1).min(bins - 1))
}

pub(crate) fn term_value(t: &Term, row: &[i64]) -> i128 {
    match t {
        Term::Numeric { col, .. } => value(row, *col),
        Term::Indicator { col, level } => {
            i128::from(usize::try_from(value(row, *col)).ok() == Some(*level))
        }
    }
}

fn add_cross(offset: usize, terms: &[Term], row: &[i64], values: &mut [i128]) {
    let t: Vec<i128> = terms.iter().map(|t| term_value(t, row)).collect();
    add_at(values, offset, 1);
    let mut at = offset + 1;
    for &a in &t {
        add_at(values, at, a);
        at += 1;
    }
    for i in 0..t.len() {
        for j in i..t.len() {
            add_at(values, at, t[i].wrapping_mul(t[j]));
            at += 1;
        }
    }
}
