//! The p x p part of a Newton step, in Z_2^128 with [`WIDE_FRAC`]
//! fractional bits: lifting the per-record sums out of Z_2^64, the inverse
//! by Newton-Schulz iteration, the step and the bound on the coefficients.
//!
//! Matrices are row-major share vectors of `p * p` elements.

use duet_core::{Channel, Engine, Preprocessing, Ring, Role, Shared, Z128, Z64};

use super::records::block_sums;
use super::sigmoid::length;
use super::LogisticError;

/// Fractional bits of the wide ring.
pub(crate) const WIDE_FRAC: u32 = 40;

/// Ridge added to the scaled Hessian's diagonal, `p 2^-RIDGE_BITS`.
///
/// The scaled Hessian is computed from per-record products truncated to
/// 2^-f, so each entry is off by at most about 2^-20 (and fitted
/// probabilities may overshoot [0, 1] by ~1e-6): its spectrum can dip below
/// 0 by up to `p 2^-19` on singular or near-singular designs, which would
/// make Newton-Schulz diverge. The ridge dominates that error, bounds the
/// inverse by `2^18 / p` whatever the data, and changes variances by a
/// relative `p 2^-18 / lambda_min(A)` at most.
pub(crate) const RIDGE_BITS: u32 = 18;

/// Bound on every standardised coefficient, `2^BETA_BITS`, enforced after
/// each step, so `|eta| <= p 2^10` and no product leaves its range.
pub(crate) const BETA_BITS: u32 = 10;

/// `v * 2^WIDE_FRAC` rounded, as a ring element.
pub(crate) fn wide(v: f64) -> Z128 {
    Z128::from_i128((v * 2f64.powi(WIDE_FRAC as i32)).round() as i128)
}

/// Shares in Z_2^128 of the same signed values as `x` in Z_2^64, for
/// `|x| < 2^62`: one round, half a Z_2^128 bit-OLE pair per element.
///
/// With P0's share biased by 2^62 the sum is below 2^63, so it wrapped over
/// 2^64 exactly when either share has its top bit set: `wrap = m0 + m1 -
/// m0 m1`, where `m0 m1` is a product of the two parties' known bits.
pub(crate) async fn lift<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    x: &Shared<Z64>,
) -> Result<Shared<Z128>, LogisticError> {
    let p0 = engine.role() == Role::P0;
    let bias = 1u64 << 62;
    let v: Vec<u64> = x
        .shares()
        .iter()
        .map(|s| if p0 { s.0.wrapping_add(bias) } else { s.0 })
        .collect();
    let bits: Vec<u8> = v.iter().map(|&s| (s >> 63) as u8).collect();
    let both = engine.and_known_bits::<Z128>("lifting", &bits).await?;
    let top = Z128(1u128 << 64);
    let out = v
        .iter()
        .zip(&bits)
        .zip(both.shares())
        .map(|((&s, &mi), &mm)| {
            let own = Z128(u128::from(s)) - (Z128(u128::from(mi)) - mm) * top;
            if p0 {
                own - Z128(u128::from(bias))
            } else {
                own
            }
        })
        .collect();
    Ok(Shared::from_shares(out))
}

/// Shares in Z_2^64 of values of `x` that fit 64 signed bits (local).
pub(crate) fn narrow(x: &Shared<Z128>) -> Shared<Z64> {
    Shared::from_shares(x.shares().iter().map(|s| Z64(s.0 as u64)).collect())
}

/// Shares of `c I` (p x p, `c` already encoded).
pub(crate) fn scaled_identity<C: Channel, P: Preprocessing>(
    engine: &Engine<C, P>,
    c: Z128,
    p: usize,
) -> Shared<Z128> {
    let m: Vec<Z128> = (0..p * p)
        .map(|i| if i % (p + 1) == 0 { c } else { Z128::ZERO })
        .collect();
    engine.constant(&m)
}

/// Shares of the fixed-point product `a b` (p x p by p x q, row-major):
/// one multiplication round and one truncation round.
pub(crate) async fn matmul<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    a: &Shared<Z128>,
    b: &Shared<Z128>,
    p: usize,
    q: usize,
) -> Result<Shared<Z128>, LogisticError> {
    matmul_scaled(engine, a, b, p, q, Z128::ONE, 0).await
}

/// [`matmul`] times the public `factor 2^-extra`, folded into its
/// truncation (no extra round). The caller keeps `|a b| factor` below
/// `2^(126 - 2 WIDE_FRAC)`, so the untruncated value stays in range.
pub(crate) async fn matmul_scaled<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    a: &Shared<Z128>,
    b: &Shared<Z128>,
    p: usize,
    q: usize,
    factor: Z128,
    extra: u32,
) -> Result<Shared<Z128>, LogisticError> {
    let (sa, sb) = (a.shares(), b.shares());
    if sa.len() != p * p || sb.len() != p * q {
        return Err(length("matrix product")(duet_core::LengthMismatch {
            left: sa.len(),
            right: sb.len(),
        }));
    }
    let mut left = Vec::with_capacity(p * p * q);
    let mut right = Vec::with_capacity(p * p * q);
    for i in 0..p {
        for j in 0..q {
            for l in 0..p {
                left.push(sa[i * p + l]);
                right.push(sb[l * q + j]);
            }
        }
    }
    let prods = engine
        .mul(&Shared::from_shares(left), &Shared::from_shares(right))
        .await?;
    let sums = block_sums(&prods, p * q, p).mul_scalar(factor);
    Ok(engine.trunc(&sums, WIDE_FRAC + extra).await?)
}

/// `iters` Newton-Schulz steps `X <- X (2I - A X)` towards `A^-1`.
///
/// Converges (quadratically) when the eigenvalues of `A X0` lie in (0, 2);
/// started from `c I` with `c A <= I` the eigenvalues of `A X` stay in
/// (0, 1] and `X <= A^-1`, so no entry outgrows the ridge bound.
pub(crate) async fn newton_schulz<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    a: &Shared<Z128>,
    mut x: Shared<Z128>,
    p: usize,
    iters: u32,
) -> Result<Shared<Z128>, LogisticError> {
    let two = scaled_identity(engine, wide(2.0), p);
    for _ in 0..iters {
        let ax = matmul(engine, a, &x, p, p).await?;
        let u = two.sub(&ax).map_err(length("matrix inverse"))?;
        x = symmetric_product(engine, &x, &u, p).await?;
    }
    Ok(x)
}

/// Shares of `x u` (p x p) when the product is known to be symmetric, as
/// `X (2I - A X) = 2X - X A X` is for a symmetric X: the upper triangle is
/// computed (`p^2 (p + 1) / 2` products instead of `p^3`) and mirrored.
pub(crate) async fn symmetric_product<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    x: &Shared<Z128>,
    u: &Shared<Z128>,
    p: usize,
) -> Result<Shared<Z128>, LogisticError> {
    let (sx, su) = (x.shares(), u.shares());
    if sx.len() != p * p || su.len() != p * p {
        return Err(length("symmetric product")(duet_core::LengthMismatch {
            left: sx.len(),
            right: su.len(),
        }));
    }
    let upper: Vec<(usize, usize)> = (0..p).flat_map(|i| (i..p).map(move |j| (i, j))).collect();
    let mut left = Vec::with_capacity(upper.len() * p);
    let mut right = Vec::with_capacity(upper.len() * p);
    for &(i, j) in &upper {
        for l in 0..p {
            left.push(sx[i * p + l]);
            right.push(su[l * p + j]);
        }
    }
    let prods = engine
        .mul(&Shared::from_shares(left), &Shared::from_shares(right))
        .await?;
    let sums = engine
        .trunc(&block_sums(&prods, upper.len(), p), WIDE_FRAC)
        .await?;
    let tri = sums.shares();
    let mut full = vec![Z128::ZERO; p * p];
    for (&(i, j), &v) in upper.iter().zip(tri) {
        full[i * p + j] = v;
        full[j * p + i] = v;
    }
    Ok(Shared::from_shares(full))
}

/// `A^-1` from `X = (A + r I)^-1` (p x p) for the ridge `r = mult
/// 2^-ridge_bits`, by a Neumann series of `products` matrix products in
/// Horner form: `X (I + M (I + M (..)))` with `M = r X <= I`. The relative
/// error is `(r / lambda_min(A))^(products + 1)`, and where A is singular
/// the result stays below `(products + 1) / r`. Every factor is a
/// polynomial in the symmetric `X`, so each product is symmetric and only
/// its upper triangle is computed.
pub(crate) async fn unridge<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    inverse: &Shared<Z128>,
    p: usize,
    mult: u64,
    ridge_bits: u32,
    products: usize,
) -> Result<Shared<Z128>, LogisticError> {
    let scaled = inverse.mul_scalar(Z128::from_u64(mult));
    let m = engine.trunc(&scaled, ridge_bits).await?;
    let eye = scaled_identity(engine, wide(1.0), p);
    let mut acc = eye.add(&m).map_err(length("covariance"))?;
    for _ in 1..products {
        let mm = symmetric_product(engine, &m, &acc, p).await?;
        acc = eye.add(&mm).map_err(length("covariance"))?;
    }
    symmetric_product(engine, inverse, &acc, p).await
}

/// Shares of `beta` with every element clamped to `[-2^10, 2^10]`:
/// comparisons on `2p` values and one round of bit products.
pub(crate) async fn clamp<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    beta: &Shared<Z128>,
) -> Result<Shared<Z128>, LogisticError> {
    let p = beta.len();
    let bound = vec![wide(f64::from(1u32 << BETA_BITS)); p];
    let room_above = engine.add_public(&beta.neg(), &bound)?;
    let room_below = engine.add_public(beta, &bound)?;
    let out = engine
        .ltz(&Shared::concat(&[&room_above, &room_below]))
        .await?;
    let fix = engine
        .mul_bit(&out, &Shared::concat(&[&room_above, &room_below.neg()]))
        .await?;
    let sums = block_sums(&fix_pairs(&fix, p), p, 2);
    beta.add(&sums).map_err(length("coefficient bound"))
}

/// Interleaves the two halves of `v` (length `2p`) so element pairs are
/// adjacent for [`block_sums`].
fn fix_pairs(v: &Shared<Z128>, p: usize) -> Shared<Z128> {
    let s = v.shares();
    let out = (0..p)
        .flat_map(|i| [s.get(i), s.get(p + i)])
        .map(|x| x.copied().unwrap_or(Z128::ZERO))
        .collect();
    Shared::from_shares(out)
}
