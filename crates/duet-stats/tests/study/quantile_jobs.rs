//! Quantile statistics the job validation refuses, each with its exact
//! one-line message, and the ones it accepts at the limits.

use duet_stats::job::{Decimal, StatisticSpec};
use duet_stats::{Job, JobError};

use super::common::job_head;

fn text(statistic: &str, policy: &str) -> String {
    format!(
        r#"{head}[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 0
max = 250
[[column]]
name = "grp"
kind = "category"
levels = ["a", "b"]
[[column]]
name = "wide"
kind = "decimal"
places = 6
min = 0
max = 10000000
[[column]]
name = "edge"
kind = "integer"
min = 0
max = 1099511627775
[[statistic]]
kind = "quantile"
{statistic}
[policy]
{policy}
"#,
        head = job_head("quantile-jobs", 1000)
    )
}

fn refused(statistic: &str) -> String {
    refused_under(statistic, "")
}

fn refused_under(statistic: &str, policy: &str) -> String {
    match Job::from_toml_str(&text(statistic, policy)) {
        Ok(_) => panic!("accepted: {statistic}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_probabilities_are_refused_with_the_value() {
    let cases = [
        (
            "p = [0.5, 1.0]",
            "quantile(sbp): p = 1 is not strictly between 0 and 1",
        ),
        (
            "p = [0]",
            "quantile(sbp): p = 0 is not strictly between 0 and 1",
        ),
        (
            "p = [-0.1]",
            "quantile(sbp): p = -0.1 is not strictly between 0 and 1",
        ),
        (
            "p = [1.5]",
            "quantile(sbp): p = 1.5 is not strictly between 0 and 1",
        ),
        (
            "p = []",
            "quantile(sbp): p must list at least one probability",
        ),
        (
            "p = [0.5, 0.25]",
            "quantile(sbp): p must be strictly increasing (found 0.5 then 0.25)",
        ),
        (
            "p = [0.5, \"0.50\"]",
            "quantile(sbp): p must be strictly increasing (found 0.5 then 0.5)",
        ),
        (
            "p = [\"0.1234567\"]",
            "quantile(sbp): p = 0.1234567 has more than 6 decimal places",
        ),
    ];
    for (p, want) in cases {
        assert_eq!(refused(&format!("column = \"sbp\"\n{p}")), want, "{p}");
    }
    let many: Vec<String> = (1..=33).map(|i| format!("0.{i:02}")).collect();
    assert_eq!(
        refused(&format!("column = \"sbp\"\np = [{}]", many.join(", "))),
        "quantile(sbp): p lists 33 probabilities; at most 32"
    );
    let e = refused("column = \"sbp\"\np = \"half\"");
    assert!(e.starts_with("job file: "), "{e}");
}

#[test]
fn a_grid_of_more_than_2_to_the_40_values_is_refused() {
    assert_eq!(
        refused("column = \"wide\""),
        "quantile(wide): column 'wide' spans 10000000000001 grid values (its bounds in steps of 0.000001), 44 bisection levels; at most 2^40 values: narrow the bounds or declare fewer places"
    );
    // Exactly 2^40 values (0 ..= 2^40 - 1): 40 levels, accepted.
    assert!(Job::from_toml_str(&text("column = \"edge\"", "")).is_ok());
}

#[test]
fn columns_of_the_wrong_kind_and_unknown_columns_are_named() {
    assert_eq!(
        refused("column = \"grp\""),
        "quantile(grp): column 'grp' must be numeric"
    );
    assert_eq!(
        refused("column = \"sbp\"\nby = [\"sbp\"]"),
        "quantile(sbp by sbp): column 'sbp' must be a category"
    );
    assert_eq!(
        refused("column = \"dbp\""),
        "quantile(dbp): unknown column 'dbp'"
    );
    let e = Job::from_toml_str(&text("column = \"grp\"", "")).unwrap_err();
    assert!(matches!(e, JobError::WrongColumnKind { .. }), "{e:?}");
}

#[test]
fn dp_jobs_refuse_quantiles() {
    assert_eq!(
        refused_under("column = \"sbp\"", "dp = { epsilon = 1.0 }"),
        "quantile(sbp): cannot be released under policy.dp (one record can move a quantile across the whole grid, so no noise scale follows from the bounds; DP quantiles need the exponential mechanism, not built); drop policy.dp or this statistic"
    );
}

#[test]
fn p_defaults_to_the_quartiles_and_is_kept_in_the_hash() {
    let job = Job::from_toml_str(&text("column = \"sbp\"\nby = [\"grp\"]", "")).unwrap();
    let Some(StatisticSpec::Quantile { p, .. }) = job.statistics().first() else {
        panic!("not a quantile");
    };
    let want: Vec<Decimal> = ["0.25", "0.5", "0.75"]
        .iter()
        .map(|t| Decimal::parse(t).unwrap())
        .collect();
    assert_eq!(p, &want);
    let spelled = Job::from_toml_str(&text(
        "column = \"sbp\"\nby = [\"grp\"]\np = [0.25, 0.50, \"0.75\"]",
        "",
    ))
    .unwrap();
    assert_eq!(job.hash(), spelled.hash());
    let other =
        Job::from_toml_str(&text("column = \"sbp\"\nby = [\"grp\"]\np = [0.5]", "")).unwrap();
    assert_ne!(job.hash(), other.hash());
}

#[test]
fn linked_studies_refuse_quantiles() {
    let head = job_head("linked-quantile", 1000);
    let job = format!(
        r#"{head}[link]
receiver = "p0"
p0 = ["id"]
p1 = ["id"]
[[column]]
name = "sbp"
kind = "integer"
party = "p1"
min = 0
max = 250
[[statistic]]
kind = "quantile"
column = "sbp"
"#
    );
    assert_eq!(
        Job::from_toml_str(&job).unwrap_err().to_string(),
        "quantile(sbp): is not available in a linked study (each side counts its own records of the column, which a join does not give it); run it as a pooled study"
    );
}

/// The known answers of `tests/data/quantile_type1.json` (R's type 1,
/// source in the file) through the crate's definition, and its bad `p`
/// through job validation.
#[test]
fn known_answers_of_r_type_1_from_the_vector_file() {
    let text = std::fs::read_to_string(super::common::data("quantile_type1.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(doc["source"].as_str().unwrap().contains("type = 1"));
    let (min, max) = (
        doc["grid"]["min"].as_i64().unwrap(),
        doc["grid"]["max"].as_i64().unwrap(),
    );
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for c in cases {
        let mut x: Vec<i64> = c["x"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        x.sort_unstable();
        let p = Decimal::parse(c["p"].as_str().unwrap()).unwrap();
        let places = p.places();
        let scaled = p.scaled(places).unwrap();
        let got = duet_stats::plan::type1_on_grid(&x, scaled, 10i64.pow(places), min, max);
        assert_eq!(got, c["want"].as_i64(), "x {x:?} p {p}");
    }
    for bad in doc["bad_p"].as_array().unwrap() {
        let p = bad.as_str().unwrap();
        let e = refused(&format!("column = \"sbp\"\np = [\"{p}\"]"));
        assert!(e.starts_with("quantile(sbp): p = "), "{p}: {e}");
    }
}
