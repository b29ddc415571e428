//! From a cross block's pooled sums to the means and covariances of the
//! bound-standardised terms `u_i = (t_i - c_i) / s_i` (`c_i` the integer
//! midpoint and `s_i` the half-width of term i's declared bounds, so
//! `|u_i| <= 1`), as fixed point with [`HI_FRAC`] bits in Z_2^128.
//!
//! 1. Local, exact, in the plan's ring: `P_i = S_i - n c_i` and `Q_ij =
//!    S_ij - c_j S_i - c_i S_j + n c_i c_j` are the sums of `t_i - c_i` and
//!    `(t_i - c_i)(t_j - c_j)`, so `|P_i| <= n s_i` and `|Q_ij| <= n s_i s_j`
//!    ([`LinearShape::check_ring`] keeps these below 2^(k-2); intermediate
//!    wraps cancel modulo 2^k).
//! 2. Into Z_2^128 and onto the fixed-point grid: `mean_i = P_i / (n s_i)`
//!    and `second_ij = Q_ij / (n s_i s_j)`, each within 2^-61 of the exact
//!    quotient (a public pre-shift keeps the operand below 2^64, then a
//!    product with the public `round(2^124 / den)` and a truncation by 62).
//! 3. `cov_ij = second_ij - mean_i mean_j` (one product round), within
//!    2^-59 of the exact covariance of `u_i` and `u_j`.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::fixed::{
    minus, mul_trunc, pick, reciprocal, tri_at, tri_len, tri_pairs, widen, HI_FRAC,
};
use super::{LinearError, LinearShape};

/// Shares of the standardised moments, at [`HI_FRAC`] fractional bits.
pub(crate) struct Moments {
    /// `mean(u_i)`, one per term.
    pub(crate) mean: Shared<Z128>,
    /// `cov(u_i, u_j)` (divisor n), upper triangle.
    pub(crate) cov: Shared<Z128>,
}

/// Bits of the quotient's product: `|x' K| <= 2^124 (1 + 2^-62)`.
const PRODUCT_BITS: u32 = 124;

/// Operands are pre-shifted to below 2^OPERAND_BITS.
const OPERAND_BITS: u32 = 64;

/// The moments of the cross block `cross` (layout of `stats.rs`'s `Cross`).
pub(crate) async fn moments<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    cross: &Shared<R>,
    shape: &LinearShape,
) -> Result<Moments, LinearError> {
    let m = shape.terms();
    if cross.len() != shape.cross_len() {
        return Err(LinearError::CrossLength {
            expected: shape.cross_len(),
            found: cross.len(),
        });
    }
    shape.check_ring::<R>()?;
    let shifted = shift(engine, cross, shape)?;
    let raw = widen(engine, &shifted).await?;
    let scaled = quotients(engine, &raw, &denominators(shape)).await?;
    let mean = pick(&scaled, 0..m);
    let second = pick(&scaled, m..m + tri_len(m));
    let (left, right): (Vec<usize>, Vec<usize>) = tri_pairs(m).unzip();
    let prod = mul_trunc(engine, &pick(&mean, left), &pick(&mean, right), HI_FRAC).await?;
    let cov = minus(&second, &prod)?;
    Ok(Moments { mean, cov })
}

/// Shares of `P_i` then `Q_ij` (upper triangle), local and exact in `R`.
fn shift<R: Ring, C: Channel, P: Preprocessing>(
    engine: &Engine<C, P>,
    cross: &Shared<R>,
    shape: &LinearShape,
) -> Result<Shared<R>, LinearError> {
    let m = shape.terms();
    let s = cross.shares();
    let at = |i: usize| s.get(i).copied().unwrap_or(R::ZERO);
    let n = R::from_u64(shape.n());
    let c: Vec<R> = shape
        .bounds()
        .iter()
        .map(|b| R::from_i128(b.centre()))
        .collect();
    let mut own = Vec::with_capacity(m + tri_len(m));
    let mut public = Vec::with_capacity(m + tri_len(m));
    for i in 0..m {
        own.push(at(1 + i));
        public.push(-(n * c[i]));
    }
    for (i, j) in tri_pairs(m) {
        let sij = at(1 + m + tri_at(m, i, j));
        own.push(sij - c[j] * at(1 + i) - c[i] * at(1 + j));
        public.push(n * c[i] * c[j]);
    }
    Ok(engine.add_public(&Shared::from_shares(own), &public)?)
}

/// The public denominators `n s_i`, then `n s_i s_j` (checked to fit by
/// [`LinearShape::check_ring`], saturating otherwise).
fn denominators(shape: &LinearShape) -> Vec<u128> {
    let m = shape.terms();
    let n = u128::from(shape.n());
    let s: Vec<u128> = shape.bounds().iter().map(|b| b.half()).collect();
    let mut out: Vec<u128> = s.iter().map(|&si| n.saturating_mul(si)).collect();
    out.extend(tri_pairs(m).map(|(i, j)| n.saturating_mul(s[i]).saturating_mul(s[j])));
    out
}

/// Shares of `x_e / den_e` at [`HI_FRAC`] bits for `|x_e| <= den_e < 2^126`.
///
/// With `h_e` the bits by which `den_e` exceeds 2^64, `x_e` is first
/// truncated by `h_e` (all elements are scaled by `2^(h - h_e)` and
/// truncated once by the largest `h`), so its error of one unit is at most
/// `2^-63` of `den_e`; the product with `round(2^(124 + h_e) / den_e)`
/// (at least 2^60) is then truncated by 62 bits.
async fn quotients<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    x: &Shared<Z128>,
    den: &[u128],
) -> Result<Shared<Z128>, LinearError> {
    let hs: Vec<u32> = den
        .iter()
        .map(|&d| (128 - d.leading_zeros()).saturating_sub(OPERAND_BITS))
        .collect();
    let h = hs.iter().copied().max().unwrap_or(0);
    let lift: Vec<Z128> = hs.iter().map(|&he| Z128::ONE.shl(h - he)).collect();
    let spread = x
        .mul_public(&lift)
        .map_err(|source| LinearError::Layout { source })?;
    let short = engine.trunc(&spread, h).await?;
    let k: Vec<Z128> = den
        .iter()
        .zip(&hs)
        .map(|(&d, &he)| Z128(reciprocal(PRODUCT_BITS + he, d.max(1))))
        .collect();
    let wide = short
        .mul_public(&k)
        .map_err(|source| LinearError::Layout { source })?;
    Ok(engine.trunc(&wide, PRODUCT_BITS - HI_FRAC).await?)
}
