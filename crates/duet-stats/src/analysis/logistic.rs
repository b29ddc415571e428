//! Deviance and AIC of a logistic fit from released values: the
//! coefficients (public once released) evaluated on one side's own
//! records, and the null deviance from the released `n` and events.

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `-2` times the log-likelihood of the records `(x, y)` (predictors
/// without the intercept, outcome 0 or 1) at the coefficients `beta`
/// (intercept first): `-2 sum(y eta - ln(1 + e^eta))`. A side evaluates
/// it on its own records at the released coefficients; the pooled
/// deviance is the sum of the two sides' parts.
pub(crate) fn deviance_part<'a>(
    beta: &[f64],
    records: impl Iterator<Item = (&'a [f64], f64)>,
) -> f64 {
    let (b0, slopes) = beta.split_first().map_or((0.0, &[][..]), |(b, s)| (*b, s));
    let ll: f64 = records
        .map(|(x, y)| {
            let eta = b0 + x.iter().zip(slopes).map(|(a, b)| a * b).sum::<f64>();
            y * eta - softplus(eta)
        })
        .sum();
    -2.0 * ll
}

/// The deviance of the intercept-only fit of `events` among `n` records
/// (its maximum-likelihood probability is `events / n`); `None` for `n =
/// 0` or `events > n`.
pub(crate) fn null_deviance(n: u64, events: u64) -> Option<f64> {
    if n == 0 || events > n {
        return None;
    }
    let term = |k: u64| match k {
        0 => 0.0,
        k => k as f64 * (k as f64 / n as f64).ln(),
    };
    Some(-2.0 * (term(events) + term(n - events)))
}

/// Akaike's information criterion of a fit with `params` coefficients.
pub(crate) fn aic(deviance: f64, params: usize) -> f64 {
    deviance + 2.0 * params as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_null_deviance_of_a_constant_outcome_is_zero() {
        assert_eq!(null_deviance(10, 0), Some(0.0));
        assert_eq!(null_deviance(10, 10), Some(0.0));
        assert_eq!(null_deviance(0, 0), None);
        assert_eq!(null_deviance(3, 4), None);
    }

    #[test]
    fn the_null_deviance_of_half_events_is_2n_ln_2() {
        let d = null_deviance(20, 10).unwrap();
        assert!((d - 40.0 * 2f64.ln()).abs() < 1e-12, "{d}");
    }

    #[test]
    fn the_deviance_at_zero_is_2n_ln_2_whatever_the_outcome() {
        let rows = [(vec![1.0], 1.0), (vec![-3.0], 0.0), (vec![2.0], 1.0)];
        let d = deviance_part(&[0.0, 0.0], rows.iter().map(|(x, y)| (x.as_slice(), *y)));
        assert!((d - 6.0 * 2f64.ln()).abs() < 1e-12, "{d}");
    }

    #[test]
    fn large_linear_predictors_do_not_overflow() {
        let rows = [(vec![1000.0], 1.0), (vec![-1000.0], 0.0)];
        let d = deviance_part(&[0.0, 1.0], rows.iter().map(|(x, y)| (x.as_slice(), *y)));
        assert!(d.is_finite() && d.abs() < 1e-12, "{d}");
    }
}
