//! Small fixed-point and layout helpers on Z_2^128 shares: the upper
//! triangle's indexing, picking and broadcasting elements, a product with
//! truncation, and the move of a plan ring's shares into Z_2^128.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128, Z64};

use super::LinearError;
use crate::secure::logistic::matrix::{lift, WIDE_FRAC};

/// Fractional bits of the moments (means and covariances of the
/// bound-standardised terms, all within [-1, 1]).
pub(crate) const HI_FRAC: u32 = 62;

/// Elements of the upper triangle (diagonal included) of an m x m matrix.
pub(crate) fn tri_len(m: usize) -> usize {
    m * (m + 1) / 2
}

/// Position of `(i, j)` in the row-major upper triangle (order-free).
pub(crate) fn tri_at(m: usize, i: usize, j: usize) -> usize {
    let (i, j) = (i.min(j), i.max(j));
    i * m - i * i.saturating_sub(1) / 2 + (j - i)
}

/// The pairs `(i, j)`, `i <= j`, in upper-triangle order.
pub(crate) fn tri_pairs(m: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..m).flat_map(move |i| (i..m).map(move |j| (i, j)))
}

/// Shares of the elements of `v` at `idx` (an index past the end gives a
/// share of 0; callers index within their own layouts).
pub(crate) fn pick(v: &Shared<Z128>, idx: impl IntoIterator<Item = usize>) -> Shared<Z128> {
    let s = v.shares();
    let out = idx
        .into_iter()
        .map(|i| s.get(i).copied().unwrap_or(Z128::ZERO))
        .collect();
    Shared::from_shares(out)
}

/// Shares of element `i` of `v` repeated `n` times.
pub(crate) fn repeat(v: &Shared<Z128>, i: usize, n: usize) -> Shared<Z128> {
    pick(v, std::iter::repeat_n(i, n))
}

/// `v * 2^bits` rounded, as a ring element.
pub(crate) fn fixed(v: f64, bits: u32) -> Z128 {
    Z128::from_i128((v * 2f64.powi(bits as i32)).round() as i128)
}

/// `v * 2^WIDE_FRAC` rounded.
pub(crate) fn wide(v: f64) -> Z128 {
    fixed(v, WIDE_FRAC)
}

/// Shares of `a b / 2^f` element-wise: one product round, one truncation
/// round (the product must stay below 2^126 in magnitude).
pub(crate) async fn mul_trunc<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    a: &Shared<Z128>,
    b: &Shared<Z128>,
    f: u32,
) -> Result<Shared<Z128>, LinearError> {
    let z = engine.mul(a, b).await?;
    Ok(engine.trunc(&z, f).await?)
}

/// Shares of `a - b` (local).
pub(crate) fn minus(a: &Shared<Z128>, b: &Shared<Z128>) -> Result<Shared<Z128>, LinearError> {
    a.sub(b).map_err(|source| LinearError::Layout { source })
}

/// Shares of `a + b` (local).
pub(crate) fn plus(a: &Shared<Z128>, b: &Shared<Z128>) -> Result<Shared<Z128>, LinearError> {
    a.add(b).map_err(|source| LinearError::Layout { source })
}

/// Shares in Z_2^128 of the same signed values as `x` in the plan's ring,
/// for values below 2^62 (Z_2^64, one round of lifting) or 2^126 (Z_2^128,
/// local).
pub(crate) async fn widen<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    x: &Shared<R>,
) -> Result<Shared<Z128>, LinearError> {
    if R::BITS == 128 {
        let s = x.shares().iter().map(|v| Z128(v.to_u128())).collect();
        return Ok(Shared::from_shares(s));
    }
    let s = x.shares().iter().map(|v| Z64(v.to_u128() as u64)).collect();
    Ok(lift(engine, &Shared::from_shares(s)).await?)
}

/// `round(2^e / den)` exactly, by long division (`den > 0`, the quotient
/// below 2^127).
pub(crate) fn reciprocal(e: u32, den: u128) -> u128 {
    let (mut q, mut rem) = (0u128, 1u128);
    for _ in 0..e {
        rem <<= 1;
        q <<= 1;
        if rem >= den {
            rem -= den;
            q |= 1;
        }
    }
    if rem >= den - rem {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangle_layout_matches_stats() {
        let m = 4;
        let order: Vec<usize> = tri_pairs(m).map(|(i, j)| tri_at(m, i, j)).collect();
        assert_eq!(order, (0..tri_len(m)).collect::<Vec<_>>());
        assert_eq!(tri_at(m, 3, 1), tri_at(m, 1, 3));
    }

    #[test]
    fn reciprocal_rounds_exactly() {
        assert_eq!(reciprocal(10, 3), 341);
        assert_eq!(reciprocal(3, 16), 1);
        assert_eq!(reciprocal(186, (1u128 << 125) + 1), (1u128 << 61) - 1 + 1);
        assert_eq!(reciprocal(124, 1u128 << 64), 1u128 << 60);
    }
}
