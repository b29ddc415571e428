//! The provenance of every element of a plan: the records each local
//! aggregate sums over and the quantity it sums, in job-independent terms.
//!
//! Cells are written in a normal form relative to the job's declared
//! bounds, so that one set of records has one cell and the atoms of
//! [`super::atoms`] hold no spurious empty pieces inside a job:
//! - a numeric bound at or beyond the column's declared range is dropped
//!   (absent), and a range no value in bounds can meet is the empty range
//!   `[0, 0)`;
//! - a level set holding every level of its column is no condition;
//! - a product of indicators of two levels of one column is the empty
//!   level set (publicly zero), of one level twice that indicator.
//!
//! Under available-case analysis a block's values are limited to records
//! recording each column the statistic reads ([`Condition::Recorded`],
//! implied by any level or range condition), and each statistic has one
//! more value: the count of the records it leaves out.
//!
//! The event column of a survival block is binary: "event" is level 1 of a
//! category or the value 1 of an integer within `[0, 1]`, written `>= 1`
//! (and "no event" `< 1`) since no value exceeds 1.

use std::collections::BTreeSet;

use super::provenance::{Cell, Condition, LinearValue};
use crate::job::{ColumnType, Job};
use crate::plan::{Block, BlockKind, Plan, Term};

/// The provenance of every element of `plan` (made from `job`), in plan
/// order: one value per aggregate, `plan.len()` in all.
pub(crate) fn plan_values(job: &Job, plan: &Plan) -> Vec<LinearValue> {
    plan.blocks()
        .iter()
        .flat_map(|b| block_values(job, b))
        .collect()
}

/// A block's values, each limited to the records recording every column
/// the block requires (available-case analysis).
fn block_values(job: &Job, b: &Block) -> Vec<LinearValue> {
    let mut values = unrestricted(job, b);
    for v in &mut values {
        for &col in &b.requires {
            v.cell
                .entry(column_name(job, col))
                .or_insert(Condition::Recorded);
        }
    }
    values
}

fn unrestricted(job: &Job, b: &Block) -> Vec<LinearValue> {
    match &b.kind {
        BlockKind::Grouped { by, value, squares } => {
            grouped(job, by, value.map(|(col, _)| col), *squares)
        }
        BlockKind::Histogram { col, edges } => histogram(job, *col, edges),
        BlockKind::Cross { terms } => cross(job, terms),
        BlockKind::Survival {
            time,
            event,
            by,
            edges,
        } => survival(job, (*time, *event), by, edges),
        BlockKind::Excluded { by, values } => excluded(job, by, values),
    }
}

/// Per cell: n, then the sum and sum of squares of `value` when asked.
fn grouped(
    job: &Job,
    by: &[(usize, usize)],
    value: Option<usize>,
    squares: bool,
) -> Vec<LinearValue> {
    let name = value.map(|col| column_name(job, col));
    let mut out = Vec::new();
    for cell in group_cells(job, by) {
        out.push(LinearValue::new(vec![], cell.clone()));
        if let Some(v) = &name {
            out.push(LinearValue::new(vec![v.clone()], cell.clone()));
            if squares {
                out.push(LinearValue::new(vec![v.clone(), v.clone()], cell));
            }
        }
    }
    out
}

/// The rows a statistic left out: per group, its records missing any of
/// `values`, then those missing a grouping column (without `by`, one
/// value: those missing any of `values`).
fn excluded(job: &Job, by: &[(usize, usize)], values: &[usize]) -> Vec<LinearValue> {
    let names = |cols: &mut dyn Iterator<Item = usize>| -> Vec<String> {
        cols.map(|c| column_name(job, c)).collect()
    };
    if by.is_empty() {
        return vec![LinearValue::missing_any(&names(
            &mut values.iter().copied(),
        ))];
    }
    let recorded: Cell = names(&mut values.iter().copied())
        .into_iter()
        .map(|c| (c, Condition::Recorded))
        .collect();
    let mut out: Vec<LinearValue> = group_cells(job, by)
        .into_iter()
        .map(|cell| LinearValue {
            except: Some(recorded.clone()),
            ..LinearValue::new(vec![], cell)
        })
        .collect();
    out.push(LinearValue::missing_any(&names(
        &mut by.iter().map(|(c, _)| *c),
    )));
    out
}

/// A count per bin `[e_i, e_{i+1})`, the last bin closed.
fn histogram(job: &Job, col: usize, edges: &[i64]) -> Vec<LinearValue> {
    let bins = edges.len().saturating_sub(1);
    edges
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            // A closed upper bound b is hi = b + 1; none when b is i64::MAX.
            let hi = if i + 1 == bins {
                w[1].checked_add(1)
            } else {
                Some(w[1])
            };
            let mut cell = Cell::new();
            restrict(&mut cell, job, col, range(job, col, Some(w[0]), hi));
            LinearValue::new(vec![], cell)
        })
        .collect()
}

/// n, the sum of each term, the sum of each product of two terms (upper
/// triangle, diagonal included), as `add_cross` lays them out.
fn cross(job: &Job, terms: &[Term]) -> Vec<LinearValue> {
    let mut out = vec![product(job, &[])];
    out.extend(terms.iter().map(|t| product(job, &[t])));
    for i in 0..terms.len() {
        for t in &terms[i..] {
            out.push(product(job, &[&terms[i], t]));
        }
    }
    out
}

/// The sum over all records of a product of terms: numeric terms are the
/// quantity, indicators restrict the cell.
fn product(job: &Job, factors: &[&Term]) -> LinearValue {
    let mut quantity = Vec::new();
    let mut cell = Cell::new();
    for t in factors {
        match t {
            Term::Numeric { col, .. } => quantity.push(column_name(job, *col)),
            Term::Indicator { col, level } => {
                restrict(&mut cell, job, *col, level_set(job, *col, &[*level]));
            }
        }
    }
    LinearValue::new(quantity, cell)
}

/// Per group and interval k: at risk (time >= e_k), events and censorings
/// (time in `[e_k, e_{k+1})`, event or not).
fn survival(
    job: &Job,
    (time, event): (usize, usize),
    by: &[(usize, usize)],
    edges: &[i64],
) -> Vec<LinearValue> {
    let mut out = Vec::new();
    for group in group_cells(job, by) {
        for w in edges.windows(2) {
            let with = |extra: &[(usize, Option<Condition>)]| {
                let mut cell = group.clone();
                for (col, cond) in extra {
                    restrict(&mut cell, job, *col, cond.clone());
                }
                LinearValue::new(vec![], cell)
            };
            let interval = (time, range(job, time, Some(w[0]), Some(w[1])));
            out.push(with(&[(time, range(job, time, Some(w[0]), None))]));
            out.push(with(&[
                interval.clone(),
                (event, event_is(job, event, true)),
            ]));
            out.push(with(&[interval, (event, event_is(job, event, false))]));
        }
    }
    out
}

/// "Event" (`happened`) or "no event" on a binary column.
fn event_is(job: &Job, col: usize, happened: bool) -> Option<Condition> {
    match job.columns().get(col).map(|c| &c.ty) {
        Some(ColumnType::Category { .. }) => level_set(job, col, &[usize::from(happened)]),
        _ if happened => range(job, col, Some(1), None),
        _ => range(job, col, None, Some(1)),
    }
}

/// The cells of a grouping in `group_cell` order (first column most
/// significant).
fn group_cells(job: &Job, by: &[(usize, usize)]) -> Vec<Cell> {
    let mut cells = vec![Cell::new()];
    for &(col, levels) in by {
        cells = cells
            .into_iter()
            .flat_map(|cell| {
                (0..levels).map(move |l| {
                    let mut cell = cell.clone();
                    restrict(&mut cell, job, col, level_set(job, col, &[l]));
                    cell
                })
            })
            .collect();
    }
    cells
}

fn column_name(job: &Job, col: usize) -> String {
    job.columns()
        .get(col)
        .map_or_else(|| format!("#{col}"), |c| c.name.clone())
}

/// Adds `cond` (none: every record) on column `col`, intersecting it with
/// a condition already there.
fn restrict(cell: &mut Cell, job: &Job, col: usize, cond: Option<Condition>) {
    let Some(cond) = cond else {
        return;
    };
    let cond = match cell.remove(&column_name(job, col)) {
        None => cond,
        Some(old) => intersect(old, cond),
    };
    cell.insert(column_name(job, col), cond);
}

/// Both conditions at once (on one column of one job, so of one kind and
/// one scale; a mismatch cannot arise and yields the empty level set).
fn intersect(a: Condition, b: Condition) -> Condition {
    match (a, b) {
        (Condition::Levels(a), Condition::Levels(b)) => {
            Condition::Levels(a.intersection(&b).cloned().collect())
        }
        (
            Condition::Range { places, lo, hi },
            Condition::Range {
                lo: lo2, hi: hi2, ..
            },
        ) => Condition::Range {
            places,
            lo: lo.max(lo2),
            hi: match (hi, hi2) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        },
        (Condition::Recorded, c) | (c, Condition::Recorded) => c,
        _ => Condition::Levels(BTreeSet::new()),
    }
}

/// The levels `levels` (by index) of category `col`, none when they are
/// all of its levels; of an integer column (a 0/1 outcome), the one value
/// `levels[0]`.
pub(crate) fn level_set(job: &Job, col: usize, levels: &[usize]) -> Option<Condition> {
    let names = match job.columns().get(col).map(|c| &c.ty) {
        Some(ColumnType::Category { levels }) => levels,
        // An integer 0/1 outcome's indicator: the value itself.
        Some(ColumnType::Numeric { .. }) => {
            let [level] = levels else { return None };
            let v = i64::try_from(*level).ok()?;
            return range(job, col, Some(v), v.checked_add(1));
        }
        None => return None,
    };
    let set: BTreeSet<String> = levels
        .iter()
        .filter_map(|&l| names.get(l).cloned())
        .collect();
    (set.len() < names.len()).then_some(Condition::Levels(set))
}

/// `lo <= v < hi` on numeric `col`, normalised against its bounds: a
/// bound no value crosses is dropped, an unsatisfiable range is `[0, 0)`,
/// and a range holding every value is no condition.
fn range(job: &Job, col: usize, lo: Option<i64>, hi: Option<i64>) -> Option<Condition> {
    let Some(&ColumnType::Numeric { places, min, max }) = job.columns().get(col).map(|c| &c.ty)
    else {
        return None;
    };
    let lo = lo.filter(|&l| l > min);
    let hi = hi.filter(|&h| h <= max);
    let empty = lo.is_some_and(|l| l > max)
        || hi.is_some_and(|h| h <= min)
        || matches!((lo, hi), (Some(l), Some(h)) if l >= h);
    if empty {
        return Some(Condition::Range {
            places,
            lo: Some(0),
            hi: Some(0),
        });
    }
    (lo.is_some() || hi.is_some()).then_some(Condition::Range { places, lo, hi })
}

#[cfg(test)]
#[path = "plan_values_tests.rs"]
mod tests;
