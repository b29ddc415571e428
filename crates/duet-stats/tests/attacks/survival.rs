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
max = 99

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

/// Two curves of the same data ending at different times would release
/// spans whose events differ by the records between the two ends (B's
/// death at 95, read as 25 - 24), records no interval of the shorter
/// curve holds. A curve's edges must now cover its time column, as a
/// histogram's must.
#[test]
fn two_curves_ending_apart_are_refused() {
    let stats = &[km("0, 50, 100"), km("0, 50, 90")].concat();
    assert_edges_refused(stats);
}

/// A Kaplan-Meier statistic of `time` and `event` over `edges`.
fn km(edges: &str) -> String {
    format!(
        "\n[[statistic]]\nkind = \"kaplan_meier\"\ntime = \"time\"\nevent = \"event\"\nedges = [{edges}]\n"
    )
}

/// Checks that the job with `stats` is refused for edges that leave some
/// of the time column outside every interval.
fn assert_edges_refused(stats: &str) {
    let text = super::common::job_text(COLUMNS, stats, super::common::POLICY);
    let err = duet_stats::Job::from_toml_str(&text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("edges must cover the column's min and max"),
        "{err}"
    );
}

/// The curves of statistic `i` of `res`.
fn curves(res: &duet_stats::Results, i: usize) -> Vec<duet_stats::results::SurvivalCurve> {
    match &res.statistic(i).unwrap().body {
        duet_stats::results::StatBody::Survival(s) => s.curves.clone(),
        other => panic!("not a survival result: {other:?}"),
    }
}

/// The released steps of statistic `i` of `res`, every curve's.
fn steps(res: &duet_stats::Results, i: usize) -> Vec<duet_stats::results::SurvivalStep> {
    curves(res, i).into_iter().flat_map(|c| c.steps).collect()
}

/// The names of the rule bits `res` opened that contain `part` (and start
/// with `prefix`).
fn bits_named(res: &duet_stats::Results, prefix: &str, part: &str) -> Vec<String> {
    res.revealed
        .iter()
        .map(|r| r.name.clone())
        .filter(|n| n.starts_with(prefix) && n.contains(part))
        .collect()
}

/// The attacker's solver: the count over `[lo, hi)` as a linear
/// combination of released counts over other intervals (`(start, end,
/// value)`), by elimination over the pieces their edges cut the time axis
/// into; None when no combination gives it.
fn solve(released: &[(f64, f64, f64)], lo: f64, hi: f64) -> Option<f64> {
    let mut cuts: Vec<f64> = released.iter().flat_map(|r| [r.0, r.1]).collect();
    cuts.extend([lo, hi]);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let pieces = cuts.len() - 1;
    let row = |a: f64, b: f64| -> Vec<f64> {
        (0..pieces)
            .map(|p| f64::from(u8::from(cuts[p] >= a && cuts[p + 1] <= b)))
            .collect()
    };
    // Echelon rows with the value each combination gives.
    let mut rows: Vec<(Vec<f64>, f64)> = Vec::new();
    let reduce = |rows: &[(Vec<f64>, f64)], mut v: Vec<f64>, mut x: f64| {
        for (r, rx) in rows {
            let p = r.iter().position(|c| c.abs() > 1e-9).unwrap();
            let f = v[p] / r[p];
            if f.abs() > 1e-12 {
                v.iter_mut().zip(r).for_each(|(a, b)| *a -= f * b);
                x -= f * rx;
            }
        }
        (v, x)
    };
    for &(a, b, value) in released {
        let (v, x) = reduce(&rows, row(a, b), value);
        if v.iter().any(|c| c.abs() > 1e-9) {
            // Keep the echelon order: eliminate the new pivot from older rows.
            let p = v.iter().position(|c| c.abs() > 1e-9).unwrap();
            for (r, rx) in rows.iter_mut() {
                let f = r[p] / v[p];
                r.iter_mut().zip(&v).for_each(|(c, d)| *c -= f * d);
                *rx -= f * x;
            }
            rows.push((v, x));
        }
    }
    let (rest, x) = reduce(&rows, row(lo, hi), 0.0);
    rest.iter().all(|c| c.abs() < 1e-9).then_some(-x)
}

/// Data for two curves cut apart: 12 deaths at 20, 12 at 85, 30
/// censored at 95 on each side, and B's one death at 45.
fn cut_apart() -> (String, String) {
    let common = [("20,1", 12), ("95,0", 30), ("85,1", 12)];
    let a = csv("time,event", &common);
    let mut rows = common.to_vec();
    rows.push(("45,1", 1));
    (a, csv("time,event", &rows))
}

/// The two curves: edges [0, 50, 100] and [0, 40, 50, 100].
fn cut_apart_stats() -> String {
    [km("0, 50, 100"), km("0, 40, 50, 100")].concat()
}

/// Every small count the attacker can solve for over [40, 50) from
/// `released` events.
fn read_in_40_50(released: &[(f64, f64, f64)]) -> Option<f64> {
    solve(released, 40.0, 50.0).filter(|v| (0.5..9.5).contains(v))
}

fn events(steps: &[duet_stats::results::SurvivalStep]) -> Vec<(f64, f64, f64)> {
    steps
        .iter()
        .map(|s| (s.start, s.end, s.events as f64))
        .collect()
}

/// Two curves with different edges over the whole range: the second
/// merges [40, 50) (B's one death) into [40, 100), but the first curve's
/// [0, 50) minus the second's [0, 40) would be that death. Each count a
/// rule failed is a withheld value of the differencing test, which
/// withholds a span so that no combination gives it.
#[test]
fn two_curves_cut_apart_do_not_give_an_event_by_subtraction() {
    let job = job(COLUMNS, &cut_apart_stats());
    let (a, b) = cut_apart();
    let res = run(&job, &a, &b);
    let mut released = events(&steps(&res, 0));
    released.extend(events(&steps(&res, 1)));
    assert!(!released.is_empty(), "nothing released");
    assert_eq!(read_in_40_50(&released), None, "released {released:?}");
}

/// The same two curves in two runs, each side keeping its ledger: the
/// first run's merged death must not be read from the second run's curve.
#[test]
fn a_later_curve_does_not_give_an_earlier_curves_merged_event() {
    let cut = cut_apart_stats();
    let (first, second) = cut.split_at(cut.rfind("\n[[statistic]]").unwrap() + 1);
    let (a, b) = cut_apart();
    let dir = tempfile::tempdir().unwrap();
    let run1 = super::secondary::run_keeping_ledgers(&job(COLUMNS, second), &a, &b, dir.path());
    let run2 = super::secondary::run_keeping_ledgers(&job(COLUMNS, first), &a, &b, dir.path());
    let mut released = events(&steps(&run1, 0));
    released.extend(events(&steps(&run2, 0)));
    assert!(!released.is_empty(), "nothing released");
    assert_eq!(read_in_40_50(&released), None, "released {released:?}");
}

/// A curve whose number at risk fails at 60 (three records beyond it, one
/// of them B's): the spans before 60 would give those three as the last
/// span's at risk minus its events and censored, and A, knowing its own
/// two, would read B's one. The records beyond are merged into the last
/// span, so the curve runs to its last edge and leaves no remainder.
#[test]
fn a_curve_stopped_by_its_number_at_risk_does_not_give_its_tail() {
    let stats = &km("0, 30, 60, 100");
    let job = job(COLUMNS, stats);
    let side = [("10,1", 12), ("20,0", 20), ("40,1", 12), ("50,0", 20)];
    let a = {
        let mut rows = side.to_vec();
        rows.push(("80,0", 2));
        csv("time,event", &rows)
    };
    let b = {
        let mut rows = side.to_vec();
        rows.push(("80,0", 1));
        csv("time,event", &rows)
    };
    let res = run(&job, &a, &b);
    let steps = steps(&res, 0);
    let last = steps.last().expect("a released step");
    let beyond = last.at_risk - last.events - last.censored;
    let theirs = beyond.saturating_sub(2);
    assert!(
        !(1..10).contains(&beyond) && !(1..10).contains(&theirs),
        "the attacker read {beyond} records beyond {}, {theirs} of them B's",
        last.end
    );
    assert_eq!(last.end, 100.0, "the curve must run to its last edge");
    // Past the failed number at risk no candidate is gated on its own
    // (its bits would tell whether a few records' counts are zero); only
    // the released spans merged with the rest are.
    let past_the_stop = bits_named(&res, "", "intervals 2..=");
    assert!(past_the_stop.is_empty(), "opened {past_the_stop:?}");
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
    assert_edges_refused(stats);
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

/// Each group's curve is gated on its own intervals' rule bits, wherever
/// its statistic stands in the job (here after a count): group x passes
/// everywhere; in group y [0, 30) holds 4 events (merged with [30, 60))
/// and only two records (one per side) pass 60, so its number at risk
/// there fails and [60, 100) is merged in too. Reading another group's or
/// statistic's counts or bits would gate y as x (more steps, or a tail
/// that fails its events or censored instead: another note) or x as y.
#[test]
fn each_group_is_gated_on_its_own_numbers_at_risk() {
    let columns = format!(
        "{COLUMNS}\n[[column]]\nname = \"g\"\nkind = \"category\"\nlevels = [\"x\", \"y\"]\n"
    );
    let stats = r#"
[[statistic]]
kind = "count"

[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "event"
by = ["g"]
edges = [0, 30, 60, 100]
"#;
    let side = csv(
        "time,event,g",
        &[
            ("10,1,x", 12),
            ("20,0,x", 20),
            ("40,1,x", 12),
            ("50,0,x", 20),
            ("80,1,x", 10),
            ("90,0,x", 10),
            ("10,1,y", 2),
            ("20,0,y", 11),
            ("40,1,y", 13),
            ("50,0,y", 10),
            ("80,0,y", 1),
        ],
    );
    let res = run(&job(&columns, stats), &side, &side);
    let curves = curves(&res, 1);
    let counts = |i: usize| -> Vec<(f64, f64, u64, u64, u64)> {
        curves[i]
            .steps
            .iter()
            .map(|s| (s.start, s.end, s.at_risk, s.events, s.censored))
            .collect()
    };
    assert_eq!(
        counts(0),
        [
            (0.0, 30.0, 168, 24, 40),
            (30.0, 60.0, 104, 24, 40),
            (60.0, 100.0, 40, 20, 20)
        ]
    );
    assert_eq!(curves[0].note, None);
    assert_eq!(counts(1), [(0.0, 100.0, 74, 30, 44)]);
    let note = curves[1].note.clone().unwrap_or_default();
    assert!(note.contains("from 60 on too few are at risk"), "{note}");
}

/// A curve whose number at risk fails at its first edge is withheld at
/// once: no rule bit of its intervals is opened (each would tell whether
/// a few records' events or censorings are zero).
#[test]
fn a_curve_too_small_to_start_opens_no_interval_bit() {
    let side = csv("time,event", &[("10,1", 2), ("50,0", 1)]);
    let res = run(&job(COLUMNS, STATS), &side, &side);
    let curve = curves(&res, 0).remove(0);
    assert!(curve.steps.is_empty(), "{:?}", curve.steps);
    let note = curve.note.unwrap_or_default();
    assert!(note.contains("from 0 on too few are at risk"), "{note}");
    let bits = bits_named(&res, "", "intervals");
    assert!(bits.is_empty(), "opened {bits:?}");
}

/// A curve with fewer intervals than another of the job ends with its own
/// last interval: no candidate past it is gated (its sums would read the
/// next statistic's counts) and its steps are its own intervals.
#[test]
fn a_shorter_curve_is_gated_only_on_its_own_intervals() {
    let stats = &[km("0, 50, 100"), km("0, 25, 50, 75, 100")].concat();
    let (a, b) = sides();
    let res = run(&job(COLUMNS, stats), &a, &b);
    let past_its_end = bits_named(&res, "#1 ", "intervals 2..=");
    assert!(past_its_end.is_empty(), "opened {past_its_end:?}");
    // B's death at 15 and censoring at 35 make [0, 50) fail: one step.
    let ends: Vec<f64> = steps(&res, 0).iter().map(|s| s.end).collect();
    assert_eq!(ends, [100.0]);
}

/// Each side's part of every released interval's events and censored
/// counts must pass the per-party rule (0 or at least `min_cell_per_party`,
/// here `min_cell` = 10), not only their pooled sums. A has one death in
/// [10, 20) beside B's eleven: 12 in all passes `min_cell`, and B, reading
/// 12, would know A's single death. The interval must merge on until A's
/// part passes too. (Removing the per-party test of the candidates, or
/// reading each candidate's censored bit from the wrong slot, released
/// [10, 20) with its 12 deaths.)
#[test]
fn each_sides_part_of_a_released_interval_passes_the_per_party_rule() {
    let job = job(COLUMNS, STATS);
    let a_rows = [(95, 0, 30), (85, 1, 12), (15, 1, 1)];
    let b_rows = [(95, 0, 30), (85, 1, 12), (15, 1, 11)];
    let text = |rows: &[(i64, u64, usize)]| {
        let lines: Vec<(String, usize)> = rows
            .iter()
            .map(|(t, e, n)| (format!("{t},{e}"), *n))
            .collect();
        let refs: Vec<(&str, usize)> = lines.iter().map(|(l, n)| (l.as_str(), *n)).collect();
        csv("time,event", &refs)
    };
    let res = run(&job, &text(&a_rows), &text(&b_rows));
    let steps = steps(&res, 0);
    assert!(!steps.is_empty());
    let part = |rows: &[(i64, u64, usize)], s: &duet_stats::results::SurvivalStep, event| {
        rows.iter()
            .filter(|(t, e, _)| *e == event && (*t as f64) >= s.start && (*t as f64) < s.end)
            .map(|(_, _, n)| *n as u64)
            .sum::<u64>()
    };
    for s in &steps {
        for event in [0, 1] {
            for (side, rows) in [("A", &a_rows[..]), ("B", &b_rows[..])] {
                let n = part(rows, s, event);
                assert!(
                    n == 0 || n >= 10,
                    "[{}, {}) releases {side}'s part {n} of its {} ({s:?})",
                    s.start,
                    s.end,
                    if event == 1 { "events" } else { "censored" }
                );
            }
        }
    }
}

/// A curve whose every interval passes ends with its last interval: no
/// stop, no note, and no tail candidate gated past its end (reading the
/// rule outcome one cell past a curve's last interval, another
/// statistic's or none, stopped it there: mutant `s.start <= l.bins`).
#[test]
fn a_curve_whose_every_interval_passes_has_no_note() {
    let stats = &km("0, 50, 100");
    let job = job(COLUMNS, stats);
    let side = csv(
        "time,event",
        &[("25,1", 15), ("25,0", 15), ("75,1", 15), ("75,0", 15)],
    );
    let res = run(&job, &side, &side);
    let curve = &curves(&res, 0)[0];
    assert_eq!(curve.steps.len(), 2, "{curve:?}");
    assert_eq!(curve.note, None, "{curve:?}");
    assert!(bits_named(&res, "", "intervals 0..=1").is_empty());
    // The disclosure record names the bits opened by group from 1, as
    // the results number groups.
    let named = bits_named(&res, "", "[group 1 intervals 1..=1].censored");
    assert_eq!(named.len(), 1, "{:?}", bits_named(&res, "", "intervals"));
}
