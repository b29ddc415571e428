//! Small dense linear algebra for the normal equations: the inverse of a
//! symmetric positive definite matrix by Cholesky factorisation.

/// Relative pivot below which a matrix is treated as singular.
const SINGULAR: f64 = 1e-10;

/// The inverse of the symmetric positive definite `a` (row-major, n x n),
/// or `None` when `a` is singular or not positive definite.
pub(crate) fn spd_inverse(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let l = cholesky(a)?;
    let mut inv = vec![vec![0.0; n]; n];
    for col in 0..n {
        let mut e = vec![0.0; n];
        e[col] = 1.0;
        let x = solve_lower_upper(&l, &e);
        for row in 0..n {
            inv[row][col] = x[row];
        }
    }
    Some(inv)
}

/// Lower-triangular `l` with `l l^T = a`.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let scale = (0..n).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            let v = a[i][j] - dot;
            if i == j {
                let floor = SINGULAR * scale.max(f64::MIN_POSITIVE);
                if v.is_nan() || v <= floor {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = v / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solves `l l^T x = b`.
fn solve_lower_upper(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = l.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let dot: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
        y[i] = (b[i] - dot) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let dot: f64 = (i + 1..n).map(|k| l[k][i] * x[k]).sum();
        x[i] = (y[i] - dot) / l[i][i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_and_detects_singular() {
        let a = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let inv = spd_inverse(&a).unwrap();
        let want = [[0.375, -0.25], [-0.25, 0.5]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((inv[i][j] - want[i][j]).abs() < 1e-15);
            }
        }
        assert!(spd_inverse(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
        assert!(spd_inverse(&[vec![0.0]]).is_none());
        assert_eq!(spd_inverse(&[]), Some(vec![]));
    }
}
