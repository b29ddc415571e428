//! Survival intervals: each released interval's events and censored counts
//! pass the pooled threshold (0 allowed) and the per-party rule; an
//! interval that fails is merged with the next until the merged interval
//! passes. A curve stops at the first interval whose number at risk fails
//! (every later one is smaller), or when the last intervals fail even
//! merged; the output says which.
//!
//! Guarantee: no released event or censored count of a survival curve
//! covers between 1 and `min_cell - 1` pooled records, or (pooled studies
//! without DP) between 1 and `min_cell_per_party - 1` of either side's.
//!
//! How: one round per interval index, for every curve at once: the
//! candidate merged interval's counts are summed on shares, the rule bit
//! is computed on shares and opened (it says only whether the candidate
//! passed). Rounds depend on the job's edges only.
//!
//! Attack tests: `tests/attacks/survival.rs`.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared};

use super::{per_party, threshold};
use crate::plan::{BlockKind, Plan};

/// A released run of intervals `first..=last` of one group's curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// The survival block's index in the plan.
    pub(crate) block: usize,
    /// The group (0 without `by`).
    pub(crate) group: usize,
    /// First interval.
    pub(crate) first: usize,
    /// Last interval (inclusive).
    pub(crate) last: usize,
}

/// A released span with its at risk, events and censored counts.
pub(crate) type SpanValues = (Span, [i128; 3]);

/// One curve with its released spans.
pub(crate) type CurveSpans<'a> = (&'a Curve, Vec<SpanValues>);

/// Why a curve ends before its last interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The number at risk at the start of interval `at` failed the rules.
    AtRisk { at: usize },
    /// Intervals `from..` failed the rules even merged.
    Tail { from: usize },
}

/// One curve's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Curve {
    /// Block and group.
    pub(crate) block: usize,
    /// The group.
    pub(crate) group: usize,
    /// Released spans in time order.
    pub(crate) spans: Vec<Span>,
    /// Why it stops early, if it does.
    pub(crate) stop: Option<Stop>,
}

/// The layout of one curve: where its intervals' elements and cells are.
struct Layout {
    block: usize,
    group: usize,
    bins: usize,
    /// Element of interval 0's at-risk count.
    base: usize,
    /// Global cell of interval 0.
    cell: usize,
}

impl Layout {
    fn element(&self, k: usize, slot: usize) -> usize {
        self.base + k * 3 + slot
    }
}

fn layouts(plan: &Plan) -> Vec<Layout> {
    let mut out = Vec::new();
    let mut cell = 0;
    for (i, b) in plan.blocks().iter().enumerate() {
        if let BlockKind::Survival { edges, .. } = &b.kind {
            let bins = edges.len().saturating_sub(1);
            let groups = b.cells.checked_div(bins).unwrap_or(0);
            out.extend((0..groups).map(|g| Layout {
                block: i,
                group: g,
                bins,
                base: b.offset + g * bins * b.width,
                cell: cell + g * bins,
            }));
        }
        cell += b.cells;
    }
    out
}

/// The state of one curve between rounds.
struct Open {
    start: usize,
    curve: Curve,
    done: bool,
}

/// Merges and gates every survival curve of `plan`. `at_risk_failed` says
/// per global cell whether the primary rules withheld it (its number at
/// risk); `own` is this side's own aggregates when the per-party rule
/// applies.
pub(crate) async fn merge_intervals<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    pooled: &Shared<R>,
    at_risk_failed: &[bool],
    own: Option<&[i128]>,
    (min_cell, per_party): (u64, u64),
) -> Result<(Vec<Curve>, Vec<(String, bool)>), super::GateError> {
    let curves = layouts(plan);
    let failed = |l: &Layout, k: usize| at_risk_failed.get(l.cell + k).copied().unwrap_or(true);
    let mut state: Vec<Open> = curves
        .iter()
        .map(|l| Open {
            start: 0,
            curve: Curve {
                block: l.block,
                group: l.group,
                spans: vec![],
                stop: (l.bins > 0 && failed(l, 0)).then_some(Stop::AtRisk { at: 0 }),
            },
            done: l.bins == 0 || failed(l, 0),
        })
        .collect();
    let rounds = curves.iter().map(|l| l.bins).max().unwrap_or(0);
    let mut opened = Vec::new();
    for k in 0..rounds {
        let active: Vec<usize> = (0..curves.len())
            .filter(|&i| !state[i].done && k < curves[i].bins)
            .collect();
        if active.is_empty() {
            break;
        }
        // Per active curve: merged events, then merged censored.
        let sums = |values: &[i128], i: usize, slot: usize| -> i128 {
            let l = &curves[i];
            (state[i].start..=k).fold(0i128, |acc, j| {
                acc.wrapping_add(values.get(l.element(j, slot)).copied().unwrap_or(0))
            })
        };
        let counts: Vec<R> = active
            .iter()
            .flat_map(|&i| {
                let l = &curves[i];
                let start = state[i].start;
                let shares = pooled.shares();
                (1..=2).map(move |slot| {
                    (start..=k).fold(R::ZERO, |acc, j| {
                        acc + shares.get(l.element(j, slot)).copied().unwrap_or(R::ZERO)
                    })
                })
            })
            .collect();
        let counts = Shared::from_shares(counts);
        let thresholds = vec![min_cell; counts.len()];
        let all = vec![true; counts.len()];
        let bound = plan.count_bound();
        let mut fail = threshold::below(engine, &counts, &thresholds, &all, bound).await?;
        if let Some(own) = own {
            let mine: Vec<R> = active
                .iter()
                .flat_map(|&i| (1..=2).map(move |slot| (i, slot)))
                .map(|(i, slot)| {
                    let c = sums(own, i, slot);
                    R::from_u64(u64::from(c > 0 && c < i128::from(per_party)))
                })
                .collect();
            let theirs = per_party::either_side(engine, &mine).await?;
            fail = per_party::or(engine, &fail, &theirs).await?;
        }
        let bits = super::open_bits(engine, &fail).await?;
        for (n, &i) in active.iter().enumerate() {
            let l = &curves[i];
            let name = plan.blocks().get(l.block).map_or("?", |b| b.label.as_str());
            for (j, what) in ["events", "censored"].iter().enumerate() {
                let bit = bits.get(2 * n + j).copied().unwrap_or(true);
                let span = format!("group {} intervals {}..={k}", l.group + 1, state[i].start);
                opened.push((format!("{name}[{span}].{what}.suppressed"), bit));
            }
        }
        for (n, &i) in active.iter().enumerate() {
            let failed_now = bits.get(2 * n).copied().unwrap_or(true)
                || bits.get(2 * n + 1).copied().unwrap_or(true);
            let l = &curves[i];
            let s = &mut state[i];
            if failed_now {
                if k + 1 == l.bins {
                    s.curve.stop = Some(Stop::Tail { from: s.start });
                    s.done = true;
                }
                continue;
            }
            s.curve.spans.push(Span {
                block: l.block,
                group: l.group,
                first: s.start,
                last: k,
            });
            s.start = k + 1;
            if s.start < l.bins && failed(l, s.start) {
                s.curve.stop = Some(Stop::AtRisk { at: s.start });
                s.done = true;
            }
        }
    }
    Ok((state.into_iter().map(|s| s.curve).collect(), opened))
}
