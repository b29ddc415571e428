//! Pearson correlations on shares: only the m (m + 1) / 2 entries of the
//! upper triangle are returned for opening, each either the correlation
//! or, where a term is constant, the sentinel [`UNDEFINED`].

use duet_core::{Channel, Engine, Preprocessing, Ring, Shared, Z128};

use super::fixed::{mul_trunc, pick, plus, tri_len, tri_pairs, wide};
use super::moments::moments;
use super::normalize::{normalise, Scales};
use super::{CorrelationMatrix, LinearError, LinearShape, MAX_CORRELATION_TERMS};
use crate::secure::logistic::matrix::WIDE_FRAC;

/// The opened value of an undefined entry (a constant term): 4, outside
/// every correlation's range.
pub(crate) const UNDEFINED: f64 = 4.0;

/// Shares of `r_ij = G_ij u_i u_j` (upper triangle, [`WIDE_FRAC`] bits):
/// the correlations, 0 in the rows of flagged terms.
pub(crate) async fn correlations<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    sc: &Scales,
    m: usize,
) -> Result<Shared<Z128>, LinearError> {
    let (left, right): (Vec<usize>, Vec<usize>) = tri_pairs(m).unzip();
    let uu = mul_trunc(engine, &pick(&sc.u, left), &pick(&sc.u, right), WIDE_FRAC).await?;
    mul_trunc(engine, &sc.g, &uu, WIDE_FRAC).await
}

/// Shares of the values to open for the correlation matrix of the block's
/// `m` terms: the upper triangle row by row, diagonal included, at 40
/// fractional bits. Entry `(i, j)` is `r_ij`, or 4 (undefined) when term
/// i or j is constant (the diagonal is 1 or 4). Both parties call it
/// alike; the caller opens.
pub async fn correlation_shares<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    cross: &Shared<R>,
    shape: &LinearShape,
) -> Result<Shared<Z128>, LinearError> {
    let m = shape.terms();
    if m > MAX_CORRELATION_TERMS {
        return Err(LinearError::TooManyTerms {
            found: m,
            max: MAX_CORRELATION_TERMS,
        });
    }
    let mo = moments(engine, cross, shape).await?;
    let sc = normalise(engine, &mo.cov, m).await?;
    let r = correlations(engine, &sc, m).await?;
    let (left, right): (Vec<usize>, Vec<usize>) = tri_pairs(m).unzip();
    let (fl, fr) = (pick(&sc.flag, left.clone()), pick(&sc.flag, right.clone()));
    let both = engine.mul_bit(&fl, &fr).await?;
    // either = f_i + f_j - f_i f_j on the off-diagonal, f_i on it.
    let either: Vec<Z128> = tri_pairs(m)
        .zip(fl.shares().iter().zip(fr.shares()).zip(both.shares()))
        .map(|((i, j), ((&a, &b), &ab))| if i == j { a } else { a + b - ab })
        .collect();
    let diag_one: Vec<Z128> = tri_pairs(m)
        .map(|(i, j)| if i == j { wide(1.0) } else { Z128::ZERO })
        .collect();
    let off: Vec<Z128> = tri_pairs(m)
        .zip(r.shares())
        .map(|((i, j), &v)| if i == j { Z128::ZERO } else { v })
        .collect();
    // On the diagonal: 1 + (UNDEFINED - 1) f_i.
    let mark: Vec<Z128> = tri_pairs(m)
        .map(|(i, j)| wide(if i == j { UNDEFINED - 1.0 } else { UNDEFINED }))
        .collect();
    let flagged = Shared::from_shares(either)
        .mul_public(&mark)
        .map_err(|source| LinearError::Layout { source })?;
    let values = engine.add_public(&Shared::from_shares(off), &diag_one)?;
    plus(&values, &flagged)
}

/// The matrix from the opened values of [`correlation_shares`]: symmetric,
/// `None` where undefined, entries clamped to [-1, 1].
pub fn decode_correlation(
    opened: &[Z128],
    shape: &LinearShape,
) -> Result<CorrelationMatrix, LinearError> {
    let m = shape.terms();
    if opened.len() != tri_len(m) {
        return Err(LinearError::OpenedLength {
            expected: tri_len(m),
            found: opened.len(),
        });
    }
    let unit = 2f64.powi(WIDE_FRAC as i32);
    let mut matrix = vec![vec![None; m]; m];
    for ((i, j), v) in tri_pairs(m).zip(opened) {
        let x = v.to_i128() as f64 / unit;
        let r = (x < (1.0 + UNDEFINED) / 2.0).then(|| x.clamp(-1.0, 1.0));
        matrix[i][j] = r;
        matrix[j][i] = r;
    }
    Ok(CorrelationMatrix { matrix })
}
