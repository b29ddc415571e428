//! Inference for a Pearson correlation from its released `r` and `n`, as
//! R's `cor.test` gives it: the two-sided p-value of `t = r sqrt((n - 2) /
//! (1 - r^2))` on `n - 2` degrees of freedom and the 95% interval from
//! Fisher's z, `tanh(atanh(r) +- z_0.975 / sqrt(n - 3))`. Post-processing
//! only.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::Z_975;

/// `[p, ci_low, ci_high]` for `r` on `n` records, or `None` when `r` is
/// undefined or out of range, or `n < 4`.
pub(crate) fn correlation_test(r: f64, n: u64) -> Option<[f64; 3]> {
    if !(-1.0..=1.0).contains(&r) || n < 4 {
        return None;
    }
    let df = (n - 2) as f64;
    let p = if r.abs() >= 1.0 {
        0.0
    } else {
        let t = r * (df / (1.0 - r * r)).sqrt();
        2.0 * StudentsT::new(0.0, 1.0, df).ok()?.sf(t.abs())
    };
    let half = Z_975 / ((n - 3) as f64).sqrt();
    let z = r.clamp(-1.0 + 1e-15, 1.0 - 1e-15).atanh();
    Some([p, (z - half).tanh(), (z + half).tanh()])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R: `cor.test(cars$speed, cars$dist)` prints t = 9.464, df = 48,
    /// p-value = 1.49e-12, 95 percent confidence interval 0.6816422
    /// 0.8862036, cor 0.8068949.
    #[test]
    fn matches_cor_test_on_cars() {
        // r to full precision (numpy 2, `corrcoef`).
        let [p, lo, hi] = correlation_test(0.806_894_900_689_210_3, 50).unwrap();
        assert!((p - 1.49e-12).abs() < 0.01e-12, "{p}");
        assert!((lo - 0.681_642_2).abs() < 1e-7, "{lo}");
        assert!((hi - 0.886_203_6).abs() < 1e-7, "{hi}");
    }

    #[test]
    fn undefined_inputs_give_no_test() {
        assert!(correlation_test(f64::NAN, 100).is_none());
        assert!(correlation_test(0.5, 3).is_none());
        assert!(correlation_test(1.5, 100).is_none());
        assert_eq!(correlation_test(1.0, 10).map(|t| t[0]), Some(0.0));
    }
}
