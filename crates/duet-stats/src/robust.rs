//! Robust (HC1) standard errors of the job's linear regressions, after the
//! gate released their fits: each side reads its own records of the
//! model's cell, forms its part of the sandwich's meat at the released
//! coefficients (`secure::linear::LocalMeat`), and the sandwich is formed
//! on shares of the pooled cross block; only the `p` robust variances (and
//! the solver's two flags, known to be 0) are opened.
//!
//! Pooled studies only (job validation refuses `robust` in linked studies
//! and under `policy.dp`). A regression that was suppressed, withheld or
//! refused (no coefficients) opens nothing more.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128, Z64};

use crate::analysis::coefficient_test;
use crate::job::Job;
use crate::linked::Records;
use crate::plan::{term_value, BlockKind, Plan, RingChoice, Term};
use crate::release::models::bounds;
use crate::release::ModelRelease;
use crate::results::{RegressionResult, Results, RobustTest, StatBody};
use crate::secure::linear::{
    decode_robust, robust_shares, LinearError, LinearFit, LinearShape, LocalMeat,
};
use crate::stats::term_places;

/// Why the robust pass failed (the link or the engine; a refused shape is
/// a note on the statistic, not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RobustError {
    /// The computation on shares failed.
    #[error("{statistic}: robust standard errors: {source}")]
    Linear {
        /// The statistic.
        statistic: String,
        /// What failed.
        source: LinearError,
    },
}

/// Adds the HC1 standard errors of every linear regression that asks for
/// them and was released, with their tests, and the values opened to the
/// disclosure record.
pub(crate) async fn robust_all<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    plan: &Plan,
    local: &crate::plan::LocalAggregates,
    records: &Records,
    results: &mut Results,
    on_phase: &(dyn Fn(crate::study::Phase) + Sync),
) -> Result<(), RobustError> {
    for (i, spec) in job.statistics().iter().enumerate() {
        let Some(stat) = results.statistics.get_mut(i) else {
            continue;
        };
        let label = stat.label.clone();
        let (StatBody::Regression(body), Some(_)) = (&mut stat.body, spec.robust()) else {
            continue;
        };
        let Some(input) = Input::new(job, plan, i, body, local, records) else {
            continue;
        };
        let fail = |source| RobustError::Linear {
            statistic: label.clone(),
            source,
        };
        let input = input.map_err(fail)?;
        on_phase(crate::study::Phase::RobustErrors {
            statistic: label.clone(),
        });
        let outcome = match plan.ring() {
            RingChoice::Z64 => one::<Z64, C, P>(engine, &input).await,
            RingChoice::Z128 => one::<Z128, C, P>(engine, &input).await,
        };
        match outcome {
            Ok(se) => {
                fill(body, &se, &unit_scale(job, &input.terms));
                results.disclosure.models.push(release(&label, se.len()));
            }
            Err(e) if refusal(&e) => body.robust_note = Some(format!("not computed: {e}")),
            Err(e) => return Err(fail(e)),
        }
    }
    Ok(())
}

/// One regression's public shape and fit and this side's data.
struct Input {
    terms: Vec<Term>,
    shape: LinearShape,
    fit: LinearFit,
    mine: Vec<i128>,
    rows: Vec<Vec<i128>>,
}

impl Input {
    /// Statistic `i`'s input when the gate released its fit (`None`:
    /// suppressed, withheld or refused, so nothing more is opened).
    fn new(
        job: &Job,
        plan: &Plan,
        i: usize,
        body: &RegressionResult,
        local: &crate::plan::LocalAggregates,
        records: &Records,
    ) -> Option<Result<Self, LinearError>> {
        let block = plan
            .blocks()
            .iter()
            .find(|b| b.stat == i && matches!(b.kind, BlockKind::Cross { .. }))?;
        let BlockKind::Cross { terms } = &block.kind else {
            return None;
        };
        let n = body
            .n
            .filter(|_| !body.suppressed && !body.coefficients.is_empty())?;
        let mine = (block.offset..block.offset + block.width)
            .map(|e| local.values().get(e).copied().unwrap_or(0))
            .collect();
        let rows = records
            .rows()
            .filter(|r| block.takes(r))
            .map(|r| terms.iter().map(|t| term_value(t, r)).collect())
            .collect();
        Some(LinearShape::new(n, bounds(job, terms)).map(|shape| Input {
            terms: terms.clone(),
            shape,
            fit: unit_fit(job, terms, body),
            mine,
            rows,
        }))
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.mine.zeroize();
        self.rows.iter_mut().for_each(|r| r.zeroize());
    }
}

/// Pools the block (as the gate did), forms the meat, opens the robust
/// variances and decodes the standard errors (terms' units).
async fn one<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    input: &Input,
) -> Result<Vec<f64>, LinearError> {
    let role = engine.role();
    let rows = input.rows.iter().map(Vec::as_slice);
    // Public checks first: a refused shape sends nothing, on both sides.
    let meat = LocalMeat::new(&input.shape, &input.fit, rows, role)?;
    let own: Vec<R> = input.mine.iter().map(|&v| R::from_i128(v)).collect();
    let mine = engine.share_input(&own).await?;
    let theirs = engine.receive_input::<R>(own.len()).await?;
    let cross: Shared<R> = mine
        .add(&theirs)
        .map_err(|source| LinearError::Layout { source })?;
    let shares = robust_shares(engine, &cross, &input.shape, &input.fit, &meat).await?;
    let opened = crate::release::open_derived(engine, &shares).await?;
    decode_robust(&opened, &input.shape)
}

/// Whether an error refuses the robust errors of one statistic (decided
/// alike on both sides) rather than failing the study.
fn refusal(e: &LinearError) -> bool {
    matches!(
        e,
        LinearError::RobustRange
            | LinearError::SingularDesign
            | LinearError::NarrowSpread
            | LinearError::TooFewRecords { .. }
            | LinearError::InterceptRange { .. }
            | LinearError::OutOfRange { .. }
    )
}

/// Per coefficient, its result unit in the terms' units (10^-places).
fn unit_scale(job: &Job, terms: &[Term]) -> Vec<f64> {
    let places: Vec<i32> = terms.iter().map(|t| term_places(job, t)).collect();
    let k = terms.len().saturating_sub(1);
    let py = places.get(k).copied().unwrap_or(0);
    let mut unit = vec![10f64.powi(-py)];
    unit.extend(places.iter().take(k).map(|&p| 10f64.powi(p - py)));
    unit
}

/// The released fit back in the terms' units, as the solver decoded it.
fn unit_fit(job: &Job, terms: &[Term], body: &RegressionResult) -> LinearFit {
    let unit = unit_scale(job, terms);
    let py = unit.first().copied().unwrap_or(1.0);
    let per = |v: f64, u: &f64| v / u;
    LinearFit {
        coefficients: body
            .coefficients
            .iter()
            .zip(&unit)
            .map(|(c, u)| per(c.estimate, u))
            .collect(),
        std_errors: body
            .coefficients
            .iter()
            .zip(&unit)
            .map(|(c, u)| per(c.std_error.unwrap_or(0.0), u))
            .collect(),
        r_squared: body.r_squared,
        residual_df: body.residual_df.unwrap_or(0),
        residual_std_error: body.residual_std_error.unwrap_or(0.0) / py,
    }
}

/// The robust standard errors and their t tests into the coefficients.
fn fill(body: &mut RegressionResult, se: &[f64], unit: &[f64]) {
    let df = body.residual_df.unwrap_or(0);
    for ((c, &s), &u) in body.coefficients.iter_mut().zip(se).zip(unit) {
        let std_error = s * u;
        let test = coefficient_test(c.estimate, Some(std_error), df);
        c.robust = Some(RobustTest {
            std_error,
            t: test.map(|t| t[0]),
            p_value: test.map(|t| t[1]),
            ci_low: test.map(|t| t[2]),
            ci_high: test.map(|t| t[3]),
        });
    }
}

/// The disclosure record's entry for one robust pass (`p` coefficients).
fn release(label: &str, p: usize) -> ModelRelease {
    let count = p + 2;
    ModelRelease {
        statistic: label.to_string(),
        count,
        opened: format!(
            "{count} values: the singular-design and narrow-spread flags (recomputed; 0 as \
             before) and each coefficient's HC1 robust variance (each side's meat from its own \
             records at the released coefficients, the sandwich on shares)"
        ),
    }
}
