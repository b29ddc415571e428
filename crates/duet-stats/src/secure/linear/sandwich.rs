//! HC1 robust variances on shares: the meat of [`super::LocalMeat`]
//! carried into the correlation scale the solver works in, the sandwich
//! formed with the solver's inverse, and only the `p` robust variances
//! (and the solver's two flags) returned for opening.
//!
//! # Algebra
//! With `z̃_i = D (u_i - ū)`, `D = diag(T_j y_j)` (the solver's secret
//! scales, so that `R = mean(z̃ z̃')` is the predictors' correlation
//! matrix), `ê = e / sigma`, `M̃ = mean(ê^2 z̃ z̃') = D M D / n` and `m̃ =
//! mean(ê^2 z̃) = D m / n` (`M`, `m` of [`super::LocalMeat`]), the centred
//! cross-product matrix is `S = n D^-1 R D^-1`, so the slopes' HC0 block
//! `S^-1 (sum e^2 x_c x_c') S^-1` is `(sigma^2 / n) D B D` with `B =
//! R^-1 M̃ R^-1`. In the units of the opened ordinary variances (the
//! solver's `(n - p) Var(beta_j) s_j^2 / s_y^2 = (1 - R^2) R^-1_jj h_j^2
//! rho_j^2`) the robust one is the same expression with `R^-1_jj`
//! replaced by `B_jj`. The intercept, from the centred parametrisation
//! (`beta_0 = alpha - x̄' beta`): `(sigma^2 / n) (Ā - 2 ν' R^-1 m̃ + ν' B
//! ν)` with `ν = D x̄` and `Ā = mean(ê^2)`; in the opened units
//! `(1 - R^2) [Ā sd_y^2 / 4^l - 2 (sd_y / 2^l) sum_j a_j p_j g_j + sum_ij
//! a_i a_j B_ij p_i p_j]` with `g = R^-1 m̃` and `a`, `p` the solver's
//! (release.rs). HC1 multiplies by the public `n / (n - p)` on decoding.
//!
//! `M̃` and `m̃` are formed as `2^-g` times their values, `g =
//! max(0, bits(n) - 16)` public, and the products multiplied back by the
//! exact integer `2^g` at the end (see Ranges).
//!
//! # Ranges (why nothing overflows)
//! - `n < 2^28` (refused otherwise, from public values). Each `z̃_j^2 <=
//!   n` (their mean is 1) and `sum ê^2 = n - p`, so `|M̃_ij| <= n` and
//!   `M̃ <= max(ê^2) R`, hence `B <= (n - p) R^-1`: `|B_ij| <= n 2^16`
//!   for an accepted design (every VIF below 2^16), `|m̃_j| <= sqrt(n)`,
//!   `|g_j| <= 2^24`. With the `2^-g` scale: `|M̃| 2^-g <= 2^16`, `|B|
//!   2^-g <= 2^32`, `|R^-1 M̃| 2^-g <= 2^24`: every product truncated at
//!   80 fractional bits stays below 2^126 (`a_i a_j (1 - R^2) B_ij 2^-g
//!   <= 2^12 2^32`, the largest).
//! - Scaling the local inputs (88 fractional bits, `|C|, |b|, |Δ| <= 4`):
//!   `C_ij T_i T_j <= n` (local centring only lowers the sums of squares),
//!   `|b_j T_j| <= sqrt(n)`, `|Δ_j T_j| <= sqrt(2 n)` (the two sides'
//!   between-group spread is part of the pooled variance), all below
//!   2^116 before the truncation by `48 + g`.
//! - Opened values: `Var_HC0 <= max(e^2) Var / sigma^2 <= (n - p) Var`,
//!   and the opened ordinary variances are public: a fit whose `(n - p)`
//!   times its largest opened variance reaches 2^84 is refused before any
//!   message (never in the tests' data).
//! - A singular or narrow design's values may wrap; they are multiplied
//!   by 0 before opening (the solver's flags, recomputed).
//!
//! # Accuracy
//! The robust standard errors meet [`super::ACCURACY`] (1e-6 relative to
//! `1 + |value|` on the bound-standardised scale) under the same
//! conditions as the ordinary ones. Sources: the local f64 sums (relative
//! 2^-50, the deviations from the local mean formed exactly before one
//! rounding), the 88-bit inputs, the 40-bit grid of the matrix work
//! amplified by the condition of `R_xx` as in the plain fit, and for `n`
//! above 2^16 the `g` bits the meat gives up (`2^-(40 - g)` absolute on
//! `M̃`, whose scale is about 1). Measured against statsmodels 0.15.0 on
//! R's `cars` and on a heteroskedastic design with a category (relative
//! 5e-12 and 2e-10, both rings: `tests/linear/robust_kat.rs`), and
//! against an independent f64 sandwich on random designs of `p + 2` to
//! `p + 9` records with values at the bounds, duplicates, every split
//! between the sides including one side empty (`tests/linear/robust.rs`:
//! about 1e-12 on the scaled measure, 1e-9 relative). Harder designs
//! (`harder_designs_stay_within_the_accuracy`): 3,000 records at the
//! bounds, 1e-12; eight predictors, 7e-11; a predictor spread over 2e-4
//! of its bounds, 3e-11; an outcome spread over 1e-5 of its bounds,
//! 9e-10 (3e-4 relative to the value, the ordinary errors 1e-4: both are
//! exact only to the bounds' scale); a predictor's bounds 200
//! half-widths from 0 (`l = 3`), 9e-11; n = 70,000 (`g = 1`), 2e-13.
//!
//! # What each party learns
//! Besides the released fit: the two flags (0, as in the released fit)
//! and the `p` robust variances (HC0, the decoder applies `n / (n - p)`).
//! Nothing else is opened: not the meat, `B`, `g`, `Ā` nor either side's
//! inputs, which enter as additive shares without a message. What the
//! robust variances add for a reader: `Var_HC0(beta_j) = sum_i c_ij^2
//! e_i^2`, a weighted sum of squared residuals per coefficient (`c_j` the
//! row of `(X'X)^-1 X'`). For a model of category predictors alone it is
//! each level's sum of squared deviations from its mean (the ordinary
//! errors give only the total through `sigma`); like every pooled value it
//! can be differenced with a side's own records, so a side learns the
//! other's per-level second moment about the level mean, over at least
//! `min_cell_per_party` records (`tests/attacks/robust_se.rs`).
//!
//! # Cost
//! The pass recomputes the solver on the pooled block (the plain fit's
//! cost again, its comparisons included) and adds five product rounds for
//! the meat's scaling, two `k x k (k + 1)` and `k x k x k` matrix products,
//! and `O(k^2)` products for the values. Measured with p = 6 (k = 5, n =
//! 10^4, Z_2^64 plan ring), both parties on one thread in memory, the test
//! dealer generating on demand: 4,326 Z_2^128 triples and 710 bit-OLE
//! pairs, 156 comparisons, 212 messages and 156,954 bytes sent by P0
//! beyond the plain fit (3,888 triples and 613 pairs, 194 messages,
//! 141,770 bytes); about 440 of the triples are the sandwich's own. Command:
//! `cargo test --release -p duet-stats --test stats linear::cost -- --nocapture`
//! (`docs/BENCHMARKS.md`). Keeping the first pass's solver state would
//! save the recomputation.

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::fixed::{mul_trunc, pick, plus, repeat, tri_at, tri_len, tri_pairs, HI_FRAC};
use super::meat::{LocalMeat, MEAT_FRAC};
use super::release::{common, residual_scale, Common};
use super::{moments::moments, normalize::normalise, normalize::Scales};
use super::{LinearError, LinearFit, LinearShape};
use crate::secure::logistic::matrix::{matmul, WIDE_FRAC};

const W: u32 = WIDE_FRAC;

/// The meat on the correlation scale, times `2^-g`.
struct Meat {
    /// `M̃ 2^-g`, upper triangle (k).
    m: Shared<Z128>,
    /// `m̃ 2^-g` (k).
    v: Shared<Z128>,
    /// `Ā` at [`HI_FRAC`] bits.
    a: Shared<Z128>,
}

/// Shares of the values to open for the HC1 robust variances of the
/// regression `shape` (the block's last term on the others), after its
/// fit `fit` was released: the solver's two flags (0 or 1), then, all 0
/// when either is 1, the `p` robust HC0 variances in the units of
/// [`super::regression_shares`]'s variances (intercept first).
/// [`decode_robust`] reads them. Both parties call it alike, each with
/// its own [`LocalMeat`]; the caller opens.
pub async fn robust_shares<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    cross: &Shared<R>,
    shape: &LinearShape,
    fit: &LinearFit,
    meat: &LocalMeat,
) -> Result<Shared<Z128>, LinearError> {
    let (m, k) = shape.check_robust(fit)?;
    if meat.shares.len() != tri_len(k) + 3 * k + 3 {
        return Err(LinearError::OpenedLength {
            expected: tri_len(k) + 3 * k + 3,
            found: meat.shares.len(),
        });
    }
    let mo = moments(engine, cross, shape).await?;
    let sc = normalise(engine, &mo.cov, m).await?;
    let r = super::correlation::correlations(engine, &sc, m).await?;
    let solved = super::regression::solve(engine, &r, m, k).await?;
    let flags = super::regression::flags(engine, &solved.rinv, &sc.narrow, k).await?;
    let c = common(engine, shape, &mo, &sc, &solved).await?;
    let g = meat_shift(shape.n());
    let meat = scaled(engine, &sc, meat, k, g).await?;
    let (b, gv) = sandwich(engine, &solved.rinv, &meat, k).await?;
    let values = variances(engine, &c, &sc, &meat, (&b, &gv), g).await?;
    super::regression::gate(engine, &flags, &values).await
}

/// `g = max(0, bits(n) - 16)`.
fn meat_shift(n: u64) -> u32 {
    (u64::BITS - n.leading_zeros()).saturating_sub(16)
}

/// `M̃ 2^-g`, `m̃ 2^-g` and `Ā` from this party's [`LocalMeat`] share:
/// five product rounds (the scales' pairs, `T`, `y`, `α Δ̃`, the outer
/// products).
async fn scaled<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    sc: &Scales,
    meat: &LocalMeat,
    k: usize,
    g: u32,
) -> Result<Meat, LinearError> {
    let tk = tri_len(k);
    let own = Shared::from_shares(meat.shares.clone());
    let z = standardised(engine, sc, &own, k, g).await?;
    let (cc, beta) = (pick(&z, 0..tk), pick(&z, tk..tk + k));
    let (b, delta) = (
        pick(&z, tk + k..tk + 2 * k),
        pick(&z, tk + 2 * k..tk + 3 * k),
    );
    let base = tk + 3 * k;
    let alphas = Shared::concat(&[&repeat(&own, base, k), &repeat(&own, base + 1, k)]);
    let ad = mul_trunc(
        engine,
        &alphas,
        &Shared::concat(&[&delta, &delta]),
        HI_FRAC + g,
    )
    .await?;
    let (pl, pr): (Vec<usize>, Vec<usize>) = tri_pairs(k).unzip();
    let outer_l = Shared::concat(&[&pick(&beta, pl.clone()), &pick(&delta, pl.clone())]);
    let outer_l = Shared::concat(&[&outer_l, &pick(&ad, pl)]);
    let outer_r = Shared::concat(&[&pick(&delta, pr.clone()), &pick(&beta, pr.clone())]);
    let outer_r = Shared::concat(&[&outer_r, &pick(&delta, pr)]);
    let outer = mul_trunc(engine, &outer_l, &outer_r, W).await?;
    let parts = [0, tk, 2 * tk].map(|s| pick(&outer, s..s + tk));
    let m = plus(&plus(&cc, &parts[0])?, &plus(&parts[1], &parts[2])?)?;
    let v = plus(&b, &pick(&ad, k..2 * k))?;
    Ok(Meat {
        m,
        v,
        a: pick(&own, [base + 2]),
    })
}

/// `[C̃ 2^-g | β̃ 2^-g | b̃ 2^-g | Δ̃]` at [`WIDE_FRAC`] bits: the local
/// inputs times `T_i T_j` (`T_i` for the vectors), truncated, times `y_i
/// y_j` (`y_i`). Three product rounds.
async fn standardised<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    sc: &Scales,
    own: &Shared<Z128>,
    k: usize,
    g: u32,
) -> Result<Shared<Z128>, LinearError> {
    let tk = tri_len(k);
    let (pl, pr): (Vec<usize>, Vec<usize>) = tri_pairs(k).unzip();
    let (t, u) = (pick(&sc.t, 0..k), pick(&sc.u, 0..k));
    let left = Shared::concat(&[&pick(&t, pl.clone()), &pick(&u, pl)]);
    let right = Shared::concat(&[&pick(&t, pr.clone()), &pick(&u, pr)]);
    let pairs = engine.mul(&left, &right).await?;
    let yy = engine.trunc(&pick(&pairs, tk..2 * tk), W).await?;
    // Δ enters at 2^g times its value, so one truncation by 48 + g
    // leaves C, β, b scaled by 2^-g and Δ̃ unscaled.
    let lift: Vec<Z128> = (0..tk + 3 * k)
        .map(|i| Z128::ONE.shl(if i >= tk + 2 * k { g } else { 0 }))
        .collect();
    let x = pick(own, 0..tk + 3 * k)
        .mul_public(&lift)
        .map_err(|source| LinearError::Layout { source })?;
    let ints = Shared::concat(&[&pick(&pairs, 0..tk), &t, &t, &t]);
    let wide = engine.mul(&x, &ints).await?;
    let short = engine.trunc(&wide, MEAT_FRAC - W + g).await?;
    let ys = Shared::concat(&[&yy, &u, &u, &u]);
    mul_trunc(engine, &short, &ys, W).await
}

/// `B 2^-g = R^-1 M̃ R^-1 2^-g` (k x k) and `R^-1 m̃ 2^-g` (the `g` of the module
/// docs, not the shift): two matrix products.
async fn sandwich<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    rinv: &Shared<Z128>,
    meat: &Meat,
    k: usize,
) -> Result<(Shared<Z128>, Shared<Z128>), LinearError> {
    let tk = tri_len(k);
    let both = Shared::concat(&[&meat.m, &meat.v]);
    let right = (0..k).flat_map(|i| {
        (0..=k).map(move |j| match j < k {
            true => tri_at(k, i, j),
            false => tk + i,
        })
    });
    let gm = matmul(engine, rinv, &pick(&both, right), k, k + 1).await?;
    let g = pick(&gm, (0..k).map(|i| i * (k + 1) + k));
    let gt = pick(&gm, (0..k * k).map(|x| (x % k) * (k + 1) + x / k));
    let b = matmul(engine, rinv, &gt, k, k).await?;
    Ok((b, g))
}

/// `[v_0, v_1..v_k]`: the robust HC0 variances in the opened units.
async fn variances<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    c: &Common,
    sc: &Scales,
    meat: &Meat,
    (b, gv): (&Shared<Z128>, &Shared<Z128>),
    g: u32,
) -> Result<Shared<Z128>, LinearError> {
    let k = c.k;
    let tk = tri_len(k);
    let upper = pick(b, tri_pairs(k).map(|(i, j)| i * k + j));
    let bee = mul_trunc(engine, &repeat(&c.e, 0, tk), &upper, W).await?;
    let diag = pick(&bee, (0..k).map(|i| tri_at(k, i, i)));
    let hh = mul_trunc(engine, &c.h, &c.h, W).await?;
    let muh = mul_trunc(engine, &pick(&c.mu, 0..k), &c.h, W).await?;
    let first = Shared::concat(&[&diag, &muh]);
    let x = mul_trunc(engine, &first, &Shared::concat(&[&hh, &c.inv_q]), W).await?;
    let a = pick(&x, k..2 * k);
    let x2 = mul_trunc(engine, &pick(&x, 0..k), &c.inv_q, W).await?;
    let x3 = mul_trunc(engine, &x2, &c.inv_q, W).await?;
    let p_diag = pick(&c.pp, (0..k).map(|i| tri_at(k, i, i)));
    let slopes = engine.mul(&x3, &p_diag).await?;
    let v0 = intercept(engine, c, sc, (&bee, gv, &a)).await?;
    let scaled = Shared::concat(&[&v0, &slopes]).mul_scalar(Z128::ONE.shl(g));
    let t1 = first_term(engine, c, sc, &meat.a).await?;
    let head = plus(&pick(&scaled, [0]), &t1)?;
    Ok(Shared::concat(&[&head, &pick(&scaled, 1..k + 1)]))
}

/// The intercept's terms in `B` and `g`, times `2^-g`: `sum_ij a_i a_j
/// (1 - R^2) B_ij p_i p_j - 2 (1 - R^2) (sd_y / 2^l) sum_j a_j g_j p_j`.
async fn intercept<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    c: &Common,
    sc: &Scales,
    (bee, gv, a): (&Shared<Z128>, &Shared<Z128>, &Shared<Z128>),
) -> Result<Shared<Z128>, LinearError> {
    let k = c.k;
    let tk = tri_len(k);
    let (pl, pr): (Vec<usize>, Vec<usize>) = tri_pairs(k).unzip();
    let sq = mul_trunc(engine, &pick(&sc.w, [k]), &pick(&sc.u, [k]), W).await?;
    let left = Shared::concat(&[&pick(a, pl), &sq, a]);
    let right = Shared::concat(&[&pick(a, pr), &pick(&sc.inv_t, [k]), gv]);
    let x = mul_trunc(engine, &left, &right, W).await?;
    let (aa, sd, ag) = (
        pick(&x, 0..tk),
        pick(&x, [tk]),
        pick(&x, tk + 1..tk + 1 + k),
    );
    let both = Shared::concat(&[&aa, &ag]);
    let factors = Shared::concat(&[bee, &repeat(&sd, 0, k)]);
    let y = engine.mul(&both, &factors).await?;
    let z = Shared::concat(&[
        &engine.trunc(&pick(&y, 0..tk), W).await?,
        &engine.trunc(&pick(&y, tk..tk + k), W + c.l).await?,
    ]);
    let ze = mul_trunc(engine, &pick(&z, tk..tk + k), &repeat(&c.e, 0, k), W).await?;
    let ints = Shared::concat(&[&c.pp, &c.p]);
    let w = engine
        .mul(&Shared::concat(&[&pick(&z, 0..tk), &ze]), &ints)
        .await?;
    let twice: Vec<Z128> = tri_pairs(k)
        .map(|(i, j)| Z128::from_u64(if i == j { 1 } else { 2 }))
        .chain((0..k).map(|_| -Z128::from_u64(2)))
        .collect();
    let terms = w
        .mul_public(&twice)
        .map_err(|source| LinearError::Layout { source })?;
    Ok(terms.sum())
}

/// `Ā (1 - R^2) sd_y^2 / 4^l`, the intercept's term free of `B`.
async fn first_term<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    c: &Common,
    sc: &Scales,
    a: &Shared<Z128>,
) -> Result<Shared<Z128>, LinearError> {
    let (esd, _) = residual_scale(engine, c, sc).await?;
    mul_trunc(engine, &esd, a, HI_FRAC + 2 * c.l).await
}

/// The robust standard errors (HC1) from the opened values of
/// [`robust_shares`], in the terms' units, intercept first.
pub fn decode_robust(opened: &[Z128], shape: &LinearShape) -> Result<Vec<f64>, LinearError> {
    let (_, k) = shape.check_regression()?;
    let p = k + 1;
    if opened.len() != p + 2 {
        return Err(LinearError::OpenedLength {
            expected: p + 2,
            found: opened.len(),
        });
    }
    super::regression::flags_clear(opened)?;
    let unit = 2f64.powi(W as i32);
    let s: Vec<f64> = shape.bounds().iter().map(|b| b.half() as f64).collect();
    let sy = s[k];
    let (n, df) = (shape.n() as f64, (shape.n() - p as u64) as f64);
    let l = shape.intercept_shift()?;
    let se = |i: usize, scale: f64| {
        let v = opened
            .get(2 + i)
            .map_or(f64::NAN, |x| x.to_i128() as f64 / unit);
        (v.max(0.0) * scale * n / (df * df)).sqrt()
    };
    let mut out = vec![se(0, sy * sy * 4f64.powi(l as i32))];
    out.extend((0..k).map(|i| se(1 + i, (sy / s[i]) * (sy / s[i]))));
    Ok(out)
}
