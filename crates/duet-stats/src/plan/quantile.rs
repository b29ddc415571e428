//! The plan of a `quantile` statistic, and the quantile's definition.
//!
//! Definition (R's `quantile(type = 1)`, numpy's `method =
//! "inverted_cdf"`): for a probability `p` in (0, 1) and `n >= 1` records,
//! the quantile is the smallest value `v` of the column's grid with
//! `count(x <= v) >= p * n`. Records hold grid values (whole units of
//! `10^-places` within the declared bounds), so this is the order statistic
//! `x_(r)` with `r = ceil(p * n)`: always a value some record holds. For
//! `n = 0` it is undefined (no result is given).
//!
//! In the plan the statistic is a count per group (gated like a mean's
//! group, and released as its `n`); the quantile itself is found after the
//! gate by bisection on shares (`release::quantile`), from each side's
//! sorted values of the column per group, kept by the accumulator.

use crate::job::QuantileGrid;

/// One quantile statistic: where its group counts sit in the plan, the
/// column and grouping, and its grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuantilePlan {
    /// The plan block holding its counts (one cell per group).
    pub(crate) block: usize,
    /// The plan cell of its first group.
    pub(crate) first_cell: usize,
    /// The column.
    pub(crate) col: usize,
    /// The grouping columns and their numbers of levels.
    pub(crate) by: Vec<(usize, usize)>,
    /// Groups (cells of the block).
    pub(crate) groups: usize,
    /// The grid and probabilities.
    pub(crate) grid: QuantileGrid,
}

/// `ceil(p * n)` for `p = p_scaled / scale` (0 < p < 1), exactly.
pub fn rank(n: u64, p_scaled: i64, scale: i64) -> u64 {
    let num = u128::from(n) * u128::from(p_scaled.unsigned_abs());
    let den = u128::from(scale.unsigned_abs()).max(1);
    u64::try_from(num.div_ceil(den)).unwrap_or(u64::MAX)
}

/// The type-1 quantile of `sorted` (ascending, grid values in units) at
/// `p = p_scaled / scale`, computed as the definition states: the smallest
/// grid value `v` in `[min, max]` with `count(x <= v) * scale >= p_scaled *
/// n`, by bisection over the grid. `None` for no records.
pub fn type1_on_grid(sorted: &[i64], p_scaled: i64, scale: i64, min: i64, max: i64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as i128;
    let at_least = |v: i64| {
        let count = sorted.partition_point(|&x| x <= v) as i128;
        count * i128::from(scale) >= i128::from(p_scaled) * n
    };
    let (mut lo, mut hi) = (min, max);
    while lo < hi {
        let mid = lo + ((i128::from(hi) - i128::from(lo)) / 2) as i64;
        if at_least(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers of R's `quantile(x, p, type = 1)` (numpy's
    /// `method = "inverted_cdf"`). Neither R nor numpy was at hand: the
    /// figures are derived by hand from R's documented type-1 rule (`j =
    /// floor(n p)`, `g = n p - j`, `Q = x_(j)` if `g = 0` else `x_(j+1)`,
    /// Hyndman and Fan 1996, definition 1) and recomputed with that rule in
    /// exact fractions by a short Python script (`fractions.Fraction`).
    /// Sorted values, then (p in hundredths, expected quantile) pairs.
    type Case = (&'static [i64], &'static [(i64, i64)]);

    const CASES: &[Case] = &[
        // x = 1..10: 0.25 -> x_(3), 0.5 -> x_(5) (5 is exactly n p: no
        // step up), 0.75 -> x_(8), 0.1 -> x_(1), 0.9 -> x_(9), 0.95 -> x_(10).
        (
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            &[(25, 3), (50, 5), (75, 8), (10, 1), (90, 9), (95, 10)],
        ),
        // Ties: x = 2, 2, 2, 5, 5, 9 (n 6): 0.25 -> x_(2) = 2,
        // 0.5 -> x_(3) = 2, 0.51 -> x_(4) = 5, 0.75 -> x_(5) = 5, 0.84 -> x_(6) = 9.
        (
            &[2, 2, 2, 5, 5, 9],
            &[(25, 2), (50, 2), (51, 5), (75, 5), (84, 9)],
        ),
        // n = 1: every p gives the one value.
        (&[7], &[(1, 7), (50, 7), (99, 7)]),
        // All equal.
        (&[4, 4, 4, 4], &[(1, 4), (50, 4), (99, 4)]),
        // At the bounds (grid 0..=20): x = 0, 0, 20, 20.
        (&[0, 0, 20, 20], &[(25, 0), (50, 0), (51, 20), (99, 20)]),
    ];

    #[test]
    fn type1_matches_r_and_numpy_figures() {
        for (x, cases) in CASES {
            for &(p, want) in *cases {
                let got = type1_on_grid(x, p, 100, 0, 20);
                assert_eq!(got, Some(want), "x {x:?} p 0.{p:02}");
                let r = rank(x.len() as u64, p, 100);
                assert_eq!(x.get(r as usize - 1).copied(), Some(want), "rank of p {p}");
            }
        }
    }

    #[test]
    fn no_records_no_quantile_and_ranks_are_exact() {
        assert_eq!(type1_on_grid(&[], 50, 100, 0, 20), None);
        assert_eq!(rank(10, 5, 10), 5);
        assert_eq!(rank(10, 51, 100), 6);
        assert_eq!(rank(3, 333_333, 1_000_000), 1);
        assert_eq!(rank(3, 333_334, 1_000_000), 2);
        assert_eq!(rank(0, 50, 100), 0);
    }

    #[test]
    fn a_one_value_grid_and_negative_bounds() {
        assert_eq!(type1_on_grid(&[5, 5], 50, 100, 5, 5), Some(5));
        assert_eq!(type1_on_grid(&[-30, -10, 0], 50, 100, -50, 50), Some(-10));
        assert_eq!(type1_on_grid(&[-50, 50], 99, 100, -50, 50), Some(50));
    }
}
