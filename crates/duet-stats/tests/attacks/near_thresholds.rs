//! Every threshold at its edge: a cell one record (or one percent) below,
//! at, and above `min_cell`, `min_group`, `min_cell_per_party` and the
//! dominance share `k`. Each rule withholds below and releases at and
//! above (dominance: withholds only above `k`), so an off-by-one in any
//! comparison, or a rule applied to the wrong threshold, changes one of
//! these answers. One statistic per run, with no total released beside it,
//! so no secondary suppression hides what the primary rule decided.

use super::common::{csv, job_text, run};
use duet_stats::Job;

const COLUMNS: &str = r#"
[[column]]
name = "v"
kind = "integer"
min = 0
max = 100

[[column]]
name = "g"
kind = "category"
levels = ["below", "at", "above"]
"#;

fn job(statistic: &str, policy: &str) -> Job {
    let text = job_text(COLUMNS, statistic, &format!("[policy]\n{policy}\n"));
    Job::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Which cells of the first statistic were withheld.
fn withheld(job: &Job, a: &str, b: &str) -> Vec<bool> {
    let res = run(job, a, b);
    let cells = res.statistic(0).unwrap().cells().unwrap();
    cells.iter().map(|c| c.suppressed).collect()
}

/// `counts[i]` records of level i, every value 1.
fn rows(counts: [usize; 3]) -> String {
    csv(
        "v,g",
        &[
            ("1,below", counts[0]),
            ("1,at", counts[1]),
            ("1,above", counts[2]),
        ],
    )
}

const COUNT: &str = "[[statistic]]\nkind = \"count\"\nby = [\"g\"]\n";
const MEAN: &str = "[[statistic]]\nkind = \"mean\"\ncolumn = \"v\"\nby = [\"g\"]\n";
const SUM: &str = "[[statistic]]\nkind = \"sum\"\ncolumn = \"v\"\nby = [\"g\"]\n";

#[test]
fn min_cell_withholds_29_and_releases_30_and_31() {
    // min_cell_per_party = 3, so only the pooled threshold can withhold.
    let job = job(
        COUNT,
        "min_cell = 30\nmin_group = 3\nmin_cell_per_party = 3",
    );
    let got = withheld(&job, &rows([29, 30, 31]), &rows([0, 0, 0]));
    assert_eq!(got, [true, false, false]);
    // Split between the sides.
    let got = withheld(&job, &rows([15, 15, 16]), &rows([14, 15, 15]));
    assert_eq!(got, [true, false, false]);
}

#[test]
fn an_empty_cell_is_withheld_like_any_cell_below_min_cell() {
    // A released 0 would say that no record has the combination.
    let job = job(
        COUNT,
        "min_cell = 30\nmin_group = 3\nmin_cell_per_party = 3",
    );
    let got = withheld(&job, &rows([0, 30, 31]), &rows([0, 0, 0]));
    assert_eq!(got, [true, false, false]);
}

#[test]
fn min_group_gates_means_and_not_counts() {
    let policy = "min_cell = 5\nmin_group = 12\nmin_cell_per_party = 3";
    let (a, b) = (rows([6, 6, 7]), rows([5, 6, 6]));
    // Means need max(min_cell, min_group) = 12: 11 withheld, 12 and 13 released.
    assert_eq!(withheld(&job(MEAN, policy), &a, &b), [true, false, false]);
    // Counts need min_cell = 5 only: all three released.
    assert_eq!(withheld(&job(COUNT, policy), &a, &b), [false, false, false]);
}

#[test]
fn min_cell_per_party_withholds_9_and_releases_10_and_11() {
    let policy = "min_cell = 20\nmin_group = 20\nmin_cell_per_party = 10";
    // Pooled 40 in every cell; side B holds 9, 10 and 11 of them.
    let got = withheld(&job(COUNT, policy), &rows([31, 30, 29]), &rows([9, 10, 11]));
    assert_eq!(got, [true, false, false]);
    // The same on side A.
    let got = withheld(&job(COUNT, policy), &rows([9, 10, 11]), &rows([31, 30, 29]));
    assert_eq!(got, [true, false, false]);
}

/// A cell of 12 records whose 2 largest hold `top_percent`% of 100.
fn dominance_cell(level: &str, top_percent: usize) -> Vec<(String, usize)> {
    let first = 45;
    let second = top_percent - first;
    let rest = 100 - top_percent;
    // `rest` spread as evenly as integers allow over 10 records, each
    // below `second`, so the top two are the first two.
    let mut out = vec![
        (format!("{first},{level}"), 1),
        (format!("{second},{level}"), 1),
    ];
    let (q, r) = (rest / 10, rest % 10);
    out.push((format!("{},{level}", q + 1), r));
    out.push((format!("{q},{level}"), 10 - r));
    out
}

#[test]
fn dominance_withholds_91_percent_and_releases_90_and_89() {
    // n = 2, k = 90: withheld when the top 2 hold more than 90%.
    let policy = "min_cell = 10\nmin_group = 10\ndominance = { n = 2, k = 90 }";
    let mut lines: Vec<(String, usize)> = Vec::new();
    lines.extend(dominance_cell("below", 91));
    lines.extend(dominance_cell("at", 90));
    lines.extend(dominance_cell("above", 89));
    let borrowed: Vec<(&str, usize)> = lines.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    let a = csv("v,g", &borrowed);
    let b = rows([0, 0, 0]);
    // Levels are named for the threshold, not the share: "below" is the
    // cell above k (91%), "above" the one below it (89%).
    assert_eq!(withheld(&job(SUM, policy), &a, &b), [true, false, false]);
    // The released sums are the exact totals.
    let res = run(&job(SUM, policy), &a, &b);
    let cells = res.statistic(0).unwrap().cells().unwrap();
    let sums: Vec<Option<&str>> = cells.iter().map(|c| c.sum.as_deref()).collect();
    assert_eq!(sums, [None, Some("100"), Some("100")]);
}

const SURVIVAL_COLUMNS: &str = r#"
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

[[column]]
name = "g"
kind = "category"
levels = ["x", "y"]
"#;

fn curves(by: &str, a: &str, b: &str) -> Vec<duet_stats::results::SurvivalCurve> {
    let stat = format!(
        "[[statistic]]\nkind = \"kaplan_meier\"\ntime = \"time\"\nevent = \"event\"\nedges = [0, 25, 50, 75, 101]\n{by}\n"
    );
    let text = job_text(
        SURVIVAL_COLUMNS,
        &stat,
        "[policy]\nmin_cell = 10\nmin_group = 10\n",
    );
    let job = Job::from_toml_str(&text).unwrap();
    match &run(&job, a, b).statistic(0).unwrap().body {
        duet_stats::results::StatBody::Survival(s) => s.curves.clone(),
        other => panic!("not a survival result: {other:?}"),
    }
}

#[test]
fn survival_curves_by_group_are_gated_each_as_one_curve_alone() {
    // Events of 9 (withheld, merged) and 10 (released) in the intervals.
    let rows = |g: &str| {
        let lines = [
            (format!("30,1,{g}"), 9),
            (format!("60,1,{g}"), 10),
            (format!("90,0,{g}"), 30),
        ];
        lines
    };
    let text = |lines: Vec<(String, usize)>| {
        let b: Vec<(&str, usize)> = lines.iter().map(|(r, n)| (r.as_str(), *n)).collect();
        csv("time,event,g", &b)
    };
    let one = curves("", &text(rows("x").to_vec()), &text(vec![]));
    let mut both = rows("x").to_vec();
    both.extend(rows("y"));
    let two = curves("by = [\"g\"]", &text(both), &text(vec![]));
    assert_eq!(one.len(), 1);
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].steps, one[0].steps);
    assert_eq!(two[1].steps, one[0].steps);
}
