//! Inference for a linear regression from its released values (estimates,
//! standard errors, R^2, n and the number of coefficients), as R's
//! `summary(lm)` prints it: t and its two-sided p on the residual degrees
//! of freedom, the 95% interval `b +- t_0.975 se`, adjusted R^2 and the
//! overall F test. Post-processing only: nothing here is opened.

use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

use crate::results::FTest;

/// One coefficient's t, two-sided p and 95% limits, or `None` without a
/// standard error or residual degrees of freedom.
pub(crate) fn coefficient_test(estimate: f64, se: Option<f64>, df: u64) -> Option<[f64; 4]> {
    let se = se.filter(|s| s.is_finite() && *s > 0.0)?;
    let dist = StudentsT::new(0.0, 1.0, df as f64)
        .ok()
        .filter(|_| df > 0)?;
    let t = estimate / se;
    let p = 2.0 * dist.sf(t.abs());
    let q = dist.inverse_cdf(0.975);
    Some([t, p, estimate - q * se, estimate + q * se])
}

/// `1 - (1 - R^2) (n - 1) / (n - p)` for `p` coefficients (intercept
/// included).
pub(crate) fn adjusted_r_squared(r2: f64, n: u64, p: usize) -> Option<f64> {
    let df = n.checked_sub(p as u64).filter(|&d| d > 0)?;
    Some(1.0 - (1.0 - r2) * (n.saturating_sub(1)) as f64 / df as f64)
}

/// The F test of all slopes being 0: `(R^2 / (p - 1)) / ((1 - R^2) / (n -
/// p))` on `p - 1` and `n - p` degrees of freedom.
pub(crate) fn overall_f(r2: f64, n: u64, p: usize) -> Option<FTest> {
    let df1 = p.checked_sub(1).filter(|&d| d > 0)? as u64;
    let df2 = n.checked_sub(p as u64).filter(|&d| d > 0)?;
    if !(0.0..1.0).contains(&r2) {
        return None;
    }
    let value = (r2 / df1 as f64) / ((1.0 - r2) / df2 as f64);
    let dist = FisherSnedecor::new(df1 as f64, df2 as f64).ok()?;
    Some(FTest {
        value,
        df1,
        df2,
        p_value: dist.sf(value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs().max(1e-300),
            "got {got}, want {want}"
        );
    }

    /// R's `cars`: `summary(lm(dist ~ speed, cars))`. Figures from
    /// statsmodels 0.15.0 `OLS` at full precision (2026-12-06); R prints
    /// t -2.601 and 9.464, p 0.0123 and 1.49e-12, adjusted R^2 0.6438,
    /// F 89.57 on 1 and 48 DF.
    #[test]
    fn matches_summary_lm_on_cars() {
        let b = [-17.579_094_890_510_96, 3.932_408_759_124_087_7];
        let se = [6.758_440_169_379_241_5, 0.415_512_776_657_122_33];
        let want = [
            (
                -2.601_058_003_022_254_5,
                1.231_881_615_380_883_2e-2,
                -31.167_849_602_388_664,
                -3.990_340_178_633_255_5,
            ),
            (
                9.463_989_990_298_37,
                1.489_836_496_295_080_7e-12,
                3.096_964_328_140_322_7,
                4.767_853_190_107_853,
            ),
        ];
        for k in 0..2 {
            let [t, p, lo, hi] = coefficient_test(b[k], Some(se[k]), 48).unwrap();
            let (wt, wp, wl, wh) = want[k];
            close(t, wt, 1e-12);
            close(p, wp, 1e-7);
            close(lo, wl, 1e-10);
            close(hi, wh, 1e-10);
        }
        let r2 = 0.651_079_380_758_250_9;
        close(
            adjusted_r_squared(r2, 50, 2).unwrap(),
            0.643_810_201_190_714_5,
            1e-12,
        );
        let f = overall_f(r2, 50, 2).unwrap();
        close(f.value, 89.567_106_536_467_76, 1e-10);
        assert_eq!((f.df1, f.df2), (1, 48));
        close(f.p_value, 1.489_836_496_295_080_7e-12, 1e-7);
    }

    #[test]
    fn no_test_without_degrees_of_freedom_or_error() {
        assert!(coefficient_test(1.0, Some(0.5), 0).is_none());
        assert!(coefficient_test(1.0, None, 10).is_none());
        assert!(coefficient_test(1.0, Some(0.0), 10).is_none());
        assert!(adjusted_r_squared(0.5, 2, 2).is_none());
        assert!(overall_f(0.5, 10, 1).is_none(), "intercept only");
        assert!(overall_f(1.0, 10, 2).is_none(), "a perfect fit has no F");
    }
}
