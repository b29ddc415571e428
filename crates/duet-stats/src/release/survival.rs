//! Survival intervals: each released interval's events and censored counts
//! pass the pooled threshold (0 allowed) and the per-party rule; an
//! interval that fails is merged with the next until the merged interval
//! passes. The forward pass ends at the first interval whose number at
//! risk fails (every later one is smaller), or when the last intervals
//! fail even merged. What is left then (the tail) is merged backwards into
//! the latest released span that passes with it, so a curve's spans
//! always run to its last edge; when no span passes with the tail the
//! curve is withheld. The output says which.
//!
//! Guarantee: no released event or censored count of a survival curve
//! covers between 1 and `min_cell - 1` pooled records, or (pooled studies
//! without DP) between 1 and `min_cell_per_party - 1` of either side's;
//! a curve's released counts never isolate its tail (the number still at
//! risk where it would have stopped is no difference of them).
//!
//! Every count a rule bit said failed (a candidate's events or censored,
//! an interval's number at risk) is a withheld value of the curve
//! ([`Curve::failed`]): the differencing test keeps it from being
//! recomputed from other curves' spans, other statistics or earlier runs,
//! as it does a withheld cell. The job's edges cover the time column, so
//! every record is in some interval whose counts the rules see.
//!
//! How: one round per interval index, for every curve at once: the
//! candidate merged interval's counts are summed on shares, the rule bit
//! is computed on shares and opened (it says only whether the candidate
//! passed). One more round for the curves with a tail opens, per released
//! span, whether that span merged with the tail passes. Rounds depend on
//! the job's edges only.
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

/// Why a curve's forward pass ends before its last interval (the rest is
/// then merged into its last span, or the curve withheld).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The number at risk at the start of interval `at` failed the rules.
    AtRisk { at: usize },
    /// Intervals `from..` failed the rules even merged.
    Tail { from: usize },
}

/// A count of one curve that failed the rules: at risk at the start of
/// interval `first` (`slot` 0, `first == last`), or the events (1) or
/// censored (2) of intervals `first..=last` merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed {
    /// First interval.
    pub(crate) first: usize,
    /// Last interval (inclusive).
    pub(crate) last: usize,
    /// At risk (0), events (1) or censored (2).
    pub(crate) slot: usize,
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
    /// Every count whose rule bit failed, to protect.
    pub(crate) failed: Vec<Failed>,
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

/// What deciding a candidate needs: the pooled shares, this side's own
/// aggregates when the per-party rule applies, and the two thresholds.
struct Rules<'a, R: Ring> {
    plan: &'a Plan,
    pooled: &'a Shared<R>,
    own: Option<&'a [i128]>,
    min_cell: u64,
    per_party: u64,
}

/// Intervals `first..=last` of curve `curve` merged.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    curve: usize,
    first: usize,
    last: usize,
}

/// Merges and gates every survival curve of `plan`. `at_risk_failed` says
/// per global cell whether the primary rules withheld it (its number at
/// risk); `own` is this side's own aggregates when the per-party rule
/// applies. Returns the curves and every rule bit opened, by name.
pub(crate) async fn merge_intervals<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    pooled: &Shared<R>,
    at_risk_failed: &[bool],
    own: Option<&[i128]>,
    (min_cell, per_party): (u64, u64),
) -> Result<(Vec<Curve>, Vec<(String, bool)>), super::GateError> {
    let curves = layouts(plan);
    let rules = Rules {
        plan,
        pooled,
        own,
        min_cell,
        per_party,
    };
    let failed = |l: &Layout, k: usize| at_risk_failed.get(l.cell + k).copied().unwrap_or(true);
    let mut state: Vec<Open> = curves
        .iter()
        .map(|l| {
            let at_risk_failed: Vec<Failed> = (0..l.bins)
                .filter(|&k| failed(l, k))
                .map(|k| Failed {
                    first: k,
                    last: k,
                    slot: 0,
                })
                .collect();
            let stops_at_once = l.bins > 0 && failed(l, 0);
            Open {
                start: 0,
                curve: Curve {
                    block: l.block,
                    group: l.group,
                    spans: vec![],
                    stop: stops_at_once.then_some(Stop::AtRisk { at: 0 }),
                    failed: at_risk_failed,
                },
                done: l.bins == 0 || stops_at_once,
            }
        })
        .collect();
    let mut opened = Vec::new();
    let rounds = curves.iter().map(|l| l.bins).max().unwrap_or(0);
    for k in 0..rounds {
        let active: Vec<Candidate> = (0..curves.len())
            .filter(|&i| !state[i].done && k < curves[i].bins)
            .map(|i| Candidate {
                curve: i,
                first: state[i].start,
                last: k,
            })
            .collect();
        if active.is_empty() {
            break;
        }
        let bits = gate(engine, &rules, &curves, &active, &mut opened).await?;
        for (c, failing) in active.iter().zip(bits) {
            let l = &curves[c.curve];
            let s = &mut state[c.curve];
            s.curve.failed.extend(failed_slots(c, failing));
            if failing != [false; 2] {
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
    let mut curves_out: Vec<Curve> = state.into_iter().map(|s| s.curve).collect();
    merge_tails(engine, &rules, &curves, &mut curves_out, &mut opened).await?;
    Ok((curves_out, opened))
}

/// The failing counts of a candidate, per its two rule bits.
fn failed_slots(c: &Candidate, failing: [bool; 2]) -> impl Iterator<Item = Failed> + '_ {
    (1..=2)
        .filter(move |&slot| failing[slot - 1])
        .map(|slot| Failed {
            first: c.first,
            last: c.last,
            slot,
        })
}

/// Merges each stopped curve's tail into its latest span that passes with
/// it (one round for all curves); a curve where none does is withheld.
async fn merge_tails<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    rules: &Rules<'_, R>,
    layouts: &[Layout],
    curves: &mut [Curve],
    opened: &mut Vec<(String, bool)>,
) -> Result<(), super::GateError> {
    let candidates: Vec<Candidate> = curves
        .iter()
        .zip(layouts)
        .enumerate()
        .filter(|(_, (c, _))| c.stop.is_some())
        .flat_map(|(i, (c, l))| {
            c.spans.iter().map(move |s| Candidate {
                curve: i,
                first: s.first,
                last: l.bins.saturating_sub(1),
            })
        })
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let bits = gate(engine, rules, layouts, &candidates, opened).await?;
    let mut latest: Vec<Option<usize>> = vec![None; curves.len()];
    for (c, failing) in candidates.iter().zip(bits) {
        if let Some(curve) = curves.get_mut(c.curve) {
            curve.failed.extend(failed_slots(c, failing));
        }
        if failing == [false; 2] {
            if let Some(l) = latest.get_mut(c.curve) {
                *l = Some(c.first);
            }
        }
    }
    for (i, curve) in curves.iter_mut().enumerate() {
        let Some(layout) = layouts.get(i).filter(|_| curve.stop.is_some()) else {
            continue;
        };
        match latest.get(i).copied().flatten() {
            Some(first) => {
                curve.spans.retain(|s| s.first < first);
                curve.spans.push(Span {
                    block: curve.block,
                    group: curve.group,
                    first,
                    last: layout.bins.saturating_sub(1),
                });
            }
            None => curve.spans.clear(),
        }
    }
    Ok(())
}

/// Decides every candidate at once: per candidate, whether its merged
/// events and its merged censored fail (pooled 0 or at least `min_cell`;
/// each side's part 0 or at least `per_party` when that rule applies).
/// Opens those bits, and only those, naming them in `opened`.
async fn gate<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    rules: &Rules<'_, R>,
    layouts: &[Layout],
    candidates: &[Candidate],
    opened: &mut Vec<(String, bool)>,
) -> Result<Vec<[bool; 2]>, super::GateError> {
    let elements = |c: &Candidate, slot: usize| {
        let l = layouts.get(c.curve);
        (c.first..=c.last).filter_map(move |k| l.map(|l| l.element(k, slot)))
    };
    let counts: Vec<R> = candidates
        .iter()
        .flat_map(|c| (1..=2).map(move |slot| (c, slot)))
        .map(|(c, slot)| {
            let shares = rules.pooled.shares();
            elements(c, slot).fold(R::ZERO, |acc, e| {
                acc + shares.get(e).copied().unwrap_or(R::ZERO)
            })
        })
        .collect();
    let counts = Shared::from_shares(counts);
    let thresholds = vec![rules.min_cell; counts.len()];
    let zero_ok = vec![true; counts.len()];
    let bound = rules.plan.count_bound();
    let mut fail = threshold::below(engine, &counts, &thresholds, &zero_ok, bound).await?;
    if let Some(own) = rules.own {
        let min = i128::from(rules.per_party);
        let mine: Vec<R> = candidates
            .iter()
            .flat_map(|c| (1..=2).map(move |slot| (c, slot)))
            .map(|(c, slot)| {
                let part = elements(c, slot).fold(0i128, |acc, e| {
                    acc.wrapping_add(own.get(e).copied().unwrap_or(0))
                });
                R::from_u64(u64::from(part > 0 && part < min))
            })
            .collect();
        let theirs = per_party::either_side(engine, &mine).await?;
        fail = per_party::or(engine, &fail, &theirs).await?;
    }
    let bits = super::open_bits(engine, &fail).await?;
    let mut out = Vec::with_capacity(candidates.len());
    for (n, c) in candidates.iter().enumerate() {
        let pair = [0, 1].map(|j| bits.get(2 * n + j).copied().unwrap_or(true));
        let l = layouts.get(c.curve);
        let name = l
            .and_then(|l| rules.plan.blocks().get(l.block))
            .map_or("?", |b| b.label.as_str());
        let group = l.map_or(0, |l| l.group + 1);
        for (what, bit) in ["events", "censored"].iter().zip(pair) {
            let span = format!("group {group} intervals {}..={}", c.first, c.last);
            opened.push((format!("{name}[{span}].{what}.suppressed"), bit));
        }
        out.push(pair);
    }
    Ok(out)
}
