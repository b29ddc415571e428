//! Which counts gate which cells: every count a released value depends on,
//! as a linear combination of plan elements, with its threshold.
//!
//! A table, histogram or group cell is gated by its own count. A regression
//! or correlation is gated by its n and by the count of EVERY level of each
//! category term (the reference level's is n minus the others), since the
//! fitted values depend on each level's records. A survival interval is
//! gated by its number at risk here; its events and censored counts are
//! gated (and merged) in [`super::survival`]. The count of rows a
//! statistic excluded for missing values passes at 0 or at its threshold.
//!
//! A logistic regression is also gated by each level's events and
//! non-events (0 passes: the separation check then refuses the fit by
//! name): a fit on a category predictor puts each level's fitted
//! probability at its event rate, so its coefficients open the
//! level-by-outcome table (`tests/attacks/logistic_events.rs`).

use crate::job::{Job, LogisticFitMode, Policy, StatisticSpec};
use crate::plan::{level_name, term_name, Block, BlockKind, Gate, Plan, Term};
use crate::secure::logistic::upper;

/// One gated count: `sum(coeff * element)` over plan elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatedCount {
    /// The plan cell it gates (global index over all blocks).
    pub(crate) cell: usize,
    /// The count as plan elements with coefficients.
    pub(crate) terms: Vec<(usize, i128)>,
    /// The pooled threshold.
    pub(crate) threshold: u64,
    /// What it counts, for messages (`#8 linear_regression(..)[region=west]`).
    pub(crate) label: String,
    /// For a model's category level: `(column, level)`.
    pub(crate) level: Option<(usize, usize)>,
    /// Whether 0 passes too (rows a statistic excluded: "none" is safe to
    /// say).
    pub(crate) zero_ok: bool,
    /// A per-party threshold above the policy's, for this count only (an
    /// opened-iterates fit's n: see [`opened_fit_minimum`]).
    pub(crate) party_min: Option<u64>,
}

impl GatedCount {
    /// The count from per-element values (a side's own part, or pooled).
    pub(crate) fn eval(&self, values: &[i128]) -> i128 {
        self.terms.iter().fold(0i128, |acc, &(e, c)| {
            let v = values.get(e).copied().unwrap_or(0);
            acc.wrapping_add(c.wrapping_mul(v))
        })
    }
}

/// Shares of `sum(coeff * element)` (a local step): the one way a gated
/// count or a released combination is formed from the pooled shares.
pub(crate) fn combine<R: duet_core::Ring>(shares: &[R], terms: &[(usize, i128)]) -> R {
    terms.iter().fold(R::ZERO, |acc, &(e, c)| {
        acc + shares.get(e).copied().unwrap_or(R::ZERO) * R::from_i128(c)
    })
}

/// Every gated count of `plan` under `policy`, cell by cell.
pub(crate) fn gated_counts(job: &Job, plan: &Plan, policy: &Policy) -> Vec<GatedCount> {
    let mut out = Vec::new();
    let mut cell = 0;
    for b in plan.blocks() {
        // An opened-iterates fit's n (its block's one cell) needs more.
        let need = opened_fit_minimum(job, b, policy);
        for c in 0..b.cells {
            let n = b.offset + c * b.width;
            out.push(GatedCount {
                cell: cell + c,
                terms: vec![(n, 1)],
                threshold: b.threshold(policy).max(need.unwrap_or(0)),
                label: format!("{}[{}]", b.label, b.cell_name(c)),
                level: None,
                zero_ok: matches!(b.kind, BlockKind::Excluded { .. }),
                party_min: need.map(|need| policy.per_party().max(need)),
            });
        }
        if let BlockKind::Cross { terms } = &b.kind {
            out.extend(level_counts(job, b, terms, cell, policy.min_cell));
            let logistic = matches!(
                job.statistics().get(b.stat),
                Some(StatisticSpec::LogisticRegression { .. })
            );
            if logistic {
                out.extend(level_outcomes(job, b, terms, cell, policy.min_cell));
            }
        }
        cell += b.cells;
    }
    out
}

/// The category columns among `terms`, each with its indicator terms
/// (index in `terms`, term), in the order the columns first appear.
fn category_groups(terms: &[Term]) -> Vec<(usize, Vec<(usize, &Term)>)> {
    let mut columns: Vec<usize> = terms
        .iter()
        .filter_map(|t| match t {
            Term::Indicator { col, .. } => Some(*col),
            Term::Numeric { .. } => None,
        })
        .collect();
    columns.dedup();
    columns
        .into_iter()
        .map(|col| {
            let of_col = terms
                .iter()
                .enumerate()
                .filter(|(_, t)| matches!(t, Term::Indicator { col: c, .. } if *c == col))
                .collect();
            (col, of_col)
        })
        .collect()
}

/// The count of every level of every category term of a cross block.
fn level_counts(
    job: &Job,
    b: &Block,
    terms: &[Term],
    cell: usize,
    threshold: u64,
) -> Vec<GatedCount> {
    let mut out = Vec::new();
    for (col, of_col) in category_groups(terms) {
        // Reference level: n minus every other level's indicator sum.
        let mut reference = vec![(b.offset, 1)];
        reference.extend(of_col.iter().map(|(i, _)| (b.offset + 1 + i, -1)));
        out.push(GatedCount {
            cell,
            terms: reference,
            threshold,
            label: format!("{}[{}]", b.label, reference_name(job, col)),
            level: Some((col, 0)),
            zero_ok: false,
            party_min: None,
        });
        out.extend(of_col.iter().map(|&(i, t)| GatedCount {
            cell,
            terms: vec![(b.offset + 1 + i, 1)],
            threshold,
            label: format!("{}[{}]", b.label, term_name(job, t)),
            level: match t {
                Term::Indicator { col, level } => Some((*col, *level)),
                Term::Numeric { .. } => None,
            },
            zero_ok: false,
            party_min: None,
        }));
    }
    out
}

/// The records an opened-iterates logistic fit needs in total and from
/// each side that contributes (`None` for any other block, or with
/// disclosure control off).
///
/// The fit opens `params` values per Newton step, at most `iterations`
/// steps, then `params` variances and the deviance. Like DataSHIELD's
/// `nfilter.glm` (parameters at most a fraction of the records, per
/// study), the opened values count as parameters: a side contributing
/// fewer than `values / max_params_ratio` records could have them solved
/// for from that many equations (`tests/attacks/opened_iterates.rs`).
pub(crate) fn opened_fit_minimum(job: &Job, b: &Block, policy: &Policy) -> Option<u64> {
    let spec = job.statistics().get(b.stat)?;
    let opened = spec.logistic_fit() == Some(LogisticFitMode::OpenedIterates);
    if !opened || policy.control_off() {
        return None;
    }
    let Gate::Regression { params } = b.gate else {
        return None;
    };
    let steps = u64::from(spec.logistic_iterations()?);
    let values = params * (steps + 1) + 1;
    let need = (values as f64 / policy.max_params_ratio).ceil();
    Some(if need >= u64::MAX as f64 {
        u64::MAX
    } else {
        need as u64
    })
}

/// Events and non-events of every level of every category predictor of a
/// logistic block, whose terms are the predictors' indicators then the
/// outcome's event indicator (layout: [`crate::secure::logistic::separated`]).
fn level_outcomes(
    job: &Job,
    b: &Block,
    terms: &[Term],
    cell: usize,
    threshold: u64,
) -> Vec<GatedCount> {
    let Some((Term::Indicator { col: y_col, .. }, predictors)) = terms.split_last() else {
        return Vec::new();
    };
    let m = terms.len();
    let y = m - 1;
    let sum = |i: usize| b.offset + 1 + i;
    let product = |i: usize| b.offset + 1 + m + upper(m, i, y);
    let outcome = job.columns().get(*y_col).map_or("?", |c| c.name.as_str());
    let count = |terms: Vec<(usize, i128)>, level: String, what: &str| GatedCount {
        cell,
        terms,
        threshold,
        label: format!("{}[{level}, {what} of {outcome}]", b.label),
        level: None,
        zero_ok: true,
        party_min: None,
    };
    let mut out = Vec::new();
    for (col, of_col) in category_groups(predictors) {
        // Reference level: all events (non-events) minus the other levels'.
        let mut ref_events = vec![(sum(y), 1)];
        let mut ref_non = vec![(b.offset, 1), (sum(y), -1)];
        for &(i, t) in &of_col {
            let name = term_name(job, t);
            out.push(count(vec![(product(i), 1)], name.clone(), "events"));
            out.push(count(
                vec![(sum(i), 1), (product(i), -1)],
                name,
                "non-events",
            ));
            ref_events.push((product(i), -1));
            ref_non.extend([(sum(i), -1), (product(i), 1)]);
        }
        let name = reference_name(job, col);
        out.push(count(ref_events, name.clone(), "events"));
        out.push(count(ref_non, name, "non-events"));
    }
    out
}

fn reference_name(job: &Job, col: usize) -> String {
    let name = job.columns().get(col).map_or("?", |c| c.name.as_str());
    format!("{name}={}", level_name(job, col, 0))
}
