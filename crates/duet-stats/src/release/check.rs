//! The dry run a privacy officer reads before anything connects
//! (`duet check`): the policy and rules in force, every rule bit and
//! every value the job would open, with its provenance and the rules
//! applied to it, the job's DP spend against this side's ledger, and what
//! this side's data alone would trigger.
//!
//! Guarantee: nothing is sent, nothing is written, and no number computed
//! from the data appears in the report: the local findings name cells and
//! the rule that fires, never a count or a sum. What is decided during the
//! run (which cells pass, how survival intervals merge, secondary
//! withholdings) is described, not predicted.

mod local;
mod models;

use std::ops::Range;

use serde::Serialize;

use super::gates::{self, GatedCount};
use super::ledger::{LedgerError, Spend};
use super::open::{self, Openable};
use super::plan_values::plan_values;
use super::provenance::LinearValue;
use super::record::{self, Facts, SECONDARY_RULE};
use crate::dp::{self, DpError};
use crate::job::{Job, LocalConfig, Policy, StatisticSpec, Suppress};
use crate::plan::{Block, BlockKind, Plan, PlanError};
use crate::prepare::{prepare_data, PrepareError};
use crate::results::DpSummary;

pub use local::{LedgerCheck, LocalFinding, LocalFindings};

/// Why the dry run could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// This side's settings or data were refused (as `duet run` would).
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The job cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The job's DP noise cannot be planned.
    #[error(transparent)]
    Dp(#[from] DpError),
    /// The ledger could not be read, or the dataset not fingerprinted.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What a job would release, and under which rules.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The job's name.
    pub job_name: String,
    /// The job's canonical hash (hex).
    pub job_hash: String,
    /// The OT extension the run would use (`protocol.ot_extension`).
    pub ot_extension: String,
    /// `checked`, or `off: <the job's reason>`.
    pub control: String,
    /// The policy this side enforces (the run enforces the tighter of
    /// both sides').
    pub policy: Policy,
    /// Where the policy comes from.
    pub policy_source: &'static str,
    /// The rules in force, one sentence each.
    pub rules: Vec<String>,
    /// Rule bits opened in the gate's first round (survival merging
    /// opens more, decided during the run).
    pub first_round_bits: usize,
    /// Per statistic: its rule bits and the values it would open.
    pub statistics: Vec<StatisticCheck>,
    /// The job's DP guarantee, if it asks for one.
    pub dp: Option<DpSummary>,
    /// What this job spends of the lifetime budget (0 without DP).
    pub this_job: Spend,
    /// The ledger's account (with local settings).
    pub ledger: Option<LedgerCheck>,
    /// What this side's data alone would trigger (with local settings).
    pub local: Option<LocalFindings>,
}

/// One statistic's rule bits and values.
#[derive(Debug, Clone, Serialize)]
pub struct StatisticCheck {
    /// `#1 count(by region)`.
    pub label: String,
    /// The primary rules of its cells.
    pub rules: Vec<String>,
    /// The rule bits the first round opens for it.
    pub bits: Vec<RuleBit>,
    /// Every value it may open, in opening order.
    pub values: Vec<PlannedValue>,
    /// What is decided during the run, and what stays on shares.
    pub notes: Vec<String>,
}

/// One opened rule bit: 1 when its count fails.
#[derive(Debug, Clone, Serialize)]
pub struct RuleBit {
    /// `#1 count(by region)[region=north].suppressed`.
    pub name: String,
    /// The rules OR-ed into it.
    pub decides: String,
}

/// A value the job would open if its rule bits pass.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedValue {
    /// Its name in the results.
    pub name: String,
    /// The records and quantity it sums (none for values computed on
    /// shares: model coefficients, correlations).
    pub provenance: Option<LinearValue>,
    /// The provenance, or what the value is, in words.
    pub what: String,
    /// The rules it must pass.
    pub rules: Vec<String>,
}

impl CheckReport {
    /// Every planned value, statistic by statistic.
    pub fn values(&self) -> impl Iterator<Item = &PlannedValue> {
        self.statistics.iter().flat_map(|s| s.values.iter())
    }
}

/// The dry run of `job`; with `local`, against this side's policy, ledger
/// and data (loaded and checked as `duet run` does).
pub fn check(job: &Job, local: Option<&LocalConfig>) -> Result<CheckReport, CheckError> {
    let prepared = local.map(|l| prepare_data(job, l)).transpose()?;
    let (plan, policy) = match &prepared {
        Some(p) => (p.plan.clone(), p.policy.clone()),
        None => (Plan::new(job)?, job.policy().clone()),
    };
    let own = rules_need_own_parts(job, &plan, &policy);
    let gated = gates::gated_counts(job, &plan, &policy);
    let facts = Facts {
        policy: &policy,
        plan: &plan,
        own,
        gated: &gated,
        count_failed: &[],
        curves: &[],
        index: super::record::RuleIndex::new(&plan, &gated),
    };
    let statistics = statistics(job, &facts);
    let dp = dp::budget(job, &plan)?;
    let this_job = dp.as_ref().map_or_else(Spend::default, |d| Spend {
        epsilon: d.epsilon,
        delta: d.delta,
    });
    let ledger = local.map(|l| local::ledger(l, this_job)).transpose()?;
    let findings = local
        .zip(prepared.as_ref())
        .map(|(l, p)| local::findings(job, &facts, l, &p.input));
    Ok(CheckReport {
        job_name: job.name().to_string(),
        job_hash: job.hash_hex(),
        ot_extension: job.ot_extension().name().to_string(),
        control: record::control(&policy),
        policy_source: match local {
            Some(_) => "the job's, tightened by this side's local settings",
            None => "the job's (each side may tighten it in its local settings)",
        },
        rules: record::rules_in_force(&facts),
        first_round_bits: statistics.iter().map(|s| s.bits.len()).sum(),
        statistics,
        dp,
        this_job,
        ledger,
        local: findings,
        policy,
    })
}

/// Whether the per-party and dominance rules apply, as the gate decides
/// it: a pooled study without DP, with either rule able to fire.
fn rules_need_own_parts(job: &Job, plan: &Plan, policy: &Policy) -> bool {
    let vacuous = policy.per_party() <= 1 && plan.dominance_n() == 0;
    job.link().is_none() && policy.dp.is_none() && !vacuous
}

/// What one statistic's values are built from.
struct Ctx<'a> {
    job: &'a Job,
    facts: &'a Facts<'a>,
    provenance: Vec<LinearValue>,
    openables: Vec<Openable>,
}

fn statistics(job: &Job, facts: &Facts<'_>) -> Vec<StatisticCheck> {
    let provenance = plan_values(job, facts.plan);
    let openables = open::plain(job, facts.plan, &provenance, facts.gated);
    let ctx = Ctx {
        job,
        facts,
        provenance,
        openables,
    };
    let mut first = 0;
    let mut out = Vec::new();
    for b in facts.plan.blocks() {
        out.push(statistic(&ctx, b, first..first + b.cells));
        first += b.cells;
    }
    out
}

fn statistic(ctx: &Ctx<'_>, b: &Block, cells: Range<usize>) -> StatisticCheck {
    let rules = ctx.facts.rules(cells.start);
    let mut linear_rules = rules.clone();
    if !ctx.facts.policy.control_off() {
        linear_rules.push(SECONDARY_RULE.into());
    }
    let spec = ctx.job.statistics().get(b.stat);
    let (values, mut notes) = match (&b.kind, spec) {
        (BlockKind::Survival { .. }, _) => survival(ctx, b, &cells, &linear_rules),
        // Before the general cross block: a logistic block is one too.
        (_, Some(StatisticSpec::LogisticRegression { x, .. })) => {
            let mut values = counts_only(ctx, &cells, &linear_rules);
            let (fit, notes) = models::logistic(ctx.job, b, x, &rules);
            values.extend(fit);
            (values, notes)
        }
        (BlockKind::Cross { terms }, Some(spec)) => {
            let mut values = counts_only(ctx, &cells, &linear_rules);
            let (fit, notes) = models::cross(ctx.job, b, spec, terms, &rules);
            values.extend(fit);
            (values, notes)
        }
        (_, Some(StatisticSpec::Quantile { column, .. })) => {
            let mut values = plain(ctx, &cells, &linear_rules);
            let (found, notes) =
                models::quantile(ctx.facts.plan, b, column, &rules, ctx.facts.policy.min_cell);
            values.extend(found);
            (values, notes)
        }
        _ => (plain(ctx, &cells, &linear_rules), vec![]),
    };
    if ctx.facts.policy.dp.is_some() {
        notes.push("every released count and sum carries both sides' DP noise".into());
    }
    StatisticCheck {
        label: b.label.clone(),
        rules,
        bits: bits(ctx.facts, b, &cells),
        values,
        notes,
    }
}

fn planned(o: &Openable, rules: &[String]) -> PlannedValue {
    PlannedValue {
        name: o.name.clone(),
        what: o.value.to_string(),
        provenance: Some(o.value.clone()),
        rules: rules.to_vec(),
    }
}

/// Every element of the statistic's cells.
fn plain(ctx: &Ctx<'_>, cells: &Range<usize>, rules: &[String]) -> Vec<PlannedValue> {
    ctx.openables
        .iter()
        .filter(|o| cells.contains(&o.cell))
        .map(|o| planned(o, rules))
        .collect()
}

/// A model's n and the count of each category level of its predictors
/// (what the gate opens of it; its other sums stay on shares).
fn counts_only(ctx: &Ctx<'_>, cells: &Range<usize>, r: &[String]) -> Vec<PlannedValue> {
    ctx.openables
        .iter()
        .filter(|o| cells.contains(&o.cell))
        .map(|o| planned(o, r))
        .collect()
}

/// Per group and interval: at risk, events, censored; spans are merged
/// during the run.
fn survival(
    ctx: &Ctx<'_>,
    b: &Block,
    cells: &Range<usize>,
    rules: &[String],
) -> (Vec<PlannedValue>, Vec<String>) {
    let mut values = Vec::new();
    for c in 0..cells.len() {
        for slot in 0..b.width {
            let at = b.offset + c * b.width + slot;
            let value = ctx.provenance.get(at).cloned().unwrap_or_default();
            let when = match slot {
                0 => "released for the first interval of each released span",
                _ => "possibly merged with the following intervals",
            };
            values.push(PlannedValue {
                name: b.value_name(c, slot),
                what: format!("{value} ({when})"),
                provenance: Some(value),
                rules: rules.to_vec(),
            });
        }
    }
    let min = ctx.facts.policy.min_cell;
    let notes = vec![
        format!("the spans are decided during the run: one round per interval opens 2 rule bits per curve still open (the candidate span's events and censored, each pooled 0 or >= {min}), at most {} bits in all with the tail round; a failing interval is merged with the next", 4 * cells.len()),
        "the forward pass ends at the first interval whose number at risk fails (its first-round bit), or when the last intervals fail even merged; one more round then opens 2 bits per released span of such a curve (that span merged with the rest, to the last edge), and the latest span that passes takes the rest, or the curve is withheld; the notes of the results say which".into(),
        "every count whose bit failed (and every failed number at risk) is a withheld value of the differencing test, so no other curve, statistic or earlier run gives it by subtraction".into(),
    ];
    (values, notes)
}

/// The rule bits of the statistic's cells: one per gated count, or one
/// for the whole statistic in table mode.
fn bits(facts: &Facts<'_>, b: &Block, cells: &Range<usize>) -> Vec<RuleBit> {
    let mine: Vec<&GatedCount> = facts
        .gated
        .iter()
        .filter(|g| cells.contains(&g.cell))
        .collect();
    if facts.policy.suppress == Suppress::Table {
        return vec![RuleBit {
            name: format!("{}.suppressed", b.label),
            decides: format!("any of its {} gated counts fails its rules", mine.len()),
        }];
    }
    let dominance = facts.plan.dominance_cells();
    let mut out: Vec<RuleBit> = Vec::new();
    for g in mine.iter() {
        let zero = if g.zero_ok { "0 or " } else { "" };
        let mut decides = format!("pooled count {zero}>= {}", g.threshold);
        if facts.own {
            decides.push_str(&format!(
                "; each side's part 0 or >= {}",
                g.party_min.unwrap_or(facts.policy.per_party())
            ));
        }
        if facts.own
            && dominance
                .iter()
                .any(|c| c.cell == g.cell && c.level == g.level)
        {
            let d = facts.policy.dominance;
            decides.push_str(&format!("; top {} below {}% of the total", d.n, d.k));
        }
        out.push(RuleBit {
            name: format!("{}.suppressed", g.label),
            decides,
        });
    }
    out
}

#[cfg(test)]
mod tests;
