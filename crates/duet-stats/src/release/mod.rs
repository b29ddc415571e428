//! The release gate: the one place where a study opens anything.
//!
//! Every number a job opens passes here, and nowhere else: suppression bits
//! (decided on secret shares) and the released values themselves. Each
//! opened value carries its provenance ([`provenance::LinearValue`]: the
//! records it aggregates, as a cell of column conditions, and the quantity
//! summed over them) and the rules it passed.
//!
//! The rules, one file each, each stating its guarantee beside its code:
//! - [`floor`]: a policy that would switch control off is refused unless
//!   the job says `disclosure = "off"` with a reason;
//! - pooled threshold, per-party threshold and dominance: the primary
//!   decisions, made on shares; only one bit per cell is opened;
//! - `secondary`: after the primary bits are open, both sides withhold
//!   whatever would let a withheld value be recomputed as a linear
//!   combination of released ones (this job's and the ledger's).
//!
//! [`check`] is the dry run of all of this before anything connects.
//!
//! [`ledger`] is each side's local record of what its runs released and
//! withheld, and of the privacy budget they spent, per dataset.
//!
//! Beneath the rules: `plan_values` gives every plan element its
//! provenance, `atoms` turns values into 0/1 vectors over the finest
//! partition of the records, and `span` decides exact membership in a
//! rational span.
//!
//! The attack tests of every rule are in `tests/attacks/`.

pub mod agree;
pub(crate) mod atoms;
pub mod check;
pub mod dominance;
pub mod floor;
pub(crate) mod gates;
pub mod ledger;
pub(crate) mod models;
pub(crate) mod open;
pub(crate) mod per_party;
pub(crate) mod plan_values;
pub mod provenance;
pub mod quantile;
mod record;
pub mod run_ledger;
pub(crate) mod secondary;
pub(crate) mod span;
pub(crate) mod survival;
#[cfg(test)]
mod test_oracle;
pub(crate) mod threshold;

use duet_core::{Channel, Engine, EngineError, Preprocessing, Ring, Shared};

use crate::dp::NoisePlan;
use crate::job::{Job, Policy, Suppress};
use crate::plan::{LocalAggregates, Plan};

pub(crate) use open::{open_bits, open_derived};
pub use record::{DisclosureRecord, ModelRelease, ReleasedValue, WithheldValue};

use gates::GatedCount;
use open::Openable;
use survival::Curve;

/// What earlier runs released and withheld on the same data with the same
/// peer (from this side's ledger): they join secondary suppression.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Earlier {
    /// Values released earlier.
    pub released: Vec<provenance::LinearValue>,
    /// Values withheld earlier.
    pub withheld: Vec<provenance::LinearValue>,
}

/// Why the gate failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// A secure step failed (link, peer message, preprocessing).
    #[error("release gate: {0}")]
    Engine(#[from] EngineError),
    /// An opened rule bit is neither 0 nor 1 (a deviating peer).
    #[error("release gate: opened rule bit {index} is not 0 or 1")]
    BadBit {
        /// The bit.
        index: usize,
    },
    /// The peer's withheld-cell bitmap has the wrong length.
    #[error(
        "release gate: the peer's secondary-suppression bitmap has {len} bytes, not the plan's"
    )]
    BadWithhold {
        /// Bytes received.
        len: usize,
    },
    /// The two sides did not agree on the withheld cells in time (a
    /// deviating peer that keeps adding cells).
    #[error("release gate: secondary suppression did not agree within {rounds} exchanges")]
    NoAgreement {
        /// The bound.
        rounds: usize,
    },
    /// A share vector did not have the plan's layout (an internal error).
    #[error("release gate: a share vector does not have the plan's layout")]
    Layout,
    /// A regression or correlation on shares failed.
    #[error("release gate: model on shares: {0}")]
    Model(String),
    /// DP noise could not be drawn.
    #[error("release gate: drawing the DP noise failed")]
    Noise,
    /// The differencing test could not run (a job too large for it).
    #[error("release gate: {0}")]
    Differencing(String),
}

/// What the gate decided and opened.
pub(crate) struct Gated {
    /// Per plan cell: withheld (by any rule, primary or secondary).
    pub(crate) withheld: Vec<bool>,
    /// Per plan element: its released value (only the elements released
    /// as themselves; survival spans are in `spans`).
    pub(crate) values: Vec<Option<i128>>,
    /// The survival curves: released spans and why each stops.
    pub(crate) curves: Vec<Curve>,
    /// Per released span: at risk, events, censored.
    pub(crate) span_values: Vec<(survival::Span, [i128; 3])>,
    /// Every value released or withheld, with provenance and rules.
    pub(crate) record: DisclosureRecord,
    /// Every rule bit opened, by name, in order.
    pub(crate) bits: Vec<(String, bool)>,
    /// Per released cross block (plan block index): its model.
    pub(crate) models: Vec<(usize, models::Model)>,
    /// Per released group of each quantile statistic: its quantiles.
    pub(crate) quantiles: Vec<quantile::QuantileOutcome>,
    /// Each released quantile by name, in grid units.
    pub(crate) quantile_values: Vec<(String, i128)>,
}

/// How many rule bits the gate opens in its first round: one per gated
/// count (every cell's count, and every category level of each model).
pub fn gated_len(job: &Job, plan: &Plan, policy: &Policy) -> usize {
    gates::gated_counts(job, plan, policy).len()
}

/// Runs the gate: pools the two sides' aggregates on shares (adding DP
/// noise when the job asks), decides every rule on shares, opens one bit
/// per gated count, withholds what secondary suppression requires and
/// opens the released values. Returns the pooled shares too, for values
/// computed on them afterwards (regressions, correlations).
pub(crate) async fn run<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    plan: &Plan,
    policy: &Policy,
    local: &LocalAggregates,
    noise: Option<&NoisePlan>,
    earlier: &Earlier,
) -> Result<(Gated, Shared<R>), GateError> {
    let pooled = pool(engine, plan, local, noise).await?;
    let gated = gates::gated_counts(job, plan, policy);
    let vacuous = policy.per_party() <= 1 && plan.dominance_n() == 0;
    let own = (local.is_own() && noise.is_none() && !vacuous).then(|| local.values());
    let fail = primary(engine, plan, policy, &pooled, &gated, local, own).await?;
    let (count_failed, cell_failed) = open_cells(engine, plan, policy, &gated, &fail).await?;
    let thresholds = (policy.min_cell, policy.per_party());
    let (curves, round_bits) =
        survival::merge_intervals(engine, plan, &pooled, &cell_failed, own, thresholds).await?;
    let mut bits = opened_bits(plan, policy, &gated, &count_failed);
    bits.extend(round_bits);
    let provenance = plan_values::plan_values(job, plan);
    let mut openables = open::plain(job, plan, &provenance, &gated);
    let spans = open::spans(plan, &provenance, &curves, plan.cells());
    openables.extend(spans.iter().flat_map(|(_, o)| o.iter().cloned()));
    let released_groups = plan.cells() + spans.len();
    let failed = open::failed_counts(plan, &provenance, &curves, released_groups);
    let mut withheld = vec![false; released_groups + failed.len()];
    openables.extend(failed);
    for (g, w) in withheld.iter_mut().enumerate() {
        *w = match g < plan.cells() {
            true => cell_failed.get(g).copied().unwrap_or(true),
            // A span passed its rules; a failed count is never opened.
            false => g >= released_groups,
        };
    }
    let secondary = if policy.control_off() {
        Vec::new()
    } else {
        let domain = atoms::domain_of(job);
        agree::agreed(
            engine.channel(),
            &openables,
            &mut withheld,
            &domain,
            earlier,
        )
        .await?
    };
    let released: Vec<&Openable> = openables
        .iter()
        .filter(|o| !withheld.get(o.group).copied().unwrap_or(true))
        .collect();
    let opened = open::open_values(engine, &pooled, &released).await?;
    let facts = record::Facts {
        policy,
        plan,
        own: own.is_some(),
        gated: &gated,
        count_failed: &count_failed,
        curves: &curves,
        index: record::RuleIndex::new(plan, &gated),
    };
    let mut record = record::build(&facts, &openables, &withheld, &secondary, &opened);
    let mut values = vec![None; plan.len()];
    let mut span_values = Vec::new();
    // A value released as a plan element itself (`terms` one element with
    // coefficient 1) fills that element; combinations (a model's reference
    // level, survival spans) are kept apart.
    for (o, &v) in released.iter().zip(&opened) {
        if let ([(e, 1)], true) = (o.terms.as_slice(), o.group < plan.cells()) {
            if let Some(slot) = values.get_mut(*e) {
                *slot = Some(v);
            }
        }
    }
    for (span, vals) in &spans {
        let got: Vec<i128> = vals
            .iter()
            .filter_map(|o| released.iter().position(|r| r.name == o.name))
            .filter_map(|i| opened.get(i).copied())
            .collect();
        if let [a, e, c] = got[..] {
            span_values.push((*span, [a, e, c]));
        }
    }
    let withheld: Vec<bool> = withheld.iter().take(plan.cells()).copied().collect();
    let opened_models = models::open_models(engine, job, plan, &pooled, &withheld, &values).await?;
    record::add_models(&mut record, plan, &opened_models);
    let gate = (withheld.as_slice(), values.as_slice());
    let max_rows = job.data().max_rows;
    let q = quantile::run(engine, plan, policy, &pooled, gate, local, max_rows).await?;
    record.models.extend(q.releases);
    record.notes.extend(q.notes);
    bits.extend(q.bits);
    let gated = Gated {
        quantiles: q.outcomes,
        quantile_values: q.values,
        models: opened_models.into_iter().map(|(i, m, _)| (i, m)).collect(),
        withheld,
        values,
        curves,
        span_values,
        record,
        bits,
    };
    Ok((gated, pooled))
}

/// The names of the first round's opened bits: one per gated count, or one
/// per statistic in table mode.
fn opened_bits(
    plan: &Plan,
    policy: &Policy,
    gated: &[GatedCount],
    failed: &[bool],
) -> Vec<(String, bool)> {
    if policy.suppress == Suppress::Table {
        let mut first = 0;
        return plan
            .blocks()
            .iter()
            .map(|b| {
                let bit = gated
                    .iter()
                    .zip(failed)
                    .any(|(g, &f)| f && (first..first + b.cells).contains(&g.cell));
                first += b.cells;
                (format!("{}.suppressed", b.label), bit)
            })
            .collect();
    }
    gated
        .iter()
        .zip(failed)
        .map(|(g, &f)| (format!("{}.suppressed", g.label), f))
        .collect()
}

/// Both sides' aggregates as shares of the pooled values, with this side's
/// DP noise on its own share before anything is compared or opened.
async fn pool<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    local: &LocalAggregates,
    noise: Option<&NoisePlan>,
) -> Result<Shared<R>, GateError> {
    let mine = engine.share_input(&local.to_ring::<R>()).await?;
    let theirs = engine.receive_input::<R>(plan.len()).await?;
    let mut pooled = mine.add(&theirs).map_err(len("pooling"))?;
    if let Some(n) = noise {
        // Suppression then decides on noisy counts (post-processing).
        let draw = n
            .draw::<R, _>(&mut engine.private_rng())
            .map_err(|_| GateError::Noise)?;
        pooled = pooled
            .add(&Shared::from_shares(draw))
            .map_err(len("noise"))?;
    }
    Ok(pooled)
}

fn len(step: &'static str) -> impl Fn(duet_core::LengthMismatch) -> GateError {
    move |source| GateError::Engine(EngineError::Length { step, source })
}

/// Shares of each gated count's rule bit: below its pooled threshold, or
/// (own parts, no DP) a side's part in 1..per_party, or (sum cells) the
/// dominance rule violated.
async fn primary<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    policy: &Policy,
    pooled: &Shared<R>,
    gated: &[GatedCount],
    local: &LocalAggregates,
    own: Option<&[i128]>,
) -> Result<Shared<R>, GateError> {
    let shares = pooled.shares();
    let counts: Vec<R> = gated
        .iter()
        .map(|g| gates::combine(shares, &g.terms))
        .collect();
    let thresholds: Vec<u64> = gated.iter().map(|g| g.threshold).collect();
    let counts = Shared::from_shares(counts);
    let zero_ok: Vec<bool> = gated.iter().map(|g| g.zero_ok).collect();
    let bound = plan.count_bound();
    let mut fail = threshold::below(engine, &counts, &thresholds, &zero_ok, bound).await?;
    let Some(own) = own else { return Ok(fail) };
    let mine = per_party::own_bits::<R>(gated, own, policy.per_party());
    let sides = per_party::either_side(engine, &mine).await?;
    fail = per_party::or(engine, &fail, &sides).await?;
    let cells = plan.dominance_cells();
    if cells.is_empty() {
        return Ok(fail);
    }
    let n = plan.dominance_n();
    let inputs = dominance::own_inputs::<R>(local.tops(), n);
    let k = policy.dominance.k;
    let dom = dominance::violated(engine, &inputs, cells.len(), (n, k)).await?;
    // Spread each dominance bit onto the gated count of the same cell and
    // level (a model's level, or the cell's own count).
    let spread: Vec<R> = gated
        .iter()
        .map(|g| {
            cells
                .iter()
                .position(|c| c.cell == g.cell && c.level == g.level)
                .and_then(|j| dom.shares().get(j).copied())
                .unwrap_or(R::ZERO)
        })
        .collect();
    Ok(per_party::or(engine, &fail, &Shared::from_shares(spread)).await?)
}

/// Opens the rule bits: one per gated count (per statistic in table mode).
/// Returns the failed gated counts and, per plan cell, whether it failed.
async fn open_cells<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    policy: &Policy,
    gated: &[GatedCount],
    fail: &Shared<R>,
) -> Result<(Vec<bool>, Vec<bool>), GateError> {
    let mut cell_failed = vec![false; plan.cells()];
    if policy.suppress == Suppress::Table {
        let mut first = 0;
        let mut sums = Vec::new();
        for b in plan.blocks() {
            let cells = first..first + b.cells;
            let sum = gated
                .iter()
                .zip(fail.shares())
                .filter(|(g, _)| cells.contains(&g.cell))
                .fold(R::ZERO, |acc, (_, &v)| acc + v);
            sums.push(sum);
            first += b.cells;
        }
        let sums = Shared::from_shares(sums);
        let zeros = engine.constant(&vec![R::ZERO; sums.len()]);
        let any = engine.lt(&zeros, &sums).await?;
        let per_block = open_bits(engine, &any).await?;
        let mut at = 0;
        for (b, bit) in plan.blocks().iter().zip(per_block) {
            for w in cell_failed.iter_mut().skip(at).take(b.cells) {
                *w = bit;
            }
            at += b.cells;
        }
        let counts = gated
            .iter()
            .map(|g| cell_failed.get(g.cell).copied().unwrap_or(true))
            .collect();
        return Ok((counts, cell_failed));
    }
    let bits = open_bits(engine, fail).await?;
    for (g, &bit) in gated.iter().zip(&bits) {
        if let Some(w) = cell_failed.get_mut(g.cell) {
            *w |= bit;
        }
    }
    Ok((bits, cell_failed))
}
