//! Logistic regression with opened iterates, the approach of DataSHIELD's
//! `ds.glm` (Jones et al. 2012, see REFERENCES.md): a job option for
//! pooled studies, for sizes where the sealed fit ([`super::fit_logistic`])
//! costs too much.
//!
//! # Algorithm (semi-honest)
//! Newton-Raphson from `beta = 0` on the standardised scale. At each step
//! the iterate `beta_t` is public, so each side computes, in the clear
//! over its own records, its part of the gradient `g = X'(y - p)` and of
//! the Hessian `H = X' diag(p (1 - p)) X` (upper triangle), divided by
//! `2^s` for the public bound `2^s >= n` on the records. The parts are
//! shared in Z_2^128 (2^-40) and added, so the sums exist only as shares;
//! on the shares, as in the sealed fit, a ridge `p 2^-18` joins the
//! diagonal, the inverse comes by Newton-Schulz (from `(4/p) I` at the
//! first step, warm-started later) and the step `(H / 2^s)^-1 (g / 2^s)`
//! is computed. Only the step is opened, and both sides add it to
//! `beta_t` (clamped to [-1024, 1024]). The fit stops when the step's
//! Euclidean norm falls below [`OPENED_TOLERANCE`] or after the job's
//! maximum of steps. The covariance is the inverse of the summed Hessian
//! at the last iterate (fresh Newton-Schulz, the ridge taken out by the
//! same Neumann series), and only its `p` variances in original units are
//! opened, with the estimates `T beta`.
//!
//! # What each party learns
//! Besides what the sealed fit opens (estimates, variances, the deviance
//! that the study adds), every iterate `beta_1, .., beta_T` (p values
//! each, T public: it is the number of iterates) and so whether and when
//! the fit converged. Each iterate is a function of the pooled data; the
//! side that knows its own part of g and H at `beta_t` learns from the
//! step `p` equations in the other side's part of `p + p(p+1)/2` sums
//! (its records' score and information at `beta_t`), over T points. The
//! first step from 0 is `4 (X'X)^-1 X'(y - 1/2)`, a least-squares fit;
//! later ones weight the records by their fitted variance at the iterate.
//! Neither side's g or H is opened, nor the pooled sums, nor any record's
//! fitted probability. The release gate counts the iterates as released
//! values: a side holding fewer records than the opened values allow
//! (`max_params_ratio`, as DataSHIELD's `nfilter.glm`) withholds the fit
//! (`release::gates`), since a few records could be solved for from that
//! many equations (`tests/attacks/opened_iterates.rs`).
//!
//! # Cost
//! Per step `O(n p^2)` local arithmetic (rayon over the records) and, on
//! shares, one exchange of `p + p(p+1)/2` values and the `p x p` inverse:
//! a few thousand Z_2^128 triples, independent of `n`.

use duet_core::{Channel, Engine, Preprocessing, Ring, Role, Shared, Z128};
use rayon::prelude::*;

use super::fit::{release_public, symmetric_with_ridge, Shape};
use super::matrix::{matmul, newton_schulz, scaled_identity, wide, BETA_BITS, WIDE_FRAC};
use super::{LogisticError, LogisticFit, LogisticOptions, Standardization};

/// The step norm (standardised scale) below which the iterates stop.
pub const OPENED_TOLERANCE: f64 = 1e-6;

/// One side's records for an opened fit, standardised: row-major rows of
/// `p` design values (1 first, the intercept; every other in [-1, 1]),
/// and the outcome per row in {0, 1}.
#[derive(Debug, Clone, Default)]
pub struct OwnRecords {
    p: usize,
    design: Vec<f64>,
    y: Vec<f64>,
}

impl Drop for OwnRecords {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.design.zeroize();
        self.y.zeroize();
    }
}

impl OwnRecords {
    /// An empty set of `p`-column records.
    pub fn new(p: usize) -> Self {
        OwnRecords {
            p,
            design: Vec::new(),
            y: Vec::new(),
        }
    }

    /// Adds a record: `x` holds the `p - 1` standardised predictors.
    pub fn push(&mut self, x: &[f64], y: bool) -> Result<(), LogisticError> {
        if x.len() + 1 != self.p {
            return Err(LogisticError::RecordWidth {
                expected: self.p,
                found: x.len() + 1,
            });
        }
        if let Some(j) = x.iter().position(|v| v.is_nan() || v.abs() > 1.0) {
            return Err(LogisticError::OutOfRange { column: j + 1 });
        }
        self.design.push(1.0);
        self.design.extend_from_slice(x);
        self.y.push(f64::from(u8::from(y)));
        Ok(())
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// This side's `g` (p) then the upper triangle of `H` at `beta`: in
    /// blocks of records on rayon's threads, added in block order, so the
    /// sums do not depend on the scheduling.
    fn sums(&self, beta: &[f64]) -> Vec<f64> {
        let p = self.p;
        let parts: Vec<Vec<f64>> = self
            .design
            .par_chunks(p * BLOCK)
            .zip(self.y.par_chunks(BLOCK))
            .map(|(design, y)| block_sums(p, design, y, beta))
            .collect();
        let mut total = vec![0.0; p + p * (p + 1) / 2];
        for part in parts {
            total.iter_mut().zip(part).for_each(|(t, v)| *t += v);
        }
        total
    }
}

/// Records per block of [`OwnRecords::sums`].
const BLOCK: usize = 4096;

/// `g` then the upper triangle of `H` over one block of records.
fn block_sums(p: usize, design: &[f64], y: &[f64], beta: &[f64]) -> Vec<f64> {
    let mut acc = vec![0.0; p + p * (p + 1) / 2];
    for (x, &y) in design.chunks_exact(p).zip(y) {
        let eta: f64 = x.iter().zip(beta).map(|(a, b)| a * b).sum();
        let prob = super::logistic(eta);
        let (r, w) = (y - prob, prob * (1.0 - prob));
        let (g, h) = acc.split_at_mut(p);
        for (gj, xj) in g.iter_mut().zip(x) {
            *gj += xj * r;
        }
        let mut at = 0;
        for j in 0..p {
            for k in j..p {
                h[at] += w * x[j] * x[k];
                at += 1;
            }
        }
    }
    acc
}

/// An opened fit: the fit in original units and every opened iterate.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedFit {
    /// Estimates, standard errors, steps run, convergence.
    pub fit: LogisticFit,
    /// `beta_1 .. beta_T` on the standardised scale, as opened.
    pub iterates: Vec<Vec<f64>>,
}

/// Runs the opened fit; both parties call it with the same `p`,
/// standardisations, bound and options. `max_records` bounds both sides'
/// records together (public: in a study, the fit's n as the gate released it);
/// `options.iterations` is the most steps.
pub async fn fit_opened<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    own: &OwnRecords,
    standardization: &[Standardization],
    max_records: usize,
    options: &LogisticOptions,
) -> Result<OpenedFit, LogisticError> {
    let p = standardization.len() + 1;
    if own.p != p {
        return Err(LogisticError::RecordWidth {
            expected: p,
            found: own.p,
        });
    }
    let shape = options.check(max_records.max(own.len()), p)?;
    let mut beta = vec![0.0; p];
    let mut inverse = scaled_identity(engine, wide(4.0 / p as f64), p);
    let mut iterates = Vec::new();
    let mut converged = false;
    for it in 0..options.iterations {
        let (grad, hess) = pooled_sums(engine, own, &beta, shape).await?;
        let steps = match it {
            0 => options.inverse_first,
            _ => options.inverse_warm,
        };
        inverse = newton_schulz(engine, &hess, inverse, p, steps).await?;
        let step = matmul(engine, &inverse, &grad, p, 1).await?;
        let step = decode(&crate::release::open_derived(engine, &step).await?);
        let bound = f64::from(1u32 << BETA_BITS);
        let mut clamped = false;
        for (b, s) in beta.iter_mut().zip(&step) {
            let next = *b + s;
            clamped |= next.abs() > bound;
            *b = next.clamp(-bound, bound);
        }
        iterates.push(beta.clone());
        let norm = step.iter().map(|s| s * s).sum::<f64>().sqrt();
        if norm < OPENED_TOLERANCE && !clamped {
            converged = true;
            break;
        }
    }
    // The covariance at the last iterate, from a fresh inverse.
    let (_, hess) = pooled_sums(engine, own, &beta, shape).await?;
    let start = scaled_identity(engine, wide(4.0 / p as f64), p);
    let inverse = newton_schulz(engine, &hess, start, p, options.inverse_first).await?;
    let mut fit = release_public(engine, &beta, &inverse, standardization, shape).await?;
    fit.iterations = iterates.len() as u32;
    fit.converged = converged;
    Ok(OpenedFit { fit, iterates })
}

/// Shares of the pooled `g / 2^s` and of `H / 2^s` with its ridge, from
/// each side's part at the public `beta`.
async fn pooled_sums<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    own: &OwnRecords,
    beta: &[f64],
    shape: Shape,
) -> Result<(Shared<Z128>, Shared<Z128>), LogisticError> {
    let scale = 2f64.powi(-(shape.s as i32));
    let mine: Vec<Z128> = own.sums(beta).iter().map(|v| wide(v * scale)).collect();
    let width = mine.len();
    let ours = engine.share_input(&mine).await?;
    let theirs = engine.receive_input::<Z128>(width).await?;
    let (a, b) = match engine.role() {
        Role::P0 => (ours, theirs),
        Role::P1 => (theirs, ours),
    };
    let total = a
        .add(&b)
        .map_err(super::sigmoid::length("opened fit sums"))?;
    let grad = total.slice(0..shape.p).ok_or(LogisticError::NoColumns)?;
    let tri = total.shares().get(shape.p..).unwrap_or(&[]);
    let hess = symmetric_with_ridge(engine, tri, shape.p)?;
    Ok((grad, hess))
}

/// Opened Z_2^128 values at [`WIDE_FRAC`] bits as f64.
fn decode(opened: &[Z128]) -> Vec<f64> {
    let unit = 2f64.powi(WIDE_FRAC as i32);
    opened.iter().map(|v| v.to_i128() as f64 / unit).collect()
}
