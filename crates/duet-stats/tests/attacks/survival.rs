//! Leak 4: Kaplan-Meier released each interval's events and censored
//! counts, gating only the number at risk. With fine intervals an attacker
//! reads single events: here one patient of B dies in [10, 20) and another
//! is censored in [30, 40). Intervals are now merged until their events
//! and censored counts pass the pooled and per-party thresholds.

use super::common::{csv, job, run};

const COLUMNS: &str = r#"
[[column]]
name = "time"
kind = "integer"
min = 0
max = 100

[[column]]
name = "event"
kind = "integer"
min = 0
max = 1
"#;

const STATS: &str = r#"
[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "event"
edges = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
"#;

/// A's own rows: (time, event).
const A_ROWS: [(i64, u64); 2] = [(95, 0), (85, 1)];

/// Both sides' rows: B has one event in [10, 20) and one censoring in
/// [30, 40).
fn sides() -> (String, String) {
    let a = csv("time,event", &[("95,0", 30), ("85,1", 12)]);
    let b = csv(
        "time,event",
        &[("95,0", 30), ("85,1", 12), ("15,1", 1), ("35,0", 1)],
    );
    (a, b)
}

#[test]
fn no_released_interval_reads_a_few_events_or_censorings() {
    let job = job(COLUMNS, STATS);
    let (a, b) = sides();
    let res = run(&job, &a, &b);
    let surv = match &res.statistic(0).unwrap().body {
        duet_stats::results::StatBody::Survival(s) => s.clone(),
        other => panic!("not a survival result: {other:?}"),
    };
    let per = [30u64, 12];
    let mut read = Vec::new();
    for step in surv.curves.iter().flat_map(|c| &c.steps) {
        // A's own part of the interval, to subtract.
        let in_step = |t: i64| (t as f64) >= step.start && (t as f64) < step.end;
        let own = |event: u64| -> u64 {
            A_ROWS
                .iter()
                .zip(per)
                .filter(|((t, e), _)| *e == event && in_step(*t))
                .map(|(_, n)| n)
                .sum()
        };
        for (what, pooled, mine) in [
            ("events", step.events, own(1)),
            ("censored", step.censored, own(0)),
        ] {
            let theirs = pooled.saturating_sub(mine);
            if (1..10).contains(&pooled) || (1..10).contains(&theirs) {
                read.push(format!(
                    "[{}, {}) {what} = {pooled} (B's part {theirs})",
                    step.start, step.end
                ));
            }
        }
    }
    assert!(read.is_empty(), "the attacker read small counts: {read:?}");
}

/// The merging must hold for every released number of a curve: a
/// per-interval cell opened on its own, outside the spans (the number at
/// risk at 10 and at 20, 86 and 85), would give B's single event in
/// [10, 20) by subtraction. Released counts are named by their span,
/// `[all, [10, 20) .. 100)]`; the rule bits end in `.suppressed`.
#[test]
fn no_count_of_a_curve_is_released_outside_its_spans() {
    let job = job(COLUMNS, STATS);
    let (a, b) = sides();
    let res = run(&job, &a, &b);
    let cells: Vec<String> = res
        .revealed
        .iter()
        .filter(|r| !r.name.ends_with(".suppressed") && !r.name.contains(" .. "))
        .map(|r| format!("{} = {}", r.name, r.value))
        .collect();
    assert!(
        cells.is_empty(),
        "counts released outside a span: {cells:?}"
    );
    assert!(res.revealed.iter().any(|r| r.name.ends_with(".at_risk")));
}

/// Two curves of the same data ending at different times: each span's
/// events pass every rule, but the later curve's last span holds one more
/// event than the earlier's, B's death at 95. **A known leak, found
/// 2026-12-06 and not yet fixed** (SECURITY.md, "What the rules do not cover"): the
/// records beyond the shorter curve's last edge are no cell of the plan,
/// so no threshold or differencing rule looks at them (a histogram's
/// edges must cover its column's range, which closes the same attack on
/// bins, see below). Run with `--ignored` to see it fail.
#[test]
#[ignore = "known leak: survival curves ending at different times (SECURITY.md, What the rules do not cover)"]
fn two_curves_ending_apart_do_not_give_an_event_by_subtraction() {
    let stats = r#"
[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "event"
edges = [0, 50, 100]

[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "event"
edges = [0, 50, 90]
"#;
    let job = job(COLUMNS, stats);
    let a = csv("time,event", &[("95,0", 30), ("85,1", 12)]);
    let b = csv("time,event", &[("95,0", 30), ("85,1", 12), ("95,1", 1)]);
    let res = run(&job, &a, &b);
    let steps = |i: usize| match &res.statistic(i).unwrap().body {
        duet_stats::results::StatBody::Survival(s) => s
            .curves
            .iter()
            .flat_map(|c| c.steps.clone())
            .collect::<Vec<_>>(),
        other => panic!("not a survival result: {other:?}"),
    };
    let (long, short) = (steps(0), steps(1));
    let mut read = Vec::new();
    for l in &long {
        for s in short.iter().filter(|s| s.start == l.start) {
            let diff = l.events.abs_diff(s.events);
            if (1..10).contains(&diff) {
                read.push(format!(
                    "events over [{}, {}) minus over [{}, {}) = {diff}",
                    l.start, l.end, s.start, s.end
                ));
            }
        }
    }
    assert!(read.is_empty(), "the attacker read: {read:?}");
}

/// The same attack on two histograms cannot be written: a histogram's
/// edges must cover its column's range, so bins ending at 90 and at 100
/// leave no records outside every bin.
#[test]
fn two_histograms_ending_apart_are_refused() {
    let stats = r#"
[[statistic]]
kind = "histogram"
column = "time"
edges = [0, 50, 100]

[[statistic]]
kind = "histogram"
column = "time"
edges = [0, 50, 90]
"#;
    let text = super::common::job_text(COLUMNS, stats, super::common::POLICY);
    let err = duet_stats::Job::from_toml_str(&text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("edges must cover the column's min and max"),
        "{err}"
    );
}

/// What the disclosure record says of each released span, when the curve
/// is not the job's first statistic: the survival rule it passed, and the
/// records it sums (its time range and event condition), which is what
/// the differencing test compares.
#[test]
fn each_released_span_is_recorded_with_its_rules_and_records() {
    let stats = format!("[[statistic]]\nkind = \"count\"\n{STATS}");
    let job = job(COLUMNS, &stats);
    let (a, b) = sides();
    let res = run(&job, &a, &b);
    let spans: Vec<_> = res
        .disclosure
        .released
        .iter()
        .filter(|v| v.name.contains(" .. "))
        .collect();
    assert!(spans.len() >= 6, "{} spans released", spans.len());
    for v in spans {
        assert!(
            v.rules
                .iter()
                .any(|r| r.contains("intervals merged until they pass")),
            "{}: rules {:?}",
            v.name,
            v.rules
        );
        // At risk from time 0 is every record; events and censored
        // counts are over the span's times.
        if !v.name.ends_with(".at_risk") {
            for column in ["time", "event"] {
                assert!(
                    v.provenance.cell.contains_key(column),
                    "{}: sums {}",
                    v.name,
                    v.provenance
                );
            }
        }
    }
}
