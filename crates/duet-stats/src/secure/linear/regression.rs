//! Least squares on shares: the correlation matrix of the predictors is
//! inverted by Newton-Schulz, and only the coefficients, their variances,
//! R^2 and one "singular design" flag are returned for opening.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::correlation::correlations;
use super::fixed::{
    minus, mul_trunc, pick, plus, repeat, tri_at, tri_len, tri_pairs, wide, HI_FRAC,
};
use super::moments::{moments, Moments};
use super::normalize::{normalise, Scales};
use super::{LinearError, LinearFit, LinearShape};
use crate::secure::logistic::matrix::{matmul, newton_schulz, scaled_identity, unridge, WIDE_FRAC};

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

/// Newton-Schulz steps for `k` predictors: from `X0 = I / (k + 1)` the
/// residual `1 - lambda / (k + 1)` with `lambda >= 2^-RIDGE_BITS` is
/// squared each step and falls below 2^-45 after
/// `RIDGE_BITS + ceil(log2(k + 1)) + 5` steps.
pub fn schulz_steps(k: usize) -> u32 {
    let log = usize::BITS - k.leading_zeros();
    RIDGE_BITS + log + 5
}

/// The inverse correlation matrix (k x k), the standardised slopes and R^2.
struct Solved {
    rinv: Shared<Z128>,
    b: Shared<Z128>,
    r2: Shared<Z128>,
}

/// Shares of the values to open for the regression of the block's last
/// term on an intercept and the other `k = m - 1` terms (`p = m`
/// coefficients), at 40 fractional bits: first the singular
/// flag (an integer, 0 or 1), then, all 0 when it is 1, `2p + 1` values:
/// `beta_0 / s_y`, `beta_i s_i / s_y`, `(n - p) Var(beta_0) / (s_y^2 4^l)`,
/// `(n - p) Var(beta_i) s_i^2 / s_y^2` and R^2 (or -4 when the outcome is
/// constant). [`decode_regression`] reads them. Both parties call it
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
    let singular = singular(engine, &solved.rinv, k).await?;
    let values = release_values(engine, shape, &mo, &sc, &solved).await?;
    let keep = minus(&engine.constant(&[Z128::ONE]), &singular)?;
    let gated = engine.mul(&repeat(&keep, 0, values.len()), &values).await?;
    Ok(Shared::concat(&[&singular, &gated]))
}

/// `(R_xx + r I)^-1` by Newton-Schulz, the ridge taken out, then
/// `b = R_xx^-1 r_xy` and `R^2 = r_xy' b`.
async fn solve<C: Channel, P: Preprocessing>(
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
    let x0 = scaled_identity(engine, wide(1.0 / (k + 1) as f64), k);
    let x = newton_schulz(engine, &a, x0, k, schulz_steps(k)).await?;
    let rinv = unridge(engine, &x, k, 1, RIDGE_BITS, NEUMANN_PRODUCTS).await?;
    let rxy = pick(r, (0..k).map(|i| tri_at(m, i, k)));
    let b = matmul(engine, &rinv, &rxy, k, 1).await?;
    let dot = engine.mul(&rxy, &b).await?.sum();
    let r2 = engine.trunc(&dot, WIDE_FRAC).await?;
    Ok(Solved { rinv, b, r2 })
}

/// Shares (0 or 1) of "some diagonal entry of the inverse exceeds
/// `2^VIF_LIMIT_BITS`": `k` comparisons, then one on their count.
async fn singular<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    rinv: &Shared<Z128>,
    k: usize,
) -> Result<Shared<Z128>, LinearError> {
    let diag = pick(rinv, (0..k).map(|i| i * (k + 1)));
    let limit = vec![Z128::ONE.shl(WIDE_FRAC + VIF_LIMIT_BITS); k];
    let room = engine.add_public(&diag.neg(), &limit)?;
    // The ridge bounds the inverse by 5 2^RIDGE_BITS: 96 bits hold it.
    let over = engine.ltz_within(&room, 96).await?;
    Ok(engine.ltz_within(&over.sum().neg(), 16).await?)
}

/// The exact ratios `rho_i = T_i / T_y = p_i / q_i` of the predictors'
/// scales to the outcome's, as the integer `p_i = max(rho_i, 1)` and the
/// fixed-point `1 / q_i = min(rho_i, 1)` (k comparisons of `T_i` with
/// `T_y`, one product round). Multiplying by `1 / q_i` first and by the
/// integer `p_i` last keeps every product in range and loses nothing: one
/// of the two is 1.
async fn ratios<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    sc: &Scales,
    k: usize,
) -> Result<(Shared<Z128>, Shared<Z128>), LinearError> {
    let t = pick(&sc.t, 0..k);
    let rho = engine.mul(&t, &repeat(&sc.inv_t, k, k)).await?;
    let below = engine
        .ltz_within(&minus(&t, &repeat(&sc.t, k, k))?, 32)
        .await?;
    let whole = engine.trunc(&rho, WIDE_FRAC).await?;
    let ones = engine.constant(&vec![Z128::ONE; k]);
    let wides = engine.constant(&vec![wide(1.0); k]);
    let sel = Shared::concat(&[&minus(&ones, &below)?, &below]);
    let diff = Shared::concat(&[&minus(&whole, &ones)?, &minus(&rho, &wides)?]);
    let picked = engine.mul(&sel, &diff).await?;
    let p = plus(&ones, &pick(&picked, 0..k))?;
    let inv_q = plus(&wides, &pick(&picked, k..2 * k))?;
    Ok((p, inv_q))
}

/// The `2p + 1` values of [`regression_shares`] before gating. With the
/// well-scaled `h_i = sqrt(W_y) y_i` (so `sd_y / sd_i = h_i rho_i`),
/// `mu_i = mean(t_i) / s_i / 2^l` and `E = (1 - R^2) R_xx^-1`: slopes
/// `gamma_i = b_i h_i rho_i`, intercept `2^l (mu_y - sum gamma_i mu_i)`,
/// slope variances `E_ii h_i^2 rho_i^2`, intercept variance `(1 - R^2)
/// sd_y^2 / 4^l + sum_ij a_i a_j E_ij p_i p_j` with `a_i = mu_i h_i / q_i`.
async fn release_values<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    shape: &LinearShape,
    mo: &Moments,
    sc: &Scales,
    solved: &Solved,
) -> Result<Shared<Z128>, LinearError> {
    const W: u32 = WIDE_FRAC;
    let (_, k) = shape.check_regression()?;
    let l = shape.intercept_shift()?;
    let q = tri_len(k);
    let (p, inv_q) = ratios(engine, sc, k).await?;
    let (pl, pr): (Vec<usize>, Vec<usize>) = tri_pairs(k).unzip();
    let pp = engine
        .mul(&pick(&p, pl.clone()), &pick(&p, pr.clone()))
        .await?;
    let hy = mul_trunc(engine, &pick(&sc.w, [k]), &pick(&sc.u, [k]), W).await?;
    let h = mul_trunc(engine, &repeat(&hy, 0, k), &pick(&sc.u, 0..k), W).await?;
    let e = engine.add_public(&solved.r2.neg(), &[wide(1.0)])?;
    let upper = pick(&solved.rinv, tri_pairs(k).map(|(i, j)| i * k + j));
    let ee = mul_trunc(engine, &repeat(&e, 0, q), &upper, W).await?;
    let centres: Vec<Z128> = shape
        .centres_over_half(l)
        .into_iter()
        .map(Z128::from_i128)
        .collect();
    let mu = engine.trunc(&mo.mean, HI_FRAC - W + l).await?;
    let mu = engine.add_public(&mu, &centres)?;
    let ee_diag = pick(&ee, (0..k).map(|i| tri_at(k, i, i)));
    let ty = pick(&sc.inv_t, [k]);
    // b h, mu h, h h, e W_y
    let r1 = mul_trunc(
        engine,
        &Shared::concat(&[&solved.b, &pick(&mu, 0..k), &h, &e]),
        &Shared::concat(&[&h, &h, &h, &pick(&sc.w, [k])]),
        W,
    )
    .await?;
    let (bh, muh, hh, ew) = (
        pick(&r1, 0..k),
        pick(&r1, k..2 * k),
        pick(&r1, 2 * k..3 * k),
        pick(&r1, [3 * k]),
    );
    let r2 = mul_trunc(
        engine,
        &Shared::concat(&[&bh, &muh, &ee_diag, &ew]),
        &Shared::concat(&[&inv_q, &inv_q, &hh, &ty]),
        W,
    )
    .await?;
    let (bq, a, x, ew1) = (
        pick(&r2, 0..k),
        pick(&r2, k..2 * k),
        pick(&r2, 2 * k..3 * k),
        pick(&r2, [3 * k]),
    );
    let r3 = mul_trunc(
        engine,
        &Shared::concat(&[&x, &ew1, &pick(&a, pl)]),
        &Shared::concat(&[&inv_q, &ty, &pick(&a, pr)]),
        W,
    )
    .await?;
    let (xq, esd, aa) = (pick(&r3, 0..k), pick(&r3, [k]), pick(&r3, k + 1..k + 1 + q));
    let r4 = mul_trunc(
        engine,
        &Shared::concat(&[&xq, &aa]),
        &Shared::concat(&[&inv_q, &ee]),
        W,
    )
    .await?;
    let (xqq, z) = (pick(&r4, 0..k), pick(&r4, k..k + q));
    let p_diag = pick(&pp, (0..k).map(|i| tri_at(k, i, i)));
    let r5 = engine
        .mul(
            &Shared::concat(&[&bq, &xqq, &z]),
            &Shared::concat(&[&p, &p_diag, &pp]),
        )
        .await?;
    let (gamma, v, zt) = (
        pick(&r5, 0..k),
        pick(&r5, k..2 * k),
        pick(&r5, 2 * k..2 * k + q),
    );
    let gmu = mul_trunc(engine, &gamma, &pick(&mu, 0..k), W).await?;
    let twice: Vec<Z128> = tri_pairs(k)
        .map(|(i, j)| Z128::from_u64(if i == j { 1 } else { 2 }))
        .collect();
    let quad = zt
        .mul_public(&twice)
        .map_err(|source| LinearError::Layout { source })?
        .sum();
    let v0 = plus(&engine.trunc(&esd, 2 * l).await?, &quad)?;
    let o0 = minus(&pick(&mu, [k]), &gmu.sum())?.mul_scalar(Z128::ONE.shl(l));
    let r2 = plus(
        &solved.r2,
        &pick(&sc.flag, [k]).mul_scalar(wide(NO_R_SQUARED)),
    )?;
    Ok(Shared::concat(&[&o0, &gamma, &v0, &v, &r2]))
}

/// The fit from the opened values of [`regression_shares`]: coefficients
/// and standard errors in the terms' units (outcome units per predictor
/// unit; the intercept in outcome units), intercept first.
pub fn decode_regression(opened: &[Z128], shape: &LinearShape) -> Result<LinearFit, LinearError> {
    let (_, k) = shape.check_regression()?;
    let p = k + 1;
    if opened.len() != 2 * p + 2 {
        return Err(LinearError::OpenedLength {
            expected: 2 * p + 2,
            found: opened.len(),
        });
    }
    match opened.first().map(|f| f.to_i128()) {
        Some(0) => {}
        Some(1) => return Err(LinearError::SingularDesign),
        other => {
            return Err(LinearError::BadFlag {
                value: other.unwrap_or(-1),
            })
        }
    }
    let unit = 2f64.powi(WIDE_FRAC as i32);
    let v = |i: usize| {
        opened
            .get(1 + i)
            .map_or(f64::NAN, |x| x.to_i128() as f64 / unit)
    };
    let s: Vec<f64> = shape.bounds().iter().map(|b| b.half() as f64).collect();
    let sy = s[k];
    let df = shape.n() - p as u64;
    let l = shape.intercept_shift()?;
    let mut fit = LinearFit {
        coefficients: vec![sy * v(0)],
        std_errors: vec![se(sy * sy * 4f64.powi(l as i32) * v(p), df)],
        r_squared: (v(2 * p) > NO_R_SQUARED / 2.0).then(|| v(2 * p)),
        residual_df: df,
    };
    for i in 0..k {
        let ratio = sy / s[i];
        fit.coefficients.push(v(1 + i) * ratio);
        fit.std_errors.push(se(v(p + 1 + i) * ratio * ratio, df));
    }
    Ok(fit)
}

/// `sqrt(max(v, 0) / df)` (a perfect fit can open a variance a few units
/// in the last place below 0).
fn se(v: f64, df: u64) -> f64 {
    (v.max(0.0) / df as f64).sqrt()
}
