//! Test-only oracle for the span test: dense Gaussian elimination over the
//! rationals, written apart from `span` so the two check each other.

use num_rational::BigRational;
use num_traits::{One, Zero};

/// A dense 0/1 row of length `len` with ones at `support`.
pub(crate) fn dense(support: &[usize], len: usize) -> Vec<BigRational> {
    (0..len)
        .map(|i| {
            if support.contains(&i) {
                BigRational::one()
            } else {
                BigRational::zero()
            }
        })
        .collect()
}

/// The rank of `rows` (all of one length).
pub(crate) fn rank(rows: &[Vec<BigRational>]) -> usize {
    let mut m: Vec<Vec<BigRational>> = rows.to_vec();
    let cols = m.first().map_or(0, Vec::len);
    let mut rank = 0;
    for c in 0..cols {
        let Some(p) = (rank..m.len()).find(|&r| !m[r][c].is_zero()) else {
            continue;
        };
        m.swap(rank, p);
        let pivot = m[rank].clone();
        for r in 0..m.len() {
            if r != rank && !m[r][c].is_zero() {
                let f = &m[r][c] / &pivot[c];
                for k in 0..cols {
                    let d = &f * &pivot[k];
                    m[r][k] -= d;
                }
            }
        }
        rank += 1;
    }
    rank
}

/// Whether `target` is in the span of `rows`: adding it keeps the rank.
pub(crate) fn in_span(rows: &[Vec<BigRational>], target: &[BigRational]) -> bool {
    let mut with = rows.to_vec();
    with.push(target.to_vec());
    rank(&with) == rank(rows)
}
