//! Quantiles through the gate: which may be searched, the search itself
//! (`bisect`), and what the record says of them.
//!
//! # The rule
//! A quantile of a group is searched, and its bits opened, only when
//! 1. the group's count passed every rule of the gate (pooled threshold
//!    `max(min_cell, min_group)`, each side's part 0 or at least
//!    `min_cell_per_party`, secondary suppression), so its `n` is released;
//! 2. `n * p >= min_cell` and `n * (1 - p) >= min_cell` (the extreme rule),
//!    decided on shares as `n >= ceil(min_cell * 10^k / min(p_s, 10^k -
//!    p_s))`, in the same comparison batch as the search's first level, and
//!    opened as one bit per released group and `p` before any bit of the
//!    search (a lane that fails opens nothing more).
//!
//! Guarantee: the released value `v` is the order statistic `x_(r)`, `r =
//! ceil(n p)`, so at least `r >= n p >= min_cell` pooled records lie at or
//! below it and `n - r + 1 > n (1 - p) >= min_cell` at or above it. It is
//! never the minimum, the maximum, or any of the `min_cell - 1` most
//! extreme values at either end, the values output checkers treat as a
//! record's own (SACRO/ACRO's statistical disclosure control guidance
//! fails minima and maxima outright and treats percentiles like them
//! unless enough records lie beyond them; Griffiths et al., *Handbook on
//! Statistical Disclosure Control for Outputs*, 2019, section on
//! percentiles). A group that fails the gate opens nothing here: not its
//! rule bits, not its bisection bits, so nothing about its count leaks.
//!
//! # What each party and a reader learn
//! A reader of the results learns, per released group and `p`, one value
//! that some record of the group holds (type 1 picks observed values), and
//! that fewer than `p n` records lie below it and at least `p n` at or
//! below it. Each party learns the same, plus the rule bits and the
//! bisection bits, which the released `n` and values already imply. What no
//! rule removes, as with every pooled release (DESIGN: "a released pooled
//! aggregate minus a side's own part is the other side's aggregate"): a
//! side that subtracts its own records learns where the other side's
//! records fall around `v`, and if it holds no record at `v`, that the
//! other side holds one there. The pooled rule bounds `v`'s rank among the
//! pooled records, not among the other side's alone.
//!
//! Attack test: `tests/attacks/quantile.rs`.

mod bisect;

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared};

use super::{GateError, ModelRelease};
use crate::job::{Decimal, Policy};
use crate::plan::{quantile_bound, LocalAggregates, Plan, QuantilePlan};
use bisect::Lane;

/// What the quantiles of one released group gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuantileOutcome {
    /// The quantile statistic (index into `plan.quantiles()`).
    pub(crate) quantile: usize,
    /// The group (cell of the statistic's block).
    pub(crate) group: usize,
    /// Per `p`: the value in grid units, or `None` when the extreme rule
    /// withheld it.
    pub(crate) values: Vec<Option<i64>>,
}

/// Everything the quantile step opened.
#[derive(Debug, Default)]
pub(crate) struct Released {
    /// Per released group of every quantile statistic.
    pub(crate) outcomes: Vec<QuantileOutcome>,
    /// The extreme rule's bits, by name (true: withheld).
    pub(crate) bits: Vec<(String, bool)>,
    /// Each released quantile by name, in grid units.
    pub(crate) values: Vec<(String, i128)>,
    /// Per statistic: what was opened.
    pub(crate) releases: Vec<ModelRelease>,
    /// One per withheld quantile of a released group.
    pub(crate) notes: Vec<String>,
}

/// The smallest `n` with `n * p >= t` and `n * (1 - p) >= t`, for `p =
/// p_scaled / scale`: `ceil(t * scale / min(p_scaled, scale - p_scaled))`.
pub fn extreme_threshold(t: u64, p_scaled: i64, scale: i64) -> u64 {
    let tail = p_scaled.min(scale - p_scaled).max(1).unsigned_abs();
    let need = u128::from(t) * u128::from(scale.unsigned_abs());
    u64::try_from(need.div_ceil(u128::from(tail))).unwrap_or(u64::MAX)
}

/// One released group of one quantile statistic.
struct Group<'a> {
    index: usize,
    plan: &'a QuantilePlan,
    group: usize,
    /// The pooled count's plan element.
    element: usize,
    label: String,
}

/// Runs the rule and the search for every released group of every
/// quantile statistic (after the gate: `withheld` per plan cell, `values`
/// per plan element as released).
pub(crate) async fn run<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    policy: &Policy,
    pooled: &Shared<R>,
    gate: (&[bool], &[Option<i128>]),
    local: &LocalAggregates,
    max_rows: u64,
) -> Result<Released, GateError> {
    let groups = released_groups(plan, gate.0, gate.1);
    let mut out = Released::default();
    if groups.is_empty() {
        return Ok(out);
    }
    let t = policy.min_cell;
    let pairs: Vec<(&Group<'_>, usize)> = groups
        .iter()
        .flat_map(|g| (0..g.plan.grid.p_scaled.len()).map(move |k| (g, k)))
        .collect();
    let shares = pooled.shares();
    let n_of = |g: &Group<'_>| shares.get(g.element).copied().unwrap_or(R::ZERO);
    let rule = extreme_rule(engine, &pairs, n_of, t, max_rows);
    let lanes: Vec<Lane<'_, R>> = pairs
        .iter()
        .map(|(g, k)| lane(g, *k, n_of(g), local))
        .collect();
    let bits = comparison_bits::<R>(plan, max_rows);
    let (fail, found) = bisect::bisect(engine, &lanes, &rule, bits).await?;
    for ((g, k), &failed) in pairs.iter().zip(&fail) {
        out.bits.push((
            format!("{}.p={}.suppressed", g.label, p_text(g, *k)),
            failed,
        ));
    }
    let found: Vec<i64> = found.into_iter().flatten().collect();
    record(&mut out, plan, &groups, &fail, &found, t);
    Ok(out)
}

/// Shares of the extreme rule's value per group and `p`: `n - N` with `N
/// = ceil(t * 10^k / min(p_s, 10^k - p_s))`, negative exactly when the
/// quantile must be withheld. `N` is capped at `2 max_rows + 1` (no group
/// reaches it), so the value fits the search's comparisons.
fn extreme_rule<R: Ring>(
    engine: &Engine<impl Channel, impl Preprocessing>,
    pairs: &[(&Group<'_>, usize)],
    n_of: impl Fn(&Group<'_>) -> R,
    t: u64,
    max_rows: u64,
) -> Vec<R> {
    let cap = max_rows.saturating_mul(2).saturating_add(1);
    let thresholds: Vec<R> = pairs
        .iter()
        .map(|(g, k)| {
            let grid = &g.plan.grid;
            let p = grid.p_scaled.get(*k).copied().unwrap_or(0);
            R::from_u64(extreme_threshold(t, p, grid.p_scale()).min(cap))
        })
        .collect();
    let n = Shared::from_shares(pairs.iter().map(|(g, _)| n_of(g)).collect());
    let neg = engine.constant(&thresholds);
    n.sub(&neg).map_or_else(|_| Vec::new(), Shared::into_shares)
}

/// The groups the gate released with at least one record.
fn released_groups<'a>(
    plan: &'a Plan,
    withheld: &[bool],
    values: &[Option<i128>],
) -> Vec<Group<'a>> {
    let mut out = Vec::new();
    for (index, q) in plan.quantiles().iter().enumerate() {
        let Some(b) = plan.blocks().get(q.block) else {
            continue;
        };
        for group in 0..q.groups {
            let element = b.offset + group * b.width;
            let open = !withheld.get(q.first_cell + group).copied().unwrap_or(true);
            let n = values.get(element).copied().flatten().unwrap_or(0);
            if open && n > 0 {
                out.push(Group {
                    index,
                    plan: q,
                    group,
                    element,
                    label: format!("{}[{}]", b.label, b.cell_name(group)),
                });
            }
        }
    }
    out
}

fn lane<'a, R: Ring>(g: &Group<'_>, k: usize, n: R, local: &'a LocalAggregates) -> Lane<'a, R> {
    let grid = &g.plan.grid;
    Lane {
        own: local.samples(g.index, g.group),
        n,
        min: grid.min,
        levels: grid.levels(),
        p_scaled: grid.p_scaled.get(k).copied().unwrap_or(0),
        scale: grid.p_scale(),
    }
}

/// Bits that hold `|count * 10^k - p_scaled * n|` with its sign, for the
/// largest such bound of the plan's quantiles.
fn comparison_bits<R: Ring>(plan: &Plan, max_rows: u64) -> u32 {
    let bound = plan
        .quantiles()
        .iter()
        .map(|q| quantile_bound(max_rows, q))
        .max()
        .unwrap_or(1);
    (128 - bound.leading_zeros() + 1).min(R::BITS)
}

/// `p` as written (normal form: `0.5`).
fn p_text(g: &Group<'_>, k: usize) -> String {
    let grid = &g.plan.grid;
    let p = grid.p_scaled.get(k).copied().unwrap_or(0);
    Decimal::from_units(p, grid.p_places).to_string()
}

/// Fills outcomes, values, releases and notes from what was opened:
/// `fail` holds one bit per group and `p` (groups in order, each its `p`
/// in order, as `pairs` lists them), `found` one value per bit not set.
fn record(
    out: &mut Released,
    plan: &Plan,
    groups: &[Group<'_>],
    fail: &[bool],
    found: &[i64],
    t: u64,
) {
    let mut fail = fail.iter();
    let mut found = found.iter();
    let mut opened = vec![(0usize, 0usize); plan.quantiles().len()];
    for g in groups {
        let mut values = Vec::new();
        for k in 0..g.plan.grid.p_scaled.len() {
            let failed = fail.next().copied().unwrap_or(true);
            let v = if failed { None } else { found.next().copied() };
            if let Some(slot) = opened.get_mut(g.index) {
                slot.0 += 1;
                slot.1 += v.map_or(0, |_| g.plan.grid.levels() as usize);
            }
            note_value(out, g, k, v, t);
            values.push(v);
        }
        out.outcomes.push(QuantileOutcome {
            quantile: g.index,
            group: g.group,
            values,
        });
    }
    for (q, (rule, bisection)) in plan.quantiles().iter().zip(opened) {
        let label = plan.blocks().get(q.block).map_or("?", |b| b.label.as_str());
        out.releases.push(ModelRelease {
            statistic: label.to_string(),
            count: rule + bisection,
            opened: format!(
                "{rule} extreme-rule bits (one per released group and p) and {bisection} bisection bits ({} per released quantile: its binary digits on the grid, nothing else)",
                q.grid.levels()
            ),
        });
    }
}

/// A released quantile's name and value, or the note of a withheld one.
fn note_value(out: &mut Released, g: &Group<'_>, k: usize, v: Option<i64>, t: u64) {
    let name = format!("{}.p={}", g.label, p_text(g, k));
    match v {
        Some(v) => out.values.push((name, i128::from(v))),
        None => out.notes.push(format!(
            "{} p = {}: withheld (n * p or n * (1 - p) below {t}: the quantile would be among the {t} most extreme records)",
            g.label,
            p_text(g, k)
        )),
    }
}

/// The rule in force, for the record (when the job has quantiles).
pub(crate) fn rule_text(policy: &Policy) -> String {
    let t = policy.min_cell;
    format!("quantiles: searched and opened only in groups released above, and only where n*p >= {t} and n*(1-p) >= {t}, so at least {t} pooled records lie at or below and at or above each released value (never a minimum, maximum or other extreme)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_thresholds_are_exact() {
        // p = 0.5, t = 10: n >= 20.
        assert_eq!(extreme_threshold(10, 5, 10), 20);
        // p = 0.25 or 0.75: n >= 40.
        assert_eq!(extreme_threshold(10, 25, 100), 40);
        assert_eq!(extreme_threshold(10, 75, 100), 40);
        // p = 0.01: n >= 1000; p = 1/3 (0.333333): n >= 31 (30.00003).
        assert_eq!(extreme_threshold(10, 1, 100), 1000);
        assert_eq!(extreme_threshold(10, 333_333, 1_000_000), 31);
        // t = 0 (control off with min_cell 0): nothing fails.
        assert_eq!(extreme_threshold(0, 5, 10), 0);
    }

    #[test]
    fn the_threshold_is_the_smallest_n_meeting_both_tails() {
        for t in [1u64, 3, 10, 11] {
            for (p, s) in [(5, 10), (1, 10), (9, 10), (37, 100), (123, 1000)] {
                let ok = |n: u64| {
                    let n = u128::from(n);
                    let (p, s, t) = (p as u128, s as u128, u128::from(t));
                    n * p >= t * s && n * (s - p) >= t * s
                };
                let need = extreme_threshold(t, p, s);
                assert!(ok(need), "t {t} p {p}/{s}: {need} fails");
                assert!(!ok(need - 1), "t {t} p {p}/{s}: {} passes", need - 1);
            }
        }
    }
}
