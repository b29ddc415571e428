//! Leak 2: a threshold on the pooled count only. A cell of 9 records of
//! side A and 2 of side B passes `min_cell = 10` (11 records); A subtracts
//! its own part from the released sum and mean and learns the sum of B's 2
//! records. The per-party rule (each side's part 0 or at least
//! `min_cell_per_party`, by default `min_cell`) withholds the cell.

use super::common::{csv, job, run};

const COLUMNS: &str = r#"
[[column]]
name = "sbp"
kind = "integer"
min = 50
max = 260

[[column]]
name = "region"
kind = "category"
levels = ["north", "west"]
"#;

const STATS: &str = r#"
[[statistic]]
kind = "sum"
column = "sbp"
by = ["region"]

[[statistic]]
kind = "mean"
column = "sbp"
by = ["region"]
"#;

/// A: 20 north at 120, 9 west at 130. B: 20 north at 125, 2 west (140, 175).
fn data() -> (String, String) {
    let a = csv("sbp,region", &[("120,north", 20), ("130,west", 9)]);
    let b = csv(
        "sbp,region",
        &[("125,north", 20), ("140,west", 1), ("175,west", 1)],
    );
    (a, b)
}

const A_OWN_WEST: i128 = 9 * 130;
const B_WEST: i128 = 140 + 175;

#[test]
fn a_side_cannot_subtract_itself_from_a_pooled_cell() {
    let job = job(COLUMNS, STATS);
    let (a, b) = data();
    let res = run(&job, &a, &b);
    let sums = res.statistic(0).unwrap().cells().unwrap();
    let means = res.statistic(1).unwrap().cells().unwrap();
    // The north cell (20 and 20) is not at risk: it is released.
    assert_eq!(sums[0].sum.as_deref(), Some("4900"));
    if let Some(s) = &sums[1].sum {
        let guess = s.parse::<i128>().unwrap() - A_OWN_WEST;
        assert_ne!(
            guess, B_WEST,
            "B's 2 west records sum to {s} - {A_OWN_WEST}"
        );
    }
    if let (Some(n), Some(mean)) = (means[1].n, means[1].value) {
        let guess = (mean * n as f64).round() as i128 - A_OWN_WEST;
        assert_ne!(
            guess, B_WEST,
            "B's 2 west records sum to {mean} * {n} - {A_OWN_WEST}"
        );
    }
}
