//! The disclosure record: every value a study released or withheld, with
//! its provenance and the rules it passed or failed; the rules in force.

use serde::Serialize;
use std::collections::{HashMap, HashSet};

use super::gates::GatedCount;
use super::open::Openable;
use super::provenance::LinearValue;
use super::survival::{Curve, Stop};
use crate::job::Policy;
use crate::plan::{BlockKind, Plan};

/// Every released and withheld value of a study, and the rules in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DisclosureRecord {
    /// `checked`, or `off: <the job's reason>`.
    pub control: String,
    /// The rules in force, one sentence each.
    pub rules: Vec<String>,
    /// Every released value.
    pub released: Vec<ReleasedValue>,
    /// Every withheld value.
    pub withheld: Vec<WithheldValue>,
    /// Category levels of models that failed, and survival curves cut short.
    pub notes: Vec<String>,
    /// Values computed on shares and opened as reported (regression
    /// coefficients, correlations): nonlinear, so not in `released`.
    pub models: Vec<ModelRelease>,
}

/// What a model opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRelease {
    /// The statistic.
    pub statistic: String,
    /// How many values were opened.
    pub count: usize,
    /// Which values were opened.
    pub opened: String,
}

impl DisclosureRecord {
    /// Whether the job switched disclosure control off.
    pub fn is_off(&self) -> bool {
        self.control.starts_with("off")
    }

    /// The control status in words for a report: loud when off.
    pub fn status(&self) -> String {
        match self.control.strip_prefix("off: ") {
            Some(reason) => format!("OFF, by the job: {reason}"),
            None if self.control.is_empty() => "not recorded".into(),
            None => self.control.clone(),
        }
    }

    /// The released values counted by the rules they passed, in
    /// first-seen order: (the rules joined by "; ", how many).
    pub fn released_by_rules(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for r in &self.released {
            let rules = r.rules.join("; ");
            match out.iter_mut().find(|(k, _)| *k == rules) {
                Some((_, n)) => *n += 1,
                None => out.push((rules, 1)),
            }
        }
        out
    }
}

/// A released value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleasedValue {
    /// The value's name.
    pub name: String,
    /// The records and quantity it sums.
    pub provenance: LinearValue,
    /// The exact pooled value, in units of 10^-places.
    pub value: String,
    /// The rules it passed.
    pub rules: Vec<String>,
}

/// A withheld value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WithheldValue {
    /// The value's name.
    pub name: String,
    /// The records and quantity it sums.
    pub provenance: LinearValue,
    /// `primary` (its cell failed a rule) or `secondary` (withheld so that
    /// another withheld value cannot be recomputed).
    pub kind: &'static str,
    /// The rule.
    pub rule: String,
}

/// The rule every released linear value passes besides its cell's.
pub(crate) const SECONDARY_RULE: &str =
    "secondary: no withheld value is a linear combination of released ones";

/// What the record is built from.
pub(crate) struct Facts<'a> {
    pub(crate) policy: &'a Policy,
    pub(crate) plan: &'a Plan,
    pub(crate) own: bool,
    pub(crate) gated: &'a [GatedCount],
    pub(crate) count_failed: &'a [bool],
    pub(crate) curves: &'a [Curve],
    /// Per-cell lookups, built once (a table of 10^4 cells asks per value).
    pub(crate) index: RuleIndex,
}

/// Each cell's threshold (its first gated count's), whether dominance
/// covers it, and its block.
#[derive(Default)]
pub(crate) struct RuleIndex {
    threshold: HashMap<usize, u64>,
    first_gate: HashMap<usize, usize>,
    dominance: HashSet<usize>,
    block: Vec<usize>,
    /// Cells with a gated count that may be 0 (in a model's block: a
    /// logistic fit's level outcomes).
    zero_ok: HashSet<usize>,
}

impl RuleIndex {
    /// The index of `plan`'s cells under `gated`.
    pub(crate) fn new(plan: &Plan, gated: &[GatedCount]) -> Self {
        let mut threshold = HashMap::new();
        let mut first_gate = HashMap::new();
        let mut zero_ok = HashSet::new();
        for (i, g) in gated.iter().enumerate() {
            threshold.entry(g.cell).or_insert(g.threshold);
            first_gate.entry(g.cell).or_insert(i);
            if g.zero_ok {
                zero_ok.insert(g.cell);
            }
        }
        let dominance = plan.dominance_cells().iter().map(|c| c.cell).collect();
        let block = plan
            .blocks()
            .iter()
            .enumerate()
            .flat_map(|(i, b)| std::iter::repeat_n(i, b.cells))
            .collect();
        RuleIndex {
            threshold,
            first_gate,
            dominance,
            block,
            zero_ok,
        }
    }

    /// Whether gated count `i` of `cell` is a category level's: not the
    /// cell's first gated count (its own n).
    fn is_level(&self, i: usize, cell: usize) -> bool {
        self.first_gate.get(&cell).is_some_and(|&first| first != i)
    }
}

impl Facts<'_> {
    fn threshold_rule(&self, cell: usize) -> String {
        let t = self
            .index
            .threshold
            .get(&cell)
            .copied()
            .unwrap_or(self.policy.min_cell);
        format!("pooled count >= {t}")
    }

    /// The per-side rule, at the cell's own minimum where its first gated
    /// count has one (an opened-iterates fit's n).
    fn per_party_rule(&self, cell: usize) -> Option<String> {
        let own_min = self
            .index
            .first_gate
            .get(&cell)
            .and_then(|&i| self.gated.get(i))
            .and_then(|g| g.party_min);
        let min = own_min.unwrap_or(self.policy.per_party());
        self.own.then(|| format!("each side's part 0 or >= {min}"))
    }

    /// Whether the cell's gated counts include a logistic fit's level
    /// outcomes (the only counts of a model that may be 0).
    fn gates_level_outcomes(&self, cell: usize) -> bool {
        self.index.zero_ok.contains(&cell)
    }

    fn dominance_rule(&self, cell: usize) -> Option<String> {
        let d = self.policy.dominance;
        (self.own && self.index.dominance.contains(&cell))
            .then(|| format!("dominance: top {} below {}% of the total", d.n, d.k))
    }

    fn block_kind(&self, cell: usize) -> Option<&BlockKind> {
        let b = *self.index.block.get(cell)?;
        self.plan.blocks().get(b).map(|b| &b.kind)
    }

    /// The primary rules of a cell, one per entry.
    pub(crate) fn rules(&self, cell: usize) -> Vec<String> {
        let mut out = vec![self.threshold_rule(cell)];
        match self.block_kind(cell) {
            Some(BlockKind::Cross { .. }) => {
                out.push(format!(
                    "every category level's pooled count >= {}",
                    self.policy.min_cell
                ));
                if self.gates_level_outcomes(cell) {
                    out.push(format!(
                        "every category level's events and non-events: pooled 0 or >= {}",
                        self.policy.min_cell
                    ));
                }
            }
            Some(BlockKind::Survival { .. }) => out.push(format!(
                "events and censored: pooled 0 or >= {} (intervals merged until they pass)",
                self.policy.min_cell
            )),
            _ => {}
        }
        out.extend(self.per_party_rule(cell));
        out.extend(self.dominance_rule(cell));
        out
    }
}

/// Builds the record. `withheld` is per group; `opened` follows the
/// released openables in order.
pub(crate) fn build(
    facts: &Facts<'_>,
    openables: &[Openable],
    withheld: &[bool],
    secondary: &[(usize, String)],
    opened: &[i128],
) -> DisclosureRecord {
    let secondary_rule = SECONDARY_RULE;
    let mut record = DisclosureRecord {
        control: control(facts.policy),
        rules: rules_in_force(facts),
        ..Default::default()
    };
    let mut values = opened.iter();
    for o in openables {
        let is_withheld = withheld.get(o.group).copied().unwrap_or(true);
        if !is_withheld {
            let mut rules = facts.rules(o.cell);
            rules.push(secondary_rule.into());
            record.released.push(ReleasedValue {
                name: o.name.clone(),
                provenance: o.value.clone(),
                value: values.next().map_or_else(String::new, i128::to_string),
                rules,
            });
            continue;
        }
        let (kind, rule) = match secondary.iter().find(|(g, _)| *g == o.group) {
            Some((_, protects)) => (
                "secondary",
                format!("withheld so that {protects} cannot be recomputed"),
            ),
            None => (
                "primary",
                format!("failed at least one of: {}", facts.rules(o.cell).join("; ")),
            ),
        };
        record.withheld.push(WithheldValue {
            name: o.name.clone(),
            provenance: o.value.clone(),
            kind,
            rule,
        });
    }
    record.notes = notes(facts);
    record
}

/// Records what each model opened.
pub(crate) fn add_models(
    record: &mut DisclosureRecord,
    plan: &Plan,
    models: &[(usize, super::models::Model, usize)],
) {
    use super::models::Model;
    for (index, model, count) in models {
        let label = plan.blocks().get(*index).map_or("?", |b| b.label.as_str());
        let opened = match model {
            Model::Regression(_) => format!(
                "{count} values: the singular-design and narrow-spread flags, each coefficient, \
                 its variance, R^2 and the residual variance"
            ),
            Model::Correlation(_) => {
                format!("{count} values: the upper triangle of the correlation matrix")
            }
            Model::Refused(why) if *count > 0 => {
                format!("{count} values: the singular-design and narrow-spread flags only ({why})")
            }
            Model::Refused(why) => format!("nothing ({why})"),
            Model::Separation(names) => {
                let found = match names.is_empty() {
                    true => "none".to_string(),
                    false => names.join(", "),
                };
                let bits = if *count == 1 { "bit" } else { "bits" };
                format!(
                    "{count} {bits}: per category predictor, whether a level has no events or no \
                     non-events (separation; found: {found})"
                )
            }
        };
        record.models.push(ModelRelease {
            statistic: label.to_string(),
            count: *count,
            opened,
        });
    }
}

pub(crate) fn control(p: &Policy) -> String {
    if p.control_off() {
        format!("off: {}", p.reason.as_deref().unwrap_or(""))
    } else {
        "checked".into()
    }
}

pub(crate) fn rules_in_force(f: &Facts<'_>) -> Vec<String> {
    let p = f.policy;
    let mut out = vec![
        format!("pooled threshold: every released cell, model category level and survival interval counts at least {} records (means and models: {})", p.min_cell, p.min_cell.max(p.min_group)),
        format!("model size: at most {} parameters per record", p.max_params_ratio),
    ];
    if f.own {
        out.push(format!(
            "per-party threshold: each side's part of a released cell is 0 or at least {} records",
            p.per_party()
        ));
        out.push(format!("dominance: in sums, means and each linear regression's outcome (overall and per category level), the {} largest contributions hold at most {}% of the total", p.dominance.n, p.dominance.k));
    } else {
        out.push("per-party threshold and dominance: not applied (linked study, or DP noise gives the guarantee)".into());
    }
    for g in f.gated {
        if let Some(side) = g.party_min {
            out.push(format!(
                "opened iterates: {} releases every Newton iterate, so it needs at least {} records in all and, from each side that holds any, at least {side} (the opened values over max_params_ratio)",
                g.label, g.threshold
            ));
        }
    }
    out.push("secondary suppression: no withheld count or sum is a linear combination of released values of this job and of earlier releases of the same data with the same peer (either side's ledger)".into());
    if !f.plan.quantiles().is_empty() {
        out.push(super::quantile::rule_text(p));
    }
    out
}

fn notes(f: &Facts<'_>) -> Vec<String> {
    let mut out: Vec<String> = f
        .gated
        .iter()
        .enumerate()
        .zip(f.count_failed)
        .filter(|((i, g), &failed)| failed && (g.terms.len() != 1 || f.index.is_level(*i, g.cell)))
        .map(|((_, g), _)| format!("{}: a category level failed the rules, so the statistic is withheld (merge small levels or drop the term)", g.label))
        .collect();
    for c in f.curves {
        let label = f
            .plan
            .blocks()
            .get(c.block)
            .map_or("?", |b| b.label.as_str());
        let why = match c.stop {
            Some(Stop::AtRisk { at }) => format!("from interval {} on too few are at risk", at + 1),
            Some(Stop::Tail { from }) => format!(
                "the events or censored from interval {} on fail the rules even merged",
                from + 1
            ),
            None => String::new(),
        };
        match (c.stop.is_some(), c.spans.last()) {
            (false, _) => {}
            (true, Some(last)) => out.push(format!("{label} group {}: {why}, so they are merged into the last span released (from interval {})", c.group + 1, last.first + 1)),
            (true, None) => out.push(format!("{label} group {}: {why}, and no span passes merged with them: the curve is withheld", c.group + 1)),
        }
        if c.spans.iter().any(|s| s.first != s.last) {
            out.push(format!(
                "{label} group {}: intervals merged until their events and censored counts passed",
                c.group + 1
            ));
        }
    }
    out
}
