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
kind = "count"
by = ["region"]

[[statistic]]
kind = "mean"
column = "sbp"
by = ["region"]
"#;

/// B's single west patient.
const B_WEST_SBP: f64 = 173.0;

/// Loads the job with `policy`; if it is accepted, runs it and returns what
/// the attacker reads of B's single west patient.
fn attack(policy: &str) -> Result<String, String> {
    let text = job_text(COLUMNS, STATS, policy);
    let job = Job::from_toml_str(&text).map_err(|e| e.to_string())?;
    let a = csv("sbp,region", &[("120,north", 20)]);
    let b = csv("sbp,region", &[("125,north", 20), ("173,west", 1)]);
    let res = run(&job, &a, &b);
    let means = res.statistic(1).unwrap().cells().unwrap();
    Ok(format!(
        "west n = {:?}, mean = {:?}",
        means[1].n, means[1].value
    ))
}

fn refused_naming(policy: &str, field: &str) {
    match attack(policy) {
        Ok(read) => panic!(
            "`{}` was accepted and released {read} (B's patient: {B_WEST_SBP})",
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
