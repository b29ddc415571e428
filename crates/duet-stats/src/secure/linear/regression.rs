//! Least squares on shares: the correlation matrix of the predictors is
//! inverted by Newton-Schulz, and only the coefficients, their variances,
//! R^2 and two flags ("singular design", "spread too narrow for the
//! stated accuracy") are returned for opening.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::correlation::correlations;
use super::fixed::{minus, pick, repeat, tri_at};
use super::inverse::inverse;
use super::moments::moments;
use super::normalize::normalise;
use super::{LinearError, LinearFit, LinearShape};
use crate::secure::logistic::matrix::{matmul, unridge, WIDE_FRAC};

/// Ridge `2^-RIDGE_BITS` added to the predictors' correlation matrix.
pub(crate) const RIDGE_BITS: u32 = 30;

/// Neumann products that take the ridge out of the inverse.
pub(crate) const NEUMANN_PRODUCTS: usize = 4;

/// A design is singular when some diagonal entry of the inverse
/// correlation matrix (a variance inflation factor) exceeds
/// `2^VIF_LIMIT_BITS`.
pub const VIF_LIMIT_BITS: u32 = 16;

/// The opened R^2 when the outcome is constant (undefined): -4.
pub(crate) const NO_R_SQUARED: f64 = -4.0;

/// The inverse correlation matrix (k x k), the standardised slopes and R^2.
pub(crate) struct Solved {
    pub(crate) rinv: Shared<Z128>,
    pub(crate) b: Shared<Z128>,
    pub(crate) r2: Shared<Z128>,
}

/// Shares of the values to open for the regression of the block's last
/// term on an intercept and the other `k = m - 1` terms (`p = m`
/// coefficients), at 40 fractional bits: first the singular flag and the
/// narrow-spread flag (integers, 0 or 1), then, all 0 when either is 1,
/// `2p + 2` values:
/// `beta_0 / s_y`, `beta_i s_i / s_y`, `(n - p) Var(beta_0) / (s_y^2 4^l)`,
/// `(n - p) Var(beta_i) s_i^2 / s_y^2`, R^2 (or -4 when the outcome is
/// constant) and, at `2 WIDE_FRAC` bits, `RSS / (n s_y^2)`. [`decode_regression`] reads them. Both parties call it
/// alike; the caller opens.
pub async fn regression_shares<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    cross: &Shared<R>,
    shape: &LinearShape,
) -> Result<Shared<Z128>, LinearError> {
    let (m, k) = shape.check_regression()?;
    let mo = moments(engine, cross, shape).await?;
    let sc = normalise(engine, &mo.cov, m).await?;
    let r = correlations(engine, &sc, m).await?;
    let solved = solve(engine, &r, m, k).await?;
    let flags = flags(engine, &solved.rinv, &sc.narrow, k).await?;
    let values = super::release::values(engine, shape, &mo, &sc, &solved).await?;
    gate(engine, &flags, &values).await
}

/// The two flags then `values`, all 0 when either flag is 1.
pub(crate) async fn gate<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    flags: &Shared<Z128>,
    values: &Shared<Z128>,
) -> Result<Shared<Z128>, LinearError> {
    let ones = engine.constant(&[Z128::ONE, Z128::ONE]);
    let clear = minus(&ones, flags)?;
    let keep = engine
        .mul_bit(&pick(&clear, [0]), &pick(&clear, [1]))
        .await?;
    let gated = engine
        .mul_bit(&repeat(&keep, 0, values.len()), values)
        .await?;
    Ok(Shared::concat(&[flags, &gated]))
}

/// `(R_xx + r I)^-1` by Newton-Schulz, the ridge taken out, then
/// `b = R_xx^-1 r_xy` and `R^2 = r_xy' b`.
pub(crate) async fn solve<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    r: &Shared<Z128>,
    m: usize,
    k: usize,
) -> Result<Solved, LinearError> {
    let rxx = pick(r, (0..k * k).map(|x| tri_at(m, x / k, x % k)));
    let ridge: Vec<Z128> = (0..k * k)
        .map(|x| {
            if x % (k + 1) == 0 {
                Z128::ONE.shl(WIDE_FRAC - RIDGE_BITS)
            } else {
                Z128::ZERO
            }
        })
        .collect();
    let a = engine.add_public(&rxx, &ridge)?;
    let x = inverse(engine, &a, k).await?;
    let rinv = unridge(engine, &x, k, 1, RIDGE_BITS, NEUMANN_PRODUCTS).await?;
    let rxy = pick(r, (0..k).map(|i| tri_at(m, i, k)));
    let b = matmul(engine, &rinv, &rxy, k, 1).await?;
    let dot = engine.mul(&rxy, &b).await?.sum();
    let r2 = engine.trunc(&dot, WIDE_FRAC).await?;
    Ok(Solved { rinv, b, r2 })
}

/// Shares (0 or 1) of "some diagonal entry of the inverse exceeds
/// `2^VIF_LIMIT_BITS`" (singular) and of "some term is narrow" (`narrow`
/// from the normalisation, one 0/1 per term): `k` comparisons, then one
/// batch of two on the counts.
pub(crate) async fn flags<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    rinv: &Shared<Z128>,
    narrow: &Shared<Z128>,
    k: usize,
) -> Result<Shared<Z128>, LinearError> {
    let diag = pick(rinv, (0..k).map(|i| i * (k + 1)));
    let limit = vec![Z128::ONE.shl(WIDE_FRAC + VIF_LIMIT_BITS); k];
    let room = engine.add_public(&diag.neg(), &limit)?;
    // The ridge bounds the inverse by 5 2^RIDGE_BITS: 96 bits hold it.
    let over = engine.ltz_within(&room, 96).await?;
    // Counts of at most k + 1 <= 17: 16 bits hold their negations.
    let counts = Shared::concat(&[&over.sum().neg(), &narrow.sum().neg()]);
    Ok(engine.ltz_within(&counts, 16).await?)
}

/// The fit from the opened values of [`regression_shares`]: coefficients
/// and standard errors in the terms' units (outcome units per predictor
/// unit; the intercept in outcome units), intercept first.
pub fn decode_regression(opened: &[Z128], shape: &LinearShape) -> Result<LinearFit, LinearError> {
    let (_, k) = shape.check_regression()?;
    let p = k + 1;
    if opened.len() != 2 * p + 4 {
        return Err(LinearError::OpenedLength {
            expected: 2 * p + 4,
            found: opened.len(),
        });
    }
    flags_clear(opened)?;
    let unit = 2f64.powi(WIDE_FRAC as i32);
    let v = |i: usize| {
        opened
            .get(2 + i)
            .map_or(f64::NAN, |x| x.to_i128() as f64 / unit)
    };
    let s: Vec<f64> = shape.bounds().iter().map(|b| b.half() as f64).collect();
    let sy = s[k];
    let df = shape.n() - p as u64;
    let l = shape.intercept_shift()?;
    let r_squared = (v(2 * p) > NO_R_SQUARED / 2.0).then(|| v(2 * p));
    // (1 - R^2) V_yy at 2 WIDE_FRAC bits: RSS / (n s_y^2). A constant
    // outcome (no R^2) fits exactly: its residuals are 0.
    let rss = opened
        .get(2 * p + 3)
        .map_or(f64::NAN, |x| x.to_i128() as f64 / (unit * unit));
    let residual = match r_squared {
        Some(_) => se(sy * sy * shape.n() as f64 * rss, df),
        None => 0.0,
    };
    let mut fit = LinearFit {
        coefficients: vec![sy * v(0)],
        std_errors: vec![se(sy * sy * 4f64.powi(l as i32) * v(p), df)],
        r_squared,
        residual_df: df,
        residual_std_error: residual,
    };
    for i in 0..k {
        let ratio = sy / s[i];
        fit.coefficients.push(v(1 + i) * ratio);
        fit.std_errors.push(se(v(p + 1 + i) * ratio * ratio, df));
    }
    Ok(fit)
}

/// The two opened flags (singular, narrow) both 0, else the error that
/// names the refusal. A narrow term can make the design look singular:
/// it is named first.
pub(crate) fn flags_clear(opened: &[Z128]) -> Result<(), LinearError> {
    match (flag(opened, 0)?, flag(opened, 1)?) {
        (_, true) => Err(LinearError::NarrowSpread),
        (true, false) => Err(LinearError::SingularDesign),
        (false, false) => Ok(()),
    }
}

/// The opened flag at `i`: 0 or 1, else [`LinearError::BadFlag`].
fn flag(opened: &[Z128], i: usize) -> Result<bool, LinearError> {
    match opened.get(i).map(|f| f.to_i128()) {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        other => Err(LinearError::BadFlag {
            value: other.unwrap_or(-1),
        }),
    }
}

/// `sqrt(max(v, 0) / df)` (a perfect fit can open a variance a few units
/// in the last place below 0).
fn se(v: f64, df: u64) -> f64 {
    (v.max(0.0) / df as f64).sqrt()
}
