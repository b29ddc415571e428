//! The values a job may open, as linear combinations of plan elements, and
//! the one place where suppression bits and released values are opened.

use duet_core::{Channel, Engine, EngineError, Preprocessing, Ring, Shared};

use super::gates::GatedCount;
use super::provenance::{Condition, LinearValue};
use super::survival::{Curve, Span};
use super::GateError;
use crate::job::Job;
use crate::plan::{BlockKind, Plan};

/// One value the gate may open: `sum(coeff * element)` over plan elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Openable {
    /// Its name in the results (`#1 count(by region)[region=west].n`).
    pub(crate) name: String,
    /// The value as plan elements with coefficients.
    pub(crate) terms: Vec<(usize, i128)>,
    /// The records and quantity it sums.
    pub(crate) value: LinearValue,
    /// Values released or withheld together (a plan cell, or a survival span).
    pub(crate) group: usize,
    /// The plan cell whose rules decide it.
    pub(crate) cell: usize,
}

/// Every openable value of `plan` outside survival blocks: each element of
/// each table, histogram and group cell; of a regression, correlation or
/// logistic fit only `n` and the count of each category level of its
/// predictors (their other sums stay on shares). A fit's standard errors
/// imply its level counts, so they are released as themselves and join the
/// differencing test rather than being recoverable outside it.
pub(crate) fn plain(
    job: &Job,
    plan: &Plan,
    values: &[LinearValue],
    gated: &[GatedCount],
) -> Vec<Openable> {
    let mut out = Vec::new();
    let mut cell = 0;
    for b in plan.blocks() {
        let width = match b.kind {
            BlockKind::Survival { .. } => 0,
            BlockKind::Cross { .. } => 1,
            _ => b.width,
        };
        for c in 0..b.cells {
            for e in 0..width {
                let at = b.offset + c * b.width + e;
                out.push(Openable {
                    name: b.value_name(c, e),
                    terms: vec![(at, 1)],
                    value: values.get(at).cloned().unwrap_or_default(),
                    group: cell + c,
                    cell: cell + c,
                });
            }
        }
        if let BlockKind::Cross { .. } = b.kind {
            out.extend(level_counts(job, cell, gated));
        }
        cell += b.cells;
    }
    out
}

/// The count of each category level a model's cell is gated by.
fn level_counts(job: &Job, cell: usize, gated: &[GatedCount]) -> Vec<Openable> {
    gated
        .iter()
        .filter(|g| g.cell == cell)
        .filter_map(|g| {
            let (col, level) = g.level?;
            let c = job.columns().get(col)?;
            let condition = super::plan_values::level_set(job, col, &[level])?;
            let cell_of = [(c.name.clone(), condition)].into_iter().collect();
            Some(Openable {
                name: format!("{}.n", g.label),
                terms: g.terms.clone(),
                value: LinearValue::new(vec![], cell_of),
                group: cell,
                cell,
            })
        })
        .collect()
}

/// The three values of a survival span: at risk at its start, events and
/// censored over it. Groups are numbered from `first_group` on.
pub(crate) fn spans(
    plan: &Plan,
    values: &[LinearValue],
    curves: &[Curve],
    first_group: usize,
) -> Vec<(Span, Vec<Openable>)> {
    let mut group = first_group;
    let mut out = Vec::new();
    for curve in curves {
        for span in &curve.spans {
            let at = |slot| Counted {
                block: span.block,
                curve: span.group,
                first: span.first,
                last: span.last,
                slot,
            };
            let three = (0..3)
                .filter_map(|slot| curve_value(plan, values, &at(slot), group))
                .collect();
            out.push((*span, three));
            group += 1;
        }
    }
    out
}

/// The counts of the curves that failed the rules, each withheld in a
/// group of its own from `first_group` on: they are never opened, only
/// protected by the differencing test.
pub(crate) fn failed_counts(
    plan: &Plan,
    values: &[LinearValue],
    curves: &[Curve],
    first_group: usize,
) -> Vec<Openable> {
    let counted = curves.iter().flat_map(|c| {
        c.failed.iter().map(|f| Counted {
            block: c.block,
            curve: c.group,
            first: f.first,
            last: f.last,
            slot: f.slot,
        })
    });
    counted
        .zip(first_group..)
        .filter_map(|(at, group)| curve_value(plan, values, &at, group))
        .collect()
}

/// One count of a curve: at risk at the start of interval `first` (slot
/// 0), or events (1) or censored (2) over `first..=last`.
struct Counted {
    block: usize,
    curve: usize,
    first: usize,
    last: usize,
    slot: usize,
}

fn curve_value(
    plan: &Plan,
    values: &[LinearValue],
    at: &Counted,
    group: usize,
) -> Option<Openable> {
    let b = plan.blocks().get(at.block)?;
    let BlockKind::Survival { edges, .. } = &b.kind else {
        return None;
    };
    let bins = edges.len().saturating_sub(1);
    let cell_of = |k: usize| at.curve * bins + k;
    let element = |k: usize| b.offset + cell_of(k) * b.width + at.slot;
    let cell = plan
        .blocks()
        .iter()
        .take(at.block)
        .map(|b| b.cells)
        .sum::<usize>()
        + cell_of(at.first);
    let last = b.cell_name(cell_of(at.last));
    let upto = last.rsplit_once(", ").map_or(last, |(_, i)| i);
    let name = format!(
        "{}[{} .. {upto}].{}",
        b.label,
        b.cell_name(cell_of(at.first)),
        b.element_names.get(at.slot).map_or("?", String::as_str)
    );
    let (terms, value) = if at.slot == 0 {
        let e = element(at.first);
        (vec![(e, 1)], values.get(e).cloned().unwrap_or_default())
    } else {
        let terms = (at.first..=at.last).map(|k| (element(k), 1)).collect();
        let value = widen(values.get(element(at.first)), values.get(element(at.last)));
        (terms, value)
    };
    Some(Openable {
        name,
        terms,
        value,
        group,
        cell,
    })
}

/// The value of the first interval with its time range stretched to the
/// last interval's end.
fn widen(first: Option<&LinearValue>, last: Option<&LinearValue>) -> LinearValue {
    let mut v = first.cloned().unwrap_or_default();
    let Some(last) = last else { return v };
    for (col, cond) in v.cell.iter_mut() {
        if let (Condition::Range { hi, .. }, Some(Condition::Range { hi: last_hi, .. })) =
            (cond, last.cell.get(col))
        {
            *hi = *last_hi;
        }
    }
    v
}

/// Opens shared 0/1 rule bits; anything else is a deviating peer.
pub(crate) async fn open_bits<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    bits: &Shared<R>,
) -> Result<Vec<bool>, GateError> {
    let opened = engine.open(bits).await?;
    opened
        .iter()
        .enumerate()
        .map(|(index, v)| match v.to_u128() {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(GateError::BadBit { index }),
        })
        .collect()
}

/// Opens the released values (each `sum(coeff * element)` of `pooled`).
pub(crate) async fn open_values<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    pooled: &Shared<R>,
    released: &[&Openable],
) -> Result<Vec<i128>, EngineError> {
    let shares = pooled.shares();
    let combined: Vec<R> = released
        .iter()
        .map(|o| super::gates::combine(shares, &o.terms))
        .collect();
    let opened = engine.open(&Shared::from_shares(combined)).await?;
    Ok(opened.iter().map(|v| v.to_i128()).collect())
}

/// Opens values computed on shares from a released cell (a regression's
/// coefficients, a correlation): only the gate opens anything.
pub(crate) async fn open_derived<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    shares: &Shared<R>,
) -> Result<Vec<R>, EngineError> {
    engine.open(shares).await
}
