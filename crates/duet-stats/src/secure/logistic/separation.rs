//! Complete and quasi-complete separation by a category predictor, decided
//! on the shares of the pooled level-by-outcome counts before any fit.
//!
//! A logistic regression has no finite maximum-likelihood estimate when a
//! level of a category predictor holds only events or only non-events:
//! the likelihood keeps rising as that level's coefficient runs off to
//! plus or minus infinity (quasi-complete separation; complete separation
//! when every level is so). A fit would still open finite numbers (its
//! coefficients stop growing where the secure sigmoid saturates), and a
//! huge coefficient with a huge standard error would tell every reader
//! that the level is all events or all non-events. So this is decided
//! first, on shares, and such a model opens nothing else.
//!
//! # Input
//! Shares, in the plan's ring, of the logistic block of the plan (a
//! `Cross` block): element 0 `n`, then `S_i` for its `m` terms (the
//! indicators of the category predictors' levels after the first, then
//! the outcome's event indicator last), then the upper triangle of `S_ij =
//! sum(t_i t_j)` row by row. So `S_i` is a level's count, `S_iy` its
//! events, `n - sum_i S_i` and `S_y - sum_i S_iy` the reference level's.
//!
//! # What is opened
//! One bit per category predictor: whether some level of it (the
//! reference level included) has no events or no non-events. What the
//! bit reveals: that some level's records all share one outcome, without
//! saying which level or which outcome (for a two-level predictor, one of
//! its two levels). Naming the level would tell anyone who knows that a
//! person belongs to it that person's outcome; a released fit would say
//! the same through a runaway coefficient, more precisely. Nothing else is
//! opened; the counts stay on shares.
//!
//! # Cost
//! `2 L + T` comparisons on the full ring, for `L` levels (reference
//! levels included) of `T` category predictors, in two rounds of
//! comparisons; no products.

use duet_core::{Channel, Engine, EngineError, Preprocessing, Ring, Shared};

/// The shares at element `e` of `block`, or 0 (a layout the caller
/// checked; never reached).
fn at<R: Ring>(block: &[R], e: usize) -> R {
    block.get(e).copied().unwrap_or(R::ZERO)
}

/// Per level of each group: shares of its events and of its non-events.
/// `groups` lists, per category predictor, the term indices of its
/// indicators; the outcome is term `m - 1`.
pub(crate) fn level_outcomes<R: Ring>(block: &[R], m: usize, groups: &[Vec<usize>]) -> Vec<R> {
    let y = m.saturating_sub(1);
    let s = |i: usize| at(block, 1 + i);
    let s2 = |i: usize, j: usize| at(block, 1 + m + upper(m, i.min(j), i.max(j)));
    let mut out = Vec::new();
    for g in groups {
        let (mut ref_n, mut ref_e) = (at(block, 0), s(y));
        for &i in g {
            let (n_l, e_l) = (s(i), s2(i, y));
            out.extend([e_l, n_l - e_l]);
            ref_n -= n_l;
            ref_e -= e_l;
        }
        out.extend([ref_e, ref_n - ref_e]);
    }
    out
}

/// Index of `(i, j)`, `i <= j`, in the row-major upper triangle of an `m x
/// m` matrix: the rows before `i` hold `i m - i (i - 1) / 2` entries.
pub(crate) fn upper(m: usize, i: usize, j: usize) -> usize {
    i * m - i * i.saturating_sub(1) / 2 + (j - i)
}

/// Shares of one bit per group: 1 when some level of it has no events or
/// no non-events. Both parties call it alike; the caller opens.
pub async fn separated<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    block: &Shared<R>,
    m: usize,
    groups: &[Vec<usize>],
) -> Result<Shared<R>, EngineError> {
    let counts = level_outcomes(block.shares(), m, groups);
    // A count of 0 is below 1: [count - 1 < 0].
    let minus_one = engine.add_public(
        &Shared::from_shares(counts.clone()),
        &vec![R::ZERO - R::ONE; counts.len()],
    )?;
    let empty = engine.ltz(&minus_one).await?;
    let mut at_level = 0;
    let per_group: Vec<R> = groups
        .iter()
        .map(|g| {
            let len = 2 * (g.len() + 1);
            let part = empty.shares().get(at_level..at_level + len).unwrap_or(&[]);
            at_level += len;
            // Minus the number of empty counts: below 0 when any is.
            part.iter().fold(R::ZERO, |acc, &b| acc - b)
        })
        .collect();
    engine.ltz(&Shared::from_shares(per_group)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_core::Z64;

    /// Rows (level of a three-level category, outcome): the reference
    /// level a has 3 rows and 1 event, b 2 rows and 2 events, c 4 rows
    /// and 0 events.
    fn block() -> Vec<Z64> {
        let rows = [
            (0, 1),
            (0, 0),
            (0, 0),
            (1, 1),
            (1, 1),
            (2, 0),
            (2, 0),
            (2, 0),
            (2, 0),
        ];
        let m = 3;
        let mut v = vec![0i64; 1 + m + m * (m + 1) / 2];
        for (level, y) in rows {
            let t = [i64::from(level == 1), i64::from(level == 2), y];
            v[0] += 1;
            for i in 0..m {
                v[1 + i] += t[i];
                for j in i..m {
                    v[1 + m + upper(m, i, j)] += t[i] * t[j];
                }
            }
        }
        v.into_iter()
            .map(|x| Z64::from_i128(i128::from(x)))
            .collect()
    }

    #[test]
    fn each_level_gives_its_events_and_non_events() {
        let got = level_outcomes(&block(), 3, &[vec![0, 1]]);
        let want: Vec<Z64> = [2, 0, 0, 4, 1, 2].map(Z64::from_i128).to_vec();
        assert_eq!(
            got, want,
            "b: 2 events 0 non-events; c: 0 and 4; a: 1 and 2"
        );
    }

    #[test]
    fn the_upper_triangle_is_row_major() {
        let m = 4;
        let order: Vec<usize> = (0..m)
            .flat_map(|i| (i..m).map(move |j| upper(m, i, j)))
            .collect();
        assert_eq!(order, (0..10).collect::<Vec<_>>());
    }
}
