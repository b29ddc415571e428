//! A hand-built `Results` with every kind of statistic, DP and linkage,
//! for rendering (values are plausible, not computed).

use duet_stats::release::provenance::{Cell, Condition, LinearValue};
use duet_stats::release::{DisclosureRecord, ReleasedValue, WithheldValue};
use duet_stats::results::{
    CellResult, ChiSquareTest, Coefficient, CorrelationPair, CorrelationResult, DpSummary,
    Estimator, FTest, LinkageSummary, LogRankGroup, LogRankTest, LogisticCoefficient,
    LogisticResult, MedianSurvival, NoiseNote, RatioEstimate, RegressionResult, Revealed,
    RobustTest, StatBody, StatisticResult, SurvivalCurve, SurvivalResult, SurvivalStep,
    TTestResult, TableTestResult, WelchTest,
};
use duet_stats::{Policy, Results, RingChoice};

/// A job name with markup, to check escaping.
pub(crate) const JOB_NAME: &str = "PM2.5 & asthma <linked> \"2026\"";

fn cell(name: &str, n: Option<u64>, value: Option<f64>) -> CellResult {
    CellResult {
        cell: name.into(),
        suppressed: n.is_none(),
        n,
        sum: None,
        value,
        note: None,
        interval: None,
    }
}

fn stat(label: &str, kind: &'static str, body: StatBody) -> StatisticResult {
    StatisticResult {
        label: label.into(),
        kind,
        body,
        noise: vec![],
        excluded: None,
    }
}

fn histogram() -> StatisticResult {
    let bins = [(0, 40), (40, 50), (50, 60), (60, 70), (70, 90)];
    let counts = [Some(31), Some(48), None, Some(57), Some(22)];
    let cells = bins
        .iter()
        .zip(counts)
        .map(|((a, b), n)| cell(&format!("[{a}, {b})"), n, None))
        .collect();
    let mut s = stat("#1 histogram(age)", "histogram", StatBody::Cells { cells });
    s.noise = vec![NoiseNote {
        aggregates: "count".into(),
        sensitivity: 1.0,
        scale: 2.0,
        budget: 0.5,
        total_sd: 3.1,
    }];
    s
}

fn grouped() -> Vec<StatisticResult> {
    let zones = ["zone=<north>", "zone=south", "zone=east"];
    let counts = zones
        .iter()
        .zip([Some(120), Some(95), None])
        .map(|(z, n)| cell(z, n, None))
        .collect();
    let means = zones
        .iter()
        .zip([Some(11.2), Some(14.9), Some(9.7)])
        .map(|(z, v)| cell(z, Some(50), v))
        .collect();
    vec![
        stat(
            "#2 count(by zone)",
            "count",
            StatBody::Cells { cells: counts },
        ),
        stat(
            "#3 mean(pm25 by zone)",
            "mean",
            StatBody::Cells { cells: means },
        ),
    ]
}

fn correlation() -> StatisticResult {
    let r = CorrelationResult {
        columns: vec!["pm25".into(), "no2".into(), "age".into()],
        suppressed: false,
        n: Some(215),
        matrix: Some(vec![
            vec![Some(1.0), Some(0.62), Some(-0.08)],
            vec![Some(0.62), Some(1.0), None],
            vec![Some(-0.08), None, Some(1.0)],
        ]),
        pairs: vec![CorrelationPair {
            x: "pm25".into(),
            y: "no2".into(),
            r: 0.62,
            p_value: 2.1e-24,
            ci_low: 0.53,
            ci_high: 0.70,
        }],
    };
    stat(
        "#4 correlation(pm25, no2, age)",
        "correlation",
        StatBody::Correlation(r),
    )
}

fn regression() -> StatisticResult {
    let coef = |term: &str, estimate: f64, se: f64| Coefficient {
        term: term.into(),
        estimate,
        std_error: Some(se),
        t: Some(estimate / se),
        p_value: Some(0.01),
        ci_low: Some(estimate - 1.97 * se),
        ci_high: Some(estimate + 1.97 * se),
        robust: Some(RobustTest {
            std_error: 1.25 * se,
            t: Some(estimate / (1.25 * se)),
            p_value: Some(0.125),
            ci_low: Some(estimate - 1.97 * 1.25 * se),
            ci_high: Some(estimate + 1.97 * 1.25 * se),
        }),
    };
    let r = RegressionResult {
        y: "fev1".into(),
        suppressed: false,
        n: Some(215),
        coefficients: vec![
            coef("intercept", 3.9, 0.21),
            coef("pm25", -0.031, 0.009),
            coef("age", -0.012, 0.004),
            coef("smoker=yes", -0.25, 0.08),
        ],
        r_squared: Some(0.31),
        residual_df: Some(211),
        residual_std_error: None,
        adjusted_r_squared: Some(0.2985),
        f_test: Some(FTest {
            value: 31.6,
            df1: 3,
            df2: 211,
            p_value: 1.2e-16,
        }),
        note: None,
        robust: Some("hc1".into()),
        robust_note: None,
    };
    stat(
        "#5 linear_regression(fev1)",
        "linear_regression",
        StatBody::Regression(r),
    )
}

fn tables() -> Vec<StatisticResult> {
    let counts = [Some(60), Some(25), Some(40), None];
    let cells = ["no,no", "no,yes", "yes,no", "yes,yes"]
        .iter()
        .zip(counts)
        .map(|(c, n)| cell(c, n, None))
        .collect::<Vec<_>>();
    let base = TableTestResult {
        rows: vec!["band=low".into(), "band=high".into()],
        columns: vec!["asthma=no".into(), "asthma=yes".into()],
        cells,
        chi_square: None,
        ratio: None,
        note: None,
    };
    let chi = TableTestResult {
        chi_square: Some(ChiSquareTest {
            statistic: 7.84,
            df: 1,
            p_value: 0.0051,
            min_expected: 4.2,
        }),
        ..base.clone()
    };
    let ratio = TableTestResult {
        ratio: Some(RatioEstimate {
            measure: "odds_ratio",
            estimate: 2.4,
            ci_low: 1.3,
            ci_high: 4.4,
            corrected: false,
        }),
        note: Some("one cell suppressed: ratio from noisy release".into()),
        ..base
    };
    vec![
        stat(
            "#6 chi_square(band, asthma)",
            "chi_square",
            StatBody::ChiSquare(chi),
        ),
        stat(
            "#7 odds_ratio(band, asthma)",
            "odds_ratio",
            StatBody::Ratio(ratio),
        ),
    ]
}

fn t_test() -> StatisticResult {
    let t = TTestResult {
        column: "pm25".into(),
        groups: vec![
            cell("asthma=no", Some(160), Some(11.4)),
            cell("asthma=yes", Some(55), Some(13.1)),
        ],
        test: Some(WelchTest {
            difference: 1.7,
            std_error: 0.6,
            t: 2.83,
            df: 88.2,
            p_value: 0.0058,
            ci_low: 0.51,
            ci_high: 2.89,
        }),
        note: None,
    };
    stat("#8 t_test(pm25 by asthma)", "t_test", StatBody::TTest(t))
}

fn curve(group: &str, hazard: f64, len: usize, note: Option<&str>) -> SurvivalCurve {
    let mut s = 1.0;
    let mut n = 100u64;
    let steps = (0..len)
        .map(|k| {
            let d = (n as f64 * hazard).round() as u64;
            s *= 1.0 - d as f64 / n as f64;
            let step = SurvivalStep {
                start: k as f64 * 12.0,
                end: (k + 1) as f64 * 12.0,
                at_risk: n,
                events: d,
                censored: 3,
                effective_at_risk: n as f64 - 1.5,
                survival: s,
                ci_low: (s - 0.08).max(0.0),
                ci_high: (s + 0.06).min(1.0),
            };
            n -= d + 3;
            step
        })
        .collect();
    SurvivalCurve {
        group: group.into(),
        steps,
        estimator: Estimator::Actuarial,
        median: MedianSurvival {
            time: Some(30.5),
            ci_low: Some(24.0),
            ci_high: None,
        },
        note: note.map(Into::into),
    }
}

fn survival() -> StatisticResult {
    let r = SurvivalResult {
        time: "months".into(),
        curves: vec![
            curve("band=low", 0.08, 6, None),
            curve(
                "band=high",
                0.15,
                4,
                Some("the curve ends at 48: the number at risk was below the minimum cell count"),
            ),
        ],
        log_rank: Some(LogRankTest {
            chi_square: 4.25,
            df: 1,
            p_value: 0.0392,
            groups: vec![
                LogRankGroup {
                    group: "band=low".into(),
                    observed: 40.0,
                    expected: 47.5,
                },
                LogRankGroup {
                    group: "band=high".into(),
                    observed: 50.0,
                    expected: 42.5,
                },
            ],
            until: 48.0,
        }),
        note: Some(
            "the log-rank test covers follow-up up to 48, where every group's curve is released"
                .into(),
        ),
    };
    stat(
        "#9 survival(months by band)",
        "kaplan_meier",
        StatBody::Survival(r),
    )
}

fn logistic() -> StatisticResult {
    let coef = |term: &str, b: f64, se: f64| LogisticCoefficient {
        term: term.into(),
        estimate: b,
        std_error: se,
        z: b / se,
        p_value: 0.01,
        odds_ratio: b.exp(),
        ci_low: (b - 1.96 * se).exp(),
        ci_high: (b + 1.96 * se).exp(),
    };
    let r = LogisticResult {
        y: "asthma=yes".into(),
        suppressed: false,
        n: Some(215),
        coefficients: vec![
            coef("intercept", -2.1, 0.4),
            coef("pm25", 0.09, 0.03),
            coef("no2", 0.02, 0.015),
        ],
        iterations: 8,
        note: None,
        ..LogisticResult::default()
    };
    stat(
        "#10 logistic(asthma)",
        "logistic_regression",
        StatBody::Logistic(r),
    )
}

/// `count where zone=<level>`.
fn zone_count(level: &str) -> LinearValue {
    let mut cell = Cell::new();
    cell.insert("zone".into(), Condition::Levels([level.to_string()].into()));
    LinearValue::new(vec![], cell)
}

/// The threshold and per-party rules, and the secondary rule.
pub(crate) const RULES: [&str; 3] = [
    "pooled count >= 10",
    "each side's part 0 or >= 10",
    "secondary: no withheld value is a linear combination of released ones",
];

/// Two zone counts released, one withheld by the rules (primary), one
/// withheld to protect it (secondary), and a note.
fn disclosure() -> DisclosureRecord {
    let released = |level: &str, value: &str, rules: &[&str]| ReleasedValue {
        name: format!("#2 count(by zone)[zone={level}].n"),
        provenance: zone_count(level),
        value: value.into(),
        rules: rules.iter().map(|r| r.to_string()).collect(),
    };
    DisclosureRecord {
        control: "checked".into(),
        rules: vec![
            "pooled threshold: every released cell counts at least 10 records".into(),
            "secondary suppression: no withheld count or sum is a linear combination of released values of this job".into(),
        ],
        released: vec![
            released("<north>", "120", &RULES),
            released("south", "95", &RULES),
            released("west", "31", &RULES[..1]),
        ],
        withheld: vec![
            WithheldValue {
                name: "#2 count(by zone)[zone=east].n".into(),
                provenance: zone_count("east"),
                kind: "primary",
                rule: "failed at least one of: pooled count >= 10; each side's part 0 or >= 10".into(),
            },
            WithheldValue {
                name: "#2 count(by zone).total".into(),
                provenance: LinearValue::new(vec![], Cell::new()),
                kind: "secondary",
                rule: "withheld so that #2 count(by zone)[zone=east].n cannot be recomputed".into(),
            },
        ],
        notes: vec!["#9 kaplan_meier(months, died) group 2: from interval 5 on too few are at risk, so they are merged into the last span released (from interval 4)".into()],
        models: vec![duet_stats::release::ModelRelease {
            statistic: "#6 linear_regression(sbp ~ age)".into(),
            count: 8,
            opened: "8 values: the singular-design and narrow-spread flags, each coefficient, its variance, and R^2".into(),
        }],
    }
}

/// The job `results()` could come from (its statistics, cells and units).
pub(crate) fn job() -> duet_stats::Job {
    duet_stats::Job::from_toml_str(include_str!("fixture_job.toml")).unwrap()
}

/// Every statistic kind, DP and linkage.
pub(crate) fn results() -> Results {
    let mut statistics = vec![histogram()];
    statistics.extend(grouped());
    statistics.extend([correlation(), regression()]);
    statistics.extend(tables());
    statistics.extend([t_test(), survival(), logistic()]);
    Results {
        disclosure: disclosure(),
        job_name: JOB_NAME.into(),
        job_hash: "ab".repeat(32),
        ring: RingChoice::Z64,
        policy: Policy::default(),
        statistics,
        revealed: (0..5)
            .map(|i| Revealed {
                name: format!("s1.cell{i}.n"),
                value: (30 + i).to_string(),
            })
            .collect(),
        dp: Some(DpSummary {
            mechanism: "laplace",
            epsilon: 1.0,
            delta: 0.0,
            epsilon_spent: 0.98,
            rho: None,
            guarantee: "Every released value together is 1.0-differentially private.".into(),
        }),
        linkage: Some(LinkageSummary {
            receiver: "hospital".into(),
            sender: "agency".into(),
            receiver_records: 1200,
            sender_records: 5000,
            linked: Some(215),
            receiver_learnt: "which of its own rows matched".into(),
            sender_learnt: "the number of matches only".into(),
        }),
    }
}
