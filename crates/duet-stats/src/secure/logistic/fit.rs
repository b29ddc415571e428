//! The fit: Newton-Raphson on shares with a fixed schedule, then the
//! back-transform and the only opening.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128, Z64};

use super::convergence::{converged, read};
use super::matrix::{
    clamp, lift, matmul, narrow, newton_schulz, scaled_identity, unridge, wide, BETA_BITS,
    RIDGE_BITS, WIDE_FRAC,
};
use super::options::warm_up_rows;
use super::records::{standardize, Records};
use super::sigmoid::length;
use super::{LogisticError, LogisticFit, LogisticInput, LogisticOptions, Standardization};

/// The public shape of a fit, checked once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) p: usize,
    /// `2^s >= n`: the Hessian and gradient are divided by 2^s.
    pub(crate) s: u32,
}

impl Shape {
    /// Bits to shift the Z_2^64 sums (scale 2^(2f)) down to 2^40 / 2^s.
    pub(crate) fn lift_shift(&self, frac_bits: u32) -> i64 {
        2 * i64::from(frac_bits) + i64::from(self.s) - i64::from(WIDE_FRAC)
    }

    /// Number of distinct Hessian entries.
    pub(crate) fn tri(&self) -> usize {
        self.p * (self.p + 1) / 2
    }
}

/// Runs the fit; both parties call it at the same point with inputs of
/// the same shape. See the module docs for the algorithm and what is opened.
pub async fn fit_logistic<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    input: &LogisticInput,
    options: &LogisticOptions,
) -> Result<LogisticFit, LogisticError> {
    let shape = options.check(input.records(), input.columns())?;
    let f = options.frac_bits;
    let b = options.batch;
    let design = standardize(engine, &input.design, &input.standardization, f, b).await?;
    let records = Records::new(engine, &design, &input.y, f, b).await?;
    let (warm, full) = options.schedule(input.records());
    let sample = if warm > 0 {
        let rows = warm_up_rows(input.records(), options.warm_up);
        let shape = options.check(rows.len(), shape.p)?;
        Some((records.pick(&rows), shape))
    } else {
        None
    };
    let mut state = State::start(engine, shape.p);
    if let Some((sample, sample_shape)) = &sample {
        state
            .run(engine, sample, *sample_shape, options, (warm, false))
            .await?;
    }
    state
        .run(engine, &records, shape, options, (full, true))
        .await?;
    let State {
        beta,
        inverse,
        last,
        ..
    } = state;
    // `iterations >= 1` (checked), so the last step exists.
    let (step, saturated) = last.ok_or(LogisticError::NoRecords)?;
    let bit = converged(engine, &step, &saturated).await?;
    let fitted = (&beta, &inverse, &bit);
    let mut fit = release(engine, fitted, &input.standardization, shape).await?;
    fit.iterations = options.iterations;
    Ok(fit)
}

/// The Newton iteration's shares between steps.
struct State {
    beta: Shared<Z128>,
    narrow_beta: Shared<Z64>,
    inverse: Shared<Z128>,
    /// The last step and its count of saturated records.
    last: Option<(Shared<Z128>, Shared<Z64>)>,
}

impl State {
    fn start<C: Channel, P: Preprocessing>(engine: &Engine<C, P>, p: usize) -> Self {
        State {
            beta: engine.constant(&vec![Z128::ZERO; p]),
            narrow_beta: engine.constant(&vec![Z64::ZERO; p]),
            // Each stage starts its own inverse ([`State::run`]).
            inverse: Shared::from_shares(vec![]),
            last: None,
        }
    }

    /// `steps` Newton steps on `records`. The inverse starts afresh from
    /// `(4/p) I`: the Hessian of another set of records, scaled by another
    /// `2^s`, may be more than twice the last one, where a warm start
    /// would diverge. `ends` says whether the fit ends with this stage.
    async fn run<C: Channel, P: Preprocessing>(
        &mut self,
        engine: &mut Engine<C, P>,
        records: &Records,
        shape: Shape,
        options: &LogisticOptions,
        (steps, ends): (u32, bool),
    ) -> Result<(), LogisticError> {
        let (p, f) = (shape.p, options.frac_bits);
        self.inverse = scaled_identity(engine, wide(4.0 / p as f64), p);
        for it in 0..steps {
            let (sums, saturated) = records.curvature(engine, &self.narrow_beta).await?;
            let (grad, hess) = to_wide(engine, &sums, shape, f).await?;
            let iters = if it == 0 {
                options.inverse_first
            } else {
                options.inverse_warm
            };
            let inverse = std::mem::replace(&mut self.inverse, Shared::from_shares(vec![]));
            self.inverse = newton_schulz(engine, &hess, inverse, p, iters).await?;
            let step = matmul(engine, &self.inverse, &grad, p, 1).await?;
            let moved = self.beta.add(&step).map_err(length("newton step"))?;
            self.beta = clamp(engine, &moved).await?;
            if !(ends && it + 1 == steps) {
                self.narrow_beta = narrow(&engine.trunc(&self.beta, WIDE_FRAC - f).await?);
            }
            self.last = Some((step, saturated));
        }
        Ok(())
    }
}

/// The lifted gradient (p) and the scaled Hessian with its ridge (p x p),
/// both divided by 2^s, at [`WIDE_FRAC`] fractional bits.
async fn to_wide<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    sums: &Shared<Z64>,
    shape: Shape,
    frac_bits: u32,
) -> Result<(Shared<Z128>, Shared<Z128>), LogisticError> {
    let lifted = lift(engine, sums).await?;
    let shift = shape.lift_shift(frac_bits);
    let scaled = if shift > 0 {
        engine.trunc(&lifted, shift as u32).await?
    } else {
        lifted.mul_scalar(Z128::ONE.shl((-shift) as u32))
    };
    let p = shape.p;
    let grad = scaled.slice(0..p).ok_or(LogisticError::NoColumns)?;
    let tri = scaled.shares().get(p..).unwrap_or(&[]);
    let hess = symmetric_with_ridge(engine, tri, p)?;
    Ok((grad, hess))
}

/// The p x p shares of a symmetric matrix from its upper triangle (row by
/// row), with the ridge `p 2^-RIDGE_BITS` added to the diagonal.
pub(crate) fn symmetric_with_ridge<C: Channel, P: Preprocessing>(
    engine: &Engine<C, P>,
    tri: &[Z128],
    p: usize,
) -> Result<Shared<Z128>, LogisticError> {
    let ridge = Z128::from_u64(p as u64) * Z128::ONE.shl(WIDE_FRAC - RIDGE_BITS);
    let mut full = vec![Z128::ZERO; p * p];
    let mut at = 0;
    for j in 0..p {
        for k in j..p {
            let v = tri.get(at).copied().unwrap_or(Z128::ZERO);
            full[j * p + k] = v;
            full[k * p + j] = v;
            at += 1;
        }
    }
    Ok(engine.add_public(
        &Shared::from_shares(full),
        &scaled_identity_values(ridge, p),
    )?)
}

fn scaled_identity_values(c: Z128, p: usize) -> Vec<Z128> {
    (0..p * p)
        .map(|i| if i % (p + 1) == 0 { c } else { Z128::ZERO })
        .collect()
}

/// The back-transform `T` rows: `beta_orig_0 = beta_0 - sum_j c_j beta_j / s_j`
/// and, in the opened scale `D beta_orig` with `D = diag(1, s_1, ..)`,
/// `beta_j` itself for `j >= 1`.
fn transform(st: &[Standardization]) -> Vec<Vec<f64>> {
    let p = st.len() + 1;
    let mut rows = vec![vec![0.0; p]; p];
    rows[0][0] = 1.0;
    for (j, c) in st.iter().enumerate() {
        rows[0][j + 1] = -c.center / c.scale;
        rows[j + 1][j + 1] = 1.0;
    }
    rows
}

/// Fractional bits for public coefficients up to `max_abs` multiplying
/// shares bounded by 2^`headroom` at 40 fractional bits, so the product
/// stays below 2^124.
fn coefficient_bits(max_abs: f64, headroom: u32) -> u32 {
    let mag = (max_abs + 1.0).log2().ceil().max(0.0) as u32;
    124u32
        .saturating_sub(WIDE_FRAC + headroom + mag)
        .min(WIDE_FRAC)
}

/// Shares of `sum_j w_j v_j` for public weights, encoded at `bits`.
fn weighted(v: &[Z128], w: &[f64], bits: u32) -> Z128 {
    let unit = 2f64.powi(bits as i32);
    v.iter().zip(w).fold(Z128::ZERO, |acc, (&x, &c)| {
        acc + x * Z128::from_i128((c * unit).round() as i128)
    })
}

/// Matrix products in the Neumann correction of the ridge.
pub(crate) const NEUMANN_PRODUCTS: usize = 4;

/// `A^-1` from `X = (A + r I)^-1` for the logistic ridge `r = p
/// 2^-RIDGE_BITS`: [`unridge`] with [`NEUMANN_PRODUCTS`] products, which
/// turns the ridge's relative effect `r / lambda_min(A)` on variances into
/// its fifth power (a heavily padded or narrow-ranged design can have `r /
/// lambda_min` near 0.1).
async fn unridged<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    inverse: &Shared<Z128>,
    p: usize,
) -> Result<Shared<Z128>, LogisticError> {
    unridge(engine, inverse, p, p as u64, RIDGE_BITS, NEUMANN_PRODUCTS).await
}

/// Opens `D beta_orig`, `D^2 diag(Cov_orig)` (a public bijection of the
/// released values) and the convergence bit, and decodes them to
/// original units.
async fn release<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    (beta, inverse, bit): (&Shared<Z128>, &Shared<Z128>, &Shared<Z128>),
    st: &[Standardization],
    shape: Shape,
) -> Result<LogisticFit, LogisticError> {
    let (p, t) = (shape.p, transform(st));
    let max_t = t.iter().flatten().fold(0f64, |m, v| m.max(v.abs()));
    let eb = coefficient_bits(max_t, BETA_BITS + 6);
    let vb = coefficient_bits(max_t * max_t, RIDGE_BITS + 12);
    let cov = unridged(engine, inverse, p).await?;
    let (b, c) = (beta.shares(), cov.shares());
    let est: Vec<Z128> = t.iter().map(|row| weighted(b, row, eb)).collect();
    let var: Vec<Z128> = t
        .iter()
        .map(|row| {
            let w: Vec<f64> = (0..p * p).map(|i| row[i / p] * row[i % p]).collect();
            weighted(c, &w, vb)
        })
        .collect();
    let est = engine.trunc(&Shared::from_shares(est), eb).await?;
    let var = engine
        .trunc(&Shared::from_shares(var), vb + shape.s)
        .await?;
    // Only the release gate opens; the fit's cell passed its rules.
    let opened = crate::release::open_derived(engine, &Shared::concat(&[&est, &var, bit])).await?;
    let mut fit = decode(&opened, st, p)?;
    fit.converged = read(opened.get(2 * p..).unwrap_or(&[]))?;
    Ok(fit)
}

/// [`release`] for public standardised coefficients (an opened fit's last
/// iterate): the same back-transform and opening; the convergence bit it
/// returns is a placeholder for the caller's public one.
pub(crate) async fn release_public<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    beta: &[f64],
    inverse: &Shared<Z128>,
    st: &[Standardization],
    shape: Shape,
) -> Result<LogisticFit, LogisticError> {
    let beta: Vec<Z128> = beta.iter().map(|&b| wide(b)).collect();
    let beta = engine.constant(&beta);
    let bit = engine.constant(&[Z128::ONE]);
    release(engine, (&beta, inverse, &bit), st, shape).await
}

/// Original-unit estimates and standard errors from the opened values.
fn decode(opened: &[Z128], st: &[Standardization], p: usize) -> Result<LogisticFit, LogisticError> {
    let unit = 2f64.powi(WIDE_FRAC as i32);
    let value = |i: usize| {
        opened
            .get(i)
            .map_or(f64::NAN, |v| v.to_i128() as f64 / unit)
    };
    let scale = |j: usize| if j == 0 { 1.0 } else { st[j - 1].scale };
    let mut fit = LogisticFit {
        estimates: Vec::with_capacity(p),
        std_errors: Vec::with_capacity(p),
        iterations: 0,
        converged: false,
    };
    for j in 0..p {
        let variance = value(p + j);
        if !(variance.is_finite() && variance > 0.0) {
            return Err(LogisticError::DegenerateVariance { term: j, variance });
        }
        fit.estimates.push(value(j) / scale(j));
        fit.std_errors.push(variance.sqrt() / scale(j));
    }
    Ok(fit)
}
