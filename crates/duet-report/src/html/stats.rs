//! One statistic's section: its tables, its test and its chart.

use std::fmt::Write;

use super::charts;
use super::coefplot::{self, CoefPoint};
use super::tables::{self, note, open, row};
use super::{esc, num, pval};
use duet_stats::results::{
    CellResult, LogisticResult, RegressionResult, StatBody, StatisticResult, SurvivalResult,
    TTestResult, TableTestResult,
};

/// Renders the released values of one statistic.
pub(super) fn body(h: &mut String, st: &StatisticResult) {
    match &st.body {
        StatBody::Cells { cells } => cell_stat(h, st, cells),
        StatBody::Correlation(c) => tables::correlation(h, c),
        StatBody::Regression(r) => regression(h, &st.label, r),
        StatBody::ChiSquare(t) => chi_square(h, t),
        StatBody::Ratio(t) => ratio(h, t),
        StatBody::TTest(t) => t_test(h, t),
        StatBody::Survival(s) => survival(h, &st.label, s),
        StatBody::Logistic(l) => logistic(h, &st.label, l),
        StatBody::Quantile(q) => super::quantile::quantile(h, q),
    }
}

fn cell_stat(h: &mut String, st: &StatisticResult, cells: &[CellResult]) {
    let value_name = match st.kind {
        "mean" => "Mean",
        "variance" => "Variance",
        "std_dev" => "SD",
        _ => "Value",
    };
    tables::cells(h, cells, value_name);
    let labels: Vec<String> = cells.iter().map(|c| c.cell.clone()).collect();
    let counts = || -> Vec<Option<f64>> {
        cells
            .iter()
            .map(|c| c.n.filter(|_| !c.suppressed).map(|n| n as f64))
            .collect()
    };
    let chart = match st.kind {
        "histogram" => charts::bars(
            "histogram",
            &format!(
                "{}: pooled count per bin (suppressed bins marked)",
                st.label
            ),
            &labels,
            &counts(),
            "count",
        ),
        "count" if cells.len() > 1 => charts::bars(
            "bars",
            &format!("{}: pooled count per group", st.label),
            &labels,
            &counts(),
            "count",
        ),
        "mean" if cells.len() > 1 => charts::bars(
            "bars",
            &format!("{}: mean per group", st.label),
            &labels,
            &cells
                .iter()
                .map(|c| c.value.filter(|_| !c.suppressed))
                .collect::<Vec<_>>(),
            "mean",
        ),
        _ => String::new(),
    };
    h.push_str(&chart);
}

/// The robust (HC1) standard errors, their t tests and 95% limits.
fn robust_table(h: &mut String, r: &RegressionResult) {
    if let Some(t) = &r.robust_note {
        note(h, &format!("Robust (HC1) standard errors {t}"));
    }
    if r.coefficients.iter().all(|c| c.robust.is_none()) {
        return;
    }
    open(
        h,
        "robust (HC1) standard errors",
        &["Term", "Robust SE", "t", "p", "95% CI"],
    );
    for c in &r.coefficients {
        let Some(x) = &c.robust else { continue };
        let ci = x.ci_low.zip(x.ci_high).map_or("n/a".into(), |(a, b)| {
            format!("{} to {}", num(a, 4), num(b, 4))
        });
        let t = x.t.map_or("n/a".into(), |v| num(v, 3));
        let p = x.p_value.map_or("n/a".into(), |v| esc(&format!("{v:.3e}")));
        row(h, &[esc(&c.term), num(x.std_error, 4), t, p, ci]);
    }
    h.push_str("</table>\n");
}

fn regression(h: &mut String, label: &str, r: &RegressionResult) {
    if r.suppressed {
        note(h, "Suppressed by the policy.");
        return;
    }
    let n = r.n.map_or("n/a".into(), |n| n.to_string());
    let r2 = r.r_squared.map_or("n/a".into(), |v| num(v, 4));
    let adj = r.adjusted_r_squared.map_or("n/a".into(), |v| num(v, 4));
    let _ = writeln!(
        h,
        "<p>Outcome {}, n = {n}, R&sup2; = {r2}, adjusted R&sup2; = {adj}</p>",
        esc(&r.y)
    );
    if let (Some(sigma), Some(df)) = (r.residual_std_error, r.residual_df) {
        let _ = writeln!(
            h,
            "<p>Residual standard error {} on {df} degrees of freedom</p>",
            num(sigma, 4)
        );
    }
    if let Some(f) = &r.f_test {
        let _ = writeln!(
            h,
            "<p>F = {} on {} and {} df, p = {}</p>",
            num(f.value, 4),
            f.df1,
            f.df2,
            esc(&format!("{:.4e}", f.p_value))
        );
    }
    if let Some(t) = &r.note {
        note(h, t);
    }
    open(
        h,
        "coefficients",
        &["Term", "Estimate", "SE", "t", "p", "95% CI"],
    );
    let mut points = Vec::new();
    for c in &r.coefficients {
        let ci = c.ci_low.zip(c.ci_high);
        let ci_text = ci.map_or("n/a".into(), |(a, b)| {
            format!("{} to {}", num(a, 4), num(b, 4))
        });
        let se = c.std_error.map_or("n/a".into(), |v| num(v, 4));
        let t = c.t.map_or("n/a".into(), |v| num(v, 3));
        let p = c.p_value.map_or("n/a".into(), |v| esc(&format!("{v:.3e}")));
        row(h, &[esc(&c.term), num(c.estimate, 4), se, t, p, ci_text]);
        if c.term != "intercept" {
            let term = c.term.clone();
            points.push(CoefPoint {
                term,
                estimate: c.estimate,
                ci,
            });
        }
    }
    h.push_str("</table>\n");
    robust_table(h, r);
    let caption = format!("{label}: estimates with 95% confidence intervals (intercept omitted)");
    h.push_str(&coefplot::coefficients(
        &caption,
        "estimate (95% CI)",
        &points,
        0.0,
    ));
}

fn chi_square(h: &mut String, t: &TableTestResult) {
    tables::contingency(h, &t.rows, &t.columns, &t.cells);
    if let Some(x) = &t.chi_square {
        open(
            h,
            "test chi-square",
            &["Pearson's X&sup2;", "df", "p-value", "Smallest expected"],
        );
        row(
            h,
            &[
                num(x.statistic, 4),
                x.df.to_string(),
                pval(x.p_value),
                num(x.min_expected, 2),
            ],
        );
        h.push_str("</table>\n");
        if x.min_expected < 5.0 {
            note(
                h,
                "An expected count is below 5: the chi-square approximation may be poor.",
            );
        }
    }
    if let Some(n) = &t.note {
        note(h, n);
    }
}

fn ratio(h: &mut String, t: &TableTestResult) {
    tables::contingency(h, &t.rows, &t.columns, &t.cells);
    if let Some(r) = &t.ratio {
        let name = if r.measure == "risk_ratio" {
            "Risk ratio"
        } else {
            "Odds ratio"
        };
        open(h, "test ratio", &[name, "95% CI (log-scale Wald)"]);
        let ci = format!("{} to {}", num(r.ci_low, 4), num(r.ci_high, 4));
        row(h, &[num(r.estimate, 4), ci]);
        h.push_str("</table>\n");
        let (first, second) = (t.rows.first(), t.rows.get(1));
        if let (Some(a), Some(b)) = (first, second) {
            note(
                h,
                &format!("Exposed level {b} against reference level {a}."),
            );
        }
        if r.corrected {
            note(h, "A cell was zero: 0.5 was added to every cell (Haldane).");
        }
    }
    if let Some(n) = &t.note {
        note(h, n);
    }
}

fn t_test(h: &mut String, t: &TTestResult) {
    tables::cells(h, &t.groups, &format!("Mean of {}", esc(&t.column)));
    if let Some(w) = &t.test {
        open(
            h,
            "test welch",
            &["Difference", "SE", "t", "df", "p-value", "95% CI"],
        );
        let ci = format!("{} to {}", num(w.ci_low, 4), num(w.ci_high, 4));
        let cells = [
            num(w.difference, 4),
            num(w.std_error, 4),
            num(w.t, 4),
            num(w.df, 2),
            pval(w.p_value),
            ci,
        ];
        row(h, &cells);
        h.push_str("</table>\n");
        note(
            h,
            "Welch's t-test, second group minus first, unequal variances.",
        );
    }
    if let Some(n) = &t.note {
        note(h, n);
    }
}

fn survival(h: &mut String, label: &str, s: &SurvivalResult) {
    let caption = format!(
        "{label}: survival by {} with 95% limits (Greenwood, log-log)",
        s.time
    );
    h.push_str(&charts::survival(&caption, &s.time, &s.curves));
    tables::at_risk(h, &s.curves);
    super::survival::summary(h, s);
    tables::survival_steps(h, &s.curves);
}

fn logistic(h: &mut String, label: &str, l: &LogisticResult) {
    if l.suppressed {
        note(h, "Suppressed by the policy.");
        return;
    }
    let n = l.n.map_or("n/a".into(), |n| n.to_string());
    let _ = writeln!(
        h,
        "<p>Outcome {}, n = {n}, {} Newton iterations (fixed by the job)</p>",
        esc(&l.y),
        l.iterations
    );
    if let Some(t) = &l.note {
        note(h, t);
    }
    for line in crate::report::logistic_fit_lines(l) {
        match l.converged == Some(false) && line.starts_with("NOT converged") {
            true => note(h, &line),
            false => {
                let _ = writeln!(h, "<p>{}</p>", esc(&line));
            }
        }
    }
    if l.coefficients.is_empty() {
        return;
    }
    open(
        h,
        "coefficients logistic",
        &[
            "Term",
            "Log odds",
            "SE",
            "z",
            "p-value",
            "Odds ratio",
            "95% CI",
        ],
    );
    let mut points = Vec::new();
    for c in &l.coefficients {
        let ci = format!("{} to {}", num(c.ci_low, 4), num(c.ci_high, 4));
        let cells = [
            esc(&c.term),
            num(c.estimate, 4),
            num(c.std_error, 4),
            num(c.z, 3),
            pval(c.p_value),
            num(c.odds_ratio, 4),
            ci,
        ];
        row(h, &cells);
        if c.term != "intercept" {
            let ci = (c.ci_low > 0.0 && c.ci_high > 0.0).then(|| (c.ci_low.ln(), c.ci_high.ln()));
            points.push(CoefPoint {
                term: c.term.clone(),
                estimate: c.estimate,
                ci,
            });
        }
    }
    h.push_str("</table>\n");
    let caption =
        format!("{label}: log odds ratios with 95% confidence intervals (intercept omitted)");
    h.push_str(&coefplot::coefficients(
        &caption,
        "log odds ratio (95% CI)",
        &points,
        0.0,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_stats::results::{CorrelationResult, LogisticCoefficient};

    fn render(kind: &'static str, body: StatBody) -> String {
        let st = StatisticResult {
            label: "#1 x".into(),
            kind,
            body,
            noise: vec![],
            excluded: None,
        };
        let mut h = String::new();
        super::body(&mut h, &st);
        h
    }

    #[test]
    fn suppressed_models_say_so_and_draw_nothing() {
        let reg = RegressionResult {
            adjusted_r_squared: None,
            f_test: None,
            y: "y".into(),
            suppressed: true,
            n: None,
            coefficients: vec![],
            r_squared: None,
            residual_df: None,
            residual_std_error: None,
            note: None,
            ..RegressionResult::default()
        };
        let logit = LogisticResult {
            y: "y".into(),
            suppressed: true,
            n: None,
            coefficients: vec![],
            iterations: 6,
            note: None,
            ..LogisticResult::default()
        };
        let corr = CorrelationResult {
            columns: vec!["a".into()],
            suppressed: true,
            n: None,
            matrix: None,
            pairs: vec![],
        };
        for h in [
            render("linear_regression", StatBody::Regression(reg)),
            render("logistic", StatBody::Logistic(logit)),
            render("correlation", StatBody::Correlation(corr)),
        ] {
            assert_eq!(h, "<p class=\"note\">Suppressed by the policy.</p>\n");
        }
    }

    #[test]
    fn tests_without_a_result_show_the_reason() {
        let table = TableTestResult {
            rows: vec!["a".into(), "b".into()],
            columns: vec!["x".into(), "y".into()],
            cells: vec![],
            chi_square: None,
            ratio: None,
            note: Some("row 1 has a total of 0".into()),
        };
        let h = render("chi_square", StatBody::ChiSquare(table));
        assert!(h.contains("<p class=\"note\">row 1 has a total of 0</p>"));
        assert!(!h.contains("test chi-square"));
        let t = TTestResult {
            column: "x<y".into(),
            groups: vec![CellResult {
                cell: "g=1".into(),
                suppressed: false,
                n: Some(1),
                sum: None,
                value: Some(2.0),
                note: None,
                interval: None,
            }],
            test: None,
            note: Some("the first group has fewer than 2 rows".into()),
        };
        let h = render("t_test", StatBody::TTest(t));
        assert!(h.contains("<th>Mean of x&lt;y</th>"));
        assert!(h.contains("fewer than 2 rows") && !h.contains("test welch"));
    }

    #[test]
    fn a_singular_regression_has_a_note_and_no_chart() {
        let reg = RegressionResult {
            adjusted_r_squared: None,
            f_test: None,
            y: "y".into(),
            suppressed: false,
            n: Some(40),
            coefficients: vec![],
            r_squared: None,
            residual_df: None,
            residual_std_error: None,
            note: Some("singular design".into()),
            ..RegressionResult::default()
        };
        let h = render("linear_regression", StatBody::Regression(reg));
        assert!(h.contains("n = 40") && h.contains("singular design"));
        assert!(!h.contains("<svg"));
    }

    #[test]
    fn robust_errors_have_their_own_table_and_a_missing_one_a_note() {
        use duet_stats::results::{Coefficient, RobustTest};
        let coef = Coefficient {
            term: "speed".into(),
            estimate: 3.932408759124088,
            std_error: Some(0.4155),
            t: None,
            p_value: None,
            ci_low: None,
            ci_high: None,
            robust: Some(RobustTest {
                std_error: 0.40690196476753,
                t: Some(9.66426584194731),
                p_value: Some(7.654202316003956e-13),
                ci_low: Some(3.11),
                ci_high: Some(4.75),
            }),
        };
        let reg = RegressionResult {
            y: "dist".into(),
            n: Some(50),
            coefficients: vec![coef],
            robust: Some("hc1".into()),
            ..RegressionResult::default()
        };
        let h = render("linear_regression", StatBody::Regression(reg.clone()));
        assert!(h.contains("Robust SE"), "{h}");
        assert!(h.contains("0.4069") && h.contains("9.664"), "{h}");
        let none = RegressionResult {
            robust_note: Some("not computed: too large".into()),
            coefficients: vec![],
            ..reg
        };
        let h = render("linear_regression", StatBody::Regression(none));
        assert!(
            h.contains("Robust (HC1) standard errors not computed"),
            "{h}"
        );
        assert!(!h.contains("Robust SE"), "{h}");
    }

    #[test]
    fn a_regression_shows_its_residual_standard_error() {
        let reg = RegressionResult {
            y: "dist".into(),
            n: Some(50),
            residual_df: Some(48),
            residual_std_error: Some(15.379586748819907),
            ..RegressionResult::default()
        };
        let h = render("linear_regression", StatBody::Regression(reg));
        assert!(
            h.contains("<p>Residual standard error 15.3796 on 48 degrees of freedom</p>"),
            "{h}"
        );
    }

    fn fitted_logistic(converged: bool) -> LogisticResult {
        LogisticResult {
            y: "outcome".into(),
            n: Some(60),
            events: Some(21),
            iterations: 20,
            estimable: Some(true),
            converged: Some(converged),
            convergence: Some(
                if converged {
                    "converged: rule"
                } else {
                    "NOT converged: rule"
                }
                .into(),
            ),
            deviance: Some(73.6411749651988),
            null_deviance: Some(77.69359668415589),
            aic: Some(79.6411749651988),
            ..LogisticResult::default()
        }
    }

    /// A coefficient with estimate 0.1 and standard error 0.05, and its
    /// Wald summary as duet-stats computes it (z = 2, p = 2 pnorm(-2)).
    fn wald(term: &str) -> LogisticCoefficient {
        const Z_975: f64 = 1.959_963_984_540_054;
        let (estimate, std_error) = (0.1f64, 0.05);
        LogisticCoefficient {
            term: term.into(),
            estimate,
            std_error,
            z: 2.0,
            p_value: 0.045_500_263_896_358_4,
            odds_ratio: estimate.exp(),
            ci_low: (estimate - Z_975 * std_error).exp(),
            ci_high: (estimate + Z_975 * std_error).exp(),
        }
    }

    #[test]
    fn a_logistic_fit_shows_deviances_aic_and_convergence() {
        let mut l = fitted_logistic(true);
        l.coefficients = ["intercept", "age", "smoker=yes"]
            .iter()
            .map(|t| wald(t))
            .collect();
        assert_eq!(
            crate::report::logistic_fit_lines(&l),
            [
                "events (outcome 1): 21",
                "null deviance: 77.6936 on 59 degrees of freedom",
                "residual deviance: 73.6412 on 57 degrees of freedom",
                "AIC: 79.6412",
                "converged: rule",
            ]
        );
        let h = render("logistic_regression", StatBody::Logistic(l));
        assert!(h.contains("<p>AIC: 79.6412</p>"), "{h}");
    }

    #[test]
    fn a_fit_that_did_not_converge_says_so_in_a_note() {
        let h = render(
            "logistic_regression",
            StatBody::Logistic(fitted_logistic(false)),
        );
        assert!(h.contains("NOT converged: rule"), "{h}");
        assert!(
            !h.contains("<p>NOT converged"),
            "a note, not a plain line: {h}"
        );
    }

    #[test]
    fn a_separated_fit_has_its_note_and_no_table() {
        let l = LogisticResult {
            y: "outcome".into(),
            n: Some(60),
            events: Some(21),
            estimable: Some(false),
            null_deviance: Some(77.69359668415589),
            note: Some("smoker has a level with no events".into()),
            ..LogisticResult::default()
        };
        assert_eq!(
            crate::report::logistic_fit_lines(&l),
            [
                "events (outcome 1): 21",
                "null deviance: 77.6936 on 59 degrees of freedom"
            ]
        );
        let h = render("logistic_regression", StatBody::Logistic(l));
        assert!(h.contains("smoker has a level with no events"), "{h}");
        assert!(!h.contains("<table") && !h.contains("<svg"), "{h}");
    }
}
