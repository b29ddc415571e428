//! A quantile result for the text and HTML reports' tests.

use duet_stats::results::{QuantileGroup, QuantileResult, QuantileValue};

/// Two groups: one released (q(0.1) withheld by the extreme rule),
/// one suppressed.
pub(crate) fn two_groups() -> QuantileResult {
    let v = |p: f64, value: Option<f64>| QuantileValue {
        p,
        value,
        note: value
            .is_none()
            .then(|| "withheld: n * p or n * (1 - p) is below min_cell".to_string()),
    };
    QuantileResult {
        column: "sbp".into(),
        definition: "type 1".into(),
        p: vec![0.1, 0.25, 0.5, 0.75],
        groups: vec![
            QuantileGroup {
                group: "smoker=no".into(),
                suppressed: false,
                n: Some(40),
                quantiles: vec![
                    v(0.1, None),
                    v(0.25, Some(118.2)),
                    v(0.5, Some(126.0)),
                    v(0.75, Some(138.5)),
                ],
                iqr: Some(20.3),
                note: None,
            },
            QuantileGroup {
                group: "smoker=<yes>".into(),
                suppressed: true,
                n: None,
                quantiles: vec![],
                iqr: None,
                note: None,
            },
        ],
    }
}
