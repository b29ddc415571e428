//! Leak 5: `min_cell = 0` and `min_group = 0` were accepted silently, and
//! a job so written releases single records. Below the floor a checked
//! policy is now refused with a message naming the field; only
//! `disclosure = "off"` with a reason may go there.

use duet_stats::Job;

use super::common::{csv, job_text, run};

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

[[statistic]]
kind = "histogram"
column = "sbp"
edges = [50, 173, 174, 260]
"#;

/// A's and B's single west patients (the same sbp, so that at a
/// threshold of 2 they make a pair).
const A_WEST: i128 = 173;
const B_WEST: i128 = 173;

/// Loads the job with `policy`; if it is accepted, runs it and returns
/// what the attacker (A) computes of B's west patient from the released
/// west sum or mean, or the histogram's one-unit bin, less its own.
fn attack(policy: &str) -> Result<Vec<String>, String> {
    let text = job_text(COLUMNS, STATS, policy);
    let job = Job::from_toml_str(&text).map_err(|e| e.to_string())?;
    let a = csv("sbp,region", &[("120,north", 20), ("173,west", 1)]);
    let b = csv("sbp,region", &[("125,north", 20), ("173,west", 1)]);
    let res = run(&job, &a, &b);
    let sums = res.statistic(0).unwrap().cells().unwrap();
    let means = res.statistic(1).unwrap().cells().unwrap();
    let mut read = Vec::new();
    if let Some(s) = &sums[1].sum {
        let guess = s.parse::<i128>().unwrap() - A_WEST;
        read.push(format!("west sum {s} - {A_WEST} = {guess}"));
    }
    if let (Some(n), Some(m)) = (means[1].n, means[1].value) {
        let guess = (m * n as f64).round() as i128 - A_WEST;
        read.push(format!("west mean {m} x {n} - {A_WEST} = {guess}"));
    }
    let bins = res.statistic(2).unwrap().cells().unwrap();
    if let Some(n) = bins[1].n {
        let theirs = n - 1;
        read.push(format!("bin [173, 174) holds {n}, B's part {theirs}"));
    }
    Ok(read)
}

fn refused_naming(policy: &str, field: &str) {
    match attack(policy) {
        Ok(read) => panic!(
            "`{}` was accepted; A computes B's west sbp ({B_WEST}) as {read:?}",
            policy.replace('\n', " ")
        ),
        Err(message) => {
            assert!(message.contains(field), "{message}");
            assert!(message.contains("disclosure"), "{message}");
        }
    }
}

#[test]
fn min_cell_zero_is_refused_naming_the_field() {
    refused_naming("[policy]\nmin_cell = 0\nmin_group = 10\n", "min_cell");
}

#[test]
fn min_group_zero_is_refused_naming_the_field() {
    refused_naming("[policy]\nmin_cell = 10\nmin_group = 0\n", "min_group");
}

#[test]
fn min_cell_two_is_refused_naming_the_field() {
    // 2 lets either member of a pair subtract itself.
    refused_naming("[policy]\nmin_cell = 2\nmin_group = 10\n", "min_cell");
}
