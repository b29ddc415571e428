//! The log-rank (Mantel-Haenszel) test between groups' survival, from the
//! same released interval counts as the curves.
//!
//! Each interval is one risk set: with `n'_g` at risk in group g (`n`, or
//! `n - c / 2` for an interval wider than one time value, as in the
//! curves), `d` events in all and `N = sum n'_g`, group g expects `n'_g d
//! / N` events, and the covariance of the observed counts is `d (N - d) /
//! (N - 1) (n'_g / N) (delta_gh - n'_h / N)`. The statistic is `U' V^-1
//! U` over the first `G - 1` groups, `U = O - E`, chi-square with `G - 1`
//! degrees of freedom. With one-value intervals this is R's `survdiff`
//! exactly; wider intervals tie the events within each.
//!
//! The groups' intervals may differ where the release gate merged some:
//! the test uses the boundaries every group has (merging the others), up
//! to where the shortest released curve ends.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{clamped, effective_at_risk, Interval};
use crate::results::{LogRankGroup, LogRankTest};

/// Pivots below this make the covariance matrix singular.
const SINGULAR: f64 = 1e-12;

/// Per group, the sums over the common risk sets.
struct Sums {
    observed: Vec<f64>,
    expected: Vec<f64>,
    cov: Vec<f64>,
}

/// The test between `groups` (name, released intervals in time order), or
/// why there is none.
pub(crate) fn log_rank(groups: &[(String, Vec<Interval>)]) -> Result<LogRankTest, String> {
    if groups.len() < 2 {
        return Err("one group: no log-rank test".into());
    }
    if let Some((g, _)) = groups.iter().find(|(_, iv)| iv.is_empty()) {
        return Err(format!("{g} has no released interval: no log-rank test"));
    }
    let until = groups
        .iter()
        .filter_map(|(_, iv)| iv.last().map(|i| i.end))
        .fold(f64::INFINITY, f64::min);
    let bounds = common_bounds(groups, until);
    let sums = accumulate(groups, &bounds);
    if sums.observed.iter().sum::<f64>() <= 0.0 {
        return Err("no events in the released follow-up: no log-rank test".into());
    }
    let g = groups.len();
    let u: Vec<f64> = (0..g - 1)
        .map(|k| sums.observed[k] - sums.expected[k])
        .collect();
    let v: Vec<f64> = (0..g - 1)
        .flat_map(|a| (0..g - 1).map(move |b| (a, b)))
        .map(|(a, b)| sums.cov[a * g + b])
        .collect();
    let solved = solve(v, u.clone(), g - 1)
        .ok_or("the groups' event counts have no variance: no log-rank test")?;
    let chi_square: f64 = u.iter().zip(&solved).map(|(a, b)| a * b).sum();
    let df = (g - 1) as u32;
    let dist = ChiSquared::new(f64::from(df)).map_err(|e| format!("chi-square({df}): {e}"))?;
    Ok(LogRankTest {
        chi_square,
        df,
        p_value: dist.sf(chi_square),
        groups: groups
            .iter()
            .enumerate()
            .map(|(k, (name, _))| LogRankGroup {
                group: name.clone(),
                observed: sums.observed[k],
                expected: sums.expected[k],
            })
            .collect(),
        until,
    })
}

/// Interval boundaries present in every group, up to `until`, in order
/// (each group's boundaries are increasing, so a merge intersects them).
fn common_bounds(groups: &[(String, Vec<Interval>)], until: f64) -> Vec<f64> {
    let bounds_of = |iv: &[Interval]| -> Vec<f64> {
        let mut b: Vec<f64> = iv.iter().map(|i| i.start).collect();
        b.extend(iv.last().map(|i| i.end));
        b.retain(|&x| x <= until);
        b
    };
    let mut common = groups
        .first()
        .map_or_else(Vec::new, |(_, iv)| bounds_of(iv));
    for (_, iv) in groups.iter().skip(1) {
        let theirs = bounds_of(iv);
        let mut k = 0;
        common.retain(|&x| {
            while theirs.get(k).is_some_and(|&t| t < x) {
                k += 1;
            }
            theirs.get(k) == Some(&x)
        });
    }
    common
}

/// A group's counts over `inside` (its intervals within one common
/// window): at risk at the first, events and censored summed, and
/// whether it is one interval of one time value.
fn merged(inside: &[Interval]) -> (u64, u64, u64, bool) {
    let n = inside.first().map_or(0, |i| clamped(i).0);
    let (d, c) = inside.iter().fold((0, 0), |(d, c), i| {
        let (_, di, ci) = clamped(i);
        (d + di, c + ci)
    });
    let single = inside.len() == 1 && inside.iter().all(|i| i.single_time);
    (n, d.min(n), c.min(n - d.min(n)), single)
}

fn accumulate(groups: &[(String, Vec<Interval>)], bounds: &[f64]) -> Sums {
    let g = groups.len();
    let mut s = Sums {
        observed: vec![0.0; g],
        expected: vec![0.0; g],
        cov: vec![0.0; g * g],
    };
    // One cursor per group: the windows and each group's intervals are
    // both in time order, so every interval is visited once.
    let mut cursor = vec![0usize; g];
    for w in bounds.windows(2) {
        let cells: Vec<(f64, f64)> = groups
            .iter()
            .zip(cursor.iter_mut())
            .map(|((_, iv), at)| {
                let first = *at;
                while iv.get(*at).is_some_and(|i| i.end <= w[1]) {
                    *at += 1;
                }
                let inside = iv.get(first..*at).unwrap_or(&[]);
                let (n, d, c, single) = merged(inside);
                (effective_at_risk(n, d, c, single), d as f64)
            })
            .collect();
        add_risk_set(&mut s, &cells);
    }
    s
}

/// Adds one risk set `(n'_g, d_g)` per group to the sums.
fn add_risk_set(s: &mut Sums, cells: &[(f64, f64)]) {
    let g = cells.len();
    let total: f64 = cells.iter().map(|c| c.0).sum();
    let events: f64 = cells.iter().map(|c| c.1).sum();
    if total <= 0.0 || events <= 0.0 {
        return;
    }
    let spread = if total > 1.0 {
        events * (total - events) / (total - 1.0)
    } else {
        0.0
    };
    for (a, &(na, da)) in cells.iter().enumerate() {
        s.observed[a] += da;
        s.expected[a] += na * events / total;
        for (b, &(nb, _)) in cells.iter().enumerate() {
            let delta = if a == b { 1.0 } else { 0.0 };
            s.cov[a * g + b] += spread * (na / total) * (delta - nb / total);
        }
    }
}

/// `V^-1 u` for the `m x m` row-major `v` by Gaussian elimination with
/// partial pivoting; `None` when `v` is singular.
fn solve(mut v: Vec<f64>, mut u: Vec<f64>, m: usize) -> Option<Vec<f64>> {
    for col in 0..m {
        let pivot =
            (col..m).max_by(|&a, &b| v[a * m + col].abs().total_cmp(&v[b * m + col].abs()))?;
        if v[pivot * m + col].abs() < SINGULAR {
            return None;
        }
        for k in 0..m {
            v.swap(col * m + k, pivot * m + k);
        }
        u.swap(col, pivot);
        for row in col + 1..m {
            let f = v[row * m + col] / v[col * m + col];
            for k in col..m {
                v[row * m + k] -= f * v[col * m + k];
            }
            u[row] -= f * u[col];
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let tail: f64 = (row + 1..m).map(|k| v[row * m + k] * x[k]).sum();
        x[row] = (u[row] - tail) / v[row * m + row];
    }
    Some(x)
}
