//! The planner: from the job, the local aggregates each side computes in
//! one pass (counts per cell, sums, sums of squares and cross-products), the
//! ring in which every pooled aggregate provably fits, the count that gates
//! each cell under the disclosure policy, and the names of everything that
//! may be revealed.
//!
//! Overflow proof: a pooled aggregate is a sum of at most `2 * max_rows`
//! terms, each at most `max|term|` in magnitude (in units of 10^-places),
//! so it fits a ring of k bits as a signed value when
//! `2 * max_rows * max|term| < 2^(k-2)`; Z_2^64 is chosen below 2^62,
//! Z_2^128 below 2^126, and the job is refused otherwise. The margin of one
//! bit more than needed keeps `count - threshold` exact in comparisons.

mod accumulate;
mod layout;
mod quantile;

use serde::Serialize;

pub(crate) use accumulate::{bin_of, term_value};
pub use accumulate::{Accumulator, LocalAggregates};
pub(crate) use layout::{level_name, term_name, Block, BlockKind, Gate, Term};
pub(crate) use quantile::QuantilePlan;
pub use quantile::{rank, type1_on_grid};

use crate::job::{statistic_label, Job, Policy, StatisticSpec};

/// Most elements in one plan (all aggregates of all statistics).
pub const MAX_PLAN_LEN: usize = 1 << 22;

/// Why a job cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A pooled aggregate could overflow even Z_2^128.
    #[error("{statistic}: pooled {aggregate} may reach {bound_text} (2 x max_rows {max_rows} x max term {max_term}), which does not fit below 2^126 in Z_2^128; lower data.max_rows or narrow the column bounds")]
    DoesNotFit {
        /// The statistic.
        statistic: String,
        /// The aggregate (`sum`, `sum of squares`, `cross-product`).
        aggregate: &'static str,
        /// Rows per side.
        max_rows: u64,
        /// Largest magnitude of one term, in units.
        max_term: u128,
        /// The bound, or "2^128 or more".
        bound_text: String,
    },
    /// Too many cells or aggregates.
    #[error("{statistic}: the plan would hold more than {limit} aggregates")]
    TooLarge {
        /// The statistic.
        statistic: String,
        /// The limit.
        limit: usize,
    },
}

/// The ring the whole study runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RingChoice {
    /// Z_2^64: every bound below 2^62.
    Z64,
    /// Z_2^128: every bound below 2^126.
    Z128,
}

/// A statistic's local aggregates, their layout and gates.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    blocks: Vec<Block>,
    len: usize,
    ring: RingChoice,
    columns: usize,
    dominance_n: usize,
    count_bound: u64,
    quantiles: Vec<QuantilePlan>,
}

/// Room above the largest count for DP noise: a noisy count further out
/// than this (probability below 2^-1000 for any epsilon the floor allows)
/// is compared wrongly, never insecurely.
const NOISE_ROOM: u64 = 1 << 20;

impl Plan {
    /// Plans `job`, proving that every pooled aggregate fits the chosen ring.
    pub fn new(job: &Job) -> Result<Plan, PlanError> {
        let mut blocks = Vec::new();
        let mut len = 0usize;
        for (i, s) in job.statistics().iter().enumerate() {
            let label = format!("#{} {}", i + 1, statistic_label(s));
            let block = layout::block(job, i, s, label.clone(), len);
            len = block
                .end()
                .filter(|&e| e <= MAX_PLAN_LEN)
                .ok_or(PlanError::TooLarge {
                    statistic: label,
                    limit: MAX_PLAN_LEN,
                })?;
            let excluded = (!block.requires.is_empty()).then(|| Block::excluded(job, &block, len));
            blocks.push(block);
            if let Some(b) = excluded {
                len =
                    b.end()
                        .filter(|&e| e <= MAX_PLAN_LEN)
                        .ok_or_else(|| PlanError::TooLarge {
                            statistic: b.label.clone(),
                            limit: MAX_PLAN_LEN,
                        })?;
                blocks.push(b);
            }
        }
        let d = job.policy().dominance;
        let on = d.k < 100 && !job.policy().control_off();
        let dominance_n = if on { d.n as usize } else { 0 };
        let quantiles = quantile_plans(job, &blocks);
        let mut ring = choose_ring(job.data().max_rows, &blocks, dominance_n > 0)?;
        if quantiles
            .iter()
            .any(|q| quantile_bound(job.data().max_rows, q) >= 1 << 62)
        {
            ring = RingChoice::Z128;
        }
        let noise = if job.policy().dp.is_some() {
            NOISE_ROOM
        } else {
            0
        };
        let count_bound = job
            .data()
            .max_rows
            .saturating_mul(2)
            .saturating_add(noise)
            .saturating_add(1);
        Ok(Plan {
            blocks,
            len,
            ring,
            columns: job.columns().len(),
            dominance_n,
            count_bound,
            quantiles,
        })
    }

    /// The quantile statistics, in job order.
    pub(crate) fn quantiles(&self) -> &[QuantilePlan] {
        &self.quantiles
    }

    /// Aggregates per side (the length of each shared vector).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the plan is empty (never, for a valid job).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ring the study runs in.
    pub fn ring(&self) -> RingChoice {
        self.ring
    }

    /// Number of job columns a row holds.
    pub fn columns(&self) -> usize {
        self.columns
    }

    pub(crate) fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Contributors counted by the dominance rule (0: the rule is off).
    pub fn dominance_n(&self) -> usize {
        self.dominance_n
    }

    /// The cells the dominance rule checks, in the order of each side's
    /// inputs: first every cell of sums, means, variances and t-tests (the
    /// summed column), then for each linear regression its outcome over
    /// all records and over each level of each category predictor (the
    /// reference level first), since the fit releases each level's mean
    /// outcome in effect.
    pub(crate) fn dominance_cells(&self) -> Vec<DominanceCell> {
        if self.dominance_n == 0 {
            return Vec::new();
        }
        let mut grouped = Vec::new();
        let mut models = Vec::new();
        let mut cell = 0;
        for b in &self.blocks {
            match &b.kind {
                BlockKind::Grouped {
                    value: Some((col, _)),
                    ..
                } => grouped.extend((0..b.cells).map(|c| DominanceCell {
                    cell: cell + c,
                    col: *col,
                    level: None,
                })),
                BlockKind::Cross { terms } if matches!(b.gate, layout::Gate::Regression { .. }) => {
                    models.extend(model_cells(cell, terms));
                }
                _ => {}
            }
            cell += b.cells;
        }
        grouped.extend(models);
        grouped
    }

    /// A bound every pooled count (noisy, under DP) stays below: `2 *
    /// max_rows + 1`, plus room for the noise. Threshold comparisons run
    /// on the few bits this needs rather than the ring's.
    pub fn count_bound(&self) -> u64 {
        self.count_bound
    }

    /// Number of gated cells (one secure comparison each).
    pub fn cells(&self) -> usize {
        self.blocks.iter().map(|b| b.cells).sum()
    }

    /// The public threshold of every gated cell under `policy`, in order.
    pub fn thresholds(&self, policy: &Policy) -> Vec<u64> {
        self.blocks
            .iter()
            .flat_map(|b| std::iter::repeat_n(b.threshold(policy), b.cells))
            .collect()
    }
}

/// One cell the dominance rule checks: the plan cell, the column summed,
/// and for a model's level the category column and level it is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DominanceCell {
    /// The plan cell.
    pub(crate) cell: usize,
    /// The column whose values are summed.
    pub(crate) col: usize,
    /// `(category column, level)` for a model's level.
    pub(crate) level: Option<(usize, usize)>,
}

/// A regression's outcome over all records and over each category level.
fn model_cells(cell: usize, terms: &[Term]) -> Vec<DominanceCell> {
    let Some((Term::Numeric { col: y, .. }, predictors)) = terms.split_last() else {
        return Vec::new();
    };
    let at = |level| DominanceCell {
        cell,
        col: *y,
        level,
    };
    let mut out = vec![at(None)];
    let mut seen = Vec::new();
    for t in predictors {
        if let Term::Indicator { col, level } = t {
            if !seen.contains(col) {
                seen.push(*col);
                out.push(at(Some((*col, 0))));
            }
            out.push(at(Some((*col, *level))));
        }
    }
    out
}

/// The quantile statistics of `job`, with their blocks (validated, so
/// every grid resolves; one that does not is left out).
fn quantile_plans(job: &Job, blocks: &[Block]) -> Vec<QuantilePlan> {
    let mut first_cell = 0;
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if let (Some(StatisticSpec::Quantile { column, p, .. }), BlockKind::Grouped { by, .. }) =
            (job.statistics().get(b.stat), &b.kind)
        {
            let grid = crate::job::quantile_grid(&b.label, job.columns(), column, p).ok();
            if let (Some(grid), Some((col, _))) = (grid, job.column(column)) {
                out.push(QuantilePlan {
                    block: i,
                    first_cell,
                    col,
                    by: by.clone(),
                    groups: b.cells,
                    grid,
                });
            }
        }
        first_cell += b.cells;
    }
    out
}

/// The largest magnitude of `count * 10^k - p_scaled * n` in a quantile's
/// comparisons: `2 * max_rows * 10^k` (the ring must hold it below 2^62,
/// or 2^126 in Z_2^128, which it always does: `10^k <= 10^6`).
pub(crate) fn quantile_bound(max_rows: u64, q: &QuantilePlan) -> u128 {
    2 * u128::from(max_rows) * u128::from(q.grid.p_scale().unsigned_abs())
}

/// Headroom the dominance comparison needs over a sum (`100 * top`).
const DOMINANCE_FACTOR: u128 = 128;

fn choose_ring(max_rows: u64, blocks: &[Block], dominance: bool) -> Result<RingChoice, PlanError> {
    let mut ring = RingChoice::Z64;
    for b in blocks {
        let (aggregate, mut max_term) = b.max_term();
        let summed = match &b.kind {
            BlockKind::Grouped {
                value: Some((_, m)),
                ..
            } => Some(*m),
            BlockKind::Cross { terms } => terms.last().map(Term::max_abs),
            _ => None,
        };
        if let (true, Some(m)) = (dominance, summed) {
            max_term = max_term.max(m.saturating_mul(DOMINANCE_FACTOR));
        }
        let bound = 2u128
            .checked_mul(u128::from(max_rows))
            .and_then(|v| v.checked_mul(max_term));
        match bound {
            Some(v) if v < 1 << 62 => {}
            Some(v) if v < 1 << 126 => ring = RingChoice::Z128,
            _ => {
                return Err(PlanError::DoesNotFit {
                    statistic: b.label.clone(),
                    aggregate,
                    max_rows,
                    max_term,
                    bound_text: bound.map_or("2^128 or more".into(), |v| v.to_string()),
                })
            }
        }
    }
    Ok(ring)
}
