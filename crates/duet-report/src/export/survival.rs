//! Survival curves: per group and released interval the counts and the
//! survival at its end; per group the median; the log-rank test.

use serde_json::{Map, Value};

use super::cells::group_key;
use super::document::{Interval, TestResult, ValueRow};
use super::models::Extras;
use super::rows::{count, real, CellKey, Unit, COUNT, PROBABILITY};
use super::{Context, ExportError};
use duet_stats::job::StatisticSpec;
use duet_stats::results::{SurvivalCurve, SurvivalResult, SurvivalStep};

/// The rows, the log-rank test, and each curve's estimator and note.
pub(crate) fn survival(
    cx: &Context<'_>,
    s: &SurvivalResult,
) -> Result<(Vec<ValueRow>, Extras), ExportError> {
    let by = match cx.spec {
        StatisticSpec::KaplanMeier { by, .. } => by.as_slice(),
        _ => &[],
    };
    let key = |group: &str| group_key(cx.job, by, group, cx.label);
    let mut rows = Vec::new();
    let mut extras = Extras::default();
    let mut curves = Vec::new();
    for curve in &s.curves {
        let k = key(&curve.group)?;
        rows.extend(curve_rows(cx, &s.time, curve, &k));
        curves.push(curve_details(curve, &k));
    }
    extras.details.insert("curves".into(), Value::Array(curves));
    if let Some(t) = &s.log_rank {
        for g in &t.groups {
            let k = key(&g.group)?;
            let unit = Unit::plain(COUNT);
            rows.push(ValueRow::new(
                &k,
                "observed_events",
                real(g.observed),
                &unit,
            ));
            rows.push(ValueRow::new(
                &k,
                "expected_events",
                real(g.expected),
                &unit,
            ));
        }
        let mut details = Map::new();
        details.insert("until".into(), Value::from(t.until));
        extras.tests.push(TestResult {
            test: "log_rank".into(),
            statistic: t.chi_square,
            df: f64::from(t.df),
            df2: None,
            p_value: t.p_value,
            details,
        });
    }
    extras.notes.extend(s.note.clone());
    Ok((rows, extras))
}

fn curve_rows(cx: &Context<'_>, time: &str, c: &SurvivalCurve, key: &CellKey) -> Vec<ValueRow> {
    let mut rows: Vec<ValueRow> = c
        .steps
        .iter()
        .flat_map(|s| step_rows(time, s, key))
        .collect();
    let m = &c.median;
    let median = ValueRow::new(
        key,
        "median_survival",
        m.time.and_then(real),
        &Unit::column(cx.job, time),
    )
    .with_ci(m.ci_low, m.ci_high)
    .or_reason(Some("survival stays above 1/2 over the released follow-up"));
    rows.push(median);
    rows
}

fn step_rows(time: &str, s: &SurvivalStep, key: &CellKey) -> [ValueRow; 5] {
    let interval = Interval {
        column: time.into(),
        start: s.start,
        end: s.end,
        end_inclusive: false,
    };
    let n = Unit::plain(COUNT);
    let row = |m: &str, v, unit: &Unit| {
        ValueRow::new(key, m, v, unit).with_interval(Some(interval.clone()))
    };
    [
        row("at_risk", count(s.at_risk), &n),
        row("events", count(s.events), &n),
        row("censored", count(s.censored), &n),
        row("effective_at_risk", real(s.effective_at_risk), &n),
        row("survival", real(s.survival), &Unit::plain(PROBABILITY))
            .with_ci(Some(s.ci_low), Some(s.ci_high)),
    ]
}

fn curve_details(c: &SurvivalCurve, key: &CellKey) -> Value {
    let mut m = Map::new();
    let cell = key
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())));
    m.insert("cell".into(), Value::Object(cell.collect()));
    m.insert(
        "estimator".into(),
        serde_json::to_value(c.estimator).unwrap_or_default(),
    );
    if let Some(note) = &c.note {
        m.insert("note".into(), note.clone().into());
    }
    Value::Object(m)
}
