//! Regressions and correlations opened on shares: of a cross block the gate
//! releases only `n` as a value; the coefficients, their variances, R^2 and
//! the correlation matrix are computed on the shares of the block's sums
//! (`secure::linear`) and only those reported values are opened, never
//! X'X, X'y or y'y. Of a logistic block (fitted later on records), the
//! separation check: one bit per category predictor, from the shares of
//! its level-by-outcome counts (`secure::logistic::separated`).
//!
//! Guarantee: a model is opened only when its cell passed every primary
//! rule, the count of every category level included (see `gates`), and
//! was not withheld as a secondary suppression. The opened values are
//! nonlinear in the data, so the linear differencing test does not cover
//! them; what protects them is that every level they depend on holds at
//! least `min_cell` records (and, in pooled studies, each side's part 0 or
//! at least `min_cell_per_party`).

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared};

use super::GateError;
use crate::job::{ColumnType, Job, StatisticSpec};
use crate::plan::{BlockKind, Plan, Term};
use crate::secure::linear::{
    correlation_shares, decode_correlation, decode_regression, regression_shares,
    CorrelationMatrix, LinearError, LinearFit, LinearShape, TermBounds,
};
use crate::secure::logistic::separated;

/// A model's opened result, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Model {
    /// A linear regression's fit (units of the terms).
    Regression(LinearFit),
    /// A correlation matrix.
    Correlation(CorrelationMatrix),
    /// Nothing opened beyond what the note says (a singular design, or a
    /// shape the secure solver refuses).
    Refused(String),
    /// A logistic fit's separation check: the category predictors with a
    /// level of no events or no non-events (empty: none), one opened bit
    /// per category predictor ([`crate::secure::logistic::separated`]).
    Separation(Vec<String>),
}

/// Per cross block (plan block index) that was released, its model.
pub(crate) async fn open_models<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    plan: &Plan,
    pooled: &Shared<R>,
    withheld: &[bool],
    values: &[Option<i128>],
) -> Result<Vec<(usize, Model, usize)>, GateError> {
    let mut out = Vec::new();
    let mut cell = 0;
    for (index, b) in plan.blocks().iter().enumerate() {
        let first = cell;
        cell += b.cells;
        let BlockKind::Cross { terms } = &b.kind else {
            continue;
        };
        if withheld.get(first).copied().unwrap_or(true) {
            continue;
        }
        let Some(n) = values.get(b.offset).copied().flatten() else {
            continue;
        };
        let spec = job.statistics().get(b.stat);
        let linear = matches!(
            spec,
            Some(StatisticSpec::LinearRegression { .. } | StatisticSpec::Correlation { .. })
        );
        if !linear {
            // A logistic fit runs on records after the gate (per_record);
            // its separation check runs here, on the pooled counts.
            let sums = pooled
                .slice(b.offset..b.offset + b.width)
                .ok_or(GateError::Layout)?;
            if let Some((model, count)) = separation(engine, job, terms, &sums).await? {
                out.push((index, model, count));
            }
            continue;
        }
        let shape = match LinearShape::new(u64::try_from(n).unwrap_or(0), bounds(job, terms)) {
            Ok(s) => s,
            Err(e) => {
                out.push((index, Model::Refused(e.to_string()), 0));
                continue;
            }
        };
        let sums = pooled
            .slice(b.offset..b.offset + b.width)
            .ok_or(GateError::Layout)?;
        let regression = matches!(spec, Some(StatisticSpec::LinearRegression { .. }));
        let shares = match regression {
            true => regression_shares(engine, &sums, &shape).await,
            false => correlation_shares(engine, &sums, &shape).await,
        };
        // Shape errors come from public inputs before any message, the
        // same on both sides: the statistic is refused, not the study.
        let shares = match shares {
            Ok(s) => s,
            Err(e) if is_shape(&e) => {
                out.push((index, Model::Refused(e.to_string()), 0));
                continue;
            }
            Err(e) => return Err(GateError::Model(e.to_string())),
        };
        let opened = super::open_derived(engine, &shares).await?;
        let model = match regression {
            true => decode_regression(&opened, &shape).map(Model::Regression),
            false => decode_correlation(&opened, &shape).map(Model::Correlation),
        };
        let model = match model {
            Ok(m) => m,
            Err(LinearError::SingularDesign) => {
                Model::Refused("singular design: a predictor is constant or collinear".into())
            }
            Err(LinearError::NarrowSpread) => Model::Refused(
                "not released: a column's values spread over less than a millionth of its \
                 declared range, too little for the stated accuracy; declare tighter bounds \
                 (min, max) for the regression's columns"
                    .into(),
            ),
            Err(e) => return Err(GateError::Model(e.to_string())),
        };
        out.push((index, model, opened.len()));
    }
    Ok(out)
}

/// The separation check of a logistic block whose terms are its category
/// indicators then the outcome's: `None` without category predictors.
async fn separation<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    terms: &[Term],
    sums: &Shared<R>,
) -> Result<Option<(Model, usize)>, GateError> {
    let Some((_, predictors)) = terms.split_last() else {
        return Ok(None);
    };
    let mut columns: Vec<usize> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, t) in predictors.iter().enumerate() {
        let Term::Indicator { col, .. } = t else {
            continue;
        };
        match columns.iter().position(|c| c == col) {
            Some(g) => groups.get_mut(g).into_iter().for_each(|g| g.push(i)),
            None => {
                columns.push(*col);
                groups.push(vec![i]);
            }
        }
    }
    if groups.is_empty() {
        return Ok(None);
    }
    let bits = separated(engine, sums, terms.len(), &groups).await?;
    let opened = super::open_bits(engine, &bits).await?;
    let names = columns
        .iter()
        .zip(&opened)
        .filter(|(_, &bit)| bit)
        .map(|(&c, _)| job.columns().get(c).map_or("?".into(), |c| c.name.clone()))
        .collect();
    Ok(Some((Model::Separation(names), groups.len())))
}

/// Whether a solver error refuses the shape (decided on public inputs
/// before anything is sent) rather than reporting a failed exchange.
fn is_shape(e: &LinearError) -> bool {
    matches!(
        e,
        LinearError::TooFewTerms { .. }
            | LinearError::TooManyTerms { .. }
            | LinearError::BadBounds { .. }
            | LinearError::NoRecords
            | LinearError::TooFewRecords { .. }
            | LinearError::OutOfRange { .. }
            | LinearError::InterceptRange { .. }
    )
}

/// Each term's declared bounds in units (`[0, 1]` for an indicator).
pub(crate) fn bounds(job: &Job, terms: &[Term]) -> Vec<TermBounds> {
    terms
        .iter()
        .map(|t| match t {
            Term::Indicator { .. } => TermBounds::INDICATOR,
            Term::Numeric { col, .. } => match job.columns().get(*col).map(|c| &c.ty) {
                Some(ColumnType::Numeric { min, max, .. }) => TermBounds {
                    min: *min,
                    max: *max,
                },
                _ => TermBounds::INDICATOR,
            },
        })
        .collect()
}
