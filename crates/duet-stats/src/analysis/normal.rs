//! Tests with a t or normal reference distribution: Welch's two-sample
//! t-test from released moments, and Wald summaries of a logistic
//! regression coefficient.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::{finite, Z_975};
use crate::results::{LogisticCoefficient, WelchTest};

/// A group's released moments, in natural units: row count, sum and sum
/// of squares of the column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moments {
    /// Rows (may be fractional under DP).
    pub(crate) n: f64,
    /// Sum of the values.
    pub(crate) sum: f64,
    /// Sum of the squared values.
    pub(crate) sumsq: f64,
}

impl Moments {
    /// Mean and sample variance (divisor n - 1). A negative variance,
    /// which only noise can produce, is clamped to 0.
    fn mean_var(&self, which: &str) -> Result<(f64, f64), String> {
        let n = finite("a group's count", self.n)?;
        let sum = finite("a group's sum", self.sum)?;
        let sumsq = finite("a group's sum of squares", self.sumsq)?;
        if n < 2.0 {
            return Err(format!("the {which} group has fewer than 2 rows"));
        }
        let mean = sum / n;
        Ok((mean, ((sumsq - sum * mean) / (n - 1.0)).max(0.0)))
    }
}

/// Welch's unequal-variance t-test of `second - first` (R:
/// `t.test(second, first)`, whose default is `var.equal = FALSE`), with
/// the Welch-Satterthwaite degrees of freedom and a 95% interval.
///
/// Refused when a group has fewer than 2 rows, an input is not finite, or
/// both groups have zero variance (no standard error).
pub(crate) fn welch(first: &Moments, second: &Moments) -> Result<WelchTest, String> {
    let (m1, v1) = first.mean_var("first")?;
    let (m2, v2) = second.mean_var("second")?;
    let (w1, w2) = (v1 / first.n, v2 / second.n);
    let std_error = (w1 + w2).sqrt();
    if std_error <= 0.0 {
        return Err("both groups have zero variance".into());
    }
    let df = (w1 + w2).powi(2) / (w1 * w1 / (first.n - 1.0) + w2 * w2 / (second.n - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).map_err(|e| format!("t({df}): {e}"))?;
    let difference = m2 - m1;
    let t = difference / std_error;
    let q = dist.inverse_cdf(0.975);
    Ok(WelchTest {
        difference,
        std_error,
        t,
        df,
        p_value: (2.0 * dist.sf(t.abs())).min(1.0),
        ci_low: difference - q * std_error,
        ci_high: difference + q * std_error,
    })
}

/// A logistic coefficient's Wald summary: z = estimate / se, two-sided
/// normal p-value, odds ratio exp(estimate) and its 95% interval
/// exp(estimate -+ 1.96 se).
///
/// A standard error that is not a positive finite number (a fit that did
/// not converge) gives NaN z, p-value and limits, which the JSON shows as
/// `null` and the reports as `n/a`.
pub(crate) fn logistic_coefficient(
    term: String,
    estimate: f64,
    std_error: f64,
) -> LogisticCoefficient {
    let usable = std_error.is_finite() && std_error > 0.0 && estimate.is_finite();
    let (z, p_value, ci_low, ci_high) = if usable {
        let z = estimate / std_error;
        (
            z,
            two_sided_normal(z),
            (estimate - Z_975 * std_error).exp(),
            (estimate + Z_975 * std_error).exp(),
        )
    } else {
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
    };
    LogisticCoefficient {
        term,
        estimate,
        std_error,
        z,
        p_value,
        odds_ratio: estimate.exp(),
        ci_low,
        ci_high,
    }
}

fn two_sided_normal(z: f64) -> f64 {
    // Normal::new(0, 1) cannot fail; NaN marks the impossible case.
    Normal::new(0.0, 1.0).map_or(f64::NAN, |d| (2.0 * d.sf(z.abs())).min(1.0))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    fn moments(xs: &[f64]) -> Moments {
        Moments {
            n: xs.len() as f64,
            sum: xs.iter().sum(),
            sumsq: xs.iter().map(|x| x * x).sum(),
        }
    }

    /// R's `sleep` data, `t.test(extra ~ group, data = sleep)` prints
    /// t = -1.8608, df = 17.776, p-value = 0.07939, 95% CI
    /// -3.3654832 0.2054832, means 0.75 and 2.33 (group 1 minus group 2;
    /// ours is second minus first, so the signs flip).
    #[test]
    fn welch_matches_r_sleep() {
        let g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let w = welch(&moments(&g1), &moments(&g2)).unwrap();
        close(w.difference, 1.58, 1e-12);
        close(w.t, 1.8608, 5e-5);
        close(w.df, 17.776, 5e-4);
        close(w.p_value, 0.07939, 5e-6);
        close(w.ci_low, -0.205_483_2, 5e-7);
        close(w.ci_high, 3.365_483_2, 5e-7);
        close(w.std_error, 1.58 / w.t, 1e-12);
    }

    #[test]
    fn welch_refuses_small_or_constant_groups() {
        let one = moments(&[3.0]);
        let two = moments(&[1.0, 2.0]);
        assert_eq!(
            welch(&one, &two).unwrap_err(),
            "the first group has fewer than 2 rows"
        );
        assert_eq!(
            welch(&two, &one).unwrap_err(),
            "the second group has fewer than 2 rows"
        );
        let flat = moments(&[5.0, 5.0, 5.0]);
        assert_eq!(
            welch(&flat, &moments(&[2.0, 2.0])).unwrap_err(),
            "both groups have zero variance"
        );
        let nan = Moments {
            n: 3.0,
            sum: f64::NAN,
            sumsq: 1.0,
        };
        assert!(welch(&nan, &two).is_err());
    }

    /// One constant group is fine: the other carries the variance, and
    /// df = n - 1 of that group.
    #[test]
    fn welch_with_one_constant_group() {
        let w = welch(&moments(&[5.0, 5.0, 5.0]), &moments(&[1.0, 2.0, 3.0])).unwrap();
        close(w.difference, -3.0, 1e-12);
        close(w.std_error, (1.0f64 / 3.0).sqrt(), 1e-12);
        close(w.df, 2.0, 1e-12);
    }

    /// Noise can make sumsq < sum^2/n; the variance is clamped to 0.
    #[test]
    fn welch_clamps_negative_noisy_variance() {
        let noisy = Moments {
            n: 4.0,
            sum: 8.0,
            sumsq: 15.0,
        };
        let w = welch(&noisy, &moments(&[1.0, 2.0, 3.0])).unwrap();
        close(w.std_error, (1.0f64 / 3.0).sqrt(), 1e-12);
    }

    /// estimate 0.5, se 0.2: z = 2.5, p = 2 pnorm(-2.5) = 0.01241933,
    /// OR = exp(0.5), limits exp(0.5 -+ qnorm(0.975) 0.2).
    #[test]
    fn logistic_coefficient_wald_summary() {
        let c = logistic_coefficient("age".into(), 0.5, 0.2);
        assert_eq!(c.term, "age");
        close(c.z, 2.5, 1e-12);
        close(c.p_value, 0.012_419_330_651_552_28, 1e-12);
        close(c.odds_ratio, 1.648_721_270_700_128_2, 1e-12);
        close(c.ci_low, 1.114_055_770_003_759, 1e-12);
        close(c.ci_high, 2.439_987_208_584_605_6, 1e-12);
        let neg = logistic_coefficient("x".into(), -0.5, 0.2);
        close(neg.p_value, c.p_value, 1e-15);
    }

    #[test]
    fn logistic_coefficient_without_usable_se_is_nan() {
        for se in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let c = logistic_coefficient("x".into(), 0.3, se);
            assert!(c.z.is_nan() && c.p_value.is_nan() && c.ci_low.is_nan());
            close(c.odds_ratio, 0.3f64.exp(), 1e-12);
        }
    }

    proptest! {
        /// Swapping the groups negates the difference and t, and keeps
        /// df and p.
        #[test]
        fn welch_is_antisymmetric(
            a in prop::collection::vec(-100.0f64..100.0, 2..20),
            b in prop::collection::vec(-100.0f64..100.0, 2..20),
        ) {
            let (ma, mb) = (moments(&a), moments(&b));
            if let (Ok(x), Ok(y)) = (welch(&ma, &mb), welch(&mb, &ma)) {
                prop_assert!((x.t + y.t).abs() < 1e-9 * (1.0 + x.t.abs()));
                prop_assert!((x.df - y.df).abs() < 1e-9 * x.df);
                prop_assert!((x.p_value - y.p_value).abs() < 1e-9);
                prop_assert!(x.ci_low <= x.difference && x.difference <= x.ci_high);
            }
        }

        /// The odds-ratio interval contains the odds ratio.
        #[test]
        fn logistic_interval_contains_odds_ratio(b in -5.0f64..5.0, se in 1e-3f64..3.0) {
            let c = logistic_coefficient("x".into(), b, se);
            prop_assert!(c.ci_low <= c.odds_ratio && c.odds_ratio <= c.ci_high);
            prop_assert!((0.0..=1.0).contains(&c.p_value));
        }
    }
}
