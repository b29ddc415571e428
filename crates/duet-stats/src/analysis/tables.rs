//! Tests on released contingency tables: Pearson's chi-square test of
//! independence and odds or risk ratios from a 2x2 table.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{finite, Z_975};
use crate::results::{ChiSquareTest, RatioEstimate};

/// Pearson's chi-square test of independence, without continuity
/// correction (R: `chisq.test(m, correct = FALSE)`).
///
/// `counts` are row-major. Negative (noisy) counts are clamped to 0 first;
/// fractional counts are used as they are. Refused when the shape is not
/// at least 2x2, when `counts` does not fill it, when a count is not
/// finite, or when a row or column total is 0 (an expected count of 0).
pub(crate) fn chi_square(
    rows: usize,
    cols: usize,
    counts: &[f64],
) -> Result<ChiSquareTest, String> {
    if rows < 2 || cols < 2 {
        return Err(format!("a {rows}x{cols} table has no degrees of freedom"));
    }
    if rows.checked_mul(cols) != Some(counts.len()) {
        return Err(format!("{} counts for a {rows}x{cols} table", counts.len()));
    }
    let obs = counts
        .iter()
        .map(|&c| finite("a count", c).map(|c| c.max(0.0)))
        .collect::<Result<Vec<f64>, String>>()?;
    let row_tot: Vec<f64> = obs.chunks(cols).map(|r| r.iter().sum()).collect();
    let col_tot: Vec<f64> = (0..cols)
        .map(|j| obs.iter().skip(j).step_by(cols).sum())
        .collect();
    empty_margin("row", &row_tot)?;
    empty_margin("column", &col_tot)?;
    let total: f64 = row_tot.iter().sum();
    let mut statistic = 0.0;
    let mut min_expected = f64::INFINITY;
    for (row, r) in obs.chunks(cols).zip(&row_tot) {
        for (o, c) in row.iter().zip(&col_tot) {
            let e = r * c / total;
            statistic += (o - e) * (o - e) / e;
            min_expected = min_expected.min(e);
        }
    }
    let df = (rows - 1) * (cols - 1);
    let dist = ChiSquared::new(df as f64).map_err(|e| format!("chi-square({df}): {e}"))?;
    Ok(ChiSquareTest {
        statistic,
        df: df as u64,
        p_value: dist.sf(statistic),
        min_expected,
    })
}

fn empty_margin(what: &str, totals: &[f64]) -> Result<(), String> {
    match totals.iter().position(|&t| t <= 0.0) {
        Some(i) => Err(format!("{what} {} has a total of 0", i + 1)),
        None => Ok(()),
    }
}

/// Which ratio [`ratio`] estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    /// Odds of the outcome among the exposed over the unexposed.
    OddsRatio,
    /// Risk of the outcome among the exposed over the unexposed.
    RiskRatio,
}

/// An odds or risk ratio with a log-scale Wald 95% interval (Woolf's for
/// the odds ratio, Katz's for the risk ratio; epitools'
/// `oddsratio.wald` / `riskratio.wald`).
///
/// `table[exposure][outcome]`, index 0 the reference (unexposed, no
/// outcome). Negative (noisy) counts are clamped to 0; when any cell is
/// then 0, 0.5 is added to every cell (Haldane) and `corrected` is set.
/// Refused when a count is not finite or a margin (row or column total)
/// is 0, where neither ratio is defined.
pub(crate) fn ratio(measure: Measure, table: [[f64; 2]; 2]) -> Result<RatioEstimate, String> {
    let mut t = [[0.0; 2]; 2];
    for (dst, src) in t.iter_mut().zip(&table) {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = finite("a count", s)?.max(0.0);
        }
    }
    let [[a0, a1], [b0, b1]] = t;
    empty_margin("exposure row", &[a0 + a1, b0 + b1])?;
    empty_margin("outcome column", &[a0 + b0, a1 + b1])?;
    let corrected = t.iter().flatten().any(|&c| c == 0.0);
    let h = if corrected { 0.5 } else { 0.0 };
    let [a0, a1, b0, b1] = [a0 + h, a1 + h, b0 + h, b1 + h];
    // On the log scale, so extreme (tiny noisy) cells give 0 or infinity
    // rather than 0 * infinity.
    let (name, log_est, se) = match measure {
        Measure::OddsRatio => (
            "odds_ratio",
            b1.ln() + a0.ln() - b0.ln() - a1.ln(),
            (1.0 / a0 + 1.0 / a1 + 1.0 / b0 + 1.0 / b1).sqrt(),
        ),
        Measure::RiskRatio => (
            "risk_ratio",
            b1.ln() - (b0 + b1).ln() - a1.ln() + (a0 + a1).ln(),
            (1.0 / b1 - 1.0 / (b0 + b1) + 1.0 / a1 - 1.0 / (a0 + a1))
                .max(0.0)
                .sqrt(),
        ),
    };
    Ok(RatioEstimate {
        measure: name,
        estimate: log_est.exp(),
        ci_low: (log_est - Z_975 * se).exp(),
        ci_high: (log_est + Z_975 * se).exp(),
        corrected,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    /// R's `?chisq.test` example (Agresti 2007, party by gender):
    /// `chisq.test(M)` prints X-squared = 30.07, df = 2, p-value = 2.954e-07.
    /// Full-precision values: for df = 2 the upper tail is exp(-x/2).
    #[test]
    fn chi_square_matches_r_party_by_gender() {
        let m = [762.0, 327.0, 468.0, 484.0, 239.0, 477.0];
        let t = chi_square(2, 3, &m).unwrap();
        close(t.statistic, 30.070_149_095_754_67, 1e-9);
        assert_eq!(t.df, 2);
        close(t.p_value, 2.953_589_183_211_757e-7, 1e-15);
        close(t.min_expected, 246.354_733_405_875_95, 1e-9);
    }

    /// 2x2, `chisq.test(matrix(c(90, 80, 10, 20), 2), correct = FALSE)`:
    /// X-squared = 3.9216, p = 0.04767 (for df = 1, p = erfc(sqrt(x/2))).
    #[test]
    fn chi_square_two_by_two_without_correction() {
        let t = chi_square(2, 2, &[90.0, 10.0, 80.0, 20.0]).unwrap();
        close(t.statistic, 200.0 / 51.0, 1e-12);
        assert_eq!(t.df, 1);
        close(t.p_value, 0.047_670_380_656_161_44, 1e-12);
    }

    #[test]
    fn chi_square_clamps_negative_noise_and_refuses_empty_margins() {
        let clamped = chi_square(2, 2, &[90.0, 10.0, 80.0, -3.0]).unwrap();
        let zero = chi_square(2, 2, &[90.0, 10.0, 80.0, 0.0]).unwrap();
        assert_eq!(clamped, zero);
        let err = chi_square(2, 2, &[0.0, 0.0, 5.0, 7.0]).unwrap_err();
        assert_eq!(err, "row 1 has a total of 0");
        let err = chi_square(2, 2, &[4.0, -1.0, 5.0, 0.0]).unwrap_err();
        assert_eq!(err, "column 2 has a total of 0");
    }

    #[test]
    fn chi_square_refuses_bad_shapes_and_values() {
        assert!(chi_square(1, 3, &[1.0, 2.0, 3.0]).is_err());
        assert!(chi_square(2, 2, &[1.0, 2.0, 3.0]).is_err());
        assert!(chi_square(2, 2, &[]).is_err());
        assert!(chi_square(usize::MAX, 2, &[1.0; 4]).is_err());
        assert!(chi_square(2, 2, &[1.0, f64::NAN, 3.0, 4.0]).is_err());
    }

    /// Woolf interval by hand: OR = 20*90 / (80*10) = 2.25,
    /// se(log OR) = sqrt(1/90 + 1/10 + 1/80 + 1/20), limits 2.25 exp(-+1.96 se).
    #[test]
    fn odds_ratio_woolf_interval() {
        let r = ratio(Measure::OddsRatio, [[90.0, 10.0], [80.0, 20.0]]).unwrap();
        assert_eq!(r.measure, "odds_ratio");
        close(r.estimate, 2.25, 1e-12);
        close(r.ci_low, 0.994_294_892_281_506_2, 1e-12);
        close(r.ci_high, 5.091_547_828_817_265, 1e-12);
        assert!(!r.corrected);
    }

    /// Katz interval by hand: RR = (20/100) / (10/100) = 2,
    /// se(log RR) = sqrt(1/20 - 1/100 + 1/10 - 1/100).
    #[test]
    fn risk_ratio_katz_interval() {
        let r = ratio(Measure::RiskRatio, [[90.0, 10.0], [80.0, 20.0]]).unwrap();
        assert_eq!(r.measure, "risk_ratio");
        close(r.estimate, 2.0, 1e-12);
        close(r.ci_low, 0.986_563_206_731_782_1, 1e-12);
        close(r.ci_high, 4.054_479_198_804_628, 1e-12);
    }

    /// A zero cell (or a negative noisy one) gets Haldane's 0.5 everywhere:
    /// (5.5 * 10.5) / (5.5 * 0.5) = 21.
    #[test]
    fn zero_cell_gets_haldane_correction() {
        for zero in [0.0, -2.0] {
            let r = ratio(Measure::OddsRatio, [[10.0, zero], [5.0, 5.0]]).unwrap();
            assert!(r.corrected);
            close(r.estimate, 21.0, 1e-12);
            close(r.ci_low, 0.971_554_784_619_503_7, 1e-12);
            close(r.ci_high, 453.911_613_612_928_3, 1e-9);
        }
    }

    #[test]
    fn ratio_refuses_zero_margins_and_non_finite_counts() {
        let err = ratio(Measure::RiskRatio, [[0.0, 0.0], [3.0, 4.0]]).unwrap_err();
        assert_eq!(err, "exposure row 1 has a total of 0");
        let err = ratio(Measure::OddsRatio, [[3.0, 0.0], [4.0, -1.0]]).unwrap_err();
        assert_eq!(err, "outcome column 2 has a total of 0");
        assert!(ratio(Measure::OddsRatio, [[f64::INFINITY, 1.0], [1.0, 1.0]]).is_err());
    }

    proptest! {
        /// An exactly independent table (outer product of margins) has
        /// statistic 0 and p-value 1.
        #[test]
        fn independent_table_has_zero_statistic(
            r in prop::collection::vec(1u32..500, 2..5),
            c in prop::collection::vec(1u32..500, 2..5),
        ) {
            let counts: Vec<f64> = r.iter()
                .flat_map(|&a| c.iter().map(move |&b| f64::from(a) * f64::from(b)))
                .collect();
            let t = chi_square(r.len(), c.len(), &counts).unwrap();
            prop_assert!(t.statistic.abs() < 1e-6 * counts.iter().sum::<f64>());
            prop_assert!((t.p_value - 1.0).abs() < 1e-6);
        }

        /// The interval always contains the estimate, for any counts with
        /// non-empty margins (noisy, fractional or zero).
        #[test]
        fn ratio_interval_contains_estimate(
            cells in prop::array::uniform4(-3.0f64..1e4),
            risk in any::<bool>(),
        ) {
            let m = if risk { Measure::RiskRatio } else { Measure::OddsRatio };
            if let Ok(r) = ratio(m, [[cells[0], cells[1]], [cells[2], cells[3]]]) {
                prop_assert!(r.estimate > 0.0);
                prop_assert!(r.ci_low <= r.estimate && r.estimate <= r.ci_high);
            }
        }
    }
}
