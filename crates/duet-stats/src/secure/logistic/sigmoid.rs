//! The logistic function on fixed-point shares, as a piecewise quintic.
//!
//! By symmetry, `sigmoid(x) = f(|x|)` for `x >= 0` and `1 - f(|x|)` below.
//! `[0, inf)` is cut at 9 public breakpoints (0.75, 1.5, 2.5, 3.5, 4.5, 6,
//! 8, 10, 14). On each bounded piece `f` is the quintic interpolating the
//! logistic at the six Chebyshev nodes of the piece, written in
//! `t = |x| - lo` (the piece's left end), so `t` is small and no
//! coefficient is large. From 14 on it is exactly 1.
//!
//! On shares: a copy of `x` truncated to 8 fractional bits (every
//! breakpoint is a multiple of 1/4) is what the comparisons see, on 25
//! bits instead of `f + 22`: one comparison for the sign, `|x|` (at both
//! precisions) by bit products, then one batched comparison of the
//! narrowed `|x|` against every breakpoint (9 LTZ per value, one engine
//! call); the piece's coefficients and left end are linear in the
//! comparison bits with public weights (local), the quintic is evaluated
//! at full precision by Horner's rule (five fixed-point products), and one
//! bit product reflects the negative values. Comparing `x` against all of ±breakpoints
//! in a single call would save 10 rounds per evaluation but cost 19 LTZ
//! instead of 10, and one LTZ costs about as much OT preprocessing as 2.3
//! Beaver triples.
//!
//! Accuracy: the interpolation error is at most 7.1e-8 below 14 and 8.3e-7
//! beyond, and at most 1.1e-7 for a value the narrowed comparisons place
//! in a neighbouring piece (within 2^-8 of a breakpoint); the final
//! rounding to 2^-f adds at most 2^-f (9.5e-7 at f = 20). A quintic rather than a cubic: a cubic on these pieces errs by
//! 1.2e-5, which is 1e-3 relative where the probability is 0.01 and biased
//! coefficients of rare outcomes by 5e-4. The `sigmoid` test of the
//! `logistic` test binary checks the shares over a grid.
//!
//! Exactness where it matters: the comparison bits are exact 0/1, and the
//! per-piece weights are differences of encoded constants, so the selected
//! coefficients telescope to exactly the encoded ones (exactly `1, 0, ..`
//! from 14 on, which keeps `t`, unbounded there, out of every product).

use duet_core::{Channel, Engine, FixedPoint, Preprocessing, Ring, Shared, Z64};

use super::LogisticError;

/// The breakpoints on `|x|`; the pieces start at 0.
const POSITIVE: [f64; 9] = [0.75, 1.5, 2.5, 3.5, 4.5, 6.0, 8.0, 10.0, 14.0];

/// Coefficients per piece (degree 5).
pub(crate) const TERMS: usize = 6;

/// Extra fractional bits of the coefficients and of Horner's accumulator:
/// the rounding of a coefficient is multiplied by up to `t^5 = 1024` on
/// the widest piece, so at `f` bits it would cost 5e-4.
const EXTRA: u32 = 12;

/// Number of breakpoints, hence comparisons of `|x|` per value (one more
/// compares the sign).
pub(crate) const BREAKPOINTS: usize = POSITIVE.len();

/// The logistic function `1 / (1 + e^-x)` in f64.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The left ends of the pieces on `[0, inf)`: 0 and every breakpoint.
fn left_ends() -> Vec<f64> {
    [0.0].into_iter().chain(POSITIVE).collect()
}

/// Coefficients `[c0, .., c5]` in `t = |x| - lo` per piece of `[0, inf)`:
/// the last (from the highest breakpoint) is exactly 1.
fn pieces() -> Vec<[f64; TERMS]> {
    let ends = left_ends();
    let mut one = [0.0; TERMS];
    one[0] = 1.0;
    ends.windows(2)
        .map(|w| chebyshev(w[0], w[1]))
        .chain([one])
        .collect()
}

/// The polynomial through the logistic at the Chebyshev nodes of
/// `[lo, hi]`, as monomial coefficients in `t = x - lo` (Lagrange basis
/// expanded).
fn chebyshev(lo: f64, hi: f64) -> [f64; TERMS] {
    let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
    let angle = core::f64::consts::PI / (2 * TERMS) as f64;
    let nodes: Vec<f64> = (0..TERMS)
        .map(|k| mid + half * ((2 * k + 1) as f64 * angle).cos())
        .collect();
    let mut coef = [0.0; TERMS];
    for (i, &xi) in nodes.iter().enumerate() {
        let mut basis = [0.0; TERMS];
        basis[0] = 1.0;
        let mut denom = 1.0;
        for (j, &xj) in nodes.iter().enumerate() {
            if i != j {
                multiply_by_root(&mut basis, xj - lo);
                denom *= xi - xj;
            }
        }
        let w = logistic(xi) / denom;
        for (c, b) in coef.iter_mut().zip(basis) {
            *c += w * b;
        }
    }
    coef
}

/// `poly *= (t - root)` for a polynomial of degree below `TERMS - 1`.
fn multiply_by_root(poly: &mut [f64; TERMS], root: f64) {
    for d in (0..TERMS).rev() {
        let lower = if d > 0 { poly[d - 1] } else { 0.0 };
        poly[d] = lower - root * poly[d];
    }
}

/// The piecewise polynomial in f64 (what the shares compute, without
/// rounding): `f(|x|)` for `x >= 0`, `1 - f(|x|)` below.
pub fn logistic_approx(x: f64) -> f64 {
    if x < 0.0 {
        return 1.0 - logistic_approx(-x);
    }
    let ends = left_ends();
    let piece = POSITIVE.iter().filter(|&&bk| x >= bk).count();
    let lo = ends[piece];
    let c = pieces()[piece];
    let t = x - lo;
    c.iter().rev().fold(0.0, |acc, &ci| acc * t + ci)
}

/// Encodes `v` with `frac_bits` fractional bits.
pub(crate) fn encode(v: f64, frac_bits: u32) -> Result<Z64, LogisticError> {
    let fp = FixedPoint::new(frac_bits).map_err(LogisticError::Fixed)?;
    fp.encode_f64(v).map_err(LogisticError::Fixed)
}

/// Shares of `a - sum_k bits_k * d_k`: `bits` holds one 0/1 share vector
/// of length `n` per breakpoint (breakpoint-major), `d` one weight each.
fn select_linear(top: Z64, bits: &Shared<Z64>, d: &[Z64], n: usize, p0: bool) -> Shared<Z64> {
    let s = bits.shares();
    let out = (0..n)
        .map(|r| {
            let base = if p0 { top } else { Z64(0) };
            d.iter()
                .enumerate()
                .fold(base, |acc, (k, &dk)| acc - s[k * n + r] * dk)
        })
        .collect();
    Shared::from_shares(out)
}

/// Fractional bits the comparisons see: every breakpoint is a multiple of
/// 1/4, so 8 bits place them exactly and leave a 2^-8 margin (below).
const NARROW_FRAC: u32 = 8;

/// Inputs must lie below 2^VALUE_BITS in value (a fit's linear predictor
/// is at most `1024 p <= 2^14`: clamped coefficients, standardised
/// predictors, at most 16 columns).
pub(crate) const VALUE_BITS: u32 = 15;

/// The width the sigmoid's comparisons run on: `8 + 15 + 2 = 25` bits hold
/// every narrowed input below 2^15 in value and its differences with the
/// breakpoints, with their sign; the carry circuit is about half as long
/// as on the `f + 22` bits of the input at full precision (f = 20).
pub(crate) fn compare_bits() -> u32 {
    NARROW_FRAC + VALUE_BITS + 2
}

/// The bits dropped before comparing: `f - 8` (none when `f <= 8`).
fn narrow_shift(frac_bits: u32) -> u32 {
    frac_bits.saturating_sub(NARROW_FRAC)
}

/// Shares of (approximately) `logistic(x)` for fixed-point shares `x` with
/// `frac_bits` fractional bits, on every element.
///
/// Costs `10 n` comparisons on 25 bits in two engine calls
/// ([`duet_core::Needs::for_ltz_within`] on `n`, then on `9 n` elements:
/// the sign, then `|x|` against the breakpoints), `5 n` Beaver triples
/// (the Horner products), seven truncations (the narrowing, five Horner
/// products, the final one) and four bit products (`|x|` and its narrowed
/// copy, the reflection); 30 rounds.
/// `frac_bits` at most 22 and `|x| < 2^15` in value.
/// What each party learns: nothing (nothing is opened).
pub async fn sigmoid<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    x: &Shared<Z64>,
    frac_bits: u32,
) -> Result<Shared<Z64>, LogisticError> {
    Ok(sigmoid_counted(engine, x, frac_bits).await?.0)
}

/// [`sigmoid`], and shares (an integer) of how many values lie at or
/// beyond the last breakpoint, where the result is exactly 0 or 1: a
/// local sum of comparison bits already computed, no extra cost.
///
/// The comparisons see `x` truncated to 8 fractional bits, which is
/// `floor(x 2^8)` or one more: a value within 2^-8 of a breakpoint (or of
/// 0) may be placed in the piece on either side. Each quintic is accurate
/// 2^-8 beyond its piece (the `the_pieces_hold_beyond_their_ends` test),
/// and one just below 0 taken as positive gives `f(x)` at `x > -2^-8`,
/// which is the logistic there as well.
pub(crate) async fn sigmoid_counted<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    x: &Shared<Z64>,
    frac_bits: u32,
) -> Result<(Shared<Z64>, Shared<Z64>), LogisticError> {
    let n = x.len();
    let narrow = engine.trunc(x, narrow_shift(frac_bits)).await?;
    let negative = engine.ltz_within(&narrow, compare_bits()).await?;
    // |x| = x - 2 [x < 0] x, at full precision and narrowed: the bit is an
    // exact 0/1 integer, no truncation.
    let both = Shared::concat(&[x, &narrow]);
    let flip = engine
        .mul_bit(&Shared::concat(&[&negative, &negative]), &both)
        .await?;
    let abs_both = both
        .sub(&flip.mul_scalar(Z64(2)))
        .map_err(length("sigmoid"))?;
    let abs = abs_both.slice(0..n).ok_or(LogisticError::NoColumns)?;
    let abs_narrow = abs_both.slice(n..2 * n).ok_or(LogisticError::NoColumns)?;
    let (f, saturated) = on_magnitude(engine, (&abs, &abs_narrow), frac_bits).await?;
    // sigmoid(x) = f + [x < 0] (1 - 2f).
    let one = engine.constant(&vec![encode(1.0, frac_bits)?; n]);
    let reflect = one.sub(&f.mul_scalar(Z64(2))).map_err(length("sigmoid"))?;
    let fix = engine.mul_bit(&negative, &reflect).await?;
    Ok((f.add(&fix).map_err(length("sigmoid"))?, saturated))
}

/// Shares of `f(a)` for shares `a >= 0`: the piece by one batched
/// comparison against every breakpoint, then Horner's rule; and of the
/// number of values at or beyond the last breakpoint.
async fn on_magnitude<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    (abs, abs_narrow): (&Shared<Z64>, &Shared<Z64>),
    frac_bits: u32,
) -> Result<(Shared<Z64>, Shared<Z64>), LogisticError> {
    let n = abs.len();
    let enc_b: Vec<Z64> = POSITIVE
        .iter()
        .map(|&v| encode(v, frac_bits))
        .collect::<Result<_, _>>()?;
    let narrow_frac = frac_bits - narrow_shift(frac_bits);
    let narrow_b: Vec<Z64> = POSITIVE
        .iter()
        .map(|&v| encode(v, narrow_frac))
        .collect::<Result<_, _>>()?;
    let shifted: Vec<Shared<Z64>> = narrow_b
        .iter()
        .map(|&bk| engine.add_public(abs_narrow, &vec![-bk; n]))
        .collect::<Result<_, _>>()?;
    let below = engine
        .ltz_within(
            &Shared::concat(&shifted.iter().collect::<Vec<_>>()),
            compare_bits(),
        )
        .await?;
    let p0 = engine.role() == duet_core::Role::P0;
    // Left end: the last breakpoint minus the widths of the pieces above.
    let widths: Vec<Z64> = (0..enc_b.len())
        .map(|k| enc_b[k] - if k == 0 { Z64(0) } else { enc_b[k - 1] })
        .collect();
    let last = enc_b.last().copied().unwrap_or(Z64(0));
    let lo = select_linear(last, &below, &widths, n, p0);
    let t = abs.sub(&lo).map_err(length("sigmoid"))?;
    let coef = selected_coefficients(&below, n, p0, frac_bits)?;
    // Values below the last breakpoint, subtracted from n (P0's part).
    let last_bits = below
        .shares()
        .get((BREAKPOINTS - 1) * n..BREAKPOINTS * n)
        .unwrap_or(&[]);
    let start = if p0 { Z64(n as u64) } else { Z64(0) };
    let saturated = last_bits.iter().fold(start, |acc, &b| acc - b);
    let f = horner(engine, &coef, &t, frac_bits).await?;
    Ok((f, Shared::from_shares(vec![saturated])))
}

/// The coefficient share vectors (`TERMS` of them) of each value's piece.
fn selected_coefficients(
    below: &Shared<Z64>,
    n: usize,
    p0: bool,
    frac_bits: u32,
) -> Result<Vec<Shared<Z64>>, LogisticError> {
    let pcs = pieces();
    (0..TERMS)
        .map(|j| {
            let enc: Vec<Z64> = pcs
                .iter()
                .map(|c| encode(c[j], frac_bits + EXTRA))
                .collect::<Result<_, _>>()?;
            // Piece k+1 minus piece k, for breakpoint k.
            let d: Vec<Z64> = enc.windows(2).map(|w| w[1] - w[0]).collect();
            let top = enc.last().copied().unwrap_or(Z64(0));
            Ok(select_linear(top, below, &d, n, p0))
        })
        .collect()
}

/// `(..(c5 t + c4) t + ..) t + c0` on shares: coefficients and accumulator
/// at `f + EXTRA` bits, `t` at `f`, one final truncation by `EXTRA`.
async fn horner<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    coef: &[Shared<Z64>],
    t: &Shared<Z64>,
    frac_bits: u32,
) -> Result<Shared<Z64>, LogisticError> {
    let mut acc = coef
        .last()
        .cloned()
        .unwrap_or_else(|| t.mul_scalar(Z64::ZERO));
    for c in coef.iter().rev().skip(1) {
        let prod = engine.mul_fixed(&acc, t, frac_bits).await?;
        acc = prod.add(c).map_err(length("sigmoid"))?;
    }
    Ok(engine.trunc(&acc, EXTRA).await?)
}

/// Maps a local length mismatch to the engine's error for `step`.
pub(crate) fn length(step: &'static str) -> impl Fn(duet_core::LengthMismatch) -> LogisticError {
    move |source| LogisticError::Engine(duet_core::EngineError::Length { step, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each piece's polynomial, evaluated 2^-8 beyond either end of its
    /// piece (where the narrowed comparisons may send a value), stays as
    /// close to the logistic as inside: 1.1e-7 on the bounded pieces, and
    /// the constant 1 from 14 - 2^-8 on errs by 8.4e-7.
    #[test]
    fn the_pieces_hold_beyond_their_ends() {
        let margin = 2f64.powi(-(NARROW_FRAC as i32));
        let ends = left_ends();
        let pcs = pieces();
        for (k, c) in pcs.iter().enumerate() {
            let lo = ends[k];
            let hi = ends.get(k + 1).copied().unwrap_or(40.0);
            let bound = if k + 1 < pcs.len() { 1.1e-7 } else { 8.4e-7 };
            let steps = 4000;
            for i in 0..=steps {
                let x = lo - margin + (hi - lo + 2.0 * margin) * f64::from(i) / f64::from(steps);
                let t = x - lo;
                let v = c.iter().rev().fold(0.0, |acc, &ci| acc * t + ci);
                let err = (v - logistic(x)).abs();
                assert!(err < bound, "piece {k} at {x}: error {err:e}");
            }
        }
    }
}
