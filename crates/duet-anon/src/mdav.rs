//! Microaggregation by MDAV, "maximum distance to average vector"
//! (Domingo-Ferrer, Torra 2005): records are partitioned into groups of at
//! least `k` (and fewer than `2k`) close records, and each numeric value is
//! replaced by its group's mean, which keeps column totals.

use crate::error::{AnonError, Result};
use crate::table::Table;

/// Partitions `points` (rows of equal length) into MDAV groups of at least
/// `k` points; returns the group of each point. Distances are Euclidean on
/// the given coordinates.
pub fn mdav(points: &[Vec<f64>], k: usize) -> Vec<usize> {
    let mut group = vec![0usize; points.len()];
    let mut left: Vec<usize> = (0..points.len()).collect();
    let mut next = 0;
    let k = k.max(1);
    while left.len() >= 3 * k {
        let r = farthest(points, &left, &centroid(points, &left));
        let s = farthest(points, &left, &point(points, r));
        for seed in [r, s] {
            let g = take_nearest(points, &mut left, seed, k);
            assign(&mut group, &g, next);
            next += 1;
        }
    }
    if left.len() >= 2 * k {
        let r = farthest(points, &left, &centroid(points, &left));
        let g = take_nearest(points, &mut left, r, k);
        assign(&mut group, &g, next);
        next += 1;
    }
    assign(&mut group, &left, next);
    group
}

fn point(points: &[Vec<f64>], i: usize) -> Vec<f64> {
    points.get(i).cloned().unwrap_or_default()
}

fn assign(group: &mut [usize], members: &[usize], id: usize) {
    for &m in members {
        if let Some(g) = group.get_mut(m) {
            *g = id;
        }
    }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn centroid(points: &[Vec<f64>], idx: &[usize]) -> Vec<f64> {
    let dim = points.first().map_or(0, Vec::len);
    let mut c = vec![0.0; dim];
    for p in idx.iter().filter_map(|&i| points.get(i)) {
        c.iter_mut().zip(p).for_each(|(s, x)| *s += x);
    }
    c.iter_mut().for_each(|s| *s /= idx.len().max(1) as f64);
    c
}

fn farthest(points: &[Vec<f64>], idx: &[usize], from: &[f64]) -> usize {
    let d = |i: &usize| points.get(*i).map_or(0.0, |p| dist2(p, from));
    idx.iter()
        .copied()
        .max_by(|a, b| d(a).total_cmp(&d(b)).then(b.cmp(a)))
        .unwrap_or(0)
}

/// Removes and returns the `k` points of `left` nearest to point `seed`.
fn take_nearest(points: &[Vec<f64>], left: &mut Vec<usize>, seed: usize, k: usize) -> Vec<usize> {
    let origin = point(points, seed);
    let d = |i: &usize| points.get(*i).map_or(0.0, |p| dist2(p, &origin));
    left.sort_by(|a, b| d(a).total_cmp(&d(b)).then(a.cmp(b)));
    let rest = left.split_off(k.min(left.len()));
    std::mem::replace(left, rest)
}

/// Replaces the numeric `columns` of `table` by their MDAV group means,
/// grouping on z-scores so that no column dominates by its unit.
pub fn microaggregate(table: &mut Table, columns: &[String], k: usize) -> Result<()> {
    if k == 0 || k > table.n_rows() {
        return Err(AnonError::InvalidParameter {
            name: "k",
            value: k.to_string(),
            reason: "microaggregation needs 1 <= k <= number of records",
        });
    }
    let raw = numeric_columns(table, columns)?;
    let points = standardised(&raw, table.n_rows());
    let group = mdav(&points, k);
    let n_groups = group.iter().max().map_or(0, |g| g + 1);
    for (name, values) in columns.iter().zip(&raw) {
        let mut sum = vec![0.0; n_groups];
        let mut count = vec![0.0; n_groups];
        for (&g, &v) in group.iter().zip(values) {
            if let (Some(s), Some(c)) = (sum.get_mut(g), count.get_mut(g)) {
                *s += v;
                *c += 1.0;
            }
        }
        let mean =
            |g: usize| sum.get(g).copied().unwrap_or(0.0) / count.get(g).copied().unwrap_or(1.0);
        table
            .column_mut(name)?
            .set_values(group.iter().map(|&g| format_number(mean(g))).collect());
    }
    Ok(())
}

fn numeric_columns(table: &Table, columns: &[String]) -> Result<Vec<Vec<f64>>> {
    let mut out = Vec::with_capacity(columns.len());
    for name in columns {
        let col = table.column(name)?;
        let mut values = Vec::with_capacity(table.n_rows());
        for row in 0..table.n_rows() {
            let v = col.get(row).unwrap_or("");
            let x = v.trim().parse::<f64>().ok().filter(|x| x.is_finite());
            values.push(x.ok_or_else(|| AnonError::BadValue {
                path: table.source().into(),
                line: table.line_of(row),
                column: table.column_index(name).map_or(0, |c| c + 1),
                value: v.to_owned(),
                expected: "number",
            })?);
        }
        out.push(values);
    }
    Ok(out)
}

fn standardised(cols: &[Vec<f64>], n: usize) -> Vec<Vec<f64>> {
    let stats: Vec<(f64, f64)> = cols
        .iter()
        .map(|c| {
            let mean = c.iter().sum::<f64>() / n.max(1) as f64;
            let var = c.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.max(1) as f64;
            (mean, if var > 0.0 { var.sqrt() } else { 1.0 })
        })
        .collect();
    (0..n)
        .map(|r| {
            cols.iter()
                .zip(&stats)
                .map(|(c, (m, s))| (c.get(r).copied().unwrap_or(0.0) - m) / s)
                .collect()
        })
        .collect()
}

/// Integers print without a fraction; other means with up to six decimals.
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn two_clusters_are_found() {
        let pts: Vec<Vec<f64>> = [1.0, 2.0, 3.0, 100.0, 101.0, 102.0]
            .iter()
            .map(|&x| vec![x])
            .collect();
        let g = mdav(&pts, 3);
        assert_eq!(g[0], g[1]);
        assert_eq!(g[1], g[2]);
        assert_eq!(g[3], g[4]);
        assert_ne!(g[0], g[3]);
    }

    #[test]
    fn replaces_by_group_means() {
        let rows: Vec<Vec<String>> = ["1", "2", "3", "10", "11", "12"]
            .iter()
            .map(|v| vec![v.to_string()])
            .collect();
        let mut t = Table::from_rows("t.csv", &["x"], &rows).unwrap();
        microaggregate(&mut t, &["x".into()], 3).unwrap();
        let col = t.column("x").unwrap();
        let out: Vec<&str> = (0..6).map(|r| col.get(r).unwrap()).collect();
        assert_eq!(out, ["2", "2", "2", "11", "11", "11"]);
        assert!(microaggregate(&mut t, &["x".into()], 7).is_err());
    }

    proptest! {
        #[test]
        fn groups_have_k_to_2k_minus_1_members(xs in proptest::collection::vec(-1e3f64..1e3, 0..60), k in 1usize..6) {
            let pts: Vec<Vec<f64>> = xs.iter().map(|&x| vec![x, x * 0.5]).collect();
            let g = mdav(&pts, k);
            let groups = g.iter().max().map_or(0, |m| m + 1);
            for id in 0..groups {
                let size = g.iter().filter(|&&x| x == id).count();
                if pts.len() >= k {
                    prop_assert!(size >= k && size < 2 * k, "size {} k {}", size, k);
                }
            }
        }
    }
}
