//! The regression's values before gating, scaled back from the
//! correlation scale to the bound-standardised one.
//!
//! With the well-scaled `h_i = sqrt(W_y) y_i` (so `sd_y / sd_i = h_i
//! rho_i`, `rho_i = T_i / T_y`), `mu_i = mean(t_i) / s_i / 2^l` and `E =
//! (1 - R^2) R_xx^-1`: slopes `gamma_i = b_i h_i rho_i`, intercept `2^l
//! (mu_y - sum gamma_i mu_i)`, slope variances `E_ii h_i^2 rho_i^2` and
//! intercept variance `(1 - R^2) sd_y^2 / 4^l + sum_ij a_i a_j E_ij p_i
//! p_j` with `a_i = mu_i h_i / q_i` (all times `n - p`).

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::fixed::{
    minus, mul_trunc, pick, plus, repeat, tri_at, tri_len, tri_pairs, wide, HI_FRAC,
};
use super::moments::Moments;
use super::normalize::Scales;
use super::regression::{Solved, NO_R_SQUARED};
use super::{LinearError, LinearShape};
use crate::secure::logistic::matrix::WIDE_FRAC;

const W: u32 = WIDE_FRAC;

/// Public and shared inputs every part of the release uses.
pub(crate) struct Common {
    pub(crate) k: usize,
    pub(crate) l: u32,
    /// `max(rho_i, 1)` (integers) and their pair products.
    pub(crate) p: Shared<Z128>,
    pub(crate) pp: Shared<Z128>,
    /// `min(rho_i, 1)` at [`WIDE_FRAC`] bits.
    pub(crate) inv_q: Shared<Z128>,
    /// `h_i` (k).
    pub(crate) h: Shared<Z128>,
    /// `mu_i` (m).
    pub(crate) mu: Shared<Z128>,
    /// `E`, upper triangle (k).
    pub(crate) ee: Shared<Z128>,
    /// `1 - R^2`.
    pub(crate) e: Shared<Z128>,
}

/// `[beta_0, gamma, v_0, v, R^2, e]`: the `2p + 2` values, each in units
/// that [`super::decode_regression`] undoes; `e = (1 - R^2) V_yy` (the
/// residual sum of squares over `n s_y^2`) at `2 WIDE_FRAC` bits.
pub(crate) async fn values<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    shape: &LinearShape,
    mo: &Moments,
    sc: &Scales,
    solved: &Solved,
) -> Result<Shared<Z128>, LinearError> {
    let c = common(engine, shape, mo, sc, solved).await?;
    let (gamma, v) = slopes(engine, &c, &solved.b).await?;
    let (o0, v0, rss) = intercept(engine, &c, sc, &gamma).await?;
    let r2 = plus(
        &solved.r2,
        &pick(&sc.flag, [c.k]).mul_scalar(wide(NO_R_SQUARED)),
    )?;
    Ok(Shared::concat(&[&o0, &gamma, &v0, &v, &r2, &rss]))
}

pub(crate) async fn common<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    shape: &LinearShape,
    mo: &Moments,
    sc: &Scales,
    solved: &Solved,
) -> Result<Common, LinearError> {
    let (_, k) = shape.check_regression()?;
    let l = shape.intercept_shift()?;
    let (p, inv_q) = ratios(engine, sc, k).await?;
    let (pl, pr): (Vec<usize>, Vec<usize>) = tri_pairs(k).unzip();
    let pp = engine.mul(&pick(&p, pl), &pick(&p, pr)).await?;
    let hy = mul_trunc(engine, &pick(&sc.w, [k]), &pick(&sc.u, [k]), W).await?;
    let h = mul_trunc(engine, &repeat(&hy, 0, k), &pick(&sc.u, 0..k), W).await?;
    let e = engine.add_public(&solved.r2.neg(), &[wide(1.0)])?;
    let upper = pick(&solved.rinv, tri_pairs(k).map(|(i, j)| i * k + j));
    let ee = mul_trunc(engine, &repeat(&e, 0, tri_len(k)), &upper, W).await?;
    let centres: Vec<Z128> = shape
        .centres_over_half(l)
        .into_iter()
        .map(Z128::from_i128)
        .collect();
    let mu = engine.trunc(&mo.mean, HI_FRAC - W + l).await?;
    let mu = engine.add_public(&mu, &centres)?;
    Ok(Common {
        k,
        l,
        p,
        pp,
        inv_q,
        h,
        mu,
        ee,
        e,
    })
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
    let picked = engine.mul_bit(&sel, &diff).await?;
    let p = plus(&ones, &pick(&picked, 0..k))?;
    let inv_q = plus(&wides, &pick(&picked, k..2 * k))?;
    Ok((p, inv_q))
}

/// `gamma_i = ((b_i h_i) / q_i) p_i` and `v_i = ((E_ii h_i^2) / q_i^2) p_i^2`.
async fn slopes<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    c: &Common,
    b: &Shared<Z128>,
) -> Result<(Shared<Z128>, Shared<Z128>), LinearError> {
    let k = c.k;
    let ee_diag = pick(&c.ee, (0..k).map(|i| tri_at(k, i, i)));
    let hh = mul_trunc(engine, &c.h, &c.h, W).await?;
    let both = Shared::concat(&[b, &ee_diag]);
    let scaled = mul_trunc(engine, &both, &Shared::concat(&[&c.h, &hh]), W).await?;
    let once = mul_trunc(engine, &scaled, &Shared::concat(&[&c.inv_q, &c.inv_q]), W).await?;
    let x = mul_trunc(engine, &pick(&once, k..2 * k), &c.inv_q, W).await?;
    let p_diag = pick(&c.pp, (0..k).map(|i| tri_at(k, i, i)));
    let left = Shared::concat(&[&pick(&once, 0..k), &x]);
    let out = engine.mul(&left, &Shared::concat(&[&c.p, &p_diag])).await?;
    Ok((pick(&out, 0..k), pick(&out, k..2 * k)))
}

/// `beta_0 / s_y`, the intercept's variance term (see the module docs)
/// and the residual term `(1 - R^2) V_yy` at `2 WIDE_FRAC` bits.
async fn intercept<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    c: &Common,
    sc: &Scales,
    gamma: &Shared<Z128>,
) -> Result<(Shared<Z128>, Shared<Z128>, Shared<Z128>), LinearError> {
    let k = c.k;
    let mu = pick(&c.mu, 0..k);
    let gmu = mul_trunc(engine, gamma, &mu, W).await?;
    let o0 = minus(&pick(&c.mu, [k]), &gmu.sum())?.mul_scalar(Z128::ONE.shl(c.l));
    let muh = mul_trunc(engine, &mu, &c.h, W).await?;
    let a = mul_trunc(engine, &muh, &c.inv_q, W).await?;
    let (pl, pr): (Vec<usize>, Vec<usize>) = tri_pairs(k).unzip();
    let aa = mul_trunc(engine, &pick(&a, pl), &pick(&a, pr), W).await?;
    let z = mul_trunc(engine, &aa, &c.ee, W).await?;
    let zt = engine.mul(&z, &c.pp).await?;
    let twice: Vec<Z128> = tri_pairs(k)
        .map(|(i, j)| Z128::from_u64(if i == j { 1 } else { 2 }))
        .collect();
    let quad = zt
        .mul_public(&twice)
        .map_err(|source| LinearError::Layout { source })?
        .sum();
    let (esd, rss) = residual_scale(engine, c, sc).await?;
    let v0 = plus(&engine.trunc(&esd, 2 * c.l).await?, &quad)?;
    Ok((o0, v0, rss))
}

/// `(1 - R^2) sd_y^2 = (1 - R^2) W_y / T_y^2` at [`WIDE_FRAC`] bits, and
/// the same at `2 WIDE_FRAC` bits: with `1 / T_y` as small as 2^-24 the
/// 40-bit grid would leave an outcome of small spread few digits, while
/// the products `(1 - R^2) W_y / T_y` (exact, below 2^80) times `1 / T_y`
/// (below 2^120) truncated by 40 bits keep its relative precision, that
/// of `1 - R^2`. The two products share their rounds.
pub(crate) async fn residual_scale<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    c: &Common,
    sc: &Scales,
) -> Result<(Shared<Z128>, Shared<Z128>), LinearError> {
    let ty = pick(&sc.inv_t, [c.k]);
    let ew = mul_trunc(engine, &c.e, &pick(&sc.w, [c.k]), W).await?;
    let ewt = engine.mul(&ew, &ty).await?;
    let ew1 = engine.trunc(&ewt, W).await?;
    let both = Shared::concat(&[&ew1, &ewt]);
    let prods = engine.mul(&both, &Shared::concat(&[&ty, &ty])).await?;
    let out = engine.trunc(&prods, W).await?;
    Ok((pick(&out, [0]), pick(&out, [1])))
}
