//! Plaintext references in f64, straight from the records (two-pass
//! centring, Gauss-Jordan inverse, residuals summed directly): independent
//! of `stats.rs` and of the secure module.

use crate::linear::data::Records;

/// An OLS fit, intercept first, in the terms' units.
#[derive(Debug, Clone)]
pub struct Ols {
    pub coefficients: Vec<f64>,
    pub std_errors: Vec<f64>,
    pub r_squared: Option<f64>,
    /// `sqrt(RSS / (n - p))`.
    pub residual_std_error: f64,
    /// Largest variance inflation factor.
    pub max_vif: f64,
}

fn column(d: &Records, i: usize) -> Vec<f64> {
    d.rows.iter().map(|r| r[i] as f64).collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn centred(d: &Records) -> Vec<Vec<f64>> {
    (0..d.terms())
        .map(|i| {
            let c = column(d, i);
            let mu = mean(&c);
            c.iter().map(|x| x - mu).collect()
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Inverse by Gauss-Jordan with partial pivoting; None when singular.
pub fn inverse(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = a.len();
    // Inverted on the unit-diagonal scale (a correlation matrix for a
    // cross-product matrix), where a pivot below 1e-10 is rounding noise of
    // an exactly singular matrix (collinear columns), whatever the
    // columns' units.
    let d: Vec<f64> = (0..k)
        .map(|i| match a[i][i].abs().sqrt() {
            0.0 => 1.0,
            v => v,
        })
        .collect();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row: Vec<f64> = r
                .iter()
                .enumerate()
                .map(|(j, v)| v / (d[i] * d[j]))
                .collect();
            row.extend((0..k).map(|j| f64::from(u8::from(i == j))));
            row
        })
        .collect();
    for c in 0..k {
        let piv = (c..k).max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs()))?;
        if m[piv][c].abs() < 1e-10 {
            return None;
        }
        m.swap(c, piv);
        let d = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= d);
        for r in 0..k {
            if r != c {
                let f = m[r][c];
                let pivot_row = m[c].clone();
                m[r].iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    let unscale = |(i, r): (usize, Vec<f64>)| -> Vec<f64> {
        (0..k).map(|j| r[k + j] / (d[i] * d[j])).collect()
    };
    Some(m.into_iter().enumerate().map(unscale).collect())
}

/// OLS of the last term on an intercept and the others; None when a
/// predictor is constant or the normal equations are singular.
pub fn ols(d: &Records) -> Option<Ols> {
    let k = d.terms() - 1;
    let n = d.n() as f64;
    let c = centred(d);
    let sxx: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| dot(&c[i], &c[j])).collect())
        .collect();
    if (0..k).any(|i| sxx[i][i] == 0.0) {
        return None;
    }
    let inv = inverse(&sxx)?;
    let sxy: Vec<f64> = (0..k).map(|i| dot(&c[i], &c[k])).collect();
    let slopes: Vec<f64> = inv.iter().map(|r| dot(r, &sxy)).collect();
    let means: Vec<f64> = (0..=k).map(|i| mean(&column(d, i))).collect();
    let intercept = means[k] - dot(&slopes, &means[..k]);
    let rss: f64 = d
        .rows
        .iter()
        .map(|r| {
            let fit = intercept + (0..k).map(|i| slopes[i] * r[i] as f64).sum::<f64>();
            (r[k] as f64 - fit).powi(2)
        })
        .sum();
    let tss = dot(&c[k], &c[k]);
    let sigma2 = rss / (n - (k + 1) as f64);
    let quad: f64 = (0..k).map(|i| means[i] * dot(&inv[i], &means[..k])).sum();
    let mut std_errors = vec![(sigma2 * (1.0 / n + quad)).sqrt()];
    std_errors.extend((0..k).map(|i| (sigma2 * inv[i][i]).sqrt()));
    let mut coefficients = vec![intercept];
    coefficients.extend(&slopes);
    let max_vif = (0..k).map(|i| inv[i][i] * sxx[i][i]).fold(0.0, f64::max);
    Some(Ols {
        coefficients,
        std_errors,
        r_squared: (tss > 0.0).then(|| 1.0 - rss / tss),
        residual_std_error: sigma2.sqrt(),
        max_vif,
    })
}

/// Pearson correlations, None where a term is constant.
pub fn pearson(d: &Records) -> Vec<Vec<Option<f64>>> {
    let c = centred(d);
    let m = d.terms();
    (0..m)
        .map(|i| {
            (0..m)
                .map(|j| {
                    let den = (dot(&c[i], &c[i]) * dot(&c[j], &c[j])).sqrt();
                    (den > 0.0).then(|| dot(&c[i], &c[j]) / den)
                })
                .collect()
        })
        .collect()
}
