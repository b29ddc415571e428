//! Secret power-of-two scaling of each term and the inverse square root of
//! its variance, so that the correlation matrix is formed from values near
//! 1 whatever the data's spread within its declared bounds.
//!
//! For each term, `V = cov(u_i, u_i)` is compared with the public
//! `4^-j`, `j = 1..=`[`SCALE_BITS`] (one batched comparison of `m
//! SCALE_BITS` values). The bits are monotone, so their sums give the
//! integer `T = 2^k` with `4^k V` in `[1/4, 1)` and the fixed-point `2^-k`
//! locally; the last bit is the flag "variance below `4^-SCALE_BITS`"
//! (treated as a constant term), and bit [`PRECISION_BITS`] less that
//! flag marks a term spread too little for the stated accuracy (standard
//! deviation below `2^-PRECISION_BITS` of its half-width, not constant).
//! Then `G_ij = cov_ij T_i T_j` (exact
//! integer scaling of the 62-bit covariances, truncated to 40 bits), whose
//! diagonal `W_i` lies in `[1/4, 1)`, and `y_i = W_i^-1/2` by Newton's
//! iteration from the chord `7/3 - 4 W / 3` (above the convex `W^-1/2` on
//! `[1/4, 1]`, relative error at most 0.18, then `e -> 1.5 e^2`: 6 steps
//! reach the 2^-40 grid). A flagged term's `W` is replaced by 1 first,
//! and its `u_i = (1 - flag_i) y_i` is 0.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::fixed::{minus, mul_trunc, pick, plus, tri_at, tri_pairs, wide, HI_FRAC};
use super::{LinearError, PRECISION_BITS, SCALE_BITS};
use crate::secure::logistic::matrix::WIDE_FRAC;

/// Newton steps of the inverse square root.
pub(crate) const INV_SQRT_STEPS: usize = 6;

/// One party's shares of the per-term scales (m terms unless noted).
pub(crate) struct Scales {
    /// `T_i = 2^k_i` (integers).
    pub(crate) t: Shared<Z128>,
    /// `2^-k_i` at [`WIDE_FRAC`] bits.
    pub(crate) inv_t: Shared<Z128>,
    /// 1 when the variance is below `4^-SCALE_BITS`, else 0 (integers).
    pub(crate) flag: Shared<Z128>,
    /// 1 when the variance lies in `[4^-SCALE_BITS, 4^-PRECISION_BITS)`
    /// (spread, but too little for the stated accuracy), else 0.
    pub(crate) narrow: Shared<Z128>,
    /// `cov_ij T_i T_j` at [`WIDE_FRAC`] bits, upper triangle.
    pub(crate) g: Shared<Z128>,
    /// `W_i = G_ii`, 1 for a flagged term, at [`WIDE_FRAC`] bits.
    pub(crate) w: Shared<Z128>,
    /// `(1 - flag_i) / sqrt(W_i)` at [`WIDE_FRAC`] bits.
    pub(crate) u: Shared<Z128>,
}

/// The scales of the m x m covariance `cov` (upper triangle, [`HI_FRAC`]).
pub(crate) async fn normalise<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    cov: &Shared<Z128>,
    m: usize,
) -> Result<Scales, LinearError> {
    let diag = pick(cov, (0..m).map(|i| tri_at(m, i, i)));
    let Powers {
        t,
        inv_t,
        flag,
        narrow,
    } = powers(engine, &diag, m).await?;
    let (left, right): (Vec<usize>, Vec<usize>) = tri_pairs(m).unzip();
    let tt = engine.mul(&pick(&t, left), &pick(&t, right)).await?;
    let scaled = engine.mul(cov, &tt).await?;
    let g = engine.trunc(&scaled, HI_FRAC - WIDE_FRAC).await?;
    let w0 = pick(&g, (0..m).map(|i| tri_at(m, i, i)));
    let one = engine.constant(&vec![wide(1.0); m]);
    let lift = engine.mul_bit(&flag, &minus(&one, &w0)?).await?;
    let w = plus(&w0, &lift)?;
    let y = inv_sqrt(engine, &w).await?;
    let keep = minus(&engine.constant(&vec![Z128::ONE; m]), &flag)?;
    let u = engine.mul_bit(&keep, &y).await?;
    Ok(Scales {
        t,
        inv_t,
        flag,
        narrow,
        g,
        w,
        u,
    })
}

/// The outcome of the comparisons: see the fields of [`Scales`].
struct Powers {
    t: Shared<Z128>,
    inv_t: Shared<Z128>,
    flag: Shared<Z128>,
    narrow: Shared<Z128>,
}

/// `T`, `2^-k` and the flags from comparisons of the variances with `4^-j`.
async fn powers<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    diag: &Shared<Z128>,
    m: usize,
) -> Result<Powers, LinearError> {
    let js = SCALE_BITS as usize;
    let rep = pick(diag, (0..m).flat_map(|i| std::iter::repeat_n(i, js)));
    let thresholds: Vec<Z128> = (0..m)
        .flat_map(|_| (1..=SCALE_BITS).map(|j| -Z128::ONE.shl(HI_FRAC - 2 * j)))
        .collect();
    let x = engine.add_public(&rep, &thresholds)?;
    // Variances lie in [-2^-59, 1 + 2^-59]: 64 signed bits hold them.
    let bits = engine.ltz_within(&x, 64).await?;
    let b = bits.shares();
    let at = |i: usize, j: u32| {
        b.get(i * js + j as usize - 1)
            .copied()
            .unwrap_or(Z128::ZERO)
    };
    let sum = |i: usize, weight: &dyn Fn(u32) -> Z128| {
        (1..=SCALE_BITS).fold(Z128::ZERO, |acc, j| acc + at(i, j) * weight(j))
    };
    let t_own: Vec<Z128> = (0..m).map(|i| sum(i, &|j| Z128::ONE.shl(j - 1))).collect();
    let inv_own: Vec<Z128> = (0..m)
        .map(|i| -sum(i, &|j| Z128::ONE.shl(WIDE_FRAC - j)))
        .collect();
    let t = engine.add_public(&Shared::from_shares(t_own), &vec![Z128::ONE; m])?;
    let inv_t = engine.add_public(&Shared::from_shares(inv_own), &vec![wide(1.0); m])?;
    let flag = Shared::from_shares((0..m).map(|i| at(i, SCALE_BITS)).collect());
    // The bits are monotone in j: this difference is 0 or 1.
    let narrow = (0..m)
        .map(|i| at(i, PRECISION_BITS) - at(i, SCALE_BITS))
        .collect();
    Ok(Powers {
        t,
        inv_t,
        flag,
        narrow: Shared::from_shares(narrow),
    })
}

/// Shares of `w^-1/2` for `w` in `[1/4, 1]` at [`WIDE_FRAC`] bits.
pub(crate) async fn inv_sqrt<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    w: &Shared<Z128>,
) -> Result<Shared<Z128>, LinearError> {
    let n = w.len();
    let slope = engine
        .trunc(&w.mul_scalar(wide(4.0 / 3.0)), WIDE_FRAC)
        .await?;
    let mut y = engine.add_public(&slope.neg(), &vec![wide(7.0 / 3.0); n])?;
    for _ in 0..INV_SQRT_STEPS {
        let wy = mul_trunc(engine, w, &y, WIDE_FRAC).await?;
        let wyy = mul_trunc(engine, &wy, &y, WIDE_FRAC).await?;
        let factor = engine.add_public(&wyy.neg(), &vec![wide(3.0); n])?;
        y = mul_trunc(engine, &y, &factor, WIDE_FRAC + 1).await?;
    }
    Ok(y)
}
