//! The plaintext reference: IRLS (Newton-Raphson) in f64 to convergence on
//! the used rows, and the comparison on the standardised scale.

use duet_stats::secure::logistic::{logistic, LogisticFit};

use crate::logistic::data::Dataset;

/// A plaintext fit on the standardised scale: coefficients and covariance.
#[derive(Debug, Clone)]
pub struct Reference {
    pub beta: Vec<f64>,
    pub cov: Vec<Vec<f64>>,
    /// Newton steps until the step fell below 1e-10.
    pub steps: usize,
}

/// Fits the used rows of `d`; `None` when the Hessian is singular.
pub fn irls(d: &Dataset) -> Option<Reference> {
    let (xs, ys) = d.used_rows();
    let p = d.kinds.len() + 1;
    let mut beta = vec![0.0; p];
    for step in 0..100 {
        let (g, h) = gradient_hessian(&xs, &ys, &beta);
        let inv = invert(h)?;
        let delta: Vec<f64> = (0..p)
            .map(|i| (0..p).map(|j| inv[i][j] * g[j]).sum())
            .collect();
        beta.iter_mut().zip(&delta).for_each(|(b, d)| *b += d);
        if delta.iter().all(|d| d.abs() < 1e-10) {
            let (_, h) = gradient_hessian(&xs, &ys, &beta);
            let cov = invert(h)?;
            return Some(Reference {
                beta,
                cov,
                steps: step + 1,
            });
        }
    }
    None
}

pub fn gradient_hessian(xs: &[Vec<f64>], ys: &[f64], beta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = beta.len();
    let mut g = vec![0.0; p];
    let mut h = vec![vec![0.0; p]; p];
    for (x, &y) in xs.iter().zip(ys) {
        let pr = logistic(x.iter().zip(beta).map(|(a, b)| a * b).sum());
        let w = pr * (1.0 - pr);
        for i in 0..p {
            g[i] += x[i] * (y - pr);
            for j in 0..p {
                h[i][j] += w * x[i] * x[j];
            }
        }
    }
    (g, h)
}

/// Gauss-Jordan inverse with partial pivoting.
pub fn invert(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let p = a.len();
    let mut inv: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for c in 0..p {
        let piv = (c..p).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, piv);
        inv.swap(c, piv);
        let d = a[c][c];
        for j in 0..p {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for i in 0..p {
            if i != c {
                let m = a[i][c];
                for j in 0..p {
                    a[i][j] -= m * a[c][j];
                    inv[i][j] -= m * inv[c][j];
                }
            }
        }
    }
    Some(inv)
}

/// The secure fit mapped back to the standardised scale: coefficients and
/// standard errors (the intercept's SE from the original-unit covariance
/// is not invertible from the diagonal, so it is compared in original
/// units by [`max_error`]).
pub fn max_error(d: &Dataset, fit: &LogisticFit, r: &Reference) -> (f64, f64) {
    let st = d.standardization();
    let p = r.beta.len();
    // Reference in original units: beta_orig = T beta_std, Cov = T C T'.
    let mut t = vec![vec![0.0; p]; p];
    t[0][0] = 1.0;
    for (j, s) in st.iter().enumerate() {
        t[0][j + 1] = -s.center / s.scale;
        t[j + 1][j + 1] = 1.0 / s.scale;
    }
    let mut worst_b = 0f64;
    let mut worst_se = 0f64;
    for i in 0..p {
        let scale = if i == 0 { 1.0 } else { st[i - 1].scale };
        let b: f64 = (0..p).map(|j| t[i][j] * r.beta[j]).sum();
        let var: f64 = (0..p)
            .flat_map(|j| (0..p).map(move |k| (j, k)))
            .map(|(j, k)| t[i][j] * t[i][k] * r.cov[j][k])
            .sum();
        worst_b = worst_b.max((fit.estimates[i] - b).abs() * scale);
        worst_se = worst_se.max((fit.std_errors[i] - var.sqrt()).abs() * scale);
    }
    (worst_b, worst_se)
}
