//! Logistic regressions of a job, fitted on per-record shares after the
//! aggregates are released (their gates are ordinary plan cells).
//!
//! Records: in a pooled study each side shares its rows padded with empty
//! rows to `data.max_rows` (P0's block first), so the sizes sent depend on
//! the job only; in a linked study the records are the sender's positions
//! from the join: the receiver shares its columns there (0 where
//! unmatched, and the mask of matched positions), and the sender's columns
//! arrive as OT products with the receiver's all-ones weights, i.e. shares
//! of the sender's value on matched positions and 0 elsewhere.

use duet_core::{Channel, Engine, FixedPoint, Preprocessing, Ring, Role, Shared, Z128, Z64};
use duet_ot::OtSession;
use zeroize::Zeroize;

use crate::analysis::{aic, deviance_part, logistic_coefficient, null_deviance};
use crate::data::MISSING;
use crate::job::{ColumnType, Job, LogisticFitMode, StatisticSpec};
use crate::linked::{Join, Records};
use crate::results::{Results, StatBody};
use crate::secure::logistic::{
    fit_logistic, fit_opened, needs_ahead, preprocess, LogisticError, LogisticInput,
    LogisticOptions, OwnRecords, Standardization, OPENED_TOLERANCE, STEP_TOLERANCE,
};

/// Where the records come from.
pub(crate) enum Source<'a> {
    /// This side's rows; the peer's arrive padded to `max_rows` as well.
    Pooled(&'a Records),
    /// The join's positions.
    Linked {
        records: &'a Records,
        join: &'a Join,
        ot: &'a mut OtSession,
    },
}

/// Why a per-record fit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The fit itself.
    #[error("{statistic}: {source}")]
    Logistic {
        /// The statistic.
        statistic: String,
        /// What failed.
        source: LogisticError,
    },
    /// The OT products of a linked study's sender columns.
    #[error("{statistic}: sender columns by OT: {source}")]
    Products {
        /// The statistic.
        statistic: String,
        /// What failed.
        source: duet_psi::PsiError,
    },
}

/// One design column: which job column, and how a row gives its value.
#[derive(Debug, Clone, Copy)]
enum Feature {
    /// The value in units of 10^-places.
    Numeric {
        col: usize,
        places: u32,
        min: i64,
        max: i64,
    },
    /// 1 when the category holds `level`; for a 0/1 integer column, `level` 1.
    Level { col: usize, level: i64 },
}

impl Feature {
    fn col(self) -> usize {
        match self {
            Feature::Numeric { col, .. } | Feature::Level { col, .. } => col,
        }
    }

    /// The fixed-point encoding with `f` fractional bits (exact rounding).
    fn encode(self, row: &[i64], f: u32) -> Z64 {
        let v = row.get(self.col()).copied().unwrap_or(0);
        match self {
            Feature::Numeric { places, .. } => {
                let den = 10i128.pow(places);
                let num = i128::from(v) << f;
                let q = (2 * num + den).div_euclid(2 * den);
                Z64::from_i128(q)
            }
            Feature::Level { level, .. } => Z64::from_i128(i128::from(v == level) << f),
        }
    }

    /// The value in f64: the number itself, or 1.0 / 0.0 for a level.
    fn value(self, row: &[i64]) -> f64 {
        let v = row.get(self.col()).copied().unwrap_or(0);
        match self {
            Feature::Numeric { places, .. } => v as f64 / 10f64.powi(places as i32),
            Feature::Level { level, .. } => f64::from(u8::from(v == level)),
        }
    }

    fn standardization(self) -> Standardization {
        match self {
            Feature::Numeric {
                places, min, max, ..
            } => {
                let s = 10f64.powi(places as i32);
                Standardization::from_bounds(min as f64 / s, max as f64 / s)
            }
            Feature::Level { .. } => Standardization::from_bounds(0.0, 1.0),
        }
    }
}

/// The features of predictor `name` (numeric: one; category: one per
/// level after the first) and their term names.
fn features(job: &Job, name: &str) -> Vec<(Feature, String)> {
    let Some((col, c)) = job.column(name) else {
        return vec![];
    };
    match &c.ty {
        ColumnType::Numeric { places, min, max } => vec![(
            Feature::Numeric {
                col,
                places: *places,
                min: *min,
                max: *max,
            },
            name.to_string(),
        )],
        ColumnType::Category { levels } => (1..levels.len())
            .map(|l| {
                let level = Feature::Level {
                    col,
                    level: l as i64,
                };
                (level, format!("{name}={}", levels[l]))
            })
            .collect(),
    }
}

/// Fits every logistic regression of the job that the gate released, and
/// writes the coefficients into `results`.
pub(crate) async fn fit_all<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    results: &mut Results,
    mut source: Source<'_>,
    on_phase: &(dyn Fn(crate::study::Phase) + Sync),
) -> Result<(), FitError> {
    for (i, spec) in job.statistics().iter().enumerate() {
        let StatisticSpec::LogisticRegression { y, x, .. } = spec else {
            continue;
        };
        let Some(stat) = results.statistics.get_mut(i) else {
            continue;
        };
        let StatBody::Logistic(body) = &mut stat.body else {
            continue;
        };
        // Suppressed, or separated (no estimate exists): no fit runs.
        if body.suppressed || body.estimable == Some(false) {
            continue;
        }
        let label = stat.label.clone();
        let mut terms: Vec<(Feature, String)> = x.iter().flat_map(|n| features(job, n)).collect();
        let Some((yf, _)) = features(job, y).pop() else {
            continue;
        };
        terms.push((yf, y.clone()));
        let options = LogisticOptions::default().with_iterations(body.iterations);
        let opened = spec.logistic_fit() == Some(LogisticFitMode::OpenedIterates);
        on_phase(crate::study::Phase::Fit {
            statistic: label.clone(),
        });
        let fitted = match (&source, opened) {
            // Validation refuses opened iterates in linked studies.
            (Source::Pooled(records), true) => {
                let n = body.n.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
                fit_opened_one(engine, n, &terms, records, &options).await
            }
            _ => fit_one(engine, job, &terms, &options, &mut source)
                .await
                .map(|fit| (fit, vec![])),
        };
        let (fit, iterates) = fitted.map_err(|e| match e {
            Either::Logistic(source) => FitError::Logistic {
                statistic: label.clone(),
                source,
            },
            Either::Products(source) => FitError::Products {
                statistic: label.clone(),
                source,
            },
        })?;
        if opened {
            body.fit = Some(LogisticFitMode::OpenedIterates.as_str().to_string());
            body.iterations = fit.iterations;
        }
        let mut names = vec!["intercept".to_string()];
        names.extend(terms.iter().take(terms.len() - 1).map(|(_, n)| n.clone()));
        let deviance = match &source {
            Source::Pooled(records) => Some(
                pooled_deviance(engine, &terms, records, &fit.estimates)
                    .await
                    .map_err(|source| FitError::Logistic {
                        statistic: label.clone(),
                        source,
                    })?,
            ),
            Source::Linked { .. } => None,
        };
        fill_fit_measures(body, &fit, deviance);
        body.coefficients = names
            .into_iter()
            .zip(fit.estimates.iter().zip(&fit.std_errors))
            .map(|(term, (&b, &se))| logistic_coefficient(term, b, se))
            .collect();
        let p = fit.estimates.len();
        let release = fit_release(&label, p, deviance.is_some(), iterates.len());
        results.disclosure.models.push(release);
        body.iterates = iterates;
    }
    Ok(())
}

/// What a fit opened, for the disclosure record: with opened iterates,
/// `p` values per Newton step besides.
fn fit_release(
    label: &str,
    p: usize,
    deviance: bool,
    iterates: usize,
) -> crate::release::ModelRelease {
    let count = 2 * p + 1 + usize::from(deviance) + p * iterates;
    let dev = if deviance { ", the deviance" } else { "" };
    let opened = match iterates {
        0 => format!(
            "{count} values: each coefficient, its variance, the convergence bit{dev} (fitted on \
             per-record shares)"
        ),
        t => format!(
            "{count} values: {t} Newton iterates of {p} coefficients each (fit = \
             \"opened-iterates\": each side summed its own records' gradient and Hessian at \
             each public iterate, and only the sums were shared), each coefficient's variance, \
             the convergence bit{dev}"
        ),
    };
    crate::release::ModelRelease {
        statistic: label.to_string(),
        count,
        opened,
    }
}

/// Convergence, deviances and AIC of a released fit.
fn fill_fit_measures(
    body: &mut crate::results::LogisticResult,
    fit: &crate::secure::logistic::LogisticFit,
    deviance: Option<f64>,
) {
    body.estimable = Some(true);
    body.converged = Some(fit.converged);
    body.convergence = Some(convergence_note(fit.converged, body.fit.is_some()));
    body.deviance = deviance;
    body.aic = deviance.map(|d| aic(d, fit.estimates.len()));
    body.null_deviance = body
        .n
        .zip(body.events)
        .and_then(|(n, e)| null_deviance(n, e));
}

fn convergence_note(converged: bool, opened: bool) -> String {
    let rule = match opened {
        false => format!(
            "the last Newton step's norm on the standardised scale below {STEP_TOLERANCE} and no \
             fitted probability at 0 or 1"
        ),
        true => format!(
            "a Newton step's norm on the standardised scale below {OPENED_TOLERANCE:e} within the \
             job's most iterations, no coefficient at the bound"
        ),
    };
    match converged {
        true => format!("converged: {rule}"),
        false => format!(
            "NOT converged: the rule ({rule}) failed after the job's iterations; \
             coefficients still moving or probabilities at 0 or 1 often mean separation by a \
             numeric predictor or a combination of predictors: check the data, drop or recode \
             the term, or raise iterations; the estimates and standard errors are not reliable"
        ),
    }
}

/// The deviance at the released coefficients `beta`: each side evaluates
/// its own records in plaintext (the coefficients are public), the two
/// parts are added on shares, and only the total is opened.
async fn pooled_deviance<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    terms: &[(Feature, String)],
    records: &Records,
    beta: &[f64],
) -> Result<f64, LogisticError> {
    let Some(((y, _), predictors)) = terms.split_last() else {
        return Err(LogisticError::NoColumns);
    };
    let rows = records
        .rows()
        .filter(|row| complete(row, terms))
        .map(|row| {
            let x: Vec<f64> = predictors.iter().map(|(t, _)| t.value(row)).collect();
            (x, y.value(row))
        });
    let rows: Vec<(Vec<f64>, f64)> = rows.collect();
    let own = deviance_part(beta, rows.iter().map(|(x, y)| (x.as_slice(), *y)));
    let unit = 2f64.powi(DEVIANCE_FRAC as i32);
    let own = Z128::from_i128((own.clamp(-MAX_DEVIANCE, MAX_DEVIANCE) * unit).round() as i128);
    let mine = engine.share_input(&[own]).await?;
    let theirs = engine.receive_input::<Z128>(1).await?;
    let total = mine
        .add(&theirs)
        .map_err(|source| duet_core::EngineError::Length {
            step: "deviance",
            source,
        })?;
    let opened = crate::release::open_derived(engine, &total).await?;
    Ok(opened
        .first()
        .map_or(f64::NAN, |v| v.to_i128() as f64 / unit))
}

/// Whether `row` records every column of the model's `terms` (under
/// available-case analysis a row may miss one: it is no record of the fit).
fn complete(row: &[i64], terms: &[(Feature, String)]) -> bool {
    terms
        .iter()
        .all(|(t, _)| row.get(t.col()) != Some(&MISSING))
}

/// Fractional bits of the shared deviance parts.
const DEVIANCE_FRAC: u32 = 40;

/// A bound on a side's deviance part (far above any real fit's: `2^21`
/// records times a linear predictor of 10^6), so the encoding stays
/// below 2^90.
const MAX_DEVIANCE: f64 = 1e15;

enum Either {
    Logistic(LogisticError),
    Products(duet_psi::PsiError),
}

impl From<LogisticError> for Either {
    fn from(e: LogisticError) -> Self {
        Either::Logistic(e)
    }
}

impl From<duet_core::EngineError> for Either {
    fn from(e: duet_core::EngineError) -> Self {
        Either::Logistic(LogisticError::Engine(e))
    }
}

/// `terms` holds the predictors then the outcome.
async fn fit_one<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    terms: &[(Feature, String)],
    options: &LogisticOptions,
    source: &mut Source<'_>,
) -> Result<crate::secure::logistic::LogisticFit, Either> {
    let f = options.frac_bits;
    let one = FixedPoint::new(f)
        .map_err(LogisticError::Fixed)?
        .encode_f64::<Z64>(1.0)
        .map_err(LogisticError::Fixed)?;
    let mut columns = match source {
        Source::Pooled(records) => pooled_columns(engine, job, terms, records, f, one).await?,
        Source::Linked { records, join, ot } => {
            linked_columns(engine, job, terms, records, join, ot, f, one).await?
        }
    };
    let y = columns.pop().unwrap_or_else(|| Shared::from_shares(vec![]));
    let standardization = terms
        .iter()
        .take(terms.len().saturating_sub(1))
        .map(|(t, _)| t.standardization())
        .collect();
    let input = LogisticInput::new(columns, y, standardization)?;
    // The fit tops up its per-record material batch by batch.
    let needs = needs_ahead(input.records(), input.columns(), options)?;
    preprocess(engine, &needs).await?;
    Ok(fit_logistic(engine, &input, options).await?)
}

/// The opened-iterates fit of a pooled study: this side's complete rows,
/// standardised, summed in the clear at each public iterate. `n` is the
/// fit's pooled count as the gate released it: the sums are scaled by it
/// rather than by `2 max_rows`, which keeps the ridge negligible however
/// far `max_rows` lies above the real counts. Returns the fit and its
/// iterates in original units.
async fn fit_opened_one<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    n: usize,
    terms: &[(Feature, String)],
    records: &Records,
    options: &LogisticOptions,
) -> Result<(crate::secure::logistic::LogisticFit, Vec<Vec<f64>>), Either> {
    let Some(((y, _), predictors)) = terms.split_last() else {
        return Err(LogisticError::NoColumns.into());
    };
    let st: Vec<Standardization> = predictors
        .iter()
        .map(|(t, _)| t.standardization())
        .collect();
    let mut own = OwnRecords::new(predictors.len() + 1);
    for row in records.rows().filter(|row| complete(row, terms)) {
        let x: Vec<f64> = predictors
            .iter()
            .zip(&st)
            .map(|((t, _), s)| (t.value(row) - s.center) / s.scale)
            .collect();
        own.push(&x, y.value(row) > 0.5)?;
    }
    let opened = fit_opened(engine, &own, &st, n, options).await?;
    let iterates = opened
        .iterates
        .iter()
        .map(|beta| original_units(beta, &st))
        .collect();
    Ok((opened.fit, iterates))
}

/// Standardised coefficients in original units: `beta_j / scale_j`, and
/// the intercept less `sum_j center_j beta_j / scale_j`.
fn original_units(beta: &[f64], st: &[Standardization]) -> Vec<f64> {
    let slopes: Vec<f64> = beta
        .iter()
        .skip(1)
        .zip(st)
        .map(|(b, s)| b / s.scale)
        .collect();
    let shift: f64 = slopes.iter().zip(st).map(|(b, s)| b * s.center).sum();
    let intercept = beta.first().copied().unwrap_or(0.0) - shift;
    std::iter::once(intercept).chain(slopes).collect()
}

/// Mask, predictors and outcome over both sides' padded rows.
async fn pooled_columns<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    terms: &[(Feature, String)],
    records: &Records,
    f: u32,
    one: Z64,
) -> Result<Vec<Shared<Z64>>, Either> {
    let n = usize::try_from(job.data().max_rows).unwrap_or(usize::MAX);
    let width = terms.len() + 1;
    let mut mine = vec![Z64::ZERO; width * n];
    for (r, row) in records.rows().enumerate().take(n) {
        // Available-case analysis: a row missing a model column stays
        // masked out, as padding is.
        if !complete(row, terms) {
            continue;
        }
        if let Some(slot) = mine.get_mut(r) {
            *slot = one;
        }
        for (k, (t, _)) in terms.iter().enumerate() {
            if let Some(slot) = mine.get_mut((k + 1) * n + r) {
                *slot = t.encode(row, f);
            }
        }
    }
    let own = engine.share_input(&mine).await;
    mine.zeroize();
    let own = own?;
    let peer = engine.receive_input::<Z64>(width * n).await?;
    let (p0, p1) = match engine.role() {
        Role::P0 => (own, peer),
        Role::P1 => (peer, own),
    };
    Ok((0..width)
        .map(|k| {
            let part = |s: &Shared<Z64>| {
                s.slice(k * n..(k + 1) * n)
                    .unwrap_or_else(|| Shared::from_shares(vec![]))
            };
            Shared::concat(&[&part(&p0), &part(&p1)])
        })
        .collect())
}

/// Mask, predictors and outcome over the join's positions.
#[allow(clippy::too_many_arguments)]
async fn linked_columns<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    terms: &[(Feature, String)],
    records: &Records,
    join: &Join,
    ot: &mut OtSession,
    f: u32,
    one: Z64,
) -> Result<Vec<Shared<Z64>>, Either> {
    let role = engine.role();
    let held = |t: &Feature| {
        job.columns()
            .get(t.col())
            .is_some_and(|c| c.owner == Some(role))
    };
    let mut out = Vec::with_capacity(terms.len() + 1);
    match join {
        Join::Receiver(j) => {
            let at = j.positions();
            let mask: Vec<Z64> = at
                .iter()
                .map(|p| if p.is_some() { one } else { Z64::ZERO })
                .collect();
            out.push(engine.share_input(&mask).await?);
            // Integer 1 on every row: products are the sender's fixed-point
            // values on matched positions, 0 elsewhere, with no rescaling.
            let ones = vec![Z64::ONE; records.len()];
            for (t, _) in terms {
                if held(t) {
                    let mut v: Vec<Z64> = at
                        .iter()
                        .map(|p| p.map_or(Z64::ZERO, |r| t.encode(records.row(r), f)))
                        .collect();
                    let shared = engine.share_input(&v).await;
                    v.zeroize();
                    out.push(shared?);
                } else {
                    let s = j
                        .products(ot, engine.channel(), &ones)
                        .await
                        .map_err(Either::Products)?;
                    out.push(Shared::from_shares(s));
                }
            }
        }
        Join::Sender(j) => {
            let n = j.sizes().own_size;
            out.push(engine.receive_input::<Z64>(n).await?);
            for (t, _) in terms {
                if held(t) {
                    let mut y: Vec<Z64> = records.rows().map(|row| t.encode(row, f)).collect();
                    let s = j
                        .products(ot, engine.channel(), &y)
                        .await
                        .map_err(Either::Products);
                    y.zeroize();
                    out.push(Shared::from_shares(s?));
                } else {
                    out.push(engine.receive_input::<Z64>(n).await?);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "per_record_tests.rs"]
mod tests;
