//! A plaintext oracle for the pooled-cohort job: the statistics computed
//! directly on the union of both hospitals' CSVs, in f64.

use std::collections::BTreeMap;
use std::path::Path;

/// One patient row, as the test reads it (no validation: the files are ours).
pub struct Row {
    pub age: f64,
    pub male: bool,
    pub region: String,
    pub smoker: bool,
    pub bmi: f64,
    pub sbp: f64,
    pub diabetes: bool,
}

pub fn read(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (age, sex, region, smoker, bmi, sbp, diabetes) = (
        col("age"),
        col("sex"),
        col("region"),
        col("smoker"),
        col("bmi"),
        col("sbp"),
        col("diabetes"),
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                age: f[age].parse().unwrap(),
                male: f[sex] == "M",
                region: f[region].to_string(),
                smoker: f[smoker] == "yes",
                bmi: f[bmi].parse().unwrap(),
                sbp: f[sbp].parse().unwrap(),
                diabetes: f[diabetes] == "yes",
            }
        })
        .collect()
}

pub fn count_by<K: Ord>(rows: &[Row], key: impl Fn(&Row) -> K) -> BTreeMap<K, u64> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(key(r)).or_insert(0) += 1;
    }
    m
}

pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

pub fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt()
}

pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// Ordinary least squares: (coefficients, standard errors, R^2).
pub fn ols(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let p = x[0].len();
    let n = y.len() as f64;
    let mut xtx = vec![vec![0.0; p]; p];
    let mut xty = vec![0.0; p];
    for (row, &yi) in x.iter().zip(y) {
        for i in 0..p {
            xty[i] += row[i] * yi;
            for j in 0..p {
                xtx[i][j] += row[i] * row[j];
            }
        }
    }
    let inv = invert(xtx);
    let beta: Vec<f64> = (0..p)
        .map(|i| (0..p).map(|j| inv[i][j] * xty[j]).sum())
        .collect();
    let fitted = |row: &Vec<f64>| row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(r, yi)| (yi - fitted(r)).powi(2))
        .sum();
    let my = mean(y);
    let tss: f64 = y.iter().map(|yi| (yi - my).powi(2)).sum();
    let sigma2 = rss / (n - p as f64);
    let se = (0..p).map(|i| (sigma2 * inv[i][i]).sqrt()).collect();
    (beta, se, 1.0 - rss / tss)
}

/// Gauss-Jordan inverse with partial pivoting (small, well-conditioned matrices).
fn invert(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let p = a.len();
    let mut inv: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for c in 0..p {
        let piv = (c..p)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, piv);
        inv.swap(c, piv);
        let d = a[c][c];
        for j in 0..p {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for r in 0..p {
            if r != c {
                let f = a[r][c];
                for j in 0..p {
                    a[r][j] -= f * a[c][j];
                    inv[r][j] -= f * inv[c][j];
                }
            }
        }
    }
    inv
}
