//! Differential privacy on shares: the job's budget is split evenly over
//! the queries a plan releases, each query's sensitivity follows from the
//! declared bounds, and each side adds its own exact integer noise (discrete
//! Laplace or discrete Gaussian, duet-anon's samplers) at the FULL scale to
//! its share before anything is compared or opened. The released value
//! carries both draws; either one alone gives the guarantee, so each side
//! is protected by the other's noise even though it knows its own.
//!
//! Neighbouring datasets differ by one record (added or removed) on either
//! side. A query is a group of aggregates one record touches together:
//! the counts of a table (one cell per record: sensitivity 1), the sums of
//! a column by group (max |value|), its sums of squares (max value^2), the
//! whole cross-product block of a regression or correlation, the numbers
//! at risk of a survival block (a record is at risk in up to every
//! interval) and its event/censoring counts (one cell per record).
//!
//! Accounting: Laplace, pure epsilon-DP, epsilon/Q per query, scales
//! rounded up; Gaussian, rho-zCDP with rho the largest value whose
//! conversion `rho + 2 sqrt(rho ln(1/delta))` stays within epsilon, split
//! rho/Q per query, sigma^2 rounded up. Spent budgets are recomputed from
//! the rounded scales, so they never exceed the job's.

use duet_anon::dp::{DiscreteGaussian, DiscreteLaplace};
use duet_core::Ring;
use rand_core::{CryptoRng, RngCore};

use crate::job::{ColumnType, DpSpec, Job, Mechanism};
use crate::plan::{Block, BlockKind, Plan, Term};
use crate::results::{DpSummary, NoiseNote};

/// Scales are rationals over this denominator, rounded up.
const DEN: u64 = 1000;

/// Why noise could not be planned or drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DpError {
    /// A sensitivity or scale too large for the exact samplers.
    #[error("{statistic}: the DP noise for its {aggregates} would exceed the samplers' range; narrow the column bounds or raise policy.dp.epsilon")]
    TooLarge {
        /// The statistic.
        statistic: String,
        /// The aggregates.
        aggregates: String,
    },
    /// The sampler failed (an arithmetic bound).
    #[error("drawing DP noise: {0}")]
    Sampler(String),
}

#[derive(Debug, Clone, Copy)]
enum Sampler {
    Laplace(DiscreteLaplace),
    Gaussian(DiscreteGaussian),
}

/// One query: the plan elements it covers and its sampler.
struct Query {
    elements: Vec<usize>,
    sampler: Sampler,
}

/// The noise of a whole plan, and what the report says about it.
pub(crate) struct NoisePlan {
    queries: Vec<Query>,
    len: usize,
    /// Per statistic (job order), its notes.
    pub(crate) notes: Vec<Vec<NoiseNote>>,
    pub(crate) summary: DpSummary,
}

/// One query before budgeting: elements, L1 and L2 sensitivity in units,
/// the label and the unit (10^-places) for the report.
struct Raw {
    stat: usize,
    elements: Vec<usize>,
    l1: u128,
    l2sq: u128,
    label: String,
    unit: f64,
}

/// The largest rho whose (epsilon, delta) conversion fits the budget.
pub(crate) fn rho_for(epsilon: f64, delta: f64) -> f64 {
    let l = (1.0 / delta).ln();
    ((l + epsilon).sqrt() - l.sqrt()).powi(2)
}

/// Epsilon at `delta` of rho-zCDP.
pub(crate) fn epsilon_of(rho: f64, delta: f64) -> f64 {
    rho + 2.0 * (rho * (1.0 / delta).ln()).sqrt()
}

/// Plans the noise of every value `plan` may release.
pub(crate) fn plan_noise(job: &Job, plan: &Plan, dp: &DpSpec) -> Result<NoisePlan, DpError> {
    let raws: Vec<Raw> = plan
        .blocks()
        .iter()
        .flat_map(|b| queries_of(job, b))
        .collect();
    let q = raws.len().max(1) as f64;
    let mut queries = Vec::with_capacity(raws.len());
    let mut notes = vec![Vec::new(); job.statistics().len()];
    let mut spent = 0.0;
    for r in raws {
        let too_large = || DpError::TooLarge {
            statistic: plan
                .blocks()
                .iter()
                .find(|b| b.stat == r.stat)
                .map_or_else(String::new, |b| b.label.clone()),
            aggregates: r.label.clone(),
        };
        let (sampler, note, used) = match dp.mechanism {
            Mechanism::Laplace => {
                let t = r.l1 as f64 / (dp.epsilon / q);
                let num = rational(t).ok_or_else(too_large)?;
                let s = DiscreteLaplace::new(num, DEN).map_err(|_| too_large())?;
                let t = num as f64 / DEN as f64;
                let used = r.l1 as f64 / t;
                let var = 2.0 * t * t;
                (
                    Sampler::Laplace(s),
                    note(&r, r.l1 as f64, t, used, var),
                    used,
                )
            }
            Mechanism::Gaussian => {
                let rho = rho_for(dp.epsilon, dp.delta) / q;
                let s2 = r.l2sq as f64 / (2.0 * rho);
                let num = rational(s2).ok_or_else(too_large)?;
                let s = DiscreteGaussian::new(num, DEN).map_err(|_| too_large())?;
                let s2 = num as f64 / DEN as f64;
                let used = r.l2sq as f64 / (2.0 * s2);
                let l2 = (r.l2sq as f64).sqrt();
                (
                    Sampler::Gaussian(s),
                    note(&r, l2, s2.sqrt(), used, s2),
                    used,
                )
            }
        };
        spent += used;
        if let Some(n) = notes.get_mut(r.stat) {
            n.push(note);
        }
        queries.push(Query {
            elements: r.elements,
            sampler,
        });
    }
    Ok(NoisePlan {
        queries,
        len: plan.len(),
        notes,
        summary: summary(dp, spent),
    })
}

/// The guarantee `job` would give, without drawing anything (None when the
/// job asks for no DP): lets a job author see the budget split beforehand.
pub fn budget(job: &Job, plan: &Plan) -> Result<Option<DpSummary>, DpError> {
    match &job.policy().dp {
        Some(dp) => Ok(Some(plan_noise(job, plan, dp)?.summary)),
        None => Ok(None),
    }
}

/// `ceil(x * DEN)` when it is a positive u64 the samplers can use.
fn rational(x: f64) -> Option<u64> {
    let v = (x * DEN as f64).ceil().max(1.0);
    (v.is_finite() && v < (1u64 << 52) as f64).then_some(v as u64)
}

fn note(r: &Raw, sensitivity: f64, scale: f64, budget: f64, var_one: f64) -> NoiseNote {
    NoiseNote {
        aggregates: r.label.clone(),
        sensitivity: sensitivity * r.unit,
        scale: scale * r.unit,
        budget,
        total_sd: (2.0 * var_one).sqrt() * r.unit,
    }
}

fn summary(dp: &DpSpec, spent: f64) -> DpSummary {
    match dp.mechanism {
        Mechanism::Laplace => DpSummary {
            mechanism: "laplace",
            epsilon: dp.epsilon,
            delta: 0.0,
            epsilon_spent: spent,
            rho: None,
            guarantee: format!(
                "{spent:.4}-differential privacy (pure) for every record on either side, over all released values together; each side's discrete Laplace noise alone gives it"
            ),
        },
        Mechanism::Gaussian => {
            let eps = epsilon_of(spent, dp.delta);
            DpSummary {
                mechanism: "gaussian",
                epsilon: dp.epsilon,
                delta: dp.delta,
                epsilon_spent: eps,
                rho: Some(spent),
                guarantee: format!(
                    "{spent:.6}-zCDP, hence ({eps:.4}, {})-differential privacy, for every record on either side, over all released values together; each side's discrete Gaussian noise alone gives it",
                    dp.delta
                ),
            }
        }
    }
}

fn unit_of(job: &Job, col: usize, power: i32) -> (f64, String) {
    match job.columns().get(col).map(|c| (&c.name, &c.ty)) {
        Some((name, ColumnType::Numeric { places, .. })) => {
            (10f64.powi(-(*places as i32) * power), name.clone())
        }
        Some((name, _)) => (1.0, name.clone()),
        None => (1.0, "?".into()),
    }
}

fn every(b: &Block, e: usize) -> Vec<usize> {
    (0..b.cells).map(|c| b.offset + c * b.width + e).collect()
}

fn raw(b: &Block, elements: Vec<usize>, l1: u128, l2sq: u128, label: String, unit: f64) -> Raw {
    Raw {
        stat: b.stat,
        elements,
        l1,
        l2sq,
        label,
        unit,
    }
}

/// The queries of one block.
fn queries_of(job: &Job, b: &Block) -> Vec<Raw> {
    match &b.kind {
        BlockKind::Grouped { value, .. } => {
            let mut out = vec![raw(b, every(b, 0), 1, 1, "counts".into(), 1.0)];
            if let Some((col, m)) = value {
                let (u, name) = unit_of(job, *col, 1);
                out.push(raw(
                    b,
                    every(b, 1),
                    *m,
                    m.saturating_mul(*m),
                    format!("sums of {name}"),
                    u,
                ));
                if b.width > 2 {
                    let sq = m.saturating_mul(*m);
                    let (u, _) = unit_of(job, *col, 2);
                    let label = format!("sums of squares of {name}");
                    out.push(raw(b, every(b, 2), sq, sq.saturating_mul(sq), label, u));
                }
            }
            out
        }
        BlockKind::Histogram { .. } => vec![raw(b, every(b, 0), 1, 1, "counts".into(), 1.0)],
        BlockKind::Excluded { .. } => vec![raw(
            b,
            every(b, 0),
            1,
            1,
            "rows excluded for missing values".into(),
            1.0,
        )],
        BlockKind::Survival { edges, .. } => {
            let bins = edges.len().saturating_sub(1) as u128;
            let mut ev = every(b, 1);
            ev.extend(every(b, 2));
            vec![
                raw(b, every(b, 0), bins, bins, "numbers at risk".into(), 1.0),
                raw(b, ev, 1, 1, "event and censoring counts".into(), 1.0),
            ]
        }
        BlockKind::Cross { terms } => {
            let m: Vec<u128> = terms.iter().map(Term::max_abs).collect();
            let mut l1: u128 = 1 + m.iter().fold(0u128, |a, &v| a.saturating_add(v));
            let mut l2: u128 = 1 + m
                .iter()
                .fold(0u128, |a, &v| a.saturating_add(v.saturating_mul(v)));
            for i in 0..m.len() {
                for j in i..m.len() {
                    let p = m[i].saturating_mul(m[j]);
                    l1 = l1.saturating_add(p);
                    l2 = l2.saturating_add(p.saturating_mul(p));
                }
            }
            let elements = (b.offset..b.offset + b.width).collect();
            vec![raw(
                b,
                elements,
                l1,
                l2,
                "cross-products (raw units)".into(),
                1.0,
            )]
        }
    }
}

impl NoisePlan {
    /// This side's noise: one draw per released element (0 elsewhere).
    pub(crate) fn draw<R: Ring, G: RngCore + CryptoRng>(
        &self,
        rng: &mut G,
    ) -> Result<Vec<R>, DpError> {
        let mut out = vec![R::ZERO; self.len];
        for q in &self.queries {
            for &e in &q.elements {
                let x = match q.sampler {
                    Sampler::Laplace(s) => s.sample(rng),
                    Sampler::Gaussian(s) => s.sample(rng),
                }
                .map_err(|e| DpError::Sampler(e.to_string()))?;
                if let Some(slot) = out.get_mut(e) {
                    *slot = R::from_i128(i128::from(x));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "dp_tests.rs"]
mod tests;
