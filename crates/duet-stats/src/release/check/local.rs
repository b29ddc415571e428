//! This side's part of the dry run: its ledger's account, and the cells
//! its own data would have withheld by the per-party rule or flagged by
//! dominance. Only names and rules leave this file, never a count or sum.

use serde::Serialize;

use super::super::gates::GatedCount;
use super::super::ledger::{dataset_key, Ledger, LedgerError, Spend};
use super::super::record::Facts;
use crate::job::{Job, LocalConfig};
use crate::plan::{Block, BlockKind, LocalAggregates};
use crate::prepare::StudyInput;

/// The ledger's account for this side's dataset.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerCheck {
    /// The ledger file.
    pub path: String,
    /// The dataset key (the CSV's fingerprint or the configured id).
    pub dataset: String,
    /// What earlier runs spent on the dataset.
    pub spent: Spend,
    /// What this job would spend.
    pub this_job: Spend,
    /// The lifetime budget.
    pub budget: Spend,
    /// Why the budget check refuses the run, if it does.
    pub refusal: Option<String>,
}

/// What this side's data alone triggers.
#[derive(Debug, Clone, Serialize)]
pub struct LocalFindings {
    /// The CSV read.
    pub csv: String,
    /// Why the per-party and dominance rules are not checked, if not.
    pub not_checked: Option<String>,
    /// The cells, by name, with the rule each fires.
    pub findings: Vec<LocalFinding>,
}

/// A cell this side's own data puts at risk.
#[derive(Debug, Clone, Serialize)]
pub struct LocalFinding {
    /// The cell (a gated count's or a value's name).
    pub cell: String,
    /// The rule it fires.
    pub rule: String,
    /// What the run will do.
    pub outcome: String,
}

/// The ledger's account, and whether its budget check refuses `this_job`.
pub(super) fn ledger(local: &LocalConfig, this_job: Spend) -> Result<LedgerCheck, LedgerError> {
    let path = local.ledger_path();
    let ledger = Ledger::load(&path)?;
    let dataset = dataset_key(local)?;
    let budget = Spend::budget_of(&local.ledger);
    let refusal = ledger
        .check_budget(&dataset, budget, this_job)
        .err()
        .map(|e| e.to_string());
    Ok(LedgerCheck {
        path: path.display().to_string(),
        spent: ledger.spent(&dataset),
        dataset,
        this_job,
        budget,
        refusal,
    })
}

/// The cells this side's own aggregates fail (per-party) or may fail
/// (dominance).
pub(super) fn findings(
    job: &Job,
    facts: &Facts<'_>,
    local: &LocalConfig,
    input: &StudyInput,
) -> LocalFindings {
    let not_checked = if job.link().is_some() {
        Some("a linked study: every record is both sides', so the per-party and dominance rules do not apply".to_string())
    } else if facts.policy.dp.is_some() {
        Some(
            "under DP the per-party and dominance rules are off (the noise gives the guarantee)"
                .to_string(),
        )
    } else if !facts.own {
        Some("the per-party threshold is at most 1 and dominance is off".to_string())
    } else {
        None
    };
    let findings = match (input.aggregates(), &not_checked) {
        (Some(own), None) => {
            let mut out = per_party(facts, own);
            out.extend(survival(facts, own));
            out.extend(dominance(facts, own));
            out
        }
        _ => Vec::new(),
    };
    LocalFindings {
        csv: local.csv.display().to_string(),
        not_checked,
        findings,
    }
}

/// Gated counts whose own part is in `1..per_party`: withheld.
fn per_party(facts: &Facts<'_>, own: &LocalAggregates) -> Vec<LocalFinding> {
    let min = facts.policy.per_party();
    let rule = format!("per-party: this side's part is between 1 and {}", min - 1);
    facts
        .gated
        .iter()
        .filter(|g| (1..i128::from(min)).contains(&g.eval(own.values())))
        .map(|g| LocalFinding {
            cell: g.label.clone(),
            rule: rule.clone(),
            outcome: outcome(facts, g).into(),
        })
        .collect()
}

fn outcome(facts: &Facts<'_>, g: &GatedCount) -> &'static str {
    let first = facts.gated.iter().find(|o| o.cell == g.cell);
    match block_of(facts, g.cell).map(|(b, _)| &b.kind) {
        Some(BlockKind::Survival { .. }) => {
            "withheld: this interval and the later ones are merged into the last span released (too few at risk)"
        }
        Some(BlockKind::Cross { .. }) if first != Some(g) => {
            "withheld: the whole statistic (a category level fails)"
        }
        _ => "withheld",
    }
}

/// The plan block holding global cell `cell`, and the cell's index in it.
fn block_of<'a>(facts: &Facts<'a>, cell: usize) -> Option<(&'a Block, usize)> {
    let mut first = 0;
    for b in facts.plan.blocks() {
        if cell < first + b.cells {
            return Some((b, cell - first));
        }
        first += b.cells;
    }
    None
}

/// Survival intervals whose own events or censored are in
/// `1..per_party`: merged with the next.
fn survival(facts: &Facts<'_>, own: &LocalAggregates) -> Vec<LocalFinding> {
    let min = facts.policy.per_party();
    let mut out = Vec::new();
    for b in facts.plan.blocks() {
        if !matches!(b.kind, BlockKind::Survival { .. }) {
            continue;
        }
        for c in 0..b.cells {
            for slot in 1..b.width {
                let at = b.offset + c * b.width + slot;
                let part = own.values().get(at).copied().unwrap_or(0);
                if (1..i128::from(min)).contains(&part) {
                    out.push(LocalFinding {
                        cell: b.value_name(c, slot),
                        rule: format!("per-party: this side's part is between 1 and {}", min - 1),
                        outcome:
                            "merged with the following intervals (or into the last span released)"
                                .into(),
                    });
                }
            }
        }
    }
    out
}

/// Sum and mean cells whose own top n already hold more than k% of this
/// side's own total: they may fail dominance on the pooled values.
fn dominance(facts: &Facts<'_>, own: &LocalAggregates) -> Vec<LocalFinding> {
    let n = facts.plan.dominance_n();
    let d = facts.policy.dominance;
    let mut out = Vec::new();
    for (j, dc) in facts.plan.dominance_cells().iter().enumerate() {
        let slots = own
            .tops()
            .get(j * (n + 1)..(j + 1) * (n + 1))
            .unwrap_or(&[]);
        let Some((&total, top)) = slots.split_first() else {
            continue;
        };
        let top = top.iter().fold(0i128, |a, &t| a.saturating_add(t));
        if total.saturating_mul(i128::from(d.k)) >= top.saturating_mul(100) {
            continue;
        }
        let name = facts
            .gated
            .iter()
            .find(|g| g.cell == dc.cell && g.level == dc.level);
        out.push(LocalFinding {
            cell: name.map_or_else(|| "?".into(), |g| g.label.clone()),
            rule: format!(
                "dominance: this side's own top {} hold more than {}% of its own total",
                d.n, d.k
            ),
            outcome: "may be withheld (dominance is decided on the pooled values)".into(),
        });
    }
    out
}
