//! One side's part of the HC1 sandwich's meat, formed in plaintext from its
//! own records once the coefficients and the residual standard error are
//! public, and laid out as this party's additive share of the pooled
//! quantities the sandwich needs (no message: each side's own sums are its
//! shares of the two sides' total).
//!
//! With `u_j = (t_j - c_j) / s_j` (bound-standardised predictors), `e_i`
//! the residual at the released coefficients and `ê_i = e_i / sigma`
//! (`sigma` the released residual standard error), side `s` with `n_s` of
//! the `n` records and local mean `ū_s` forms, all divided by `n`:
//! `A_s = sum ê^2`, `b_s = sum ê^2 (u - ū_s)` and `C_s = sum ê^2 (u - ū_s)
//! (u - ū_s)'`. Centring at the local mean keeps the sums on the scale of
//! the data's spread (no cancellation of `sum ê^2 u u'` against the mean).
//! Each side knows both counts (`n` is public), so with `π_s = n_s / n` and
//! `Δ = ū_A - ū_B` the meat centred at the pooled mean is
//! `M = C + β Δ' + Δ β' + α Δ Δ'` and its first-order part `m = b + α1 Δ`,
//! with `C = C_A + C_B`, `b = b_A + b_B`, `β = π_B b_A - π_A b_B`, `α =
//! π_B^2 A_A + π_A^2 A_B`, `α1 = π_B A_A - π_A A_B`: every one a sum of a
//! part only A knows and a part only B knows. `Δ` is 0 when either side has
//! no records (both sides know it), so an empty side's mean never enters.

use duet_core::{Role, Z128};
use zeroize::Zeroize;

use super::fixed::{fixed, tri_len, tri_pairs, HI_FRAC};
use super::{LinearError, LinearFit, LinearShape};

/// Fractional bits of `C`, `β`, `b` and `Δ` (all within [-4, 4]).
pub(crate) const MEAT_FRAC: u32 = 88;

/// The most records a robust fit takes: `n < 2^MAX_ROBUST_BITS` keeps the
/// meat's products in range (see the module docs of `sandwich`).
pub const MAX_ROBUST_BITS: u32 = 28;

/// This party's share of the meat's pooled quantities, for
/// [`super::robust_shares`]. Secret: no `Debug` of contents, zeroed on drop.
pub struct LocalMeat {
    /// `[C (upper triangle, k) | β | b | Δ]` at [`MEAT_FRAC`] bits, then
    /// `[α, α1, A]` at [`HI_FRAC`] bits.
    pub(crate) shares: Vec<Z128>,
}

impl core::fmt::Debug for LocalMeat {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "LocalMeat({} values, redacted)", self.shares.len())
    }
}

impl Drop for LocalMeat {
    fn drop(&mut self) {
        self.shares.iter_mut().for_each(|v| v.0.zeroize());
    }
}

/// Plaintext sums of one side (divided by `n`), see the module docs.
struct Sums {
    a: f64,
    b: Vec<f64>,
    c: Vec<f64>,
    mean: Vec<f64>,
    count: u64,
}

impl LocalMeat {
    /// This side's part, from its records of the model's cell: each row
    /// holds the `m` terms' values in units, the outcome last (the same
    /// rows and order as the cross block). `fit` is the released fit,
    /// `role` this party's. Refuses (the same on both sides, from public
    /// values) a shape beyond the robust ranges, and a row count above `n`.
    pub fn new<'a>(
        shape: &LinearShape,
        fit: &LinearFit,
        rows: impl IntoIterator<Item = &'a [i128]>,
        role: Role,
    ) -> Result<Self, LinearError> {
        let (_, k) = shape.check_robust(fit)?;
        let sums = sums(shape, fit, rows, k)?;
        let n = shape.n();
        let own = sums.count;
        let other = n - own;
        let pi_other = other as f64 / n as f64;
        let sign = match role {
            Role::P0 => 1.0,
            Role::P1 => -1.0,
        };
        let both = own > 0 && other > 0;
        let hi = |v: f64| fixed(v, MEAT_FRAC);
        let mut shares = Vec::with_capacity(tri_len(k) + 3 * k + 3);
        shares.extend(sums.c.iter().map(|&v| hi(v)));
        shares.extend(sums.b.iter().map(|&v| hi(sign * pi_other * v)));
        shares.extend(sums.b.iter().map(|&v| hi(v)));
        shares.extend(
            sums.mean
                .iter()
                .map(|&v| hi(if both { sign * v } else { 0.0 })),
        );
        shares.push(fixed(pi_other * pi_other * sums.a, HI_FRAC));
        shares.push(fixed(sign * pi_other * sums.a, HI_FRAC));
        shares.push(fixed(sums.a, HI_FRAC));
        Ok(LocalMeat { shares })
    }
}

/// The side's sums over its rows, in f64 from exact integer deviations.
fn sums<'a>(
    shape: &LinearShape,
    fit: &LinearFit,
    rows: impl IntoIterator<Item = &'a [i128]>,
    k: usize,
) -> Result<Sums, LinearError> {
    let rows: Vec<&[i128]> = rows.into_iter().collect();
    let count = rows.len() as u64;
    if count > shape.n() || rows.iter().any(|r| r.len() != k + 1) {
        return Err(LinearError::RecordCount {
            rows: count,
            n: shape.n(),
        });
    }
    let bounds = shape.bounds();
    let centre: Vec<i128> = bounds.iter().map(|b| b.centre()).collect();
    let half: Vec<f64> = bounds.iter().map(|b| b.half() as f64).collect();
    let total: Vec<i128> = (0..k)
        .map(|j| rows.iter().map(|r| r[j] - centre[j]).sum())
        .collect();
    let own = count.max(1) as f64;
    let n = shape.n() as f64;
    // (t - c) n_s - sum(t - c) is exact; one rounding gives u - ū_s.
    let dev = |r: &[i128], j: usize| {
        ((r[j] - centre[j]) * count as i128 - total[j]) as f64 / (own * half[j])
    };
    let mut s = Sums {
        a: 0.0,
        b: vec![0.0; k],
        c: vec![0.0; tri_len(k)],
        mean: (0..k).map(|j| total[j] as f64 / (own * half[j])).collect(),
        count,
    };
    for r in &rows {
        let w = weight(fit, r, k) / n;
        let d: Vec<f64> = (0..k).map(|j| dev(r, j)).collect();
        s.a += w;
        s.b.iter_mut().zip(&d).for_each(|(b, x)| *b += w * x);
        for (c, (i, j)) in s.c.iter_mut().zip(tri_pairs(k)) {
            *c += w * d[i] * d[j];
        }
    }
    Ok(s)
}

/// `ê^2 = (e / sigma)^2` for a row (0 when the fit is exact).
fn weight(fit: &LinearFit, r: &[i128], k: usize) -> f64 {
    let sigma = fit.residual_std_error;
    if sigma <= 0.0 || !sigma.is_finite() {
        return 0.0;
    }
    let b = &fit.coefficients;
    let fitted = b[0] + (0..k).map(|j| b[j + 1] * r[j] as f64).sum::<f64>();
    let e = (r[k] as f64 - fitted) / sigma;
    e * e
}
